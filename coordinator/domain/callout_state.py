"""What a call-out is doing, in words a coordinator reads at a glance, and how it went.

One function tells the state (state_of) and one the plan before sending (plan_of); the page,
its live refresh and the JSON door all show what they return, so no page can say "Sending
now" about a call-out that quiet hours hold, or about one that has reached everybody.

    held until HH:MM (quiet hours) > sending wave k of n > waiting for wave k+1 at HH:MM > ...
    > finished (every place filled | everyone in the audience asked | mission closed) | cancelled
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from coordinator.domain import audience as audiences
from coordinator.extensions import db
from coordinator.i18n import format_local, format_money
from coordinator.models import (
    CallOut,
    CallOutStatus,
    Invitation,
    InvitationResponse,
    Message,
    MessageStatus,
    Mission,
    Volunteer,
)
from coordinator.timeutil import in_quiet_hours, quiet_hours_end, to_local

HELD, SENDING, WAITING, FINISHED = "held", "sending", "waiting", "finished"


@dataclass(frozen=True)
class Bar:
    """One outcome: how many of `of` (messages, or people asked)."""

    key: str
    label: str
    count: int
    of: int


@dataclass(frozen=True)
class CallOutState:
    """The call-out's phase and the sentence that says it, with its outcome bars."""

    phase: str  # held | sending | waiting | finished
    headline: str
    detail: str
    wave: int
    waves: int
    next_at: datetime | None
    reason: str
    can_cancel: bool
    messages: list[Bar] = field(default_factory=list)
    answers: list[Bar] = field(default_factory=list)

    @property
    def is_live(self) -> bool:
        """True while something can still change without anyone doing anything."""
        return self.phase != FINISHED or any(b.key == "queued" and b.count for b in self.messages)


def state_of(callout: CallOut, now: datetime) -> CallOutState:
    """Where the call-out stands now, in the reader's language (see the module docstring)."""
    by_status = Counter(
        dict(
            db.session.execute(
                select(Message.status, func.count())
                .where(Message.callout_id == callout.id)
                .group_by(Message.status)
            ).all()
        )
    )
    queued = by_status[MessageStatus.QUEUED] + by_status[MessageStatus.SENDING]
    messages = _message_bars(by_status)
    answers = _answer_bars(callout)
    k = callout.waves_sent
    running = callout.status == CallOutStatus.SENDING
    left = _audience_left(callout, now) if running else 0
    waves = max(k + math.ceil(left / callout.wave_size), k, 1)

    def state(
        phase: str,
        headline: str,
        detail: str = "",
        *,
        reason: str = "",
        next_at: datetime | None = None,
        wave: int = k,
    ) -> CallOutState:
        return CallOutState(
            phase,
            headline,
            detail,
            wave,
            waves,
            next_at,
            reason,
            can_cancel=queued > 0 or (running and phase != FINISHED),
            messages=messages,
            answers=answers,
        )

    if not running:
        if queued:  # stopped, but messages of the last wave are still leaving
            return state(SENDING, _sending(k, k), _finished_words(callout.stopped_reason))
        return state(
            FINISHED,
            _finished_words(callout.stopped_reason),
            _asked(answers),
            reason=callout.stopped_reason,
        )
    next_at = callout.next_wave_at
    # Held if quiet hours pushed the next wave: the moment before it is inside them.
    held = (
        not callout.is_urgent
        and next_at is not None
        and next_at > now
        and in_quiet_hours(next_at - timedelta(seconds=1))
    )
    if k == 0 and held and next_at is not None:
        return state(
            HELD,
            gettext("Held by quiet hours until %(time)s", time=_when(next_at, now)),
            _quiet_detail(left, waves),
            next_at=next_at,
        )
    if k == 0 or queued:
        return state(SENDING, _sending(max(k, 1), waves), _asked(answers))
    if left == 0:  # everyone was asked; the next run only records it
        return state(
            FINISHED,
            _finished_words("audience exhausted"),
            _asked(answers),
            reason="audience exhausted",
        )
    if next_at is None or next_at <= now:  # the next wave is due or being written
        return state(SENDING, _sending(k + 1, waves), _asked(answers), wave=k + 1)
    words = gettext(
        "Waiting for wave %(k)d of %(n)d at %(time)s", k=k + 1, n=waves, time=_when(next_at, now)
    )
    if held:
        words += " " + gettext("(quiet hours)")
    return state(WAITING, words, _asked(answers), next_at=next_at)


def _sending(k: int, n: int) -> str:
    return gettext("Sending wave %(k)d of %(n)d", k=k, n=n)


