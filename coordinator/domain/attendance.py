"""Attendance on the day: marks by team leads, self check-in, walk-ins, no-shows, headcount.

The Attendance row holds the last mark (last write wins between two team leads' phones);
every mark is also kept as an AttendanceEvent, so a correction never hides what happened.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from coordinator import links
from coordinator.domain import permissions, privacy, signups
from coordinator.domain.volunteers import NumberOnFile
from coordinator.errors import Conflict, DomainError, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.models import (
    OPEN_STATUSES,
    Attendance,
    AttendanceEvent,
    AttendanceStatus,
    AuditEntry,
    Mission,
    Position,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    StaffRole,
    StaffUser,
    Volunteer,
    VolunteerSkill,
)
from coordinator.phones import normalise_phone
from coordinator.sms.outbox import queue_sms
from coordinator.timeutil import now_utc, to_local


class Action(StrEnum):
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    LATE = "late"
    NO_SHOW = "no_show"
    EXCUSED = "excused"


ARRIVED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class MarkingClosed(Conflict):
    """A staff mark outside the shift's attendance window (see marking_window)."""


class CheckInClosed(DomainError):
    """Self check-in refused: no confirmed shift of this volunteer is open for check-in now."""

    code = "check_in_closed"


def mark(
    signup: Signup,
    action: str,
    *,
    by: StaffUser | None = None,
    via: str = "staff",
    at: datetime | None = None,
    now: datetime | None = None,
) -> Attendance:
    """Record one attendance mark on a confirmed signup; the latest mark wins, all are kept.

    A mark by staff (`by`) must fall in the shift's marking window; after it closes only a
    coordinator may correct the record, and each correction is written to the audit log.
    Self check-in and the automatic no-show have windows of their own.
    """
    try:
        action = Action(action)
    except ValueError:
        raise ValidationError(
            gettext("unknown attendance action %(action)r", action=action), field="action"
        ) from None
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(
            gettext(
                "%(name)s is %(status)s, not expected",
                name=signup.volunteer.name,
                status=signup.status,
            ),
            field="signup",
        )
    now = now or now_utc()
    at = at or now
    correcting = by is not None and _is_correction(signup.position.shift, by, now)
    attendance, previous = _attendance_row(signup)
    _apply(attendance, action, at, previous)
    attendance.marked_by = by
    attendance.marked_via = via
    attendance.updated_at = now_utc()
    db.session.add(
        AttendanceEvent(
            signup_id=signup.id,
            action=action,
            status=attendance.status,
            at=at,
            marked_by=by,
            marked_via=via,
        )
    )
    if correcting and by is not None:
        _audit_correction(attendance, action, previous, by, via)
    db.session.flush()
    db.session.expire(signup, ["attendance"])  # the row may be new, made by id
    return attendance


def marking_window(shift: Shift) -> tuple[datetime, datetime]:
    """When team leads may mark attendance for a shift (ATTENDANCE_OPENS/CLOSES_MINUTES)."""
    config = current_app.config
    opens = shift.starts_at - timedelta(minutes=config["ATTENDANCE_OPENS_MINUTES"])
    return opens, shift.ends_at + timedelta(minutes=config["ATTENDANCE_CLOSES_MINUTES"])


def _is_correction(shift: Shift, by: StaffUser, now: datetime) -> bool:
    """False inside the window; True for a coordinator after it; MarkingClosed otherwise."""
    opens, closes = marking_window(shift)
    if now < opens:
        raise MarkingClosed(
            gettext("Attendance for this shift opens at %(when)s.", when=format_local(opens)),
            field="action",
        )
    if now <= closes:
        return False
    if by.can(StaffRole.COORDINATOR):
        return True
    raise MarkingClosed(
        gettext(
            "Attendance for this shift closed at %(when)s; a coordinator can correct the record.",
            when=format_local(closes),
        ),
        field="action",
    )


def _audit_correction(
    attendance: Attendance, action: Action, previous: str | None, by: StaffUser, via: str
) -> None:
    db.session.flush()  # the attendance row's id
    db.session.add(
        AuditEntry(
            staff_user_id=by.id,
            via=via[:10],
            action="correct",
            object_type="attendance",
            object_id=attendance.id,
            changes={
                "status": [previous, attendance.status],
                "action": [None, action.value],
                "signup_id": [None, attendance.signup_id],
            },
        )
    )


