"""Volunteers: people reachable by SMS, with their skills and own vehicle."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.types import UTCDateTime
from coordinator.timeutil import now_utc


class Skill(StrEnum):
    DRIVER = "driver"
    HANDLER = "handler"
    LARGE_ANIMAL = "large-animal"
    VET = "vet"
    VET_TECH = "vet-tech"
    FIRST_AID = "first-aid"
    PHOTO = "photo"
    TEAM_LEAD = "team-lead"


class VehicleKind(StrEnum):
    VAN = "van"
    CAR = "car"
    TRUCK = "truck"
    TRAILER = "trailer"


LANGUAGES = ("ko", "en")


class Approval(StrEnum):
    """A sign-up from the join page waits for staff: PENDING > APPROVED | REJECTED.

    Volunteers staff add themselves (form, import, API) start APPROVED.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Volunteer(db.Model):
    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint("language IN ('ko', 'en')", name="language_known"),
        CheckConstraint("vehicle_seats IS NULL OR vehicle_seats >= 0", name="seats_not_negative"),
        CheckConstraint(
            "vehicle_crates IS NULL OR vehicle_crates >= 0", name="crates_not_negative"
        ),
        CheckConstraint("approval IN ('pending', 'approved', 'rejected')", name="approval_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(2), default="ko")
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    vehicle_kind: Mapped[str | None] = mapped_column(String(20))
    vehicle_seats: Mapped[int | None]
    vehicle_crates: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # The volunteer's id on the 1365 volunteer portal, given by them for their hours.
    portal_1365_id: Mapped[str] = mapped_column(String(40), default="")
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opt_out_note: Mapped[str] = mapped_column(Text, default="")
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped to revoke every personal link issued so far (a lost phone).
    link_version: Mapped[int] = mapped_column(default=0)
    # Set when the person's data was deleted on request: the row stays, anonymised, for counts.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    # Joining by themselves, consent and readiness (see coordinator/domain/joining.py).
    approval: Mapped[str] = mapped_column(
        String(10), default=Approval.APPROVED, server_default=Approval.APPROVED, index=True
    )
    approval_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_via: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")
    birth_date: Mapped[date | None]
    emergency_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    emergency_phone: Mapped[str | None] = mapped_column(String(20))
    guardian_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    guardian_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skills: Mapped[list["VolunteerSkill"]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_opted_out(self) -> bool:
        return self.opted_out_at is not None

    @property
    def has_vehicle(self) -> bool:
        return bool(self.vehicle_kind)

    @property
    def skill_names(self) -> list[str]:
        return sorted(s.skill for s in self.skills)

    @property
    def is_approved(self) -> bool:
        return self.approval == Approval.APPROVED

    def has_skill(self, skill: str | None, at: datetime | None = None) -> bool:
        # A skill claimed on the personal page counts only once staff have reviewed it,
        # and a qualification with an expiry date only until it expires.
        when = at or now_utc()
        return skill is None or any(s.skill == skill and s.is_valid(when) for s in self.skills)

    def set_skills(self, skills: list[str], *, is_verified: bool = True) -> None:
        """Replace the skill tags, keeping the rows (and their review state) that stay."""
        wanted = set(skills)
        self.skills = [s for s in self.skills if s.skill in wanted]
        have = {s.skill for s in self.skills}
        for skill in sorted(wanted - have):
            self.skills.append(VolunteerSkill(skill=skill, is_verified=is_verified))

    def __repr__(self) -> str:
        return f"<Volunteer {self.id} {self.phone}>"


class VolunteerSkill(db.Model):
    """A skill tag; skills a volunteer claims on their personal page await staff review."""

    __tablename__ = "volunteer_skills"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)
    is_verified: Mapped[bool] = mapped_column(default=True)
    # A qualification (vet licence, large-animal handling…): who checked it, when, and
    # when it stops counting. None: does not expire / not recorded.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    volunteer: Mapped[Volunteer] = relationship(back_populates="skills")

    def is_valid(self, at: datetime) -> bool:
        """Reviewed by staff and not expired at `at`."""
        return self.is_verified and (self.expires_at is None or self.expires_at > at)
