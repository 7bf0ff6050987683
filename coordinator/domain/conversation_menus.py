"""What the SMS conversation offers a volunteer: open call-outs, numbered positions, signups.

Read-only queries, kept apart from coordinator.domain.conversation so the dialogue reads on
its own. Each loads what its menu shows in one or two queries.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from coordinator.domain.eligibility import Refusal, takes_answers, why_cannot_book
from coordinator.extensions import db
from coordinator.models import (
    OPEN_STATUSES,
    ConversationState,
    Invitation,
    InvitationResponse,
    Mission,
    Position,
    Role,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)

LIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITLISTED)


def position_options(mission: Mission) -> list[Position]:
    """The mission's positions in the order SMS options number them from 1 ("B7 2").

    Role order then shift time, positions of capacity 0 left out; the call-out text,
    menus and direct codes all use this one numbering.
    """
    return list(
        db.session.scalars(
            select(Position)
            .join(Position.role)
            .join(Position.shift)
            .where(Position.mission_id == mission.id, Position.capacity > 0)
            .options(contains_eager(Position.role), contains_eager(Position.shift))
            .order_by(Role.sort_order, Role.id, Shift.starts_at, Shift.id)
        )
    )


Numbered = list[tuple[int, Position]]


def refusals(
    volunteer: Volunteer, numbered: Numbered, mine: list[Signup], now: datetime
) -> dict[int, Refusal | None]:
    """Each option's eligibility.why_cannot_book answer by SMS, without a query per option.

    `mine` is signups_of(volunteer): the places they hold or wait for, loaded once a turn.
    """
    return {
        p.id: why_cannot_book(volunteer, p, now=now, source=SignupSource.SMS, held=mine)
        for _n, p in numbered
    }


def fitting(
    volunteer: Volunteer, numbered: Numbered, mine: list[Signup], now: datetime
) -> Numbered:
    """The options the volunteer could take now and is not already in (see refusals)."""
    taken = {s.position_id for s in mine}
    answers = refusals(volunteer, numbered, mine, now)
    return [(n, p) for n, p in numbered if p.id not in taken and answers[p.id] is None]


def open_callouts(volunteer: Volunteer, now: datetime) -> list[Mission]:
    """Missions whose call-out reached the volunteer, still recruiting, not declined, ahead."""
    invited = select(Invitation.mission_id).where(Invitation.volunteer_id == volunteer.id)
    declined = invited.where(Invitation.response == InvitationResponse.DECLINED)
    return list(
        db.session.scalars(
            select(Mission)
            .where(
                Mission.id.in_(invited),
                Mission.id.not_in(declined),
                takes_answers(now),
            )
            .order_by(Mission.starts_at, Mission.id)
            # The confirmation names the team lead: loaded here, not while a place is held.
            .options(joinedload(Mission.team_leads))
        ).unique()
    )


def booked_here(mission: Mission, mine: list[Signup]) -> bool:
    """True if the volunteer already has a live signup on this mission (mine: signups_of)."""
    return any(s.mission_id == mission.id for s in mine)


def signups_of(volunteer: Volunteer, now: datetime, *extra: ORMOption) -> list[Signup]:
    """The volunteer's confirmed, held and waitlisted places in shifts not yet over.

    One query with everything the menus read (shift, role, mission), soonest first; the
    conversation loads it once a turn and filters it in Python. The personal page and the
    calendar feed show the same list, with what they read more (`extra` loader options).
    """
    return list(
        db.session.scalars(
            select(Signup)
            .join(Signup.position)
            .join(Position.shift)
            .join(Signup.mission)
            .where(
                Signup.volunteer_id == volunteer.id, Signup.status.in_(LIVE), Shift.ends_at > now
            )
            .options(
                contains_eager(Signup.position).contains_eager(Position.shift),
                contains_eager(Signup.mission),
                joinedload(Signup.position, Position.role),
                *extra,
            )
            .order_by(Shift.starts_at, Signup.id)
        ).unique()
    )


def live_signups(
    volunteer: Volunteer,
    now: datetime,
    code: str | None = None,
    mine: list[Signup] | None = None,
) -> list[Signup]:
    """The volunteer's confirmed, held and waitlisted places in shifts ahead, soonest first."""
    mine = signups_of(volunteer, now) if mine is None else mine
    return [
        s for s in mine if s.position.shift.starts_at > now and (not code or s.mission.code == code)
    ]


def mission_by_code(code: str) -> Mission | None:
    """The open mission with this SMS code (codes are unique among open missions)."""
    return db.session.scalar(
        select(Mission).where(Mission.code == code.upper(), Mission.status.in_(OPEN_STATUSES))
    )


KEYWORDS = {
    "ko": ["네", "아니요", "취소", "내 일정", "도착", "도움말"],
    "en": ["YES", "NO", "CANCEL", "STATUS", "HERE", "HELP"],
}


def suggested_replies(volunteer: Volunteer, now: datetime) -> list[str]:
    """What the volunteer can answer now: the last menu's numbers or codes, else the keywords.

    The simulator's quick-reply buttons, so a demo offers what the phone was just asked.
    """
    language = volunteer.language if volunteer.language in KEYWORDS else "ko"
    words = KEYWORDS[language]
    state = db.session.get(ConversationState, volunteer.id)
    if state is None or state.expires_at <= now:
        return words
    payload = state.payload
    if state.kind == "positions":
        shown = payload.get("positions")
        numbers = range(1, len(shown) + 1) if shown is not None else payload.get("numbers", [])
        return [*map(str, numbers), words[1]]
    if state.kind == "cancel":
        return [str(n) for n in range(1, len(payload["signups"]) + 1)]
    if state.kind == "missions":
        codes = db.session.scalars(
            select(Mission.code)
            .where(Mission.id.in_(payload["missions"]))
            .order_by(Mission.starts_at)
        )
        return [*(f"{code} {words[0]}" for code in codes), words[1]]
    return words
