"""The SMS conversation: one parsed reply from a volunteer in, the answer to text back out.

Every intent ends in a short answer in the volunteer's language, whatever they typed. What a
volunteer was last shown (a menu of positions, of missions, of signups to cancel) is saved in
ConversationState and expires, so "2" an hour later means the menu they just saw; a number
alone with no menu falls back to the options of their single open call-out.

Menu numbers are the mission's own (see position_options), so "B7 2" means the same place in
the call-out, in a menu and typed cold.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from flask_babel import force_locale
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from coordinator.domain import invitations, signups
from coordinator.domain.conversation_menus import (
    booked_here,
    fitting,
    live_signups,
    mission_by_code,
    open_callouts,
    position_options,
    signups_of,
)
from coordinator.domain.vehicles import offer_vehicle
from coordinator.errors import Conflict, DomainError
from coordinator.extensions import db
from coordinator.models import (
    ConversationState,
    InvitationResponse,
    Mission,
    MissionStatus,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)
from coordinator.sms.parsing import Intent, Reply
from coordinator.sms.texts import render_sms
from coordinator.timeutil import now_utc

__all__ = ["Answer", "position_options", "respond"]

SMS_BOOKABLE = (MissionStatus.RECRUITING, MissionStatus.STAFFED)
STATUS_LINES = 3  # more would not fit a text; the personal page shows the rest


@dataclass(frozen=True)
class Answer:
    """The text to send back (empty: send nothing), and whether a person should read the SMS."""

    text: str
    needs_attention: bool = False
    mission_id: int | None = None


@dataclass
class Turn:
    volunteer: Volunteer
    reply: Reply
    now: datetime
    state: ConversationState | None
    vehicle: dict | None = field(default=None)
    has_saved_state: bool = False  # a row exists, current or expired

    @cached_property
    def mine(self) -> list[Signup]:
        """The volunteer's live signups, loaded once a turn (before anything is booked)."""
        return signups_of(self.volunteer, self.now)

    def live(self, code: str | None = None) -> list[Signup]:
        """Their places in shifts ahead, soonest first; only those of mission `code` if given."""
        return live_signups(self.volunteer, self.now, code, mine=self.mine)

    def say(self, template: str, *, attention: bool = False, mission: Mission | None = None,
            **context: object) -> Answer:
        from flask import current_app

        text = render_sms(
            template, self.volunteer.language, volunteer=self.volunteer, mission=mission,
            contact=current_app.config.get("ORGANISATION_CONTACT") or "", **context,
        )
        return Answer(text, attention, mission.id if mission else None)

    def remember(self, kind: str, payload: dict) -> None:
        _save_state(self.volunteer, kind, payload, self.now)
        self.has_saved_state = True

    def forget(self) -> None:
        if not self.has_saved_state:
            return  # nothing saved for them: no DELETE to send
        db.session.execute(
            delete(ConversationState).where(ConversationState.volunteer_id == self.volunteer.id)
        )
        self.has_saved_state = False


_LOOK_UP = object()


def respond(
    volunteer: Volunteer, reply: Reply, *, now: datetime | None = None,
    saved: ConversationState | None | object = _LOOK_UP,
) -> Answer:
    """Act on one parsed SMS reply from a known volunteer and return the answer to send.

    `saved` is their stored conversation state (None: they have none) when the caller
    loaded it with the volunteer; otherwise it is looked up here.
    """
    now = now or now_utc()
    if volunteer.is_opted_out and reply.intent not in (Intent.START, Intent.STOP, Intent.HELP):
        # Twilio would block any answer; a person may still want to read it.
        return Answer("", needs_attention=True)
    if not isinstance(saved, ConversationState | None):  # _LOOK_UP
        saved = db.session.get(ConversationState, volunteer.id)
    current = saved if saved is not None and saved.expires_at > now else None
    turn = Turn(volunteer, reply, now, current, has_saved_state=saved is not None)
    turn.vehicle = _vehicle_of(reply) or (turn.state.payload.get("vehicle") if turn.state else None)
    with force_locale(volunteer.language):  # any refusal quoted back is in their language
        return HANDLERS[reply.intent](turn)


