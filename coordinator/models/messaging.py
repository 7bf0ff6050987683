"""Call-outs, who they reached, every SMS in or out, and SMS conversation state."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.missions import Mission
from coordinator.models.staff import StaffUser
from coordinator.models.types import UTCDateTime
from coordinator.models.volunteers import Volunteer
from coordinator.timeutil import now_utc


class CallOutStatus(StrEnum):
    """draft > sending > done (mission full or audience exhausted); draft|sending > cancelled."""

    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class CallOut(db.Model):
    __tablename__ = "callouts"
    __table_args__ = (
        CheckConstraint("wave_size > 0", name="wave_size_positive"),
        CheckConstraint("wave_interval_minutes >= 0", name="wave_interval_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=CallOutStatus.DRAFT, index=True)
    # {"skills": [...], "region": str|None, "has_vehicle": bool|None, "language": str|None}
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")  # extra line added to the template
    wave_size: Mapped[int] = mapped_column(default=50)
    wave_interval_minutes: Mapped[int] = mapped_column(default=15)
    is_urgent: Mapped[bool] = mapped_column(default=False)
    waves_sent: Mapped[int] = mapped_column(default=0)
    next_wave_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_reason: Mapped[str] = mapped_column(String(50), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mission: Mapped[Mission] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()


class InvitationResponse(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Invitation(db.Model):
    """One volunteer reached by one call-out; a decline keeps later waves away from them.

    `role_id` is the role whose share of the wave picked them: when that role fills, their
    call-out message is cancelled if it has not left yet, whatever the other roles need.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("callout_id", "volunteer_id"),
        Index("ix_invitations_volunteer_mission", "volunteer_id", "mission_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    callout_id: Mapped[int] = mapped_column(ForeignKey("callouts.id", ondelete="CASCADE"))
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    wave: Mapped[int] = mapped_column(default=1)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    response: Mapped[str | None] = mapped_column(String(20))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    callout: Mapped[CallOut] = relationship()
    volunteer: Mapped[Volunteer] = relationship()


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class MessageStatus(StrEnum):
    """Outbound: queued > sending > sent > delivered | undelivered | failed;
    queued > cancelled (never handed to the provider). Inbound: received.

    `sending` is the worker's claim on the row, taken before the provider call.
    Provider callbacks only move a message forward (see STATUS_ORDER).
    """

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RECEIVED = "received"


STATUS_ORDER = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.CANCELLED: 3,
}


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        Index("ix_messages_status_send_after", "status", "send_after"),
        Index("ix_messages_volunteer_created", "volunteer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    phone: Mapped[str] = mapped_column(String(20))  # the volunteer's side, E.164
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30), default="reply")  # callout, reply, reminder…
    status: Mapped[str] = mapped_column(String(20))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    error_code: Mapped[int | None]
    error_message: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[int] = mapped_column(default=1)
    callout_id: Mapped[int | None] = mapped_column(
        ForeignKey("callouts.id", ondelete="SET NULL"), index=True
    )
    mission_id: Mapped[int | None] = mapped_column(
        ForeignKey("missions.id", ondelete="SET NULL"), index=True
    )
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)  # waves, quiet hours
    validity_seconds: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last handed to Celery
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_attention: Mapped[bool] = mapped_column(default=False)  # the coordinator's inbox
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    # The route it takes, chosen when it is queued (SMS_ROUTES by the recipient's country):
    # the provider (`twilio`, `solapi`, `console`) and the type (SMS, LMS, ALIMTALK).
    route: Mapped[str | None] = mapped_column(String(20))
    message_type: Mapped[str | None] = mapped_column(String(10))
    # Alimtalk only: {"template_id": ..., "variables": {"#{name}": value}}; the body is the
    # SMS fallback when KakaoTalk cannot deliver.
    provider_options: Mapped[dict | None] = mapped_column(JSON)

    volunteer: Mapped[Volunteer | None] = relationship()
    callout: Mapped[CallOut | None] = relationship()


class SmsRateBucket(db.Model):
    """The global send rate limit for the embedded default (Redis holds it in production).

    `next_at` is the epoch second of the next free sending slot (a GCRA token bucket).
    """

    __tablename__ = "sms_rate_buckets"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)


class ConversationState(db.Model):
    """What the volunteer was last asked by SMS (a menu of options), until it expires."""

    __tablename__ = "conversation_states"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
