"""The volunteer's personal page: what it shows and the changes a volunteer makes there.

Booking, cancelling and the waitlist go through coordinator.domain.signups, the same code
the SMS replies use. Every function that takes a signup id checks it is the volunteer's
own and answers NotFound otherwise, so nobody can see or touch someone else's place.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import defaultload, selectinload

from coordinator.domain import attendance, eligibility, signups, vehicles
from coordinator.domain.conversation_menus import signups_of
from coordinator.domain.eligibility import Refusal
from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Invitation,
    InvitationResponse,
    Mission,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
    Skill,
    Vehicle,
    VehicleKind,
    Volunteer,
)
from coordinator.models.volunteers import LANGUAGES
from coordinator.timeutil import local_zone, now_utc

LONGEST_PAUSE = timedelta(days=366)


@dataclass(frozen=True)
class VehicleOffer:
    kind: str | None
    seats: int | None
    crates: int | None


@dataclass(frozen=True)
class OpenPlace:
    position: Position
    my_signup: Signup | None
    refusal: Refusal | None = None  # why they cannot take it now (eligibility)


@dataclass(frozen=True)
class MissionView:
    mission: Mission
    places: list[OpenPlace]
    holds_confirmed_place: bool
    has_live_signup: bool
    has_declined: bool

    @property
    def shows_address(self) -> bool:
        return not self.mission.is_address_confidential or self.holds_confirmed_place


def _missions_query() -> Select[tuple[Mission]]:
    return select(Mission).options(
        selectinload(Mission.positions).selectinload(Position.role),
        selectinload(Mission.positions).selectinload(Position.shift),
        selectinload(Mission.team_leads),
    )


def missions_for(mission_id: int | None) -> list[Mission]:
    """Missions a link answers: the one it names, or every one recruiting now."""
    query = _missions_query()
    if mission_id is not None:
        query = query.where(Mission.id == mission_id)
    else:
        query = query.where(eligibility.takes_answers(now_utc()))
    return list(db.session.scalars(query.order_by(Mission.starts_at, Mission.id)))


def mission_views(volunteer: Volunteer, missions: list[Mission]) -> list[MissionView]:
    """Each mission with the places this volunteer qualifies for and their answer so far."""
    ids = [m.id for m in missions]
    mine = db.session.scalars(
        select(Signup).where(
            Signup.volunteer_id == volunteer.id,
            Signup.mission_id.in_(ids),
            Signup.status != SignupStatus.CANCELLED,
        )
    ).all()
    by_position = {s.position_id: s for s in mine}
    now, held = now_utc(), signups_of(volunteer, now_utc())
    declined = set(
        db.session.scalars(
            select(Invitation.mission_id).where(
                Invitation.volunteer_id == volunteer.id,
                Invitation.mission_id.in_(ids),
                Invitation.response == InvitationResponse.DECLINED,
            )
        )
    )
    views = []
    for mission in missions:
        positions = sorted(
            (p for p in mission.positions if volunteer.has_skill(p.role.required_skill)),
            key=lambda p: (p.shift.starts_at, p.role.sort_order, p.role.id),
        )
        places = [
            OpenPlace(
                p,
                by_position.get(p.id),
                eligibility.why_cannot_book(
                    volunteer, p, now=now, source=SignupSource.WEB, held=held
                ),
            )
            for p in positions
            if p.capacity > 0
        ]
        held = [s for s in mine if s.mission_id == mission.id]
        views.append(
            MissionView(
                mission=mission,
                places=places,
                holds_confirmed_place=any(s.status == SignupStatus.CONFIRMED for s in held),
                has_live_signup=bool(held),
                has_declined=mission.id in declined,
            )
        )
    return views


def upcoming_signups(volunteer: Volunteer) -> list[Signup]:
    """The volunteer's confirmed, offered and waitlisted places in shifts not yet over."""
    return signups_of(
        volunteer,
        now_utc(),
        defaultload(Signup.mission).selectinload(Mission.team_leads),
        selectinload(Signup.vehicle),
    )


def own_signup(volunteer: Volunteer, signup_id: int) -> Signup:
    """The volunteer's own signup with this id; NotFound for anyone else's."""
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        raise NotFound(gettext("this place is not in your sign-ups"), field="signup")
    return signup


def bookable_position(volunteer: Volunteer, position_id: int, mission_id: int | None) -> Position:
    """A position the link may book now: in the mission it names, and eligibility says yes."""
    position = db.session.get(Position, position_id)
    if position is None or (mission_id is not None and position.mission_id != mission_id):
        raise NotFound(gettext("this place is not offered on your link"), field="position")
    eligibility.check_can_book(volunteer, position, now=now_utc(), source=SignupSource.WEB)
    return position


def book_place(
    volunteer: Volunteer,
    position_id: int,
    *,
    mission_id: int | None,
    offer: VehicleOffer | None = None,
) -> Signup:
    """Book a place (or a waitlist spot) from the page, with an optional vehicle offer."""
    position = bookable_position(volunteer, position_id, mission_id)
    vehicle = _offer(volunteer, position.mission, offer) if offer else None
    signup = signups.sign_up(volunteer, position, source=SignupSource.WEB, vehicle=vehicle)
    if vehicle is not None and signup.vehicle_id != vehicle.id:
        signup.vehicle = vehicle  # they already held this place: add the vehicle to it
        db.session.flush()
    return signup


