"""Call-outs: who to ask, in which waves, and how far sending got."""

from typing import Literal

from pydantic import Field

from coordinator.api.schemas.common import ApiModel, LocalDateTime, count, example, text
from coordinator.domain.callouts import MAX_INTERVAL_MINUTES, MAX_NOTE_LENGTH, MAX_WAVE_SIZE
from coordinator.models import CallOutStatus, Skill


class AudienceIn(ApiModel):
    """Filters on who is asked; empty means anyone. Skills match if a volunteer has any."""

    skills: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    region: text(100) | None = None
    has_vehicle: bool | None = None
    language: Literal["ko", "en"] | None = None


class CallOutIn(ApiModel):
    model_config = example(
        audience={"skills": ["handler"], "region": "수원"},
        note="장화 필수",
        wave_size=50,
        wave_interval_minutes=15,
    )

    audience: AudienceIn = Field(default_factory=AudienceIn)
    note: text(MAX_NOTE_LENGTH * 2) = Field(
        "",
        description=f"an extra line in the SMS, at most {MAX_NOTE_LENGTH} characters once "
        "spaces are tidied; every character is paid for in every message",
    )
    wave_size: count(MAX_WAVE_SIZE) = Field(50, description="volunteers asked per wave (1 or more)")
    wave_interval_minutes: count(MAX_INTERVAL_MINUTES) = 15
    is_urgent: bool = Field(False, description="send during quiet hours too")


class AudienceOut(ApiModel):
    skills: list[str] = Field(default_factory=list)
    region: str | None = None
    has_vehicle: bool | None = None
    language: str | None = None


class Counters(ApiModel):
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int
    replied: int
    total: int


class CallOutOut(ApiModel):
    id: int
    mission_id: int
    status: CallOutStatus
    audience: AudienceOut
    note: str
    wave_size: int
    wave_interval_minutes: int
    is_urgent: bool
    waves_sent: int
    next_wave_at: LocalDateTime | None
    stopped_reason: str
    created_at: LocalDateTime
    started_at: LocalDateTime | None
    finished_at: LocalDateTime | None
    counters: Counters = Field(description="messages by status, and replies received")


class CallOutList(ApiModel):
    items: list[CallOutOut]


class CancelledCallOut(ApiModel):
    callout: CallOutOut
    messages_cancelled: int = Field(description="queued messages that will not be sent")