def _save_state(volunteer: Volunteer, kind: str, payload: dict, now: datetime) -> None:
    from datetime import timedelta

    from flask import current_app

    expires = now + timedelta(minutes=current_app.config["CONVERSATION_TTL_MINUTES"])
    values = {"kind": kind, "payload": payload, "expires_at": expires, "updated_at": now}
    state = db.session.get(ConversationState, volunteer.id)
    if state is not None:
        for name, value in values.items():
            setattr(state, name, value)
        db.session.flush()
        return
    try:
        with db.session.begin_nested():
            db.session.add(ConversationState(volunteer_id=volunteer.id, **values))
    except IntegrityError:  # the same volunteer's other message saved one first
        db.session.execute(
            update(ConversationState)
            .where(ConversationState.volunteer_id == volunteer.id)
            .values(**values)
        )


def _vehicle_of(reply: Reply) -> dict | None:
    if not reply.vehicle_kind:
        return None
    return {
        "kind": reply.vehicle_kind, "crates": reply.vehicle_crates, "seats": reply.vehicle_seats
    }


# --- taking part ---------------------------------------------------------------------------


def _yes(turn: Turn) -> Answer:
    offered = [s for s in turn.live(turn.reply.mission_code) if s.status == SignupStatus.OFFERED]
    if offered:
        return _accept(turn, offered[0])
    mission = _target_mission(turn)
    return mission if isinstance(mission, Answer) else _book_in(turn, mission)


def _choose(turn: Turn) -> Answer:
    state = turn.state
    if state is not None and state.kind == "cancel" and not turn.reply.mission_code:
        return _cancel_chosen(turn, state.payload["signups"])
    if state is not None and state.kind == "missions" and not turn.reply.mission_code:
        return turn.say("menu_missions", missions=_missions(state.payload["missions"]))
    mission = _target_mission(turn)
    return mission if isinstance(mission, Answer) else _book_in(turn, mission)


def _accept(turn: Turn, signup: Signup) -> Answer:
    try:
        with db.session.begin_nested():
            signups.accept_offer(signup)
    except DomainError:
        return turn.say("offer_gone", mission=signup.mission)
    turn.forget()
    return _confirmation(turn, signup)


def _target_mission(turn: Turn) -> Mission | Answer:
    """The mission a YES or a choice is about: named, from the last menu, or the only one."""
    code = turn.reply.mission_code
    if code:
        mission = mission_by_code(code)
        if mission is None:
            return turn.say("mission_unknown", code=code)
        if mission.status not in SMS_BOOKABLE or mission.starts_at <= turn.now:
            return turn.say("booking_refused", mission=mission, reason="closed")
        return mission
    if turn.state is not None and turn.state.kind == "positions":
        mission = db.session.get(Mission, turn.state.payload["mission"])
        if mission is not None and mission.status in SMS_BOOKABLE:
            return mission
    candidates = open_callouts(turn.volunteer, turn.now)
    fresh = [m for m in candidates if not booked_here(m, turn.mine)]
    if len(fresh) == 1:
        return fresh[0]
    if len(fresh) > 1:
        turn.remember("missions", {"missions": [m.id for m in fresh], "vehicle": turn.vehicle})
        return turn.say("menu_missions", missions=fresh)
    if turn.live():
        return _status(turn)
    return turn.say("no_callout")


def _book_in(turn: Turn, mission: Mission) -> Answer:
    options = position_options(mission)
    numbered = list(enumerate(options, start=1))
    reply = turn.reply
    if reply.option is not None:
        if not 1 <= reply.option <= len(options):
            return turn.say("choose_again", mission=mission, numbers=[n for n, _ in numbered])
        return _book(turn, options[reply.option - 1])
    if reply.role_key or reply.shift_key:
        numbered = [(n, p) for n, p in numbered if _keys_match(p, reply)]
        if not numbered:
            return turn.say("choose_again", mission=mission,
                            numbers=list(range(1, len(options) + 1)))
    fits = fitting(turn.volunteer, numbered, turn.mine)
    free = [(n, p) for n, p in fits if p.places_left > 0]
    pick = free or fits
    if not pick:
        return turn.say("not_qualified", mission=mission, attention=True)
    if len(pick) == 1:
        return _book(turn, pick[0][1])
    numbers = [n for n, _ in pick]
    turn.remember("positions", {"mission": mission.id, "vehicle": turn.vehicle, "numbers": numbers})
    return turn.say("menu_positions", mission=mission, options=pick)


