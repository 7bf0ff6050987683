"""The roster of a mission: read it (team leads: missions they lead), add, seat, cancel."""

from collections.abc import Callable

from flask import g

from coordinator.api import bp, requires, spec
from coordinator.api.doors import ID, WRITE, answers, found, mission_for_reading, part_of
from coordinator.api.schemas.roster import (
    AddToRosterIn,
    CancelledSignup,
    CancelSignupIn,
    MarkIn,
    RosterOut,
    RosterQuery,
    SeatIn,
    SignupOut,
    VolunteerRef,
)
from coordinator.domain import attendance, privacy, roster, signups
from coordinator.domain.roster import STATUS_ORDER
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Mission,
    Position,
    Signup,
    SignupSource,
    StaffRole,
    Vehicle,
    Volunteer,
)

TAGS = ["roster"]
COORDINATOR = StaffRole.COORDINATOR


class _Plan:
    """The mission's roles, shifts and vehicles by id, to describe signups without a query."""

    def __init__(self, mission: Mission, phone: Callable[[str], str] = str) -> None:
        self.phone = phone  # team leads get masked numbers
        self.positions = {p.id: p for p in mission.positions}
        self.roles = {r.id: r for r in mission.roles}
        self.shifts = {s.id: s for s in mission.shifts}
        self.vehicles: dict[int | None, Vehicle] = {v.id: v for v in mission.vehicles}

    def describe(self, signup: Signup) -> SignupOut:
        position = self.positions[signup.position_id]
        volunteer = VolunteerRef.of(signup.volunteer, phone=self.phone(signup.volunteer.phone))
        return SignupOut.of(
            signup,
            volunteer=volunteer,
            role=self.roles[position.role_id],
            shift=self.shifts[position.shift_id],
            vehicle=self.vehicles.get(signup.vehicle_id),
        )

    def order(self, signup: Signup) -> tuple:
        position = self.positions[signup.position_id]
        shift, role = self.shifts[position.shift_id], self.roles[position.role_id]
        return (
            shift.starts_at,
            shift.id,
            role.sort_order,
            role.id,
            STATUS_ORDER.get(signup.status, 9),
            signup.created_at,
            signup.id,
        )


@bp.get(f"/missions/<{ID}:mission_id>/roster")
@requires(StaffRole.TEAM_LEAD)
@spec.validate(resp=answers(200, RosterOut, 404, 422), tags=TAGS)
def get_roster(mission_id: int, query: RosterQuery):
    """Everyone on the mission's roster, with status, source, vehicle and attendance."""
    mission = mission_for_reading(mission_id)
    phone = privacy.phone_formatter(g.api_user, display=False)
    grid, plan = roster.roster_grid(mission), _Plan(mission, phone)
    rows = [
        s
        for cell in grid.cells.values()
        for s in cell.holding + cell.waitlisted + cell.cancelled
        if not query.status or s.status in query.status
    ]
    return RosterOut(
        mission_id=mission.id, items=[plan.describe(s) for s in sorted(rows, key=plan.order)]
    )


@bp.post(f"/missions/<{ID}:mission_id>/roster")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, SignupOut, *WRITE), tags=TAGS)
def add_to_roster(mission_id: int, json: AddToRosterIn):
    """Give a volunteer a place in a position, under the same rules as an SMS sign-up.

    A full position is a 409 unless `waitlist`; so is an overlapping shift or a missing skill.
    """
    mission = roster.load_mission(mission_id)
    volunteer = found(Volunteer, json.volunteer_id, "volunteer", error=ValidationError)
    position = part_of(mission, Position, json.position_id, "position", error=ValidationError)
    signup = signups.sign_up(volunteer, position, source=SignupSource.API, waitlist=json.waitlist)
    db.session.commit()
    return _Plan(mission).describe(signup), 201


@bp.put(f"/missions/<{ID}:mission_id>/roster/<{ID}:signup_id>/vehicle")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, SignupOut, *WRITE), tags=TAGS)
def seat_in_vehicle(mission_id: int, signup_id: int, json: SeatIn):
    """Seat a confirmed volunteer in one of the mission's vehicles (a full one is a 409)."""
    mission = roster.load_mission(mission_id)
    signup = roster.assign_vehicle(part_of(mission, Signup, signup_id, "signup"), json.vehicle_id)
    db.session.commit()
    return _Plan(mission).describe(signup)


@bp.post(f"/missions/<{ID}:mission_id>/roster/<{ID}:signup_id>/attendance")
@requires(StaffRole.TEAM_LEAD)
@spec.validate(resp=answers(200, SignupOut, *WRITE), tags=TAGS)
def mark_attendance(mission_id: int, signup_id: int, json: MarkIn):
    """Mark a confirmed volunteer's attendance (team leads: missions they lead).

    Open from ATTENDANCE_OPENS_MINUTES before the shift to ATTENDANCE_CLOSES_MINUTES after
    it (409 outside); after that only a coordinator corrects the record, and it is audited.
    """
    mission = mission_for_reading(mission_id)
    signup = part_of(mission, Signup, signup_id, "signup")
    attendance.mark(signup, json.action, by=g.api_user, via="api")
    db.session.commit()
    return _Plan(mission).describe(signup)


@bp.post(f"/missions/<{ID}:mission_id>/roster/<{ID}:signup_id>/cancel")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, CancelledSignup, *WRITE), tags=TAGS)
def cancel_signup(mission_id: int, signup_id: int, json: CancelSignupIn):
    """Take someone off the roster; a freed place is offered to the first on the waitlist."""
    mission = roster.load_mission(mission_id)
    signup = part_of(mission, Signup, signup_id, "signup")
    offered = roster.remove_signup(signup, reason=json.reason)
    db.session.commit()
    plan = _Plan(mission)
    return CancelledSignup(
        signup=plan.describe(signup), offered_to=plan.describe(offered) if offered else None
    )
