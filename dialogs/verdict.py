"""What the advisor concludes: the verdict, its reasons and the roadmap, as data.

These models cross boundaries (stored as history, exported, rendered by every front
end), so they are frozen, strict and versioned with the result.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogs.factors import Factor

RESULT_SCHEMA_VERSION: Literal[1] = 1


class Verdict(StrEnum):
    DIGITAL_PRODUCT = "digital_product"
    DIGITAL_SERVICE = "digital_service"
    HYBRID = "hybrid"
    UNCLEAR = "unclear"


class HybridShape(StrEnum):
    PRODUCT_AS_A_SERVICE = "product_as_a_service"
    PRODUCT_WITH_SERVICE_LAYER = "product_with_service_layer"
    PRODUCTIZED_SERVICE = "productized_service"


Reading = Literal["product", "service", "both", "unknown"]
Owner = Literal["customer", "provider", "shared"]
Relationship = Literal["one-directional", "two-way", "mixed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Quote(_Frozen):
    """What a line of why quotes: the options chosen at one step, or a phrase the member wrote.

    It lets a front end rebuild the line in another language (dialogs/i18n.py); results
    stored before it existed have none, and still load.
    """

    step: str
    options: tuple[str, ...] = ()
    phrase: str | None = None


class Reason(_Frozen):
    """One part of a factor's line of why: what some answers mean for it, and those answers.

    ``phrase`` names the catalog line (``reason.<phrase>``); ``quotes`` are the answers
    that say it, so the line never states more than they did. ``contrary`` marks answers
    that pull against the factor's reading, shown after it ("…, though …").
    """

    phrase: str
    quotes: tuple[Quote, ...] = Field(min_length=1)
    contrary: bool = False


class FactorReading(_Frozen):
    factor: Factor
    title: str
    # Evidence for each pole, 0..1, and their difference: -1 all product, +1 all service.
    product: float = Field(ge=0, le=1)
    service: float = Field(ge=0, le=1)
    lean: float = Field(ge=-1, le=1)
    reading: Reading
    why: str
    source: str
    # Results stored before reasons existed quote one answer here and have no reasons.
    quote: Quote | None = None
    reasons: tuple[Reason, ...] = ()


class ItilReading(_Frozen):
    cost_and_risk_owner: Owner
    relationship: Relationship
    text: str
    source: str
    # For a hybrid, which part is the product and which the service (seed 004, the bike
    # and its classes); for a service, what the provider keeps carrying. They name catalog
    # phrases (``itil.product.<id>``, ``itil.service.<id>``).
    product_part: str | None = None
    service_parts: tuple[str, ...] = ()


class RoadmapStep(_Frozen):
    id: str
    title: str
    detail: str
    factor: Factor
    source: str
    # Why this step was chosen for this member: the answers it answers to, and that
    # sentence worded ("" for results stored before steps said why).
    because: tuple[Quote, ...] = ()
    # Set instead when no one answer put the step there: it is there for the verdict.
    for_verdict: Verdict | None = None
    why: str = ""
    # A version of the detail written for the member's kind of offering
    # (``roadmap.<id>.detail.<variant>``), where the step has one.
    variant: str | None = None


class Classification(_Frozen):
    schema_version: Literal[1] = RESULT_SCHEMA_VERSION
    verdict: Verdict
    hybrid_shape: HybridShape | None = None
    subtype: str | None = None
    confidence: float = Field(ge=0, le=1)
    summary: str
    factors: tuple[FactorReading, ...]
    itil: ItilReading
    roadmap: tuple[RoadmapStep, ...] = Field(min_length=3, max_length=6)
    stage: str | None = None
    goal: str | None = None
    description: str | None = None