def _keys_match(position: Position, reply: Reply) -> bool:
    role_ok = not reply.role_key or position.role.sms_key.upper() == reply.role_key
    shift_ok = not reply.shift_key or position.shift.sms_key.upper() == reply.shift_key
    return role_ok and shift_ok


def _book(turn: Turn, position: Position) -> Answer:
    mission = position.mission
    # sign_up writes nothing before it refuses; only a vehicle offer needs undoing then.
    undo = db.session.begin_nested() if turn.vehicle else nullcontext()
    try:
        with undo:
            vehicle = _offer_vehicle(turn, mission)
            signup = signups.sign_up(
                turn.volunteer, position, source=SignupSource.SMS, vehicle=vehicle
            )
    except DomainError:
        return turn.say("booking_refused", mission=mission, position=position,
                        reason=_refusal(turn.volunteer, position))
    invitations.record_answer(turn.volunteer, mission, InvitationResponse.ACCEPTED, turn.now)
    turn.forget()
    if signup.status == SignupStatus.WAITLISTED:
        return turn.say("booking_waitlisted", mission=mission, position=position,
                        place=_waitlist_place(signup))
    return _confirmation(turn, signup)


def _offer_vehicle(turn: Turn, mission: Mission):  # noqa: ANN202
    if not turn.vehicle:
        return None
    v = turn.vehicle
    return offer_vehicle(turn.volunteer, mission, kind=v["kind"], crates=v["crates"],
                         seats=v["seats"])


def _refusal(volunteer: Volunteer, position: Position) -> str:
    if not volunteer.has_skill(position.role.required_skill):
        return "skill"
    if signups.overlapping_signup(volunteer, position.shift) is not None:
        return "overlap"
    return "closed"


def _waitlist_place(signup: Signup) -> int:
    ahead = db.session.scalar(
        select(func.count()).select_from(Signup).where(
            Signup.position_id == signup.position_id,
            Signup.status == SignupStatus.WAITLISTED,
            (Signup.created_at < signup.created_at)
            | ((Signup.created_at == signup.created_at) & (Signup.id < signup.id)),
        )
    )
    return (ahead or 0) + 1


def _confirmation(turn: Turn, signup: Signup) -> Answer:
    mission = signup.mission
    lead = mission.team_leads[0].name if mission.team_leads else None
    return turn.say("booking_confirmed", mission=mission, position=signup.position,
                    vehicle=signup.vehicle, lead=lead)


def _missions(ids: list[int]) -> list[Mission]:
    return list(db.session.scalars(select(Mission).where(Mission.id.in_(ids))
                                   .order_by(Mission.starts_at)))


# --- saying no, cancelling ------------------------------------------------------------------


def _no(turn: Turn) -> Answer:
    code = turn.reply.mission_code
    offered = [s for s in turn.live(code) if s.status == SignupStatus.OFFERED]
    if offered:  # a held place they do not want goes straight to the next person
        signups.cancel(offered[0], reason="declined the held place by SMS")
        turn.forget()
        return turn.say("decline_done", mission=offered[0].mission)
    if code:
        mission = mission_by_code(code)
    elif turn.state is not None and turn.state.kind == "positions":
        mission = db.session.get(Mission, turn.state.payload["mission"])
    else:
        callouts = open_callouts(turn.volunteer, turn.now)
        if len(callouts) > 1:
            return turn.say("decline_which", missions=callouts)
        mission = callouts[0] if callouts else None
    turn.forget()
    if mission is None:
        return turn.say("decline_done")
    return _decline(turn, mission)