def _offer(volunteer: Volunteer, mission: Mission, offer: VehicleOffer) -> Vehicle:
    return vehicles.offer_vehicle(
        volunteer, mission, kind=offer.kind, seats=offer.seats, crates=offer.crates
    )


def offer_vehicle_for_signup(volunteer: Volunteer, signup_id: int, offer: VehicleOffer) -> Vehicle:
    """Bring a vehicle to a mission the volunteer already has a place on."""
    signup = own_signup(volunteer, signup_id)
    if signup.status == SignupStatus.CANCELLED:
        raise Conflict(gettext("this place was cancelled"), field="signup")
    vehicle = _offer(volunteer, signup.mission, offer)
    signup.vehicle = vehicle
    db.session.flush()
    return vehicle


def cancel_signup(volunteer: Volunteer, signup_id: int) -> Signup | None:
    """Cancel one of the volunteer's places, with the same waitlist offer and alerts as SMS."""
    return signups.cancel(own_signup(volunteer, signup_id), reason="cancelled on the personal page")


def accept_held_place(volunteer: Volunteer, signup_id: int) -> Signup:
    """Confirm a place the waitlist held for the volunteer."""
    return signups.accept_offer(own_signup(volunteer, signup_id))


def update_profile(
    volunteer: Volunteer,
    *,
    language: str,
    skills: list[str],
    vehicle_kind: str | None,
    vehicle_seats: int | None,
    vehicle_crates: int | None,
    portal_1365_id: str | None = None,
) -> Volunteer:
    """Save what the volunteer says about themselves; new skills await staff review.

    Their 1365 portal id, given by them, goes on the hours exported for the portal.
    """
    if language not in LANGUAGES:
        raise ValidationError(
            gettext("unknown language %(value)r", value=language), field="language"
        )
    unknown = set(skills) - {s.value for s in Skill}
    if unknown:
        raise ValidationError(
            gettext("unknown skill %(value)r", value=sorted(unknown)[0]), field="skills"
        )
    if vehicle_kind and vehicle_kind not in {k.value for k in VehicleKind}:
        raise ValidationError(
            gettext("unknown vehicle kind %(value)r", value=vehicle_kind), field="vehicle_kind"
        )
    volunteer.language = language
    volunteer.set_skills(skills, is_verified=False)
    volunteer.vehicle_kind = vehicle_kind or None
    volunteer.vehicle_seats = _count(vehicle_seats, "vehicle_seats", vehicles.MAX_SEATS)
    volunteer.vehicle_crates = _count(vehicle_crates, "vehicle_crates", vehicles.MAX_CRATES)
    if not vehicle_kind:
        volunteer.vehicle_seats = volunteer.vehicle_crates = None
    if portal_1365_id is not None:
        volunteer.portal_1365_id = _portal_id(portal_1365_id)
    db.session.flush()
    return volunteer


def _portal_id(raw: str) -> str:
    value = raw.strip()
    if len(value) > 40 or not all(c.isascii() and (c.isalnum() or c in "._-@") for c in value):
        raise ValidationError(
            gettext("A 1365 id has letters, digits and . _ - @ only, at most 40 of them."),
            field="portal_1365_id",
        )
    return value


def _count(value: int | None, field: str, upper: int) -> int | None:
    if value is not None and not 0 <= value <= upper:
        raise ValidationError(
            gettext(
                "%(field)s must be a whole number from 0 to %(upper)d", field=field, upper=upper
            ),
            field=field,
        )
    return value


def pause_callouts(volunteer: Volunteer, resume_on: date) -> datetime:
    """No call-outs until the morning of `resume_on` (a local date), e.g. for a holiday."""
    until = datetime.combine(resume_on, time(0), tzinfo=local_zone())
    now = now_utc()
    if until <= now:
        raise ValidationError(gettext("choose a day after today"), field="resume_on")
    if until - now > LONGEST_PAUSE:
        raise ValidationError(gettext("a pause can last at most a year"), field="resume_on")
    volunteer.paused_until = until
    db.session.flush()
    return until


def resume_callouts(volunteer: Volunteer) -> None:
    """End a pause now."""
    volunteer.paused_until = None
    db.session.flush()


def check_in_open(signup: Signup, at: datetime | None = None) -> bool:
    """True while a confirmed signup's shift takes check-ins."""
    opens, closes = attendance.check_in_window(signup.position.shift)
    return signup.status == SignupStatus.CONFIRMED and opens <= (at or now_utc()) <= closes


def check_in(volunteer: Volunteer, signup_id: int) -> Signup:
    """Check in from the page on mission day, through the attendance rules."""
    signup = own_signup(volunteer, signup_id)
    if not check_in_open(signup):
        raise Conflict(gettext("check-in is open only during your shift"), field="signup")
    return attendance.self_check_in(volunteer, via="web")
