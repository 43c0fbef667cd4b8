"""Domain types of the script engine (§3.2, §3.3, §3.4) and their validation.

These are pydantic models so that one definition gives validation with field-named errors,
the JSON schema we ask the LLM to follow, and plain-dict (de)serialisation for the
database's JSON columns. Nothing here knows about HTTP, Celery or SQL.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from shared.errors import DomainValidationError

M = TypeVar("M", bound=BaseModel)


class Style(StrEnum):
    PROFESSIONAL = "professional"
    CASUAL = "casual"
    TECHNICAL = "technical"
    SALES = "sales"


class SceneType(StrEnum):
    INTRO = "intro"
    PROBLEM = "problem"
    SOLUTION = "solution"
    FEATURE = "feature"
    DEMO = "demo"
    COMPARISON = "comparison"
    CTA = "cta"
    OUTRO = "outro"


class Impact(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Tier(StrEnum):
    PREMIUM = "premium"
    MID = "mid"
    BUDGET = "budget"


ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Improvement(_Frozen):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: LongText = ""
    category: ShortText | None = None
    impact: Impact | None = None
    metrics: dict[ShortText, ShortText] = Field(default_factory=dict)


class ImprovementPlan(_Frozen):
    overall_strategy: LongText = ""
    improvements: tuple[Improvement, ...] = Field(default=(), max_length=50)

    @classmethod
    def parse(cls, data: Any) -> ImprovementPlan:
        """Validate an improvement-plan document; errors name the field path."""
        return parse_model(cls, data, prefix="improvement_plan")


class LeadInfo(_Frozen):
    """What the engine needs to know about a lead (no PII beyond the contact's name)."""

    company_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    industry: str | None = None
    website_url: str | None = None
    contact_name: str | None = None
    value: Decimal = Field(default=Decimal("0"), ge=0)


class DemoSiteInfo(_Frozen):
    url: str


class GenerationOptions(_Frozen):
    style: Style = Style.PROFESSIONAL
    max_duration_seconds: int = Field(default=120, ge=30, le=300)
    include_intro: bool = True
    include_cta: bool = True
    custom_instructions: LongText | None = None
    model: str | None = Field(
        default=None, description="Explicit model; honoured only when configuration allows."
    )

    @classmethod
    def parse(cls, data: Any) -> GenerationOptions:
        return parse_model(cls, data)


class Section(_Frozen):
    """One timed section of a script; also the schema the LLM must answer in."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    content: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    duration_seconds: int = Field(ge=1, le=300)
    scene_type: SceneType
    visual_cues: tuple[Annotated[str, StringConstraints(max_length=300)], ...] = ()
    camera_instructions: Annotated[str, StringConstraints(max_length=500)] | None = None


class Script(_Frozen):
    """A complete script. ``total_duration_seconds`` is always the sum of the sections."""

    style: Style
    sections: tuple[Section, ...] = Field(min_length=1, max_length=12)
    target_audience: str = ""
    key_messages: tuple[str, ...] = ()
    validation_warnings: tuple[str, ...] = ()

    @property
    def total_duration_seconds(self) -> int:
        return sum(section.duration_seconds for section in self.sections)


class CallOutcome(StrEnum):
    SUCCESS = "success"
    TRANSIENT_ERROR = "transient_error"  # timeout, connection, 429, 5xx: retried
    FATAL_ERROR = "fatal_error"  # 400/401/403/404: misconfiguration, not retried
    INVALID_REPLY = "invalid_reply"  # malformed JSON or schema-invalid content
    # Provisional: written before the request goes out, replaced when the reply arrives,
    # so a worker that dies mid-call still leaves the call (and its estimated prompt cost)
    # in the ledger. A later attempt of the job marks what its predecessor left INTERRUPTED.
    IN_FLIGHT = "in_flight"
    INTERRUPTED = "interrupted"

    @property
    def provisional(self) -> bool:
        return self in (CallOutcome.IN_FLIGHT, CallOutcome.INTERRUPTED)


class CallPurpose(StrEnum):
    GENERATE = "generate"
    REPAIR = "repair"
    TIMING_FIX = "timing_fix"
    REGENERATE_SECTION = "regenerate_section"


class LLMCallRecord(_Frozen):
    """One LLM call as the cost ledger stores it (§5.4), successful or not."""

    sequence: int = Field(ge=0, description="Order of the call within one engine run.")
    model: str
    tier: Tier
    purpose: CallPurpose
    outcome: CallOutcome
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    cost_source: str = "none"  # "provider" | "computed" | "estimate" (in flight) | "none"
    latency_seconds: float = 0.0
    error: str | None = None


class GeneratedScript(_Frozen):
    """What the engine returns: the script plus the record of every LLM call made.

    ``warnings`` are for the job that asked (§4 job result): what a person should know
    about how the script came to be (the offline script replaced the LLM's, and why).
    ``metadata["timing_fixed"]``, present when an LLM wrote the words, says whether the
    deterministic timing fix had to change them (the quality report's timing-fix rate).
    """

    script: Script
    model_used: str  # "offline" when no LLM wrote it
    tier: Tier | None
    fallback_used: bool
    fallback_reason: str | None = None
    calls: tuple[LLMCallRecord, ...] = ()
    generation_time_seconds: float = 0.0
    metadata: dict[str, Any] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def cost_usd(self) -> Decimal:
        return sum((call.cost_usd for call in self.calls), Decimal("0"))

    @property
    def prompt_tokens(self) -> int:
        return sum(call.prompt_tokens for call in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(call.completion_tokens for call in self.calls)


def parse_model(model: type[M], data: Any, *, prefix: str = "") -> M:
    """Validate ``data`` into ``model``; turn the first error into a field-named domain error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        field = ".".join(part for part in (prefix, path) if part) or prefix or "body"
        raise DomainValidationError(field, first["msg"]) from None
