"""Volunteers, their bulk import, and their messages."""

from datetime import date
from typing import Literal

from pydantic import MISSING, Field

from coordinator.api.schemas.common import (
    ApiModel,
    ErrorDetail,
    InputDateTime,
    LocalDateTime,
    PageOut,
    PageQuery,
    count,
    example,
    text,
)
from coordinator.domain.volunteer_csv import MAX_ROWS
from coordinator.domain.volunteers import MAX_COUNT, MAX_NAME
from coordinator.models import Direction, Skill, VehicleKind

Language = Literal["ko", "en"]
PHONE_HELP = "as people write it (010-1234-5678, +82 10 1234 5678…); stored as E.164"
Skills = list[Skill]


class VolunteerQuery(PageQuery):
    q: text(100) = Field("", description="part of the name, or 3+ digits of the phone")
    skill: Skill | None = None
    region: text(100) = ""
    language: Language | None = None
    opted_out: bool | None = Field(None, description="true: only opted out; false: only not")


class VolunteerIn(ApiModel):
    model_config = example(
        name="김민준",
        phone="010-1234-5678",
        skills=["handler", "driver"],
        region="수원",
        vehicle_kind="van",
        vehicle_seats=7,
        vehicle_crates=4,
    )

    name: text(MAX_NAME)
    phone: text(40) = Field(description=PHONE_HELP)
    language: Language = "ko"
    region: text(100) = ""
    skills: Skills = Field(default_factory=list, max_length=len(Skill))
    vehicle_kind: VehicleKind | None = None
    vehicle_seats: count(MAX_COUNT) | None = None
    vehicle_crates: count(MAX_COUNT) | None = None
    notes: text(2000) = ""


class VolunteerPatch(ApiModel):
    """Only the fields sent change; `skills`, when sent, replace the list; null clears."""

    model_config = example(region="서울", skills=["handler", "vet"])

    name: text(MAX_NAME) | MISSING = MISSING
    phone: text(40) | MISSING = Field(MISSING, description=PHONE_HELP)
    language: Language | MISSING = MISSING
    region: text(100) | None | MISSING = MISSING
    skills: Skills | MISSING = Field(MISSING, max_length=len(Skill))
    vehicle_kind: VehicleKind | None | MISSING = MISSING
    vehicle_seats: count(MAX_COUNT) | None | MISSING = MISSING
    vehicle_crates: count(MAX_COUNT) | None | MISSING = MISSING
    notes: text(2000) | MISSING = MISSING


class QualificationOut(ApiModel):
    """A skill; it counts (`is_valid`) once staff verified it and until `expires_at`."""

    skill: str
    is_verified: bool
    verified_at: LocalDateTime | None
    verified_by_id: int | None
    expires_at: LocalDateTime | None
    is_valid: bool


class ConsentOut(ApiModel):
    """One consent record: which notice version, purposes and optional items, when, how."""

    id: int
    notice_version: str
    purposes: list[str]
    optional_items: list[str]
    channel: Literal["join", "paper", "import", "personal"]
    by_guardian: bool
    given_at: LocalDateTime
    withdrawn_at: LocalDateTime | None


class OptOutIn(ApiModel):
    """Who asked, and how: required to clear an opt-out, optional to record one."""

    model_config = example(note="asked by phone on 3 May")

    note: text(500) = ""


class VolunteerOut(ApiModel):
    id: int
    name: str
    phone: str = Field(description="E.164")
    language: str
    region: str | None
    skills: list[str] = Field(validation_alias="skill_names")
    vehicle_kind: str | None
    vehicle_seats: int | None
    vehicle_crates: int | None
    notes: str
    portal_1365_id: str = Field(description="the volunteer's 1365 portal id, given by them")
    opted_out_at: LocalDateTime | None
    opt_out_note: str
    paused_until: LocalDateTime | None
    last_called_at: LocalDateTime | None
    created_at: LocalDateTime
    approval: Literal["pending", "approved", "rejected"] = Field(
        description="sign-ups from the join page wait (pending) until staff approve them; "
        "only approved volunteers are called out"
    )
    joined_via: str
    birth_date: date | None
    emergency_name: str
    emergency_phone: str | None
    guardian_name: str
    guardian_verified_at: LocalDateTime | None
    qualifications: list[QualificationOut]
    consents: list[ConsentOut]


class VolunteerPage(PageOut):
    items: list[VolunteerOut]


class ImportRowIn(ApiModel):
    """One person, checked exactly as a row of the CSV import (Korean words accepted)."""

    name: text(200, min_length=1)
    phone: text(40) = Field(description=PHONE_HELP)
    language: text(20) = Field("", description="ko, en, 한국어, 영어…; empty: ko")
    region: text(100) = ""
    skills: list[text(30)] = Field(
        default_factory=list, max_length=20, description="driver, handler… or 운전, 핸들러…"
    )
    vehicle_kind: text(20) = Field("", description="van, car, truck, trailer, 승합차…")
    vehicle_seats: count(10_000) | None = None
    vehicle_crates: count(10_000) | None = None
    notes: text(2000) = ""
    opted_out: bool = False


class ImportIn(ApiModel):
    model_config = example(
        rows=[
            {"name": "이서연", "phone": "010-2222-3333", "skills": ["운전", "handler"]},
            {"name": "Jane Doe", "phone": "+44 7911 123456", "language": "en"},
        ]
    )

    rows: list[ImportRowIn] = Field(min_length=1, max_length=MAX_ROWS)
    dry_run: bool = Field(False, description="only check the rows; nothing is added")


class ImportRowOut(ApiModel):
    index: int = Field(description="the row's position in `rows`, from 0")
    name: str
    phone: str
    errors: list[str]


class ImportOut(ApiModel):
    """Rows with errors were left out; every valid row was added in one transaction."""

    dry_run: bool
    imported: int
    valid: int
    invalid: int
    rows: list[ImportRowOut]


class ImportRefused(ApiModel):
    """A refused import: nothing was added; `rows` says what is wrong with each row."""

    error: ErrorDetail
    rows: list[ImportRowOut] = Field(default_factory=list)


class MessageOut(ApiModel):
    id: int
    direction: Direction
    phone: str
    body: str
    kind: str
    status: str
    error_code: int | None
    segments: int
    mission_id: int | None
    callout_id: int | None
    created_at: LocalDateTime
    sent_at: LocalDateTime | None


class MessagePage(PageOut):
    items: list[MessageOut]


class ConsentIn(ApiModel):
    """A consent collected outside the join page: a paper form, or an import."""

    model_config = example(channel="paper", optional_items=["vehicle"])

    channel: Literal["paper", "import"]
    optional_items: list[Literal["vehicle", "birth_date"]] = Field(
        default_factory=list, max_length=2
    )
    by_guardian: bool = False


class QualificationIn(ApiModel):
    """Staff verified the qualification; it counts until `expires_at` (null: no expiry)."""

    model_config = example(expires_at="2027-12-31T00:00:00+09:00")

    expires_at: InputDateTime | None = None


class ApprovalIn(ApiModel):
    decision: Literal["approve", "reject"]


class EmergencyIn(ApiModel):
    """The emergency contact shown to the mission's team leads on the day, and the birth date
    roles with a minimum age need (null: not known)."""

    model_config = example(name="김어머니", phone="010-5555-6666", birth_date="1990-04-01")

    name: text(100)
    phone: text(40) = Field(description=PHONE_HELP)
    birth_date: date | None = None
