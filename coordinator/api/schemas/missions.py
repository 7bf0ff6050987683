"""Missions and their plan: roles, shifts, positions (capacities) and vehicles."""

from pydantic import MISSING, Field

from coordinator.api.schemas.common import (
    ApiModel,
    Id,
    InputDate,
    InputDateTime,
    LocalDateTime,
    PageOut,
    PageQuery,
    count,
    example,
    text,
)
from coordinator.domain.mission_plan import MAX_CAPACITY
from coordinator.domain.missions import MAX_ANIMALS
from coordinator.domain.vehicles import MAX_CRATES, MAX_SEATS
from coordinator.models import MissionKind, MissionStatus, Skill, VehicleKind

CODE_HELP = "the SMS code, 1-2 letters then 1-3 digits (B7); empty: the next free one"


class MissionQuery(PageQuery):
    status: list[MissionStatus] = Field(default_factory=list, description="repeat for several")
    kind: MissionKind | None = None
    date_from: InputDate | None = Field(
        None, alias="from", description="missions ending on or after this local date"
    )
    date_to: InputDate | None = Field(
        None, alias="to", description="missions starting on or before this local date"
    )


class AnimalsIn(ApiModel):
    species: text(50)
    count: count(MAX_ANIMALS)
    needs_crate: bool = True


class MissionIn(ApiModel):
    model_config = example(
        title="화성 개농장 폐쇄",
        kind="farm_closure",
        starts_at="2030-06-01T07:00:00+09:00",
        ends_at="2030-06-01T18:00:00+09:00",
        area="경기 남부",
        meeting_point="수원역 4번 출구",
        animals=[{"species": "dog", "count": 60}],
    )

    title: text(200)
    kind: MissionKind = MissionKind.OTHER
    code: text(8) = Field("", description=CODE_HELP)
    starts_at: InputDateTime
    ends_at: InputDateTime
    area: text(200) = Field("", description="shown to everyone")
    address: text(300) = ""
    meeting_point: text(300) = ""
    is_address_confidential: bool = False
    briefing: text(5000) = ""
    what_to_bring: text(2000) = ""
    animals: list[AnimalsIn] = Field(default_factory=list, max_length=10)
    team_lead_ids: list[Id] = Field(default_factory=list, max_length=20)


class MissionPatch(ApiModel):
    """Only the fields sent change; `animals` and `team_lead_ids`, when sent, replace."""

    model_config = example(briefing="장화와 장갑 필수", what_to_bring="물, 간식")

    title: text(200) | MISSING = MISSING
    kind: MissionKind | MISSING = MISSING
    code: text(8) | MISSING = Field(MISSING, description=CODE_HELP)
    starts_at: InputDateTime | MISSING = MISSING
    ends_at: InputDateTime | MISSING = MISSING
    area: text(200) | MISSING = MISSING
    address: text(300) | MISSING = MISSING
    meeting_point: text(300) | MISSING = MISSING
    is_address_confidential: bool | MISSING = MISSING
    briefing: text(5000) | MISSING = MISSING
    what_to_bring: text(2000) | MISSING = MISSING
    animals: list[AnimalsIn] | MISSING = Field(MISSING, max_length=10)
    team_lead_ids: list[Id] | MISSING = Field(MISSING, max_length=20)
    move_shifts: bool = Field(True, description="shifts follow a changed start time")


class StatusIn(ApiModel):
    model_config = example(status="recruiting")

    status: MissionStatus = Field(
        description="recruiting (open for sign-ups), underway or "
        "done; staffed follows on its own, cancel has its own path"
    )


class RoleIn(ApiModel):
    model_config = example(name="Vet", required_skill="vet")

    name: text(100)
    sms_key: text(4) = Field("", description="what volunteers text (H); empty: chosen for you")
    required_skill: Skill | None = None
    min_age: int | None = Field(None, ge=0, le=100, description="youngest age on the day")
    requires_waiver: bool = Field(False, description="a waiver accepted within 12 months")


class ShiftIn(ApiModel):
    model_config = example(name="오전", starts_at="2030-06-01T07:00", ends_at="2030-06-01T12:00")

    name: text(50) = ""
    sms_key: text(4) = Field("", description="like AM or PM; empty: chosen for you")
    starts_at: InputDateTime
    ends_at: InputDateTime


class VehicleIn(ApiModel):
    model_config = example(label="승합차 2", kind="van", seats=9, crate_slots=12)

    label: text(100)
    kind: VehicleKind = VehicleKind.VAN
    seats: count(MAX_SEATS) | None = None
    crate_slots: count(MAX_CRATES) | None = None


class CapacityIn(ApiModel):
    position_id: Id
    capacity: count(MAX_CAPACITY)


class CapacitiesIn(ApiModel):
    model_config = example(capacities=[{"position_id": 3, "capacity": 6}])

    capacities: list[CapacityIn] = Field(min_length=1, max_length=1000)


class StaffRef(ApiModel):
    id: int
    name: str


class AnimalsOut(ApiModel):
    species: str
    count: int
    needs_crate: bool


class RoleOut(ApiModel):
    id: int
    name: str
    sms_key: str
    required_skill: str | None
    min_age: int | None
    requires_waiver: bool


class ShiftOut(ApiModel):
    id: int
    name: str
    sms_key: str
    starts_at: LocalDateTime
    ends_at: LocalDateTime


class PositionOut(ApiModel):
    """A role in a shift: `filled` counts people holding a place (confirmed or offered)."""

    id: int
    role_id: int
    shift_id: int
    capacity: int
    filled: int


class VehicleOut(ApiModel):
    id: int
    label: str
    kind: str
    is_organisation: bool
    seats: int
    crate_slots: int
    driver_id: int | None
    offered_by_id: int | None
    animals_moved: int | None


class MissionSummary(ApiModel):
    id: int
    title: str
    code: str
    kind: str
    status: MissionStatus
    area: str
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    places_filled: int = Field(
        description="places held (confirmed or offered), all positions "
        "together: one person in two shifts holds two places"
    )
    places_total: int = Field(description="the capacities of all positions together")
    places_left: int = Field(description="places nobody holds yet, all positions together")


class MissionOut(MissionSummary):
    address: str
    meeting_point: str
    meeting_lat: float | None
    meeting_lng: float | None
    address_lat: float | None = Field(description="confidential with the address")
    address_lng: float | None
    parking_notes: str
    is_address_confidential: bool
    briefing: str
    what_to_bring: str
    animals: list[AnimalsOut]
    team_leads: list[StaffRef]
    roles: list[RoleOut]
    shifts: list[ShiftOut]
    positions: list[PositionOut]
    vehicles: list[VehicleOut]
    created_at: LocalDateTime
    updated_at: LocalDateTime


class MissionPage(PageOut):
    items: list[MissionSummary]


class CancelledMission(ApiModel):
    mission: MissionOut
    notified: int = Field(description="volunteers holding a place, who will get a text")
