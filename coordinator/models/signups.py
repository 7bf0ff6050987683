"""Signups (a volunteer in a position) and attendance on the day."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.missions import Mission, Position, Vehicle
from coordinator.models.staff import StaffUser
from coordinator.models.types import UTCDateTime
from coordinator.models.volunteers import Volunteer
from coordinator.timeutil import now_utc


class SignupStatus(StrEnum):
    """waitlisted > offered > confirmed; confirmed > cancelled; offered > waitlisted (expired).

    `offered` holds a freed place for the first waitlisted volunteer until they answer
    YES or the offer expires; confirmed and offered signups both count in Position.filled.
    """

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CANCELLED = "cancelled"


HOLDS_PLACE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED)


class SignupSource(StrEnum):
    SMS = "sms"
    WEB = "web"  # the volunteer's personal page
    API = "api"
    STAFF = "staff"  # added by hand on the roster
    WALK_IN = "walk_in"


# The partial unique index's condition, word for word: ON CONFLICT must repeat it exactly.
LIVE_SIGNUP_INDEX_WHERE = text("status != 'cancelled'")


class Signup(db.Model):
    __tablename__ = "signups"
    __table_args__ = (
        CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'offered', 'cancelled')", name="status_known"
        ),
        # One live signup per volunteer and position; cancelled ones are history.
        Index(
            "uq_signups_live_volunteer_position",
            "volunteer_id",
            "position_id",
            unique=True,
            sqlite_where=LIVE_SIGNUP_INDEX_WHERE,
            postgresql_where=LIVE_SIGNUP_INDEX_WHERE,
        ),
        Index("ix_signups_position_status", "position_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="SET NULL"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_late_cancel: Mapped[bool] = mapped_column(default=False)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # On the day: what the volunteer last said about getting there (see domain/on_the_way.py).
    travel_status: Mapped[str | None] = mapped_column(String(12))  # on_the_way, running_late
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    travel_said_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    volunteer: Mapped[Volunteer] = relationship()
    position: Mapped[Position] = relationship()
    mission: Mapped[Mission] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    attendance: Mapped["Attendance | None"] = relationship(
        back_populates="signup", cascade="all, delete-orphan", uselist=False
    )

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDS_PLACE


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    NO_SHOW = "no_show"
    EXCUSED = "excused"


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint("status IN ('present', 'late', 'no_show', 'excused')", name="status_known"),
        CheckConstraint(
            "checked_out_at IS NULL OR checked_in_at IS NULL OR checked_out_at >= checked_in_at",
            name="out_after_in",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(
        ForeignKey("signups.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    marked_via: Mapped[str] = mapped_column(String(20), default="staff")  # staff, sms, web, auto
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    signup: Mapped[Signup] = relationship(back_populates="attendance")
    marked_by: Mapped[StaffUser | None] = relationship()


class AttendanceEvent(db.Model):
    """One mark on a signup's attendance, kept as history: the Attendance row is the last one."""

    __tablename__ = "attendance_events"
    __table_args__ = (
        CheckConstraint(
            "action IN ('check_in', 'check_out', 'late', 'no_show', 'excused')",
            name="action_known",
        ),
        Index("ix_attendance_events_signup_created", "signup_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("signups.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # the attendance status this mark left
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # the moment the mark is about
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    marked_via: Mapped[str] = mapped_column(String(20), default="staff")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    marked_by: Mapped[StaffUser | None] = relationship()