def _attendance_row(signup: Signup) -> tuple[Attendance, str | None]:
    """The signup's attendance row and its status before this mark (None when new).

    Created once even when two phones mark the same person at the same moment.
    """
    existing = db.session.scalar(select(Attendance).where(Attendance.signup_id == signup.id))
    if existing is not None:
        return existing, existing.status
    row = Attendance(signup_id=signup.id, status=AttendanceStatus.PRESENT)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # The other phone created it first: mark on top of theirs (last write wins).
        row = db.session.scalars(select(Attendance).where(Attendance.signup_id == signup.id)).one()
        return row, row.status
    return row, None


def _apply(attendance: Attendance, action: Action, at: datetime, previous: str | None) -> None:
    if action == Action.CHECK_IN:
        # Arriving after being marked late or missing is a late arrival, not a no-show.
        late = previous in (AttendanceStatus.LATE, AttendanceStatus.NO_SHOW)
        attendance.status = AttendanceStatus.LATE if late else AttendanceStatus.PRESENT
        attendance.checked_in_at, attendance.checked_out_at = at, None
    elif action == Action.CHECK_OUT:
        if attendance.checked_in_at is None or attendance.status not in ARRIVED:
            raise Conflict(gettext("check this person in before checking them out"), field="action")
        attendance.checked_out_at = max(at, attendance.checked_in_at)
    elif action == Action.LATE:
        attendance.status = AttendanceStatus.LATE
        if attendance.checked_in_at is None:
            attendance.checked_out_at = None
    else:  # no-show and excused: not on site, so nothing to count as hours
        attendance.status = AttendanceStatus(action.value)
        attendance.checked_in_at = attendance.checked_out_at = None


def check_in_window(shift: Shift) -> tuple[datetime, datetime]:
    """When volunteers may check themselves in for a shift (configurable around its times)."""
    config = current_app.config
    opens = shift.starts_at - timedelta(minutes=config["CHECK_IN_OPENS_MINUTES"])
    return opens, shift.ends_at + timedelta(minutes=config["CHECK_IN_CLOSES_MINUTES"])


def self_check_in(volunteer: Volunteer, *, via: str, at: datetime | None = None) -> Signup:
    """Check a volunteer in (SMS HERE/도착, personal page) to the shift open for check-in now.

    Raises CheckInClosed, with a message in the volunteer's language, when none is open.
    Checking in twice is harmless: the first check-in time is kept.
    """
    at = at or now_utc()
    upcoming = _confirmed_signups(volunteer, ends_after=at)
    open_now = [s for s in upcoming if _window_contains(s.position.shift, at)]
    if not open_now:
        raise CheckInClosed(_closed_message(volunteer, upcoming, at), field="check_in")
    signup = min(open_now, key=lambda s: abs(s.position.shift.starts_at - at))
    attendance = signup.attendance
    if attendance is None or attendance.checked_in_at is None or attendance.checked_out_at:
        mark(signup, Action.CHECK_IN, via=via, at=at)
    return signup


def _window_contains(shift: Shift, at: datetime) -> bool:
    opens, closes = check_in_window(shift)
    return opens <= at <= closes


def _confirmed_signups(volunteer: Volunteer, *, ends_after: datetime) -> list[Signup]:
    return list(
        db.session.scalars(
            select(Signup)
            .join(Position, Signup.position_id == Position.id)
            .join(Shift, Position.shift_id == Shift.id)
            .join(Mission, Signup.mission_id == Mission.id)
            .where(
                Signup.volunteer_id == volunteer.id,
                Signup.status == SignupStatus.CONFIRMED,
                Mission.status.in_(OPEN_STATUSES),
                Shift.ends_at >= ends_after - timedelta(days=1),
            )
            .options(
                joinedload(Signup.position).joinedload(Position.shift),
                joinedload(Signup.attendance),
            )
            .order_by(Shift.starts_at)
        ).unique()
    )


