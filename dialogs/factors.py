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
