"""Missions: creating, editing, duplicating and cancelling them, and their status rules.

How full a mission is lives in coordinator.domain.places; refresh_fill_status moves the
status (and stops the call-outs) when that changes.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import count

from flask_babel import gettext
from sqlalchemy import Select, func, select

from coordinator.domain import callouts, permissions, places
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    OPEN_STATUSES,
    ExpectedAnimals,
    Mission,
    MissionKind,
    MissionStatus,
    Position,
    Role,
    Shift,
    StaffUser,
    Vehicle,
)
from coordinator.sms import outbox
from coordinator.timeutil import local_to_utc


def refresh_fill_status(mission: Mission) -> None:
    """recruiting > staffed when the last place fills, and back when one frees up.

    While the mission recruits on, a role left with no place stops being called out for.
    """
    full = places.is_full(mission)
    if mission.status == MissionStatus.RECRUITING and full:
        mission.status = MissionStatus.STAFFED
        callouts.stop_when_full(mission)
    elif mission.status == MissionStatus.STAFFED and not full:
        mission.status = MissionStatus.RECRUITING
    elif mission.status == MissionStatus.RECRUITING:
        callouts.stop_full_roles(mission)
    db.session.flush()


# --- Creating, editing, duplicating and cancelling missions -------------------------------

CODE_PATTERN = re.compile(r"[A-Z]{1,2}[0-9]{1,3}")  # what the SMS parser reads as a code
KIND_LETTERS: dict[str, str] = {
    MissionKind.FARM_CLOSURE: "F",
    MissionKind.HOARDING: "H",
    MissionKind.CRUELTY_CASE: "C",
    MissionKind.LARGE_ANIMAL: "L",
    MissionKind.WILDLIFE: "W",
    MissionKind.OTHER: "M",
}
MAX_ANIMALS = 10_000
COPIED_FIELDS = (
    "title",
    "kind",
    "area",
    "address",
    "meeting_point",
    "is_address_confidential",
    "briefing",
    "what_to_bring",
)
# Set by hand; recruiting <> staffed is automatic (refresh_fill_status), cancel has its own door.
MANUAL_TRANSITIONS = {
    MissionStatus.RECRUITING: (MissionStatus.DRAFT,),
    MissionStatus.UNDERWAY: (MissionStatus.RECRUITING, MissionStatus.STAFFED),
    MissionStatus.DONE: (MissionStatus.UNDERWAY,),
}


@dataclass
class MissionDetails:
    """What a coordinator types into the mission form; times already in UTC."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    code: str = ""
    area: str = ""
    address: str = ""
    meeting_point: str = ""
    is_address_confidential: bool = False
    briefing: str = ""
    what_to_bring: str = ""
    animals: list[tuple[str, int, bool]] = field(default_factory=list)
    team_lead_ids: list[int] = field(default_factory=list)


def suggest_code(kind: str) -> str:
    """The first SMS code free among open missions for this kind: F1, F2, …"""
    letter = KIND_LETTERS.get(kind, "M")
    taken = set(
        db.session.scalars(
            select(Mission.code).where(
                Mission.status.in_(OPEN_STATUSES), Mission.code.like(f"{letter}%")
            )
        )
    )
    return next(f"{letter}{n}" for n in count(1) if f"{letter}{n}" not in taken)


def check_code(code: str, mission: Mission | None = None) -> str:
    """The code in upper case; refused if malformed or used by another open mission."""
    code = (code or "").strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationError(
            gettext("%(code)r is not an SMS code: 1-2 letters then 1-3 digits, like B7", code=code),
            field="code",
        )
    clash = db.session.scalar(
        select(Mission.id).where(
            Mission.code == code,
            Mission.status.in_(OPEN_STATUSES),
            Mission.id != (mission.id if mission and mission.id else -1),
        )
    )
    if clash is not None:
        raise Conflict(
            gettext("the code %(code)s is already used by an open mission", code=code), field="code"
        )
    return code


def _check_details(details: MissionDetails) -> None:
    if not details.title.strip():
        raise ValidationError(gettext("a mission needs a title"), field="title")
    if details.kind not in set(MissionKind):
        raise ValidationError(
            gettext("unknown mission kind %(kind)r", kind=details.kind), field="kind"
        )
    if details.ends_at <= details.starts_at:
        raise ValidationError(gettext("the mission must end after it starts"), field="ends_at")
    for species, number, _needs_crate in details.animals:
        if not species.strip():
            raise ValidationError(gettext("each group of animals needs a species"), field="animals")
        if not 0 <= number <= MAX_ANIMALS:
            raise ValidationError(
                gettext("%(number)s is not a plausible animal count", number=number),
                field="animals",
            )


def _team_leads(ids: list[int]) -> list[StaffUser]:
    users = db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids))).all() if ids else []
    if len(users) != len(set(ids)):
        raise ValidationError(gettext("a chosen team lead does not exist"), field="team_lead_ids")
    return list(users)


def _apply(mission: Mission, details: MissionDetails) -> None:
    for name in ("kind", "starts_at", "ends_at", "is_address_confidential"):
        setattr(mission, name, getattr(details, name))
    for name in ("title", "area", "address", "meeting_point", "briefing", "what_to_bring"):
        setattr(mission, name, getattr(details, name).strip())
    mission.code = check_code(details.code or suggest_code(details.kind), mission)
    mission.team_leads = _team_leads(details.team_lead_ids)
    mission.animals = [
        ExpectedAnimals(species=species.strip(), count=number, needs_crate=needs_crate)
        for species, number, needs_crate in details.animals
    ]


