"""The roster of a mission: signups with their status, source, vehicle and attendance."""

from typing import Literal

from pydantic import Field

from coordinator.api.schemas.common import ApiModel, Id, LocalDateTime, QueryModel, example, text
from coordinator.models import AttendanceStatus, SignupSource, SignupStatus


class RosterQuery(QueryModel):
    status: list[SignupStatus] = Field(
        default_factory=list,
        description="repeat for several; none: every signup, cancelled ones included",
    )


class VolunteerRef(ApiModel):
    id: int
    name: str
    phone: str = Field(description="E.164; masked (010-****-5678) for team leads")
    language: str


class RoleRef(ApiModel):
    id: int
    name: str


class ShiftRef(ApiModel):
    id: int
    name: str
    starts_at: LocalDateTime
    ends_at: LocalDateTime


class VehicleRef(ApiModel):
    id: int
    label: str


class AttendanceOut(ApiModel):
    status: AttendanceStatus
    checked_in_at: LocalDateTime | None
    checked_out_at: LocalDateTime | None
    marked_via: str
    updated_at: LocalDateTime


class SignupOut(ApiModel):
    """`offered`: a freed place held for a waitlisted volunteer until they answer."""

    id: int
    status: SignupStatus
    source: SignupSource
    position_id: int
    volunteer: VolunteerRef
    role: RoleRef
    shift: ShiftRef
    vehicle: VehicleRef | None
    attendance: AttendanceOut | None
    offer_expires_at: LocalDateTime | None
    is_late_cancel: bool
    cancel_reason: str
    created_at: LocalDateTime
    confirmed_at: LocalDateTime | None
    cancelled_at: LocalDateTime | None


class RosterOut(ApiModel):
    mission_id: int
    items: list[SignupOut] = Field(
        description="by shift, role, then confirmed, offered, waitlisted, cancelled"
    )


class AddToRosterIn(ApiModel):
    model_config = example(volunteer_id=2, position_id=1)

    volunteer_id: Id
    position_id: Id
    waitlist: bool = Field(
        False,
        description="when the position is full: false answers 409, "
        "true puts the volunteer on its waitlist",
    )


class SeatIn(ApiModel):
    model_config = example(vehicle_id=1)

    vehicle_id: Id | None = Field(description="one of the mission's vehicles; null: none")


class MarkIn(ApiModel):
    """One attendance mark, as a team lead makes it on the day's page."""

    model_config = example(action="check_in")

    action: Literal["check_in", "check_out", "late", "no_show", "excused"]


class CancelSignupIn(ApiModel):
    model_config = example(reason="아파서 못 옵니다")

    reason: text(500) = ""


class CancelledSignup(ApiModel):
    signup: SignupOut
    offered_to: SignupOut | None = Field(
        description="the waitlisted signup now offered the freed place, if any"
    )