def _decline(turn: Turn, mission: Mission) -> Answer:
    try:
        invitations.decline_mission(turn.volunteer, mission, via="sms", now=turn.now)
    except Conflict:  # "can't go" from someone booked: tell them how to cancel, show a person
        return turn.say("decline_booked", mission=mission, attention=True)
    return turn.say("decline_done", mission=mission)


def _cancel(turn: Turn) -> Answer:
    live = turn.live(turn.reply.mission_code)
    if not live:
        return turn.say("cancel_nothing")
    if len(live) == 1:
        return _cancel_one(turn, live[0])
    turn.remember("cancel", {"signups": [s.id for s in live]})
    return turn.say("menu_cancel", options=list(enumerate(live, start=1)))


def _cancel_chosen(turn: Turn, signup_ids: list[int]) -> Answer:
    option = turn.reply.option
    if option is None or not 1 <= option <= len(signup_ids):
        return turn.say("choose_again", numbers=list(range(1, len(signup_ids) + 1)))
    signup = db.session.get(Signup, signup_ids[option - 1])
    if signup is None or signup.status == SignupStatus.CANCELLED:
        turn.forget()
        return turn.say("cancel_nothing")
    return _cancel_one(turn, signup)


def _cancel_one(turn: Turn, signup: Signup) -> Answer:
    signups.cancel(signup, reason="cancelled by SMS")
    turn.forget()
    return turn.say("cancel_done", mission=signup.mission, position=signup.position)


# --- everything else ------------------------------------------------------------------------


def _status(turn: Turn) -> Answer:
    live = turn.live()
    if not live:
        return turn.say("status_empty")
    more = max(len(live) - STATUS_LINES, 0)
    return turn.say("status_list", signups=live[:STATUS_LINES], more=more)


def _stop(turn: Turn) -> Answer:
    turn.volunteer.opted_out_at = turn.volunteer.opted_out_at or turn.now
    turn.volunteer.opt_out_note = "replied STOP by SMS"
    turn.forget()
    # Someone booked who opts out will get no reminders: a coordinator should know.
    booked = any(s.status == SignupStatus.CONFIRMED for s in turn.live())
    return turn.say("opted_out", attention=booked)


def _start(turn: Turn) -> Answer:
    turn.volunteer.opted_out_at = None
    turn.volunteer.opt_out_note = ""
    return turn.say("opted_in")


def _help(turn: Turn) -> Answer:
    return turn.say("help")


def _link(turn: Turn) -> Answer:
    from coordinator.links import personal_url

    try:
        url = personal_url(turn.volunteer)
    except BuildError:  # the personal page is not installed in this deployment
        return turn.say("help")
    return turn.say("link", url=url)


def _here(turn: Turn) -> Answer:
    try:
        from coordinator.domain.attendance import self_check_in
    except ImportError:
        return turn.say("checkin_refused", attention=True)
    try:
        with db.session.begin_nested():
            signup = self_check_in(turn.volunteer, via="sms", at=turn.now)
    except DomainError as refused:  # its message is written for the volunteer, in their language
        return Answer(refused.message) if refused.message else turn.say("checkin_refused")
    return turn.say("checked_in", mission=signup.mission, signup=signup)


def _unknown(turn: Turn) -> Answer:
    state, reply = turn.state, turn.reply
    if state is not None and state.kind == "missions" and reply.mission_code:
        return _yes(turn)  # "B7" after "which mission?"
    if state is not None and _only_digits(reply.text):  # a number out of range: ask again
        if state.kind == "cancel":
            return _cancel_chosen(turn, state.payload["signups"])
        if state.kind == "positions":
            return turn.say("choose_again", numbers=state.payload["numbers"])
    return turn.say("unknown", attention=True)


def _only_digits(text: str) -> bool:
    stripped = text.replace("번", "").strip(" .)")
    return stripped.isdigit()


HANDLERS = {
    Intent.YES: _yes,
    Intent.CHOOSE: _choose,
    Intent.NO: _no,
    Intent.CANCEL: _cancel,
    Intent.STATUS: _status,
    Intent.STOP: _stop,
    Intent.START: _start,
    Intent.HELP: _help,
    Intent.LINK: _link,
    Intent.HERE: _here,
    Intent.UNKNOWN: _unknown,
}
