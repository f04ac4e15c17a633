"""The factors that separate a digital product from a digital service.

Each factor comes from ../shared/DOMAIN.md; ``SOURCES`` names the seed article that
supports it, so every line the bot states can be traced back. The wording is the
bot's own.
"""

from __future__ import annotations

from enum import StrEnum


class Factor(StrEnum):
    EFFORT = "effort"
    INCOME = "income"
    SCALABILITY = "scalability"
    CUSTOMIZATION = "customization"
    ENGAGEMENT = "engagement"
    VALUE_SOURCE = "value_source"
    DELIVERY = "delivery"
    LIFECYCLE = "lifecycle"
    OWNERSHIP = "ownership"


class Lean(StrEnum):
    """Which pole an answer or phrase points to, and how firmly."""

    PRODUCT = "product"
    LEANS_PRODUCT = "leans_product"
    MIXED = "mixed"
    LEANS_SERVICE = "leans_service"
    SERVICE = "service"


class Pole(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"


FACTOR_TITLES: dict[Factor, str] = {
    Factor.EFFORT: "Effort",
    Factor.INCOME: "Income",
    Factor.SCALABILITY: "Scalability",
    Factor.CUSTOMIZATION: "Customization",
    Factor.ENGAGEMENT: "Engagement",
    Factor.VALUE_SOURCE: "Value source",
    Factor.DELIVERY: "Delivery",
    Factor.LIFECYCLE: "Lifecycle",
    Factor.OWNERSHIP: "Costs and risks after the sale",
}

# Where each factor comes from (seed file prefix and section), see DOMAIN.md.
SOURCES: dict[Factor, str] = {
    Factor.EFFORT: "seed 001 (comparison table)",
    Factor.INCOME: "seed 001 (table), seed 000 (business models)",
    Factor.SCALABILITY: "seeds 000 and 001",
    Factor.CUSTOMIZATION: "seeds 000 and 001",
    Factor.ENGAGEMENT: "seed 000 (user engagement)",
    Factor.VALUE_SOURCE: "seeds 000 and 001",
    Factor.DELIVERY: "seed 000 (value creation and delivery)",
    Factor.LIFECYCLE: "seed 000 (characteristics)",
    Factor.OWNERSHIP: "seeds 002 and 003 (ITIL 4 definitions)",
}

# One line of why per factor and pole: what that reading means for the offering.
FACTOR_LINES: dict[Factor, dict[Pole, str]] = {
    Factor.EFFORT: {
        Pole.PRODUCT: "the work is done once, before buyers arrive",
        Pole.SERVICE: "the work repeats for every client you take on",
    },
    Factor.INCOME: {
        Pole.PRODUCT: "you earn per sale or licence, not per hour worked",
        Pole.SERVICE: "you earn for time, projects or ongoing work",
    },
    Factor.SCALABILITY: {
        Pole.PRODUCT: "more buyers cost you little extra time",
        Pole.SERVICE: "growth is capped by the hours you can give",
    },
    Factor.CUSTOMIZATION: {
        Pole.PRODUCT: "every buyer gets the same thing",
        Pole.SERVICE: "each client gets something shaped to them",
    },
    Factor.ENGAGEMENT: {
        Pole.PRODUCT: "buyers get on with it by themselves",
        Pole.SERVICE: "customers keep a two-way relationship with you",
    },
    Factor.VALUE_SOURCE: {
        Pole.PRODUCT: "the thing you made solves the problem",
        Pole.SERVICE: "your expertise, applied each time, solves the problem",
    },
    Factor.DELIVERY: {
        Pole.PRODUCT: "it is handed over at once, as a download or access",
        Pole.SERVICE: "value arrives as work delivered over time",
    },
    Factor.LIFECYCLE: {
        Pole.PRODUCT: "it changes through updates released to all buyers",
        Pole.SERVICE: "it changes as each client's needs change",
    },
    Factor.OWNERSHIP: {
        Pole.PRODUCT: "after the sale the customer carries the costs and risks",
        Pole.SERVICE: "after the sale you keep carrying costs and risks for the customer",
    },
}