def _closed_message(volunteer: Volunteer, upcoming: list[Signup], at: datetime) -> str:
    later = [s for s in upcoming if check_in_window(s.position.shift)[0] > at]
    with force_locale(volunteer.language):
        if later:
            opens = check_in_window(later[0].position.shift)[0]
            when = format_local(opens, "datetime", volunteer.language)
            return gettext("Check-in opens at %(when)s, an hour before your shift.", when=when)
        return gettext("You have no shift to check in to right now.")


@dataclass
class WalkIn:
    """What a walk-in came to: checked in now, or a place held until the person confirms."""

    signup: Signup
    checked_in: bool


def add_walk_in(
    position: Position,
    *,
    name: str,
    phone: str,
    by: StaffUser,
    language: str = "ko",
    confirmed_volunteer_id: int | None = None,
    at: datetime | None = None,
) -> WalkIn:
    """Record someone who turned up without signing up, checked in on the spot.

    A walk-in is a real person on site who must be accounted for, so a full position grows
    by one place for them rather than leaving them off the roster. A number already on file
    is never silently taken over by the name typed:

    - a coordinator is told whose it is and checks that person in only once they confirm
      (`confirmed_volunteer_id`);
    - a team lead is not told whose it is (anyone could type any number to find out):
      a place is held and the person is asked by SMS to confirm from their own phone
      (reply YES, or their personal link); a coordinator can also add them.

    A skill the role needs is recorded for the walk-in; it is verified only when a
    coordinator adds them, since a team lead's word does not make a vet.
    """
    _check_walk_in(name, language)
    e164 = normalise_phone(phone)
    on_file = db.session.scalar(select(Volunteer).where(Volunteer.phone == e164))
    vouched = privacy.can_see_full_phones(by)
    if on_file is None:
        volunteer = Volunteer(phone=e164, name=name.strip(), language=language)
        db.session.add(volunteer)
    elif not vouched:
        return WalkIn(_hold_for_confirmation(on_file, position), checked_in=False)
    elif confirmed_volunteer_id != on_file.id:
        raise NumberOnFile(
            on_file,
            gettext(
                "This number is %(name)s's, already on file. Check %(name)s in?", name=on_file.name
            ),
        )
    else:
        volunteer = on_file
    _record_skill(volunteer, position.role.required_skill, verified=vouched)
    signup = _place(volunteer, position)
    mark(signup, Action.CHECK_IN, by=by, via="walk_in", at=at)
    return WalkIn(signup, checked_in=True)


def _check_walk_in(name: str, language: str) -> None:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(gettext("a name of at most 100 characters is required"), field="name")
    if language not in current_app.config["LANGUAGES"]:
        raise ValidationError(
            gettext("unknown language %(language)r", language=language), field="language"
        )


def _place(volunteer: Volunteer, position: Position) -> Signup:
    """The walk-in's confirmed place in `position`, made room for if it is full."""
    signup = signups.live_signup(volunteer, position)
    if signup is not None and signup.status == SignupStatus.OFFERED:
        try:
            with db.session.begin_nested():
                return signups.accept_offer(signup)
        except DomainError:
            signup = signups.live_signup(volunteer, position)
    if signup is None or signup.status != SignupStatus.CONFIRMED:
        if signup is not None:  # waitlisted for this very position: they came anyway
            signups.cancel(signup, reason="arrived as a walk-in")
        _make_room(position)
        signup = signups.sign_up(volunteer, position, source=SignupSource.WALK_IN, waitlist=False)
    return signup


def _hold_for_confirmation(volunteer: Volunteer, position: Position) -> Signup:
    """Hold a place for a number on file and ask its owner, by SMS, to confirm it is them."""
    _record_skill(volunteer, position.role.required_skill, verified=False)
    signup = signups.live_signup(volunteer, position)
    if signup is not None and signup.holds_place:
        return signup  # already expected here: they appear on the list as they are
    try:
        with db.session.begin_nested():
            signup = _place(volunteer, position)
    except DomainError:
        # Say nothing that names the person (an overlapping shift would).
        raise Conflict(
            gettext(
                "This number is already on file and cannot be added to this "
                "role. Ask a coordinator."
            ),
            field="phone",
        ) from None
    minutes = current_app.config["WALK_IN_CONFIRM_MINUTES"]
    signup.status = SignupStatus.OFFERED
    signup.confirmed_at = None
    signup.offer_expires_at = now_utc() + timedelta(minutes=minutes)
    db.session.flush()
    queue_sms(
        volunteer,
        "walk_in_confirm",
        kind="waitlist",
        idempotency_key=f"walk-in:{signup.id}:{int(signup.offer_expires_at.timestamp())}",
        mission_id=position.mission_id,
        signup=signup,
        position=position,
        mission=position.mission,
        link=links.personal_url(volunteer, position.mission_id),
    )
    return signup


