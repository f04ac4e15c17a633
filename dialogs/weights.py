"""Every number the scoring and the quick check use, in one place, with its reason.

The interview and the quick check both turn evidence into two totals, how much points
to a product and how much to a service, and then compare them. Change a number here
and nothing else: tests/dialogs/test_scoring.py and the quick-check agreement script show what
moved.
"""

from __future__ import annotations

from dialogs.factors import Factor, Lean

# How one answer's lean splits into (product, service) evidence. A "mixed" answer is
# evidence for both poles at once: that is what makes a hybrid, not a zero.
LEAN_PARTS: dict[Lean, tuple[float, float]] = {
    Lean.PRODUCT: (1.0, 0.0),
    Lean.LEANS_PRODUCT: (0.5, 0.0),
    Lean.MIXED: (0.5, 0.5),
    Lean.LEANS_SERVICE: (0.0, 0.5),
    Lean.SERVICE: (0.0, 1.0),
}

# How much each factor counts in the verdict. The relationship after the sale is the
# deciding question in ITIL 4 (seed 003), so it counts double; where value comes from
# is the core distinction both blog seeds (000, 001) open with, so it counts 1.5.
FACTOR_WEIGHTS: dict[Factor, float] = {
    Factor.EFFORT: 1.0,
    Factor.INCOME: 1.0,
    Factor.SCALABILITY: 1.0,
    Factor.CUSTOMIZATION: 1.0,
    Factor.ENGAGEMENT: 1.0,
    Factor.VALUE_SOURCE: 1.5,
    Factor.DELIVERY: 1.0,
    Factor.LIFECYCLE: 1.0,
    Factor.OWNERSHIP: 2.0,
}

# The offering's family ("Software, app or plugin") hints at where value comes from; the
# question that asks it directly is the member's answer, so the hint counts half as much.
PROFILE_WEIGHT = 0.5

# The free-text description in the interview is read by the quick check; its phrases
# count at this fraction of an answered question, since a chosen option is firmer
# evidence than a word that happened to appear.
DESCRIPTION_WEIGHT = 0.5

# A factor reading is named after a pole only when its (service - product) lean is at
# least this far from zero; nearer than that it reads "both".
FACTOR_LEAN_THRESHOLD = 0.25

# Without an explicit hybrid shape, an interview is a hybrid when the overall lean is
# within this band of zero and both poles carry at least HYBRID_MIN_SIDE of evidence.
HYBRID_BAND = 0.2
HYBRID_MIN_SIDE = 0.3

# Confidence for a product or service verdict: CONFIDENCE_BASE plus up to
# CONFIDENCE_SPAN, scaled by how decided the lean is (full at STRONG_LEAN) and by how
# many factors were answered (half credit with none, full with all). It never reaches
# 1.0: an interview of a dozen questions cannot be certain.
CONFIDENCE_BASE = 0.4
CONFIDENCE_SPAN = 0.55
STRONG_LEAN = 0.6
# The "half credit" above: the share of the span an interview earns with no factor answered.
COVERAGE_FLOOR = 0.5

# Confidence for a hybrid: the shape named by an answer is firm evidence on its own
# (HYBRID_SHAPE_CONFIDENCE); a hybrid found only by balance starts lower. Both grow
# with factor coverage by up to HYBRID_COVERAGE_SPAN.
HYBRID_SHAPE_CONFIDENCE = 0.6
HYBRID_BALANCE_CONFIDENCE = 0.45
HYBRID_COVERAGE_SPAN = 0.3
# However firmly a shape is named, a hybrid's confidence stops here, as a product's or a
# service's does (CONFIDENCE_BASE + CONFIDENCE_SPAN).
HYBRID_CONFIDENCE_CAP = 0.95

# A hybrid shape named by an answer (a service layer, hosting it, a fixed package) needs
# the rest of the interview behind it: at least this many factors must read towards the
# other pole or both, so one "yes" to a paid extra cannot outvote nine product answers.
HYBRID_SHAPE_MIN_FACTORS = 2
# A productized service needs its sameness shown by at least this many factors.
PRODUCTIZED_MIN_FACTORS = 1