def create_mission(details: MissionDetails, *, created_by: StaffUser | None) -> Mission:
    """A new draft mission; roles, shifts and vehicles are added on its plan page."""
    _check_details(details)
    mission = Mission(status=MissionStatus.DRAFT, created_by=created_by)
    _apply(mission, details)
    db.session.add(mission)
    db.session.flush()
    return mission


def update_mission(mission: Mission, details: MissionDetails, *, move_shifts: bool) -> Mission:
    """Edit a mission; with `move_shifts`, shifts follow a changed start time."""
    if not mission.is_open:
        raise Conflict(
            gettext("a %(status)s mission can no longer be edited", status=mission.status)
        )
    _check_details(details)
    delta = details.starts_at - mission.starts_at
    if move_shifts and delta:
        for shift in mission.shifts:
            shift.starts_at, shift.ends_at = shift.starts_at + delta, shift.ends_at + delta
    for shift in mission.shifts:
        if shift.starts_at < details.starts_at or shift.ends_at > details.ends_at:
            raise ValidationError(
                gettext(
                    "the shift %(shift)s would fall outside the mission's times: change "
                    "or delete it first",
                    shift=shift.name or shift.sms_key,
                ),
                field="starts_at",
            )
    _apply(mission, details)
    db.session.flush()
    return mission


def duplicate_mission(source: Mission, *, starts_at: datetime, created_by: StaffUser | None):
    """A draft copy of a mission (roles, shifts, capacities, vans, animals) starting later."""
    delta = starts_at - source.starts_at
    copy = Mission(
        status=MissionStatus.DRAFT,
        created_by=created_by,
        code=suggest_code(source.kind),
        starts_at=source.starts_at + delta,
        ends_at=source.ends_at + delta,
        team_leads=list(source.team_leads),
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )
    roles = {
        r.id: Role(
            name=r.name,
            sms_key=r.sms_key,
            required_skill=r.required_skill,
            description=r.description,
            sort_order=r.sort_order,
            min_age=r.min_age,
            requires_waiver=r.requires_waiver,
        )
        for r in source.roles
    }
    shifts = {
        s.id: Shift(
            name=s.name, sms_key=s.sms_key, starts_at=s.starts_at + delta, ends_at=s.ends_at + delta
        )
        for s in source.shifts
    }
    copy.roles, copy.shifts = list(roles.values()), list(shifts.values())
    copy.positions = [
        Position(role=roles[p.role_id], shift=shifts[p.shift_id], capacity=p.capacity)
        for p in source.positions
    ]
    copy.vehicles = [
        Vehicle(label=v.label, kind=v.kind, seats=v.seats, crate_slots=v.crate_slots)
        for v in source.vehicles
        if v.is_organisation
    ]
    copy.animals = [
        ExpectedAnimals(species=a.species, count=a.count, needs_crate=a.needs_crate)
        for a in source.animals
    ]
    db.session.add(copy)
    db.session.flush()
    return copy


def change_status(mission: Mission, target: str) -> None:
    """Move a mission on by hand: open it for sign-ups, start the day, finish it."""
    try:
        allowed_from = MANUAL_TRANSITIONS[MissionStatus(target)]
    except (ValueError, KeyError):
        raise ValidationError(
            gettext("a mission cannot be set to %(target)r by hand", target=target),
            field="status",
        ) from None
    if mission.status not in allowed_from:
        raise Conflict(
            gettext(
                "a %(status)s mission cannot become %(target)s",
                status=mission.status,
                target=target,
            ),
            field="status",
        )
    if target == MissionStatus.RECRUITING and not _has_places(mission):
        raise Conflict(gettext("add at least one role and shift with places first"), field="status")
    mission.status = target
    db.session.flush()
    if target == MissionStatus.RECRUITING:
        refresh_fill_status(mission)


def _has_places(mission: Mission) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Position)
            .where(Position.mission_id == mission.id, Position.capacity > 0)
        )
    )


def cancel_mission(mission: Mission) -> int:
    """Cancel a mission, stop its call-outs and text everyone holding a place; returns how many."""
    if not mission.is_open:
        raise Conflict(
            gettext("a %(status)s mission cannot be cancelled", status=mission.status),
            field="status",
        )
    people = places.people_holding_places(mission)
    mission.status = MissionStatus.CANCELLED
    callouts.stop_mission_callouts(mission, reason="mission cancelled", cancelled=True)
    for volunteer in people:
        outbox.queue_sms(
            volunteer,
            "mission_cancelled",
            kind="mission_cancelled",
            mission_id=mission.id,
            idempotency_key=f"mission-cancelled:{mission.id}:{volunteer.id}",
            mission=mission,
        )
    db.session.flush()
    return len(people)


# --- Finding missions ---------------------------------------------------------------------


@dataclass(frozen=True)
class MissionSearch:
    """What the board and the API filter missions by; empty means any."""

    statuses: tuple[str, ...] = ()
    kind: str | None = None
    date_from: date | None = None  # missions ending on or after this local date
    date_to: date | None = None  # missions starting on or before this local date


def search_missions(viewer: StaffUser, search: MissionSearch) -> Select[tuple[Mission]]:
    """The missions `viewer` may see that match `search`, by start time (the door pages it)."""
    where = permissions.visible_missions(viewer)
    if search.statuses:
        where.append(Mission.status.in_(search.statuses))
    if search.kind:
        where.append(Mission.kind == search.kind)
    if search.date_from:
        where.append(Mission.ends_at >= local_to_utc(datetime.combine(search.date_from, time.min)))
    if search.date_to:
        where.append(Mission.starts_at <= local_to_utc(datetime.combine(search.date_to, time.max)))
    return select(Mission).where(*where).order_by(Mission.starts_at, Mission.id)
