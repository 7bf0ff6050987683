"""Animals taken on a mission, one row each: the start of a chain of custody.

An animal is recorded as it is taken (tag, species, sex, age band, condition, crate and
vehicle), and closed when it arrives at its destination. Every change staff make is in
the audit log (coordinator.audit), which is the record's history.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.missions import Mission, Vehicle
from coordinator.models.staff import StaffUser
from coordinator.models.types import UTCDateTime
from coordinator.timeutil import now_utc


class AnimalSex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class AgeBand(StrEnum):
    BABY = "baby"  # under six months: puppies, kittens, foals
    YOUNG = "young"  # six months to two years
    ADULT = "adult"
    SENIOR = "senior"
    UNKNOWN = "age_unknown"


class AnimalCondition(StrEnum):
    WALKING = "walking"
    CARRIED = "needs_carrying"
    INJURED = "injured"
    CRITICAL = "critical"


class DestinationKind(StrEnum):
    SHELTER = "shelter"
    VET_CLINIC = "vet_clinic"
    FOSTER = "foster"
    ADOPTION_CENTRE = "adoption_centre"


def _known(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Animal(db.Model):
    __tablename__ = "animals"
    __table_args__ = (
        UniqueConstraint("mission_id", "tag"),
        CheckConstraint(_known("sex", AnimalSex), name="sex_known"),
        CheckConstraint(_known("age_band", AgeBand), name="age_band_known"),
        CheckConstraint(_known("condition", AnimalCondition), name="condition_known"),
        CheckConstraint(
            "destination_kind IS NULL OR " + _known("destination_kind", DestinationKind),
            name="destination_known",
        ),
        CheckConstraint("arrived_at IS NULL OR arrived_at >= taken_at", name="arrives_after_taken"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(40))  # printed tag or collar number
    species: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str] = mapped_column(String(10), default=AnimalSex.UNKNOWN)
    age_band: Mapped[str] = mapped_column(String(12), default=AgeBand.UNKNOWN)
    condition: Mapped[str] = mapped_column(String(16), default=AnimalCondition.WALKING)
    notes: Mapped[str] = mapped_column(Text, default="")
    crate: Mapped[str] = mapped_column(String(20), default="")  # crate number, "" if none
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), index=True
    )
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    destination_kind: Mapped[str | None] = mapped_column(String(20))
    destination_name: Mapped[str] = mapped_column(String(200), default="")
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    mission: Mapped[Mission] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    recorded_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<Animal {self.tag} {self.species}>"