def _finished_words(reason: str) -> str:
    words = {
        "full": gettext("Finished: every place is filled"),
        "audience exhausted": gettext("Finished: everyone in the audience has been asked"),
        "mission closed": gettext("Finished: the mission is no longer recruiting"),
        "mission cancelled": gettext("Cancelled with the mission"),
        "cancelled": gettext("Cancelled: the rest was not sent"),
    }
    return words.get(reason, gettext("Finished"))


def _asked(answers: list[Bar]) -> str:
    asked = answers[0].of if answers else 0
    return ngettext("%(num)d person asked so far.", "%(num)d people asked so far.", asked)


def _quiet_detail(left: int, waves: int) -> str:
    hours = current_app.config["QUIET_HOURS"]
    return gettext(
        "Quiet hours are %(hours)s. Nothing is sent before then; then %(n)d people "
        "in %(waves)d waves.",
        hours=hours,
        n=left,
        waves=waves,
    )


def _when(moment: datetime, now: datetime) -> str:
    same_day = to_local(moment).date() == to_local(now).date()
    return format_local(moment, "time" if same_day else "datetime")


def _audience_left(callout: CallOut, now: datetime) -> int:
    """How many the call-out's audience still holds that no wave has asked yet."""
    audience = audiences.parse_audience(callout.audience or {})
    invited = select(Invitation.volunteer_id).where(Invitation.callout_id == callout.id)
    query = audiences.eligible(callout.mission, audience, now).where(Volunteer.id.not_in(invited))
    return db.session.scalar(query.with_only_columns(func.count(Volunteer.id.distinct()))) or 0


def _message_bars(by_status: Counter) -> list[Bar]:
    total = sum(by_status.values())
    failed = by_status[MessageStatus.FAILED] + by_status[MessageStatus.UNDELIVERED]
    left_us = (
        by_status[MessageStatus.SENT]
        + by_status[MessageStatus.DELIVERED]
        + by_status[MessageStatus.UNDELIVERED]
    )
    bars = [
        Bar(
            "queued",
            gettext("Waiting to send"),
            by_status[MessageStatus.QUEUED] + by_status[MessageStatus.SENDING],
            total,
        ),
        Bar("sent", gettext("Sent"), left_us, total),
        Bar("delivered", gettext("Delivered"), by_status[MessageStatus.DELIVERED], total),
        Bar("failed", gettext("Failed"), failed, total),
    ]
    if by_status[MessageStatus.CANCELLED]:
        bars.append(
            Bar(
                "cancelled",
                gettext("Not sent (cancelled)"),
                by_status[MessageStatus.CANCELLED],
                total,
            )
        )
    return bars


def _answer_bars(callout: CallOut) -> list[Bar]:
    responses = Counter(
        dict(
            db.session.execute(
                select(Invitation.response, func.count())
                .where(Invitation.callout_id == callout.id)
                .group_by(Invitation.response)
            ).all()
        )
    )
    asked = sum(responses.values())
    yes, no = responses[InvitationResponse.ACCEPTED], responses[InvitationResponse.DECLINED]
    return [
        Bar("yes", gettext("Answered yes"), yes, asked),
        Bar("no", gettext("Answered no"), no, asked),
        Bar("waiting", gettext("No answer yet"), asked - yes - no, asked),
    ]


@dataclass(frozen=True)
class Plan:
    """What sending will do: how many people, in how many waves, at what cost, from when."""

    recipients: int
    waves: int
    cost: Decimal
    starts_at: datetime
    summary: str


def plan_of(
    mission: Mission,
    recipients: int,
    cost: Decimal,
    *,
    wave_size: int,
    interval_minutes: int,
    is_urgent: bool,
    now: datetime,
) -> Plan:
    """The sentence the coordinator confirms before sending (recipients and cost: preview)."""
    waves = max(1, math.ceil(recipients / max(wave_size, 1)))
    starts_at = now if is_urgent else quiet_hours_end(now)
    sentences = [
        ngettext(
            "Send this call-out to %(num)d person?",
            "Send this call-out to %(num)d people?",
            recipients,
        ),
        gettext(
            "In %(waves)d waves, one every %(minutes)d minutes.",
            waves=waves,
            minutes=interval_minutes,
        )
        if waves > 1
        else gettext("All in one wave."),
        gettext("Estimated cost: %(cost)s.", cost=format_money(cost)),
    ]
    if starts_at > now:
        sentences.append(
            gettext("Quiet hours: nothing is sent before %(time)s.", time=_when(starts_at, now))
        )
    return Plan(recipients, waves, cost, starts_at, " ".join(sentences))
