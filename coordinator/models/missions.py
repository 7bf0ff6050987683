"""Missions and what they need: roles, shifts, positions (role x shift x capacity), vehicles."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.staff import StaffUser
from coordinator.models.types import UTCDateTime
from coordinator.models.volunteers import Volunteer
from coordinator.timeutil import now_utc


class MissionStatus(StrEnum):
    """draft > recruiting > staffed > underway > done; any open state > cancelled.

    staffed falls back to recruiting when a place frees up.
    """

    DRAFT = "draft"
    RECRUITING = "recruiting"
    STAFFED = "staffed"
    UNDERWAY = "underway"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATUSES = (
    MissionStatus.DRAFT,
    MissionStatus.RECRUITING,
    MissionStatus.STAFFED,
    MissionStatus.UNDERWAY,
)


class MissionKind(StrEnum):
    FARM_CLOSURE = "farm_closure"
    HOARDING = "hoarding"
    CRUELTY_CASE = "cruelty_case"
    LARGE_ANIMAL = "large_animal"
    WILDLIFE = "wildlife"
    OTHER = "other"


mission_team_leads = Table(
    "mission_team_leads",
    db.metadata,
    Column("mission_id", ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_user_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
)


class Mission(db.Model):
    __tablename__ = "missions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "status IN ('draft', 'recruiting', 'staffed', 'underway', 'done', 'cancelled')",
            name="status_known",
        ),
        # An SMS code names one mission among the open ones; codes are reused later.
        Index(
            "uq_missions_open_code",
            "code",
            unique=True,
            sqlite_where=text("status NOT IN ('done', 'cancelled')"),
            postgresql_where=text("status NOT IN ('done', 'cancelled')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20), default=MissionKind.OTHER)
    status: Mapped[str] = mapped_column(String(20), default=MissionStatus.DRAFT, index=True)
    area: Mapped[str] = mapped_column(String(200), default="")  # shown to everyone
    address: Mapped[str] = mapped_column(String(300), default="")
    meeting_point: Mapped[str] = mapped_column(String(300), default="")
    is_address_confidential: Mapped[bool] = mapped_column(default=False)
    # Coordinates for directions (WGS84 degrees), typed or read from a pasted map link.
    meeting_lat: Mapped[float | None]
    meeting_lng: Mapped[float | None]
    address_lat: Mapped[float | None]  # confidential with the address until confirmed
    address_lng: Mapped[float | None]
    parking_notes: Mapped[str] = mapped_column(Text, default="")
    # When a coordinator entered the volunteers' hours on the 1365 portal (stops reminders).
    hours_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    briefing: Mapped[str] = mapped_column(Text, default="")
    what_to_bring: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    roles: Mapped[list["Role"]] = relationship(
        back_populates="mission", cascade="all, delete-orphan", order_by="Role.sort_order, Role.id"
    )
    shifts: Mapped[list["Shift"]] = relationship(
        back_populates="mission", cascade="all, delete-orphan", order_by="Shift.starts_at, Shift.id"
    )
    positions: Mapped[list["Position"]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    vehicles: Mapped[list["Vehicle"]] = relationship(
        back_populates="mission", cascade="all, delete-orphan", order_by="Vehicle.id"
    )
    animals: Mapped[list["ExpectedAnimals"]] = relationship(
        back_populates="mission", cascade="all, delete-orphan", order_by="ExpectedAnimals.id"
    )
    team_leads: Mapped[list[StaffUser]] = relationship(secondary=mission_team_leads)
    created_by: Mapped[StaffUser | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def animals_expected(self) -> int:
        return sum(a.count for a in self.animals)

    def __repr__(self) -> str:
        return f"<Mission {self.code} {self.status}>"


class ExpectedAnimals(db.Model):
    __tablename__ = "expected_animals"
    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id", ondelete="CASCADE"))
    species: Mapped[str] = mapped_column(String(50))
    count: Mapped[int]
    needs_crate: Mapped[bool] = mapped_column(default=True)  # a horse rides in a trailer

    mission: Mapped[Mission] = relationship(back_populates="animals")


class Role(db.Model):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("mission_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    sms_key: Mapped[str] = mapped_column(String(4), default="")  # "H" in "B7 H AM"
    required_skill: Mapped[str | None] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    # Readiness (coordinator/domain/readiness.py): youngest age on the shift's day, and
    # whether a waiver accepted within the last 12 months is needed.
    min_age: Mapped[int | None]
    requires_waiver: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    mission: Mapped[Mission] = relationship(back_populates="roles")
    positions: Mapped[list["Position"]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )


class Shift(db.Model):
    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50), default="")
    sms_key: Mapped[str] = mapped_column(String(4), default="")  # "AM" in "B7 H AM"
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    mission: Mapped[Mission] = relationship(back_populates="shifts")
    positions: Mapped[list["Position"]] = relationship(
        back_populates="shift", cascade="all, delete-orphan"
    )


class Position(db.Model):
    """A role in a shift with a capacity; `filled` counts confirmed signups.

    `filled` only ever changes through a conditional UPDATE in coordinator.domain.signups,
    and the check constraint stops it passing `capacity` whatever the concurrency.
    """

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("role_id", "shift_id"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("filled >= 0 AND filled <= capacity", name="filled_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    capacity: Mapped[int] = mapped_column(default=0)
    filled: Mapped[int] = mapped_column(default=0)

    mission: Mapped[Mission] = relationship(back_populates="positions")
    role: Mapped[Role] = relationship(back_populates="positions")
    shift: Mapped[Shift] = relationship(back_populates="positions")

    # Places left: the one definition, in Python and in SQL (filled never exceeds capacity).
    @hybrid_property
    def places_left(self) -> int:
        return max(self.capacity - self.filled, 0)

    @places_left.inplace.expression
    @classmethod
    def _places_left_sql(cls) -> ColumnElement[int]:
        return cls.capacity - cls.filled

    @hybrid_property
    def has_room(self) -> bool:
        return self.places_left > 0

    @has_room.inplace.expression
    @classmethod
    def _has_room_sql(cls) -> ColumnElement[bool]:
        return cls.filled < cls.capacity

    @property
    def is_full(self) -> bool:
        return not self.has_room


class Vehicle(db.Model):
    """Transport for a mission: an organisation van, or a volunteer's own car offered for it."""

    __tablename__ = "vehicles"
    __table_args__ = (
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        CheckConstraint("crate_slots >= 0", name="crates_not_negative"),
        CheckConstraint(
            "animals_moved IS NULL OR animals_moved >= 0", name="animals_moved_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="van")
    is_organisation: Mapped[bool] = mapped_column(default=True)
    offered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="SET NULL"))
    seats: Mapped[int] = mapped_column(default=0)
    crate_slots: Mapped[int] = mapped_column(default=0)
    animals_moved: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    mission: Mapped[Mission] = relationship(back_populates="vehicles")
    offered_by: Mapped[Volunteer | None] = relationship(foreign_keys=[offered_by_id])
    driver: Mapped[Volunteer | None] = relationship(foreign_keys=[driver_id])
