"""The phrases the quick check looks for, and what each says about an offering.

Every entry names the factor it speaks to (see dialogs/factors.py, from DOMAIN.md),
the pole it points to, and how firmly (a strength whose weight lives in
dialogs/weights.py). Patterns are regular expressions over casefolded text; they are
matched on word boundaries, and where two overlap the longer one wins, so "email
marketing platform" is read as software rather than as a marketing service.

Flags:
- ``negation="flip"``: "no calls" is evidence for the other pole; the default
  ``"drop"`` ignores a negated phrase ("not a course" says nothing of what it is).
- ``audience=True``: skipped after "for"/"to", where the phrase names the buyer rather
  than the offering ("templates for therapists", "emails for SaaS apps").
- ``software=True``: the phrase names software; with recurring billing in the same
  description it reads as a product run as a service (SaaS, seed 003).
- ``marker=True``: a hybrid marker ("hosted", "fixed price", "with weekly coaching") that
  overlaps other phrases freely, so "hosted scheduling software" still counts the
  software as well as the hosting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from dialogs.bank import Tag
from dialogs.factors import Factor, Pole

Strength = Literal["strong", "normal", "weak"]

F = Factor


@dataclass(frozen=True)
class Entry:
    pattern: str
    factor: Factor
    pole: Pole
    strength: Strength = "normal"
    tags: tuple[Tag, ...] = ()
    family: str | None = None
    negation: Literal["flip", "drop"] = "drop"
    audience: bool = False
    software: bool = False
    marker: bool = False
    # Matched on the text as written ("text"), or on its lemmas ("lemmas": "design logo"
    # covers "designed logos", "designing a logo"), in the entry's language.
    on: Literal["text", "lemmas"] = "text"
    lang: Literal["en", "fr"] = "en"


def _entry(
    pole: Pole,
    pattern: str,
    factor: Factor,
    strength: Strength = "normal",
    *,
    tags: tuple[Tag, ...] = (),
    family: str | None = None,
    negation: Literal["flip", "drop"] = "drop",
    audience: bool = False,
    software: bool = False,
    marker: bool = False,
    on: Literal["text", "lemmas"] = "text",
    lang: Literal["en", "fr"] = "en",
) -> Entry:
    return Entry(
        pattern, factor, pole, strength, tags, family, negation, audience, software, marker, on, lang
    )


product = partial(_entry, Pole.PRODUCT)
service = partial(_entry, Pole.SERVICE)


RUNS_IT = (Tag.PROVIDER_RUNS_IT,)
FIXED = (Tag.FIXED_SCOPE,)
RECURRING = (Tag.RECURRING_REVENUE,)
LAYER = (Tag.SERVICE_LAYER,)

EBOOK = "e-book or guide"
COURSE = "online course"
TEMPLATE = "templates and assets"
SOFTWARE = "software or app"
GAME = "game"
PLATFORM = "digital platform or SaaS"
DEV = "development or implementation"
DESIGN = "design and creative work"
MARKETING = "digital marketing"
CONSULTING = "consulting and professional services"
COACHING = "coaching and education"
CLOUD = "cloud and support services"
COMMUNICATION = "communication services"
ENTERTAINMENT = "entertainment services"
ECOMMERCE = "e-commerce services"
FINANCIAL = "financial services"

# One entry matched on lemmas: (pole, pattern, factor, strength, the other flags).
LemmaRow = tuple[Pole, str, Factor, Strength, dict[str, Any]]


def _on_lemmas(lang: Literal["en", "fr"], rows: tuple[LemmaRow, ...]) -> tuple[Entry, ...]:
    return tuple(
        _entry(pole, pattern, factor, strength, lang=lang, on="lemmas", **options)
        for pole, pattern, factor, strength, options in rows
    )


FIXED_SCOPE_PATTERN = (
    r"fixed (?:price|fee|scope|package)|flat (?:fee|rate|price)|flat \$?\d+|\$\d[\d,]* "
    r"flat|one price|same package|same [a-z0-9-]+ (?:checklist|steps|style|deliverables)|"
    r"standard (?:checklist|forms?|style|package|deliverables)|in a box|packages?|"
    r"(?:\d+|three|two) (?:concepts|revision rounds|pages)|up to \d+ [a-z]+|"
    r"no custom add-ons"
)

LEXICON: tuple[Entry, ...] = (
    # ---- products: things made once (seeds 000, 001 name these) -------------------
    product(r"e-?books?|kindle|epub|audio ?books?", F.VALUE_SOURCE, "strong", family=EBOOK),
    product(
        r"(?:pdf|digital|field|printable|downloadable|step-by-step|ultimate|short) guides?"
        r"|guides? (?:to|on|for)",
        F.VALUE_SOURCE,
        family=EBOOK,
    ),
    product(
        r"workbooks?|cookbooks?|novels?|memoirs?|pdfs?|mp3s?|printables?|checklists?",
        F.VALUE_SOURCE,
        family=EBOOK,
    ),
    product(r"(?:a|the|my|our) book\b", F.VALUE_SOURCE, "weak", family=EBOOK),
    product(
        r"(?:video|online|audio|recorded|pre-?recorded|self-paced|mini-?|email|flagship|"
        r"photography|[a-z]+ skills) ?courses?|masterclass(?:es)?|courses? (?:on|in|for|about)",
        F.VALUE_SOURCE,
        "strong",
        family=COURSE,
    ),
    product(r"courses?", F.VALUE_SOURCE, "strong", family=COURSE),
    product(
        r"(?:video|recorded|pre-?recorded) (?:lessons?|modules?|classes)|pre-?recorded|"
        r"\d+ (?:lessons|modules)|modules",
        F.DELIVERY,
        "normal",
        family=COURSE,
    ),
    product(r"lessons?", F.VALUE_SOURCE, "weak", family=COURSE),
    product(
        r"templ(?:ate|at)s?|ui kits?|presets?|swipe files?|spreadsheets?|sound effects|"
        r"stock (?:photos|footage|music)|fonts?|icons? (?:pack|set)|(?:asset|template|preset|"
        r"sample|icon|texture|brush) packs?|themes?|worksheets?|planners?|calendars?|"
        r"battle maps|tokens for",
        F.VALUE_SOURCE,
        "strong",
        family=TEMPLATE,
    ),
    product(
        r"ready-to-(?:edit|use|print)|fill in the blanks|print at home", F.CUSTOMIZATION, family=TEMPLATE
    ),
    product(
        r"software(?: package)?|apps?|application|plugins?|plug-ins?|extensions?|utility|"
        r"utilities|(?:desktop|computer|software|tax-prep|windows|mac) programs?|librar(?:y|ies)|sdk|"
        r"scripts?|source code|add-ons? for|editor|"
        r"converter|crm|erp(?: system)?|lms|learning management system|tool(?=s? (?:for|that))",
        F.VALUE_SOURCE,
        "normal",
        family=SOFTWARE,
        software=True,
    ),
    product(r"tools?", F.VALUE_SOURCE, "weak", family=SOFTWARE, software=True),
    product(
        r"(?:mobile|ios|iphone|android|mac|windows|desktop|web) apps?|menu-bar app|"
        r"chrome extension|vst|wordpress plugin|app store|play store|in-app purchase",
        F.VALUE_SOURCE,
        "strong",
        family=SOFTWARE,
        software=True,
    ),
    product(
        r"games?|roguelike|visual novel|rpg|city builder|puzzle|steam|itch\.io|nintendo switch|"
        r"playstation|xbox",
        F.VALUE_SOURCE,
        "strong",
        family=GAME,
    ),
    product(
        r"devices?|hardware|gadgets?|thermostats?|smart (?:home|watch|speaker|lock|meter)s?",
        F.VALUE_SOURCE,
        "strong",
    ),
    product(r"platform|builder|system", F.VALUE_SOURCE, "weak", family=PLATFORM, software=True),
    # ---- products: how they are sold and used ------------------------------------
    product(
        r"one-?time (?:purchase|payment|fee|price)|pay(?:s|ing)? once|buy once|paid once|"
        r"one purchase|lifetime (?:licen[cs]e|access|deal)|perpetual licen[cs]e|"
        r"pay what you want|sell copies|per copy|keep (?:it|them) forever|"
        r"\$\d+(?:\.\d\d)? on (?:gumroad|etsy|the app store)",
        F.INCOME,
        "strong",
    ),
    product(r"licen[cs]es?|licen[cs]ed|gumroad|itch|etsy shop of|sold on", F.INCOME, "normal"),
    product(
        r"instant(?:ly)? (?:download|access)|downloads?|downloadable|download it|"
        r"delivered instantly|lifetime access|watch whenever|any ?time access",
        F.DELIVERY,
        "strong",
    ),
    product(
        r"self-?paced|(?:at|in) your own (?:pace|time)|on your own|by yourself|yourself|"
        r"yourselves|(?:practi[cs]e|work|learn) alone|get on with it|follow along|"
        r"themselves|install and run|self-?guided|self-?serve|grades? (?:you|themselves)|"
        r"automated",
        F.ENGAGEMENT,
    ),
    product(
        r"sold as-?is|as-?is|same (?:for|to) (?:every(?:one|body)|all)|off-the-shelf|"
        r"ready-?made|out of the box",
        F.CUSTOMIZATION,
        "strong",
    ),
    product(
        r"self-?hosted|on-?premises?|install(?:s|ed)? it yourself|you install(?: it)?|"
        r"on your own (?:servers?|hosting|till|computer|machine|device)|host (?:it )?yourself|"
        r"runs? offline|offline|run your own|deploy it",
        F.OWNERSHIP,
        "strong",
    ),
    product(r"updates? for (?:everyone|all)|free updates|new version", F.LIFECYCLE, "weak"),
    # ---- services: work done for each client (seeds 000, 001) ----------------------
    service(
        r"custom(?:i[sz]ed?|i[sz]ations?|i[sz]e)?|bespoke|tailor(?:ed|-made)?|"
        r"personali[sz]ed|made to (?:order|measure)|from scratch|from zero|to your brief|"
        r"from your brief|just for you|around your brand|in your voice|each (?:one|client|"
        r"customer|store) individually|for each client|for every client|to your (?:needs|"
        r"requirements|workflow)|based on (?:your|ur) check-?ins",
        F.CUSTOMIZATION,
        "strong",
        negation="flip",
    ),
    service(
        r"i (?:design|build|code|develop|create|make|write|draw|edit|run|manage|handle|"
        r"configure|implement|set up|host|fix|translate|reconcile|advise|coach|teach|help "
        r"you)|we (?:design|build|code|develop|create|make|write|run|manage|handle|"
        r"configure|implement|set up|host|fix|back up|tune|answer|monitor|look after)|"
        r"(?:update|install|configure) (?:your |the )?(?:plugins|themes|software|apps)",
        F.EFFORT,
        "normal",
        negation="drop",
    ),
    service(
        r"done-for-you|done for you|for hire|freelanc(?:e|er|ing)(?= (?:illustrator|designer|"
        r"developer|writer|editor|photographer|copywriter|consultant|here))|i freelance|"
        r"commissions?(?: open)?|on contract|agency|our team|our (?:admins|engineers|experts)",
        F.EFFORT,
        "strong",
        audience=True,
    ),
    service(
        r"for (?:my |our )?clients|client work|for (?:local )?(?:businesses|brands|startups)|"
        r"with clients",
        F.EFFORT,
        "weak",
    ),
    service(
        r"hourly|per hour|by the hour|[$£€]\d[\d.,]* (?:an|a|per) hour|per project|quoted|scoped|retainers?|"
        r"billed per project|day rate|per word|per session|per episode|two days a month|"
        r"days a month",
        F.INCOME,
        "strong",
        tags=RECURRING,
    ),
    service(
        r"monthly fee|month to month|month-to-month|per month|a month|/month|/mo|monthly|"
        r"weekly|every (?:week|month|day)|each month|subscriptions?|subscribe",
        F.INCOME,
        "weak",
        tags=RECURRING,
        negation="flip",
    ),
    service(
        r"ongoing|continuous(?:ly)?|long-term|on-?call|24/7|around the clock|within \d+ "
        r"hours|at \d+ ?a\.?m",
        F.DELIVERY,
        "normal",
    ),
    service(
        r"(?:delivered|done|ready) in \d+ (?:working )?(?:days|hours)|in (?:\d+|one|a) "
        r"(?:hours?|days?|weeks?)|\d+-(?:hour|day) turnaround|turnaround",
        F.DELIVERY,
        "normal",
    ),
    service(
        r"1:1|1-on-1|1 on 1|one-on-one|one to one|personally|in person|human",
        F.ENGAGEMENT,
        "strong",
        negation="flip",
    ),
    service(
        r"(?:video |phone |strategy |discovery |group |coaching |zoom |live )?calls(?! me)|"
        r"(?:video|phone|strategy|discovery|group|coaching|zoom|weekly|monthly|quarterly) "
        r"calls?|calls? with|sessions?|consultations?|check-?ins?|q&a|office hours|zoom|"
        r"meet (?:every|each|weekly)|we meet|workshops?|interview with you|feedback|"
        r"critique|review(?:s|ed)? (?:your|of your|ur)|revised|revisions?(?! (?:tracking|history|"
        r"control))|revision rounds|"
        r"talk to|chat (?:to|with) (?:a|our)|live chat|voice-note",
        F.ENGAGEMENT,
        "normal",
        negation="flip",
    ),
    service(
        r"live (?:classes|class|workshops?|sessions?|group|actors|magician|calls?|"
        r"conversation|q&a|stream(?:ing)?)|play live|livestream(?:s|ed)?|live\b",
        F.ENGAGEMENT,
        "normal",
        family=ENTERTAINMENT,
        negation="flip",
    ),
    service(
        r"coach(?:ing|es)?|tutor(?:ing|s)?|mentor(?:ing|ship)?|personal trainer|trainer|"
        r"train(?:ing)? (?:your|ur) (?:team|staff)|staff training",
        F.VALUE_SOURCE,
        "strong",
        family=COACHING,
        negation="flip",
        audience=True,
    ),
    service(
        r"consult(?:ing|ancy|ants?)|advis(?:e|ory|or|ors)|fractional|virtual (?:cfo|cto|"
        r"assistant|receptionist)|cfo|cto|lawyers?|attorneys?|legal advice|therap(?:y|ist|ists)|"
        r"psycholog(?:ist|y)|nutritionists?|telehealth|accountants?|bookkeep(?:ing|er)|"
        r"tax (?:return )?filing|translat(?:e|ion|ions|or)|receptionist|assessment|"
        r"vendor selection|course of treatment|expertise|experts?",
        F.VALUE_SOURCE,
        "strong",
        family=CONSULTING,
        negation="flip",
        audience=True,
    ),
    service(
        r"(?:web|app|software|shopify|wordpress|full-stack|mobile app) develop(?:ment|er)|"
        r"develop(?:s|ing)? (?:mobile )?apps? for|developers?|build(?:s|ing)? (?:websites|sites|"
        r"mvps|apps)|implement(?:ation|s|ing)?|rollouts?|roll-?out|migrat(?:e|ion|ions)|"
        r"data migration|integrations?|set(?:ting)? up and manage|setup sprint|"
        r"installation|install(?:s)? it (?:for you|and)|i install|set up your",
        F.EFFORT,
        "strong",
        family=DEV,
        audience=True,
    ),
    service(
        r"(?:logo|graphic|brand(?: identity)?|web|ui|ux|label|packaging|interior) design(?:s|er|ers)?|"
        r"illustrat(?:or|ions? (?:drawn|to))|artwork|retouching|photo editing|video editing|"
        r"podcast editing|copywriting services|ghostwriting|rewrite|rewritten|makeover|"
        r"design (?:requests|work)|design [a-z]+ graphics|drawn|craft a",
        F.VALUE_SOURCE,
        "strong",
        family=DESIGN,
    ),
    service(
        r"(?:social media|facebook|instagram|linkedin|google|ads?|ppc|seo|email marketing|"
        r"community|shop|store|etsy|amazon|account) manag(?:ement|ing|er)|manag(?:e|es|ed|"
        r"ing) (?:your|ur|the)|run(?:s|ning)? (?:the |your )?(?:ads|campaigns|socials|"
        r"linkedin|instagram)|we run your|(?:local )?seo|ppc|email marketing|digital marketing|"
        r"marketing agency|newsletter every|ad spend|social media managment",
        F.VALUE_SOURCE,
        "strong",
        family=MARKETING,
        negation="flip",
    ),
    service(
        r"managed|maintenance|maintain(?:s|ed|ing)?|look after|monitor(?:ing|s)?|"
        r"backups?|back up|patch(?:es|ing)?|uptime|incidents?|we handle|handle (?:the|your)|"
        r"tickets?|helpdesk(?! (?:software|ticketing))|help desk|it support|support team|"
        r"(?:technical|tech|ticket|priority|customer) support|support (?:contracts?|package|"
        r"plan)|support|success manager|onboarding",
        F.OWNERSHIP,
        "normal",
        negation="flip",
    ),
    service(
        r"we host|hosted (?:and maintained )?by us|fully hosted|host(?:ing)?(?! yourself)|"
        r"servers?|kubernetes|vps|cloud (?:hosting|storage|backup|servers?)|virtual servers|"
        r"data backup|storage management",
        F.OWNERSHIP,
        "normal",
        family=CLOUD,
    ),
    # Infrastructure rented out (servers, an API billed per call) is a product delivered
    # as a service, as IaaS and PaaS are (seed 003): the machine or the API is configured
    # once, and the provider keeps running it. The phrase says both.
    product(
        # Not "your own servers": there the customer runs it.
        r"(?<!own )servers?|vps|virtual machines?|cloud (?:hosting|storage|servers?|platform|usage)|"
        r"api (?:calls?|requests?)|per api|control panel|bandwidth|storage and bandwidth",
        F.VALUE_SOURCE,
        "normal",
        family=CLOUD,
        tags=RUNS_IT,
        marker=True,
    ),
    service(
        r"(?:game|video|music|film|movie|tv) streaming|streaming (?:service|platform|"
        r"subscription)|video on demand|online banking|bank account|"
        r"payments? (?:processing|built in)|email provider|video conferencing|messaging service|"
        r"virtual (?:events?|nights?|murder-mystery)|murder-mystery|magician|dj\b|i dj",
        F.DELIVERY,
        "normal",
        family=ENTERTAINMENT,
    ),
    service(
        r"order processing|returns|customer service|listings|buyer messages|customer "
        r"messages|inventory planning|store operations",
        F.EFFORT,
        "normal",
        family=ECOMMERCE,
    ),
    service(
        r"adjust(?:s|ed)? (?:your|ur|the|every|it)|adapt(?:s|ed)? (?:to|the)|adjusted|"
        r"as (?:you|your business) grow",
        F.LIFECYCLE,
        "normal",
    ),
    # ---- hybrid markers --------------------------------------------------------------
    service(
        r"saas|software as a service|[a-z]+ as a service|web-based|web app|in the browser|"
        r"runs in (?:the|your) browser|cloud-based|cloud [a-z]+(?= (?:system|software|tool|"
        r"platform|app))|cloud erp|hosted (?:[a-z-]+ )?(?:tool|app|software|platform|"
        r"builder|crm|solution)|in our console|per-?seat|per user|hosting included",
        F.OWNERSHIP,
        "normal",
        tags=RUNS_IT,
        audience=True,
        marker=True,
    ),
    # A fixed package says two things at once, as the bank's fixed_package option does:
    # the scope is the same for everyone (product side) and the price buys a piece of
    # work (service side). Both count, so the phrase tags the shape without tipping it.
    product(FIXED_SCOPE_PATTERN, F.CUSTOMIZATION, "weak", tags=FIXED, marker=True),
    service(FIXED_SCOPE_PATTERN, F.INCOME, "weak", tags=FIXED, marker=True),
    service(
        r"with (?:(?:weekly|monthly|live|1:1|one-on-one|group|personal|optional) )*(?:coaching|calls?|"
        r"sessions?|mentoring|feedback)",
        F.ENGAGEMENT,
        "weak",
        tags=LAYER,
        marker=True,
    ),
    service(
        r"plus (?:a |an )?(?:private )?(?:community|calls?|coaching|support|q&a|workshops?)|"
        r"comes with (?:a|an) [a-z0-9-: ]*(?:call|session)|bundled with|sold together with|"
        r"premium (?:tier|plan) adds|for an extra fee|optional (?:human|paid)|"
        r"add-on (?:call|session|coaching)",
        F.ENGAGEMENT,
        "normal",
        tags=LAYER,
    ),
    # ---- English, on lemmas: the words real pages use (tests/data/quickcheck_realworld_tune) ----
    *_on_lemmas(
        "en",
        (
            (
                Pole.PRODUCT,
                r"royalty[- ]free|rights[- ]managed|end product|license to use|licen[cs]e key|"
                r"commercial licen[cs]e|personal licen[cs]e|extended licen[cs]e|per seat licen[cs]e",
                F.INCOME,
                "strong",
                {},
            ),
            (
                Pole.PRODUCT,
                r"3d (?:model|asset)|digital (?:asset|download|file|product|planner|art)|"
                r"asset|icon|mockup|ui kit|loop|sample|stock (?:photo|video|footage|image)|clip art|svg|"
                r"print|printable|wallpaper|artwork file|image file",
                F.VALUE_SOURCE,
                "normal",
                {"family": TEMPLATE},
            ),
            (
                Pole.PRODUCT,
                r"upgrade|major version|minor update|release|new version|changelog|"
                r"lifetime (?:unlock|update|license)",
                F.LIFECYCLE,
                "normal",
                {},
            ),
            (
                Pole.PRODUCT,
                r"(?:ios|android|iphone|ipad|mac|windows) (?:app|application)|widget|in-app|"
                r"app store|google play|offline mode|sync across",
                F.VALUE_SOURCE,
                "strong",
                {"family": SOFTWARE, "software": True},
            ),
            (
                Pole.PRODUCT,
                r"(?:once|after) (?:purchase|purchased)|purchase|buy|checkout|download link|"
                r"file format|resolution|pixel|dpi|ppi|zip file",
                F.DELIVERY,
                "weak",
                {},
            ),
            (
                Pole.PRODUCT,
                r"gameplay|player|level|quest|boss|multiplayer|co-op|early access|"
                r"roguelike|platformer|soundtrack",
                F.VALUE_SOURCE,
                "normal",
                {"family": GAME},
            ),
            (
                Pole.SERVICE,
                r"(?:every|each|your) project|our process|design process|discovery|"
                r"proposal|scope of work|milestone|kick-?off|brief|deliverable|we research|"
                r"understand (?:the|your) business|your (?:company|business|brand|audience|footage|content)",
                F.CUSTOMIZATION,
                "normal",
                {"negation": "flip"},
            ),
            (
                Pole.SERVICE,
                r"charge[ds]? (?:at|per|by)|bill(?:ed)? (?:per|by|in|at|for)|per minute|"
                r"/hour|/hr|an hour of|half-hour|hours? of (?:work|time|attorney|design|editing)|"
                r"time (?:actually )?spent|track(?:ed)? in hours|hourly rate|day rate|rate per|"
                r"per word|word count",
                F.INCOME,
                "strong",
                {},
            ),
            (
                Pole.SERVICE,
                r"video edit(?:ing|or)|edit your|copywrit(?:er|ing)|translator|interpret(?:er|"
                r"ation)|subtitl(?:e|ing)|ghostwrit(?:er|ing)|virtual assistant|bookkeep(?:er|ing)|"
                r"accountant|attorney|lawyer|tutor|tutoring|therapist|psychotherap(?:y|ist)|dietitian|"
                r"nutritionist|photographer|social media manager|freelancer|consultant|agency|studio",
                F.VALUE_SOURCE,
                "strong",
                {"family": CONSULTING, "audience": True},
            ),
            (
                Pole.SERVICE,
                r"we (?:design|build|create|craft|develop|deliver|help|partner|work with|"
                r"transform|handle|manage|take care)|i (?:help|work with|offer|provide|deliver)|"
                r"over the phone|on a call|meet with",
                F.EFFORT,
                "normal",
                {},
            ),
            (
                Pole.SERVICE,
                r"unlimited (?:request|design|revision)|design request|request queue|queue|"
                r"one by one|active request|pause (?:or cancel|your subscription)|flat fee|fixed fee|"
                r"package price|audit document|logo composite",
                F.INCOME,
                "weak",
                {"tags": FIXED},
            ),
            (
                Pole.SERVICE,
                r"billing period|unused hour|block of hour|hour (?:pack|package|bank)|"
                r"pilot project|partnership|engagement letter|statement of work",
                F.INCOME,
                "normal",
                {},
            ),
            (
                Pole.PRODUCT,
                r"fitness equipment|exercise bike|treadmill|rower|hardware|equipment",
                F.VALUE_SOURCE,
                "normal",
                {},
            ),
            (
                Pole.SERVICE,
                r"digital membership|live class|on-demand class|instructor-led|coach-led",
                F.ENGAGEMENT,
                "normal",
                {"tags": LAYER},
            ),
            (
                Pole.SERVICE,
                r"replay|cohort|private (?:community|group|facebook group)|facebook group|"
                r"slack (?:community|group)|group coaching|coaching call|live q&a|accountability",
                F.ENGAGEMENT,
                "normal",
                {"tags": LAYER},
            ),
        ),
    ),
    # ---- French, on lemmas (the same facts, in the words French pages use) ----------------
    *_on_lemmas(
        "fr",
        (
            (
                Pole.PRODUCT,
                r"e-?book|livre (?:numérique|électronique)|roman|guide pdf|pdf",
                F.VALUE_SOURCE,
                "strong",
                {"family": EBOOK},
            ),
            (
                Pole.PRODUCT,
                r"modèle|template|gabarit|pack|kit|police|thème|preset",
                F.VALUE_SOURCE,
                "strong",
                {"family": TEMPLATE},
            ),
            (
                Pole.PRODUCT,
                r"formation en ligne|cours en ligne|vidéo|capsule|module|masterclass",
                F.VALUE_SOURCE,
                "normal",
                {"family": COURSE},
            ),
            (Pole.PRODUCT, r"cours|formation", F.VALUE_SOURCE, "weak", {"family": COURSE}),
            (
                Pole.PRODUCT,
                r"logiciel|application|appli|plugin|extension|freeware|outil",
                F.VALUE_SOURCE,
                "normal",
                {"family": SOFTWARE, "software": True},
            ),
            (Pole.PRODUCT, r"jeu(?: vidéo)?", F.VALUE_SOURCE, "normal", {"family": GAME}),
            (
                Pole.PRODUCT,
                r"télécharger|téléchargement|lien de téléchargement|accès immédiat|immédiatement",
                F.DELIVERY,
                "strong",
                {},
            ),
            (
                Pole.PRODUCT,
                r"paiement unique|achat unique|une seule fois|à vie|licence|prêt à (?:imprimer|"
                r"l'emploi|utiliser)|clé en main",
                F.INCOME,
                "normal",
                {},
            ),
            (Pole.PRODUCT, r"en autonomie|à votre rythme|vous-même|soi-même", F.ENGAGEMENT, "normal", {}),
            (
                Pole.SERVICE,
                r"sur mesure|personnalisé|personnalisation|adapter|adapté|besoin de chaque|"
                r"chaque (?:client|personne|projet)",
                F.CUSTOMIZATION,
                "strong",
                {"negation": "flip"},
            ),
            (
                Pole.SERVICE,
                r"accompagnement|accompagner|coaching|coach|coacher|mentorat|formateur|"
                r"formatrice|tuteur|professeur",
                F.VALUE_SOURCE,
                "strong",
                {"family": COACHING},
            ),
            (
                Pole.SERVICE,
                r"conseil|consultant|consultante|expert|expertise|audit|cabinet|avocat|"
                r"comptable|expert-comptable|traducteur|traduction",
                F.VALUE_SOURCE,
                "strong",
                {"family": CONSULTING},
            ),
            (
                Pole.SERVICE,
                r"graphiste|webdesign|identité visuelle|création visuel|direction artistique|"
                r"retouche|design",
                F.VALUE_SOURCE,
                "strong",
                {"family": DESIGN},
            ),
            (
                Pole.SERVICE,
                r"référencement|seo|sea|réseau social|community manager|rédaction|"
                r"stratégie|campagne",
                F.VALUE_SOURCE,
                "strong",
                {"family": MARKETING},
            ),
            (
                Pole.SERVICE,
                r"création de site|développement|développeur|intégration|refonte|"
                r"administrer|piloter|infogérance",
                F.EFFORT,
                "strong",
                {"family": DEV},
            ),
            (
                Pole.SERVICE,
                r"prestation|prestataire|mission|agence|freelance|indépendant|nous intervenir|"
                r"je réaliser|nous réaliser|collaboration|notre équipe",
                F.EFFORT,
                "strong",
                {},
            ),
            (
                Pole.SERVICE,
                r"devis|sur devis|tarif horaire|à l'heure|taux journalier|tjm|facturer|"
                r"jour par mois|régie",
                F.INCOME,
                "strong",
                {},
            ),
            (
                Pole.SERVICE,
                r"séance|rendez-vous|rencontre|appel|visio|face à face|atelier|suivi|"
                r"session",
                F.ENGAGEMENT,
                "normal",
                {"negation": "flip"},
            ),
            (
                Pole.SERVICE,
                r"maintenance|support|assistance|sauvegarde|sauvegarder|hébergement|"
                r"héberger|gestion d'incident|sla|centre d'aide",
                F.OWNERSHIP,
                "normal",
                {"negation": "flip"},
            ),
            (
                Pole.SERVICE,
                r"abonnement|par mois|mensuel|mensuellement|/mois",
                F.INCOME,
                "weak",
                {"tags": RECURRING},
            ),
        ),
    ),
    _entry(
        Pole.SERVICE,
        r"saas|plateforme|cloud|salle de cours virtuel|place de marché|logiciel en ligne",
        F.OWNERSHIP,
        "normal",
        tags=RUNS_IT,
        marker=True,
        lang="fr",
        on="lemmas",
    ),
    _entry(
        Pole.SERVICE,
        r"forfait|prix fixe|tarif fixe|formule|offre (?:clé en main|packagée)",
        F.INCOME,
        "weak",
        tags=FIXED,
        marker=True,
        lang="fr",
        on="lemmas",
    ),
    _entry(
        Pole.SERVICE,
        r"(?:avec|incluant|inclure|plus) (?:un |une |des )?(?:accompagnement|coaching|"
        r"séance|atelier|session)|coaching court",
        F.ENGAGEMENT,
        "weak",
        tags=LAYER,
        marker=True,
        lang="fr",
        on="lemmas",
    ),
)
