"""The bot's own words on Discord (labels, headings, notices) in each shipped language.

The interview's content is translated in dialogs/i18n.py; this is the chrome around it.
A key missing in a language falls back to English.
"""

from __future__ import annotations

from typing import Any

UI: dict[str, dict[str, str]] = {
    "en": {
        "optional": " (optional)",
        "confidence": "Confidence {value}.",
        "kind": "Kind of offering: {family}.",
        "what_drove_it": "What drove it",
        "itil": "ITIL 4 reading",
        "costs_and_risks": "Costs and risks after the sale:",
        "roadmap": "Your roadmap",
        "continued": "{name} (continued)",
        "result_footer": "Offering Advisor · sources: the five articles behind DOMAIN.md",
        "step_of": "Step {position} of {total}",
        "pick_one": "Pick one.",
        "pick_many": "Pick one or more in the menu.",
        "press_type": "Press “Type your answer” to write it.",
        "answer_failed": "That answer did not work",
        "explain": "Let me explain this one differently",
        "so_far": "Your answer so far",
        "back": "Back",
        "skip": "Skip",
        "help": "Help",
        "cancel": "Cancel",
        "type": "Type your answer",
        "your_answer": "Your answer",
        "choose_one": "Choose one",
        "choose_many": "Choose all that apply",
        "welcome_back": "Welcome back: picking up where you left off, with your earlier answers kept.",
        "revived": "This interview had expired while you were away; your answers were kept, so carry on.",
        "started_over": "Started over.",
        "cancelled_title": "Interview cancelled",
        "cancelled_text": "Start again any time with `/advisor start`.",
        "confirm_cancel_title": "Cancel this interview?",
        "confirm_restart_title": "Start this interview again?",
        "confirm_discards": (
            "Your answers here ({count} so far) will be thrown away. Results you already have are kept."
        ),
        "confirm_cancel_yes": "Yes, cancel it",
        "confirm_restart_yes": "Yes, start again",
        "keep_going": "Keep going",
        "kept": "Nothing was changed: your interview is where you left it. Carry on with `/advisor resume`.",
        "confirm_expired": (
            "That confirmation has expired, so nothing was changed. Ask again if you still want to."
        ),
        "superseded": "This message was replaced by a newer one; its buttons no longer work.",
        "forget_prompt": (
            "This deletes every interview and result stored about you, in every server and in DMs. It"
            " cannot be undone."
        ),
        "forget_yes": "Delete everything",
        "forget_no": "Keep my data",
        "forget_kept": "Nothing was deleted.",
        "forget_changed": (
            "Your data changed after this was shown (a new answer or result), so nothing was deleted."
            " Run `/advisor forget` again to see what it would delete now."
        ),
    },
    "fr": {
        "optional": " (facultatif)",
        "confidence": "Confiance {value}.",
        "kind": "Type d'offre : {family}.",
        "what_drove_it": "Ce qui a pesé",
        "itil": "Lecture ITIL 4",
        "costs_and_risks": "Coûts et risques après la vente :",
        "roadmap": "Votre feuille de route",
        "continued": "{name} (suite)",
        "result_footer": "Offering Advisor · sources : les cinq articles derrière DOMAIN.md",
        "step_of": "Étape {position} sur {total}",
        "pick_one": "Choisissez une réponse.",
        "pick_many": "Choisissez une ou plusieurs réponses dans le menu.",
        "press_type": "Appuyez sur « Écrire ma réponse » pour la saisir.",
        "answer_failed": "Cette réponse n'a pas fonctionné",
        "explain": "Je vous l'explique autrement",
        "so_far": "Votre réponse actuelle",
        "back": "Retour",
        "skip": "Passer",
        "help": "Aide",
        "cancel": "Annuler",
        "type": "Écrire ma réponse",
        "your_answer": "Votre réponse",
        "choose_one": "Choisissez une réponse",
        "choose_many": "Choisissez toutes celles qui s'appliquent",
        "welcome_back": "Bon retour : on reprend là où vous vous étiez arrêté, avec vos réponses.",
        "revived": "Cet entretien avait expiré pendant votre absence ; vos réponses sont gardées, continuez.",
        "started_over": "C'est reparti depuis le début.",
        "cancelled_title": "Entretien annulé",
        "cancelled_text": "Recommencez quand vous voulez avec `/advisor start`.",
        "confirm_cancel_title": "Annuler cet entretien ?",
        "confirm_restart_title": "Recommencer cet entretien ?",
        "confirm_discards": (
            "Vos réponses ici ({count} pour l'instant) seront effacées. Les résultats que vous avez "
            "déjà sont gardés."
        ),
        "confirm_cancel_yes": "Oui, l'annuler",
        "confirm_restart_yes": "Oui, recommencer",
        "keep_going": "Continuer",
        "kept": (
            "Rien n'a changé : votre entretien est là où vous l'avez laissé. Reprenez avec `/advisor resume`."
        ),
        "confirm_expired": (
            "Cette confirmation a expiré, donc rien n'a changé. Redemandez si vous le souhaitez toujours."
        ),
        "superseded": "Ce message a été remplacé par un plus récent ; ses boutons ne fonctionnent plus.",
        "forget_prompt": (
            "Cela efface tous les entretiens et résultats enregistrés à votre sujet, dans chaque "
            "serveur et en messages privés. C'est définitif."
        ),
        "forget_yes": "Tout effacer",
        "forget_no": "Garder mes données",
        "forget_kept": "Rien n'a été effacé.",
        "forget_changed": (
            "Vos données ont changé depuis l'affichage de ce message (une nouvelle réponse ou un "
            "nouveau résultat), donc rien n'a été effacé. Relancez `/advisor forget` pour voir ce qui"
            " serait effacé maintenant."
        ),
    },
}


def ui(key: str, lang: str, **values: Any) -> str:
    template = UI.get(lang, {}).get(key) or UI["en"][key]
    return template.format(**values) if values else template
