"""Privacy and readiness records: consents, one-time phone codes, waivers.

A consent is never edited: giving it again makes a new row, withdrawing stamps
`withdrawn_at`. A waiver text is never edited either: publishing makes a new version.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.types import UTCDateTime
from coordinator.models.volunteers import Volunteer
from coordinator.timeutil import now_utc


class ConsentChannel(StrEnum):
    JOIN = "join"  # the public join page
    PAPER = "paper"  # a paper form, entered by staff
    IMPORT = "import"  # a CSV/API import of consents collected elsewhere
    PERSONAL = "personal"  # asked again on the personal page after a new notice


class Consent(db.Model):
    """What one volunteer agreed to, under which notice version, when and how."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("channel IN ('join', 'paper', 'import', 'personal')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    notice_version: Mapped[str] = mapped_column(String(20))
    purposes: Mapped[list] = mapped_column(JSON, default=list)
    optional_items: Mapped[list] = mapped_column(JSON, default=list)
    channel: Mapped[str] = mapped_column(String(10))
    # Under 14 the guardian consents; their name is on the volunteer row, verified by code.
    by_guardian: Mapped[bool] = mapped_column(default=False)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    volunteer: Mapped[Volunteer] = relationship()


class PhoneCode(db.Model):
    """A one-time code sent by SMS to prove a number; only its hash is kept.

    UNUSED > USED (right code in time) or dead (expired, or too many wrong tries).
    """

    __tablename__ = "phone_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # join, guardian
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WaiverVersion(db.Model):
    """One published version of the organisation's waiver text, in both languages."""

    __tablename__ = "waiver_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_ko: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


class WaiverAcceptance(db.Model):
    """A volunteer accepted a waiver version (on their page, or on paper recorded by staff)."""

    __tablename__ = "waiver_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    waiver_version_id: Mapped[int] = mapped_column(
        ForeignKey("waiver_versions.id", ondelete="RESTRICT")
    )
    channel: Mapped[str] = mapped_column(String(10))  # personal, paper
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    renewal_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    waiver: Mapped[WaiverVersion] = relationship()