def _record_skill(volunteer: Volunteer, skill: str | None, *, verified: bool) -> None:
    if skill:
        claimed = next((s for s in volunteer.skills if s.skill == skill), None)
        if claimed is None:
            volunteer.skills.append(VolunteerSkill(skill=skill, is_verified=verified))
        elif verified:
            claimed.is_verified = True
    db.session.flush()


def _make_room(position: Position) -> None:
    # One conditional UPDATE, so two leads adding walk-ins at once each get their own place.
    db.session.execute(
        update(Position)
        .where(Position.id == position.id, Position.filled >= Position.capacity)
        .values(capacity=Position.filled + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(position, ["capacity", "filled"])


def mark_no_shows(now: datetime | None = None) -> int:
    """Mark unchecked confirmed volunteers no-show once their shift start plus grace has passed.

    Only shifts that ended within the last day are swept, so old history is never rewritten.
    """
    now = now or now_utc()
    grace = timedelta(minutes=current_app.config["NO_SHOW_GRACE_MINUTES"])
    missing = db.session.scalars(
        select(Signup)
        .join(Position, Signup.position_id == Position.id)
        .join(Shift, Position.shift_id == Shift.id)
        .join(Mission, Signup.mission_id == Mission.id)
        .outerjoin(Attendance, Attendance.signup_id == Signup.id)
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            Attendance.id.is_(None),
            Shift.starts_at <= now - grace,
            Shift.ends_at >= now - timedelta(days=1),
            Mission.status.in_(OPEN_STATUSES),
        )
        .options(joinedload(Signup.volunteer))
    ).all()
    for signup in missing:
        mark(signup, Action.NO_SHOW, via="auto", at=now)
    return len(missing)


def shift_roster(mission: Mission, shift: Shift) -> list[Signup]:
    """Confirmed signups of a shift, by role, vehicle and name, loaded in one query."""
    rows = list(
        db.session.scalars(
            select(Signup)
            .join(Position, Signup.position_id == Position.id)
            .where(
                Signup.mission_id == mission.id,
                Position.shift_id == shift.id,
                Signup.status == SignupStatus.CONFIRMED,
            )
            .options(
                joinedload(Signup.volunteer),
                joinedload(Signup.position).joinedload(Position.role),
                joinedload(Signup.vehicle),
                joinedload(Signup.attendance),
            )
        ).unique()
    )
    return sorted(rows, key=_by_role_vehicle_name)


def _by_role_vehicle_name(signup: Signup) -> tuple:
    role = signup.position.role
    vehicle = signup.vehicle.label if signup.vehicle else ""
    return (role.sort_order, role.id, vehicle, signup.volunteer.name, signup.id)


@dataclass(frozen=True)
class Headcount:
    role: str
    present: int
    expected: int


def headcount(roster: list[Signup]) -> list[Headcount]:
    """Present (on site now) against expected (confirmed, not excused) per role."""
    counts: dict[tuple[int, str], list[int]] = {}
    for signup in roster:
        role = signup.position.role
        entry = counts.setdefault((role.sort_order, role.name), [0, 0])
        if on_site(signup):
            entry[0] += 1
        status = signup.attendance.status if signup.attendance else None
        if status != AttendanceStatus.EXCUSED:
            entry[1] += 1
    return [Headcount(name, p, e) for (_order, name), (p, e) in sorted(counts.items())]


def on_site(signup: Signup) -> bool:
    """Checked in and not yet checked out."""
    att = signup.attendance
    return bool(att and att.status in ARRIVED and att.checked_in_at and not att.checked_out_at)


def roll_call(mission: Mission) -> list[Signup]:
    """Everyone on site now, across the mission's shifts: who to account for when clearing."""
    rows = db.session.scalars(
        select(Signup)
        .join(Attendance, Attendance.signup_id == Signup.id)
        .where(
            Signup.mission_id == mission.id,
            Signup.status == SignupStatus.CONFIRMED,
            Attendance.status.in_(ARRIVED),
            Attendance.checked_in_at.is_not(None),
            Attendance.checked_out_at.is_(None),
        )
        .options(
            joinedload(Signup.volunteer),
            joinedload(Signup.position).joinedload(Position.role),
            joinedload(Signup.vehicle),
            selectinload(Signup.attendance),
        )
    ).unique()
    return sorted(rows, key=lambda s: (s.volunteer.name, s.id))


def history(signup: Signup) -> list[AttendanceEvent]:
    """Every mark on a signup, oldest first."""
    return list(
        db.session.scalars(
            select(AttendanceEvent)
            .where(AttendanceEvent.signup_id == signup.id)
            .order_by(AttendanceEvent.created_at, AttendanceEvent.id)
        )
    )


MAX_TEAM_MESSAGE = 300


def message_team(
    mission: Mission,
    *,
    body: str,
    nonce: str,
    sender: StaffUser,
    shift: Shift | None = None,
    vehicle_id: int | None = None,
) -> int:
    """SMS everyone confirmed on a shift, or riding in a vehicle, through the outbox.

    `nonce` names this one sending (a form rendered once), so a double tap sends once.
    Returns how many messages were queued (opted-out volunteers get none).
    """
    body = " ".join((body or "").split())
    if not body or len(body) > MAX_TEAM_MESSAGE:
        raise ValidationError(
            gettext("write a message of 1 to %(n)d characters", n=MAX_TEAM_MESSAGE), field="body"
        )
    if not nonce or len(nonce) > 40 or not nonce.replace("-", "").isalnum():
        raise ValidationError(gettext("reload the page and send again"), field="nonce")
    recipients = _team(mission, shift=shift, vehicle_id=vehicle_id)
    queued = 0
    for volunteer in recipients:
        message = queue_sms(
            volunteer,
            "team_message",
            kind="team",
            mission_id=mission.id,
            idempotency_key=f"team:{mission.id}:{nonce}:{volunteer.id}",
            mission=mission,
            body=body,
            sender=sender.name,
        )
        queued += message is not None
    return queued


def _team(mission: Mission, *, shift: Shift | None, vehicle_id: int | None) -> list[Volunteer]:
    if (shift is None) == (vehicle_id is None):
        raise ValidationError(gettext("choose a shift or a vehicle to message"), field="audience")
    query = select(Signup).where(
        Signup.mission_id == mission.id, Signup.status == SignupStatus.CONFIRMED
    )
    if shift is not None:
        query = query.join(Position, Signup.position_id == Position.id).where(
            Position.shift_id == shift.id
        )
    else:
        query = query.where(Signup.vehicle_id == vehicle_id)
    rows = db.session.scalars(query.options(joinedload(Signup.volunteer))).all()
    people = {s.volunteer.id: s.volunteer for s in rows}
    vehicle = next((v for v in mission.vehicles if v.id == vehicle_id), None)
    if vehicle_id is not None and vehicle is None:
        raise NotFound(gettext("no such vehicle on this mission"), field="vehicle")
    if vehicle is not None and vehicle.driver is not None:
        people.setdefault(vehicle.driver.id, vehicle.driver)
    return sorted(people.values(), key=lambda v: v.id)


class NotTheDay(DomainError):
    code = "not_the_day"


def number_to_call(
    user: StaffUser, signup: Signup, *, via: str = "web", at: datetime | None = None
) -> str:
    """The number a team lead rings from the day's page: their own mission's people, on the
    mission's day only. Every call is in the audit log; the page itself shows it masked."""
    mission = signup.mission
    if not permissions.can_manage(user, mission):
        raise NotFound(gettext("that person is not on a mission you lead"), field="signup")
    today = to_local(at or now_utc()).date()
    if not to_local(mission.starts_at).date() <= today <= to_local(mission.ends_at).date():
        raise NotTheDay(
            gettext("numbers can be called from this page on the mission's day only"),
            field="signup",
        )
    db.session.add(
        AuditEntry(
            staff_user_id=user.id,
            via=via,
            action="call",
            object_type="volunteers",
            object_id=signup.volunteer_id,
            changes={},
        )
    )
    db.session.flush()
    return signup.volunteer.phone
