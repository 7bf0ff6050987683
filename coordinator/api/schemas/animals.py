"""Animals taken on a mission: one record each, from the site to where it went."""

from pydantic import Field

from coordinator.api.schemas.common import (
    ApiModel,
    Id,
    InputDateTime,
    LocalDateTime,
    example,
    text,
)
from coordinator.models.animals import AgeBand, AnimalCondition, AnimalSex, DestinationKind


class AnimalIn(ApiModel):
    """A crated animal needs a free crate slot in its vehicle; a crate holds one animal."""

    model_config = example(
        tag="B7-012",
        species="dog",
        sex="female",
        age_band="adult",
        condition="walking",
        crate="12",
        vehicle_id=1,
    )
    tag: text(40, 1) = Field(description="printed tag or collar number, unique in the mission")
    species: text(50, 1)
    sex: AnimalSex = AnimalSex.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    condition: AnimalCondition = AnimalCondition.WALKING
    notes: text(2000) = ""
    crate: text(20) = Field("", description="crate number; empty if the animal is not crated")
    vehicle_id: Id | None = None
    taken_at: InputDateTime | None = Field(None, description="default: now")
    destination_kind: DestinationKind | None = None
    destination_name: text(200) = ""


class AnimalUpdate(ApiModel):
    """Only the fields sent change; the audit log keeps the previous values."""

    model_config = example(
        destination_kind="shelter",
        destination_name="Paju shelter",
        arrived_at="2030-06-01T15:30:00+09:00",
    )
    tag: text(40, 1) | None = None
    species: text(50, 1) | None = None
    sex: AnimalSex | None = None
    age_band: AgeBand | None = None
    condition: AnimalCondition | None = None
    notes: text(2000) | None = None
    crate: text(20) | None = None
    vehicle_id: Id | None = None
    taken_at: InputDateTime | None = None
    destination_kind: DestinationKind | None = None
    destination_name: text(200) | None = None
    arrived_at: InputDateTime | None = None


class AnimalOut(ApiModel):
    id: int
    mission_id: int
    tag: str
    species: str
    sex: AnimalSex
    age_band: AgeBand
    condition: AnimalCondition
    notes: str
    crate: str
    vehicle_id: int | None
    taken_at: LocalDateTime
    destination_kind: DestinationKind | None
    destination_name: str
    arrived_at: LocalDateTime | None


class AnimalList(ApiModel):
    mission_id: int
    items: list[AnimalOut]
