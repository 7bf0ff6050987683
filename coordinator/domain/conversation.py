"""The SMS conversation: one parsed reply from a volunteer in, the answer to text back out.

Every intent ends in a short answer in the volunteer's language, whatever they typed. What a
volunteer was last shown (a menu of positions, of missions, of signups to cancel) is saved in
ConversationState and expires, so "2" an hour later means the menu they just saw; a number
alone with no menu falls back to the options of their single open call-out.

A menu numbers what it shows from 1 (never "3) … 4)"), and the saved state maps each number
back to its position, so a number outside the menu gets "reply 1 or 2", not a refusal about
a place the volunteer was never shown. A code and a number typed cold ("B7 2") use the
mission's own numbering (see position_options). A question goes to a person.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from flask_babel import force_locale
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from coordinator.domain import consent, eligibility, invitations, signups, travel
from coordinator.domain.attendance import self_check_in
from coordinator.domain.conversation_menus import (
    booked_here,
    fitting,
    live_signups,
    mission_by_code,
    open_callouts,
    position_options,
    refusals,
    signups_of,
)
from coordinator.domain.eligibility import Refusal
from coordinator.domain.vehicles import offer_vehicle
from coordinator.errors import Conflict, DomainError
from coordinator.extensions import db
from coordinator.links import personal_url, short_urls
from coordinator.models import (
    ConversationState,
    InvitationResponse,
    Mission,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
    Vehicle,
    Volunteer,
)
from coordinator.sms.parsing import Intent, Reply
from coordinator.sms.texts import render_sms
from coordinator.timeutil import now_utc

__all__ = ["Answer", "position_options", "respond"]

STATUS_LINES = 3  # more would not fit a text; the personal page shows the rest
# How the booking_refused template words each eligibility.Refusal; the others read "closed".
SMS_REASONS = {
    Refusal.SKILL: "skill",
    Refusal.OVERLAP: "overlap",
    Refusal.APPROVAL: "approval",
    Refusal.AGE: "age",
    Refusal.WAIVER: "waiver",
}


@dataclass(frozen=True)
class Answer:
    """The text to send back (empty: send nothing), and whether a person should read the SMS."""

    text: str
    needs_attention: bool = False
    mission_id: int | None = None
    kind: str = "answer"  # the outbound message's kind (the STOP answer is the confirmation)


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

    def say(
        self,
        template: str,
        *,
        attention: bool = False,
        mission: Mission | None = None,
        **context: object,
    ) -> Answer:
        from flask import current_app

        text = render_sms(
            template,
            self.volunteer.language,
            volunteer=self.volunteer,
            mission=mission,
            contact=current_app.config.get("ORGANISATION_CONTACT") or "",
            **context,
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
    volunteer: Volunteer,
    reply: Reply,
    *,
    now: datetime | None = None,
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
        "kind": reply.vehicle_kind,
        "crates": reply.vehicle_crates,
        "seats": reply.vehicle_seats,
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
        return mission  # whether it takes answers is each place's answer (_book_in)
    if turn.state is not None and turn.state.kind == "positions":
        mission = db.session.get(Mission, turn.state.payload["mission"])
        if mission is not None and mission.status in eligibility.ANSWERING:
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
    reply = turn.reply
    if reply.option is not None:
        menu = _menu_shown(turn, mission, options)
        choices = options if menu is None else menu
        if not 1 <= reply.option <= len(choices):
            return _choose_again(turn, len(choices), mission)
        chosen = choices[reply.option - 1]
        if chosen is not None:
            return _book(turn, chosen)
    numbered = list(enumerate(options, start=1))
    if reply.role_key or reply.shift_key:
        numbered = [(n, p) for n, p in numbered if _keys_match(p, reply)]
        if not numbered:
            return _choose_again(turn, len(options), mission)
    fits = fitting(turn.volunteer, numbered, turn.mine, turn.now)
    free = [(n, p) for n, p in fits if p.has_room]
    pick = [p for _, p in free or fits]
    if not pick:
        return _none_fits(turn, mission, numbered)
    if len(pick) == 1:
        return _book(turn, pick[0])
    turn.remember(
        "positions",
        {"mission": mission.id, "vehicle": turn.vehicle, "positions": [p.id for p in pick]},
    )
    return turn.say("menu_positions", mission=mission, options=list(enumerate(pick, start=1)))


def _menu_shown(
    turn: Turn, mission: Mission, options: list[Position]
) -> list[Position | None] | None:
    """The positions of the menu this volunteer was last shown for `mission`, in its order.

    None when no such menu is current (the number then means the mission's own numbering);
    a place closed since the menu was sent is None in the list.
    """
    state = turn.state
    if state is None or state.kind != "positions" or state.payload.get("mission") != mission.id:
        return None
    ids = state.payload.get("positions")
    if ids is None:  # a menu saved before menus were numbered from 1: the mission's numbers
        return None
    by_id = {p.id: p for p in options}
    return [by_id.get(position_id) for position_id in ids]


def _choose_again(turn: Turn, count: int, mission: Mission | None = None) -> Answer:
    """Ask for "1 or 2" (the numbers of the menu the volunteer was shown) in their language."""
    return turn.say("choose_again", mission=mission, count=count)


def _none_fits(turn: Turn, mission: Mission, numbered: list[tuple[int, Position]]) -> Answer:
    """No option is open to them: say why (closed, started, a clash), or that none suits."""
    answers = refusals(turn.volunteer, numbered, turn.mine, turn.now)
    by_id = {p.id: p for _n, p in numbered}
    found = next(((pid, r) for pid, r in answers.items() if r not in (None, Refusal.SKILL)), None)
    if found is None:
        return turn.say("not_qualified", mission=mission, attention=True)
    position_id, why = found
    # The position it names: the age and waiver answers say which role asks for them.
    return turn.say(
        "booking_refused",
        mission=mission,
        position=by_id[position_id],
        reason=SMS_REASONS.get(why, "closed"),
    )


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
                turn.volunteer, position, source=SignupSource.SMS, vehicle=vehicle, now=turn.now
            )
    except DomainError:
        return turn.say(
            "booking_refused", mission=mission, position=position, reason=_refusal(turn, position)
        )
    invitations.record_answer(turn.volunteer, mission, InvitationResponse.ACCEPTED, turn.now)
    turn.forget()
    if signup.status == SignupStatus.WAITLISTED:
        return turn.say(
            "booking_waitlisted", mission=mission, position=position, place=_waitlist_place(signup)
        )
    return _confirmation(turn, signup)


def _offer_vehicle(turn: Turn, mission: Mission) -> Vehicle | None:
    if not turn.vehicle:
        return None
    v = turn.vehicle
    return offer_vehicle(
        turn.volunteer, mission, kind=v["kind"], crates=v["crates"], seats=v["seats"]
    )


def _refusal(turn: Turn, position: Position) -> str:
    """The booking_refused template's reason for eligibility's answer (a full place: closed)."""
    why = eligibility.why_cannot_book(
        turn.volunteer, position, now=turn.now, source=SignupSource.SMS
    )
    return SMS_REASONS.get(why, "closed") if why is not None else "closed"


def _waitlist_place(signup: Signup) -> int:
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Signup)
        .where(
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
    # Directions live on the personal page (Kakao Map, Naver Map); the SMS carries its link.
    link = (
        short_urls([(turn.volunteer, mission.id)], turn.now)[0]
        if mission.meeting_lat is not None
        else None
    )
    return turn.say(
        "booking_confirmed",
        mission=mission,
        position=signup.position,
        vehicle=signup.vehicle,
        lead=lead,
        link=link,
    )


def _missions(ids: list[int]) -> list[Mission]:
    return list(
        db.session.scalars(select(Mission).where(Mission.id.in_(ids)).order_by(Mission.starts_at))
    )


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
        return _choose_again(turn, len(signup_ids))
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
    consent.opt_out(turn.volunteer, source=consent.Source.SMS, now=turn.now)
    turn.forget()
    # Someone booked who opts out will get no reminders: a coordinator should know.
    booked = any(s.status == SignupStatus.CONFIRMED for s in turn.live())
    return replace(turn.say("opted_out", attention=booked), kind=consent.CONFIRMATION_KIND)


def _start(turn: Turn) -> Answer:
    consent.opt_in(turn.volunteer, source=consent.Source.SMS, now=turn.now)
    return turn.say("opted_in")


def _help(turn: Turn) -> Answer:
    return turn.say("help")


def _link(turn: Turn) -> Answer:
    try:
        url = personal_url(turn.volunteer)
    except BuildError:  # the personal page is not installed in this deployment
        return turn.say("help")
    return turn.say("link", url=url)


def _here(turn: Turn) -> Answer:
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
            shown = state.payload.get("positions") or state.payload.get("numbers") or []
            return _choose_again(turn, len(shown))
    return turn.say("unknown", attention=True)


def _travel(turn: Turn) -> Answer:
    """ "출발", "10분", "늦어요": tell the team lead, for the place the volunteer has today."""
    places = travel.day_places(turn.volunteer, turn.now)
    if not places:
        return turn.say("travel_no_place")
    signup = min(places, key=lambda s: s.position.shift.starts_at)
    status = travel.RUNNING_LATE if turn.reply.intent == Intent.RUNNING_LATE else travel.ON_THE_WAY
    minutes = min(turn.reply.minutes, travel.MAX_MINUTES) if turn.reply.minutes else None
    travel.say(turn.volunteer, signup.id, status, minutes=minutes, now=turn.now)
    return turn.say(
        "travel_noted",
        mission=signup.mission,
        signup=signup,
        late=status == travel.RUNNING_LATE,
        expected=signup.expected_at,
    )


def _question(turn: Turn) -> Answer:
    """A question is read by a person; the volunteer hears that it was, and any menu stays."""
    return turn.say("question_received", attention=True)


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
    Intent.ON_MY_WAY: _travel,
    Intent.RUNNING_LATE: _travel,
    Intent.HERE: _here,
    Intent.QUESTION: _question,
    Intent.UNKNOWN: _unknown,
}