# --- quick check -------------------------------------------------------------------

# Below this much total evidence a description says too little: the verdict is
# "unclear" and the member is pointed to the interview. One clear phrase ("Notion
# templates", "logo design") weighs 1.0, so a single clear phrase is enough.
QUICK_UNCLEAR_BELOW = 0.75

# A description is a hybrid when the weaker pole has at least this share of the
# stronger one and at least QUICK_HYBRID_MIN_SIDE of evidence of its own.
QUICK_HYBRID_RATIO = 0.5
QUICK_HYBRID_MIN_SIDE = 0.75

# A negated service phrase ("no calls") is evidence for the product pole, and the other
# way round, but weaker than the phrase itself: saying what an offering is not is a
# hint, not a description.
NEGATION_FLIP_WEIGHT = 0.6

# How many words before a phrase a negation reaches ("no live calls": two words).
NEGATION_WINDOW = 3

# Quick-check confidence: QUICK_CONFIDENCE_BASE plus up to QUICK_CONFIDENCE_SPAN as the
# evidence grows to QUICK_FULL_EVIDENCE and as the margin between the poles widens.
QUICK_CONFIDENCE_BASE = 0.45
QUICK_CONFIDENCE_SPAN = 0.45
QUICK_FULL_EVIDENCE = 3.0

# The learned model (dialogs/learned.py) turns all of that into a probability per
# verdict. Below this probability for its best verdict the evidence is split in a way
# the model cannot settle, and the answer is "unclear" (chosen by cross-validation on the
# tuning sets: scripts/train_quickcheck.py prints the trade-off).
QUICK_UNSURE_BELOW = 0.3

# The verdict's probabilities are this share the embedding model's (dialogs/embedding.py)
# and the rest the word model's: cross-validated on the tuning sets, an even mix reads
# real English descriptions best.
QUICK_MEANING_SHARE = 0.5

# Where the lexicon composed a hybrid from its parts and the model picks a pole with less
# than this probability (after the mix's temperature), the composition wins: a product
# part sold with the service around it is a hybrid (seed 004). Cross-validated on the
# tuning sets it is within 2 of 1,305 rows of the best bar (0.5), which would call "a
# self-paced course and weekly coaching sessions" a service.
QUICK_PARTS_WIN_BELOW = 0.55

# Where the lexicon reaches no verdict, a description with fewer distinct words and word
# pairs than this says too little to call ("des cours"): "unclear".
QUICK_THIN_WORDS = 5

# The quick check quotes at most this many of the words the model weighed most, and only
# words that pull the call at least QUICK_MIN_QUOTED_PULL (in the model's score units)
# towards its verdict: a word below it only tipped a balance.
QUICK_CUES = 4
QUICK_MIN_QUOTED_PULL = 0.3

# How much one lexicon phrase weighs, by the strength its entry declares: a strong
# phrase ("instant download", "retainer") settles a pole on its own; a weak one
# ("tool", "lessons") only tips a balance or joins others.
PHRASE_WEIGHTS: dict[str, float] = {
    "strong": 1.5,
    "normal": 1.0,
    "weak": 0.5,
}

# Phrases in a clause about the past ("I started out selling templates, but now ...")
# describe what the member no longer sells, so they count at this fraction.
PAST_CLAUSE_WEIGHT = 0.3

# --- roadmap -------------------------------------------------------------------------

# Every step starts from its priority: "high" for the first move on a path (plan before
# building, write the service boundary down), "low" for steps that pay off later.
ROADMAP_PRIORITY: dict[str, float] = {"high": 2.0, "raised": 1.5, "normal": 1.0, "low": 0.8}

# What a fit with the member adds: their goal counts most, then a factor that works
# against their verdict, then the answer a step needs (a membership for retention).
ROADMAP_GOAL_BONUS = 3.0
ROADMAP_WEAK_FACTOR_BONUS = 2.0
ROADMAP_SAID_BONUS = 2.0

# A step that fits nothing the member said scores its priority alone; below this it is
# left out unless fewer than three steps would remain.
ROADMAP_MIN_SCORE = 1.5
