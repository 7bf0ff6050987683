"""Call-outs: who to ask, in which waves, and stopping when the mission is full.

A call-out sends in waves: each wave invites about `wave_size` more volunteers, split among
the roles that still have places (a role that fills gets nobody more, whatever the others
need), and the next wave is due `wave_interval_minutes` later. Non-urgent waves wait for
the end of quiet hours. The moment the last place fills, queued messages are cancelled and
no wave starts (stop_when_full, called from missions.refresh_fill_status); the moment one
role fills, the queued messages of those invited for it are (stop_full_roles).

A wave is written in two steps. start_wave claims it and records whom it invites (one
Invitation per volunteer, naming the role whose share picked them): that is the wave's
plan, committed at once. write_messages then queues their SMS in chunks, which the task
commits one by one so the first messages leave while the rest are written. Whatever a
crash leaves unwritten is still in the plan: the redelivered task (or the next run of the
call-out) writes it, and the idempotency keys make a chunk written twice a no-op.
"""

import functools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext
from jinja2 import TemplateNotFound
from jinja2 import meta as jinja_meta
from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from coordinator.database import rowcount
from coordinator.domain import audience as audiences
from coordinator.domain.places import is_full
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.links import sample_short_url, short_urls
from coordinator.models import (
    CallOut,
    CallOutStatus,
    Invitation,
    Message,
    MessageStatus,
    Mission,
    MissionStatus,
    Position,
    Role,
    StaffUser,
    Volunteer,
)
from coordinator.models.volunteers import LANGUAGES
from coordinator.sms import korean, outbox
from coordinator.sms.pricing import cost_of_many
from coordinator.sms.routing import route_for, sms_type
from coordinator.sms.segments import count_segments
from coordinator.sms.texts import render_sms
from coordinator.timeutil import in_quiet_hours, now_utc, quiet_hours_end

RUN_WAVE_TASK = "tasks.callouts.run_wave"  # tasks/callouts.py
TEMPLATE = "callout"
MAX_WAVE_SIZE = 20_000
MAX_INTERVAL_MINUTES = 24 * 60
MAX_NOTE_LENGTH = 80  # every character of the note is paid for in every SMS
TWILIO_MAX_VALIDITY = 36000
SAMPLE_VOLUNTEER_ID = 99999  # a stand-in id of realistic length for the preview's link
FIRST_CHUNK = 100  # messages in a wave's first commit: the workers start on these at once
CHUNK = 500  # messages per commit after that
LINK_MARK = "\x00link\x00"  # where each volunteer's own link goes in a shared text
KOREAN_SAMPLE = "+821000000000"  # whose route a preview shows when nobody matches yet


@dataclass(frozen=True)
class RouteEstimate:
    """How a call-out's text goes by one route: type, size against its limit, people, cost."""

    route: str
    message_type: str
    size: int  # EUC-KR bytes on the Korean route, else segments
    unit: str  # "bytes" or "segments"
    limit: int  # what one SMS holds in that unit (90 bytes; 1 segment)
    recipients: int
    cost: Decimal


@dataclass(frozen=True)
class Preview:
    """The final text in one language, what it costs, and how many will get it."""

    language: str
    text: str
    encoding: str
    segments: int
    recipients: int
    cost: Decimal
    routes: tuple[RouteEstimate, ...] = ()
    unsendable: tuple[str, ...] = ()  # characters the Korean route replaces with "?"


def create_callout(
    mission: Mission,
    *,
    audience: audiences.Audience,
    note: str = "",
    wave_size: int = 50,
    wave_interval_minutes: int = 15,
    is_urgent: bool = False,
    created_by: StaffUser | None = None,
    now: datetime | None = None,
) -> CallOut:
    """Start a call-out: its first wave is due now, or when quiet hours end if not urgent.

    The first wave is handed to a worker once the door commits, whichever door it is
    (if the hand-over is lost, beat's run_due_waves finds the wave due).
    """
    now = now or now_utc()
    note = " ".join((note or "").split())
    _check_settings(note, wave_size, wave_interval_minutes)
    if mission.status == MissionStatus.DRAFT:
        mission.status = MissionStatus.RECRUITING  # a call-out opens the mission to sign-ups
    elif mission.status != MissionStatus.RECRUITING:
        raise Conflict(
            gettext(
                "mission %(code)s is %(status)s: no call-out can start",
                code=mission.code,
                status=mission.status,
            )
        )
    if not audiences.open_roles(mission):
        raise Conflict(
            gettext("mission %(code)s has no open places to call out for", code=mission.code)
        )
    callout = CallOut(
        mission=mission,
        audience=audience.as_json(),
        note=note,
        wave_size=wave_size,
        wave_interval_minutes=wave_interval_minutes,
        is_urgent=is_urgent,
        created_by=created_by,
        status=CallOutStatus.SENDING,
        started_at=now,
    )
    callout.next_wave_at = _allowed_at(callout, now)
    db.session.add(callout)
    db.session.flush()
    outbox.enqueue_after_commit(RUN_WAVE_TASK, callout.id)
    return callout


def _check_settings(note: str, wave_size: int, interval: int) -> None:
    if not isinstance(wave_size, int) or not 1 <= wave_size <= MAX_WAVE_SIZE:
        raise ValidationError(
            gettext("wave size must be 1 to %(max_wave_size)s", max_wave_size=MAX_WAVE_SIZE),
            field="wave_size",
        )
    if not isinstance(interval, int) or not 0 <= interval <= MAX_INTERVAL_MINUTES:
        raise ValidationError(
            gettext("the interval must be 0 to %(n)d minutes", n=MAX_INTERVAL_MINUTES),
            field="wave_interval_minutes",
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            gettext(
                "the note is at most %(max_note_length)s characters",
                max_note_length=MAX_NOTE_LENGTH,
            ),
            field="note",
        )


def _allowed_at(callout: CallOut, moment: datetime) -> datetime:
    if callout.is_urgent or not in_quiet_hours(moment):
        return moment
    return quiet_hours_end(moment)


def due_callout_ids(now: datetime) -> list[int]:
    """Call-outs whose next wave is due."""
    return list(
        db.session.scalars(
            select(CallOut.id)
            .where(CallOut.status == CallOutStatus.SENDING, CallOut.next_wave_at <= now)
            .order_by(CallOut.next_wave_at)
        )
    )


def run_wave(callout: CallOut, now: datetime) -> int:
    """Send the call-out's next wave if it is due, in one transaction; returns how many it invited.

    Also writes what an interrupted earlier wave left unwritten. The Celery task runs the
    same two steps but commits after each chunk (tasks/callouts.py).
    """
    invited = start_wave(callout, now)
    for _queued in write_messages(callout, now):
        pass
    return invited


def start_wave(callout: CallOut, now: datetime) -> int:
    """Claim the next wave if it is due and invite its volunteers; returns how many.

    The claim is a conditional UPDATE, so a second runner of the same wave finds nothing
    due. The invitations are the wave's plan; write_messages queues their SMS.
    """
    claimed = db.session.execute(
        update(CallOut)
        .where(
            CallOut.id == callout.id,
            CallOut.status == CallOutStatus.SENDING,
            CallOut.next_wave_at <= now,
        )
        .values(next_wave_at=None)  # ours: a second runner of this wave finds nothing due
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        return 0
    db.session.refresh(callout)
    mission = callout.mission
    if mission.status != MissionStatus.RECRUITING or is_full(mission):
        full = mission.status == MissionStatus.STAFFED or is_full(mission)
        _finish(callout, "full" if full else "mission closed", now)
        return 0
    if _allowed_at(callout, now) > now:
        callout.next_wave_at = _allowed_at(callout, now)
        return 0
    invited = pick_wave(callout, audiences.open_roles(mission), now)
    if not invited:
        _finish(callout, "audience exhausted", now)
        return 0
    callout.waves_sent += 1
    callout.next_wave_at = _allowed_at(
        callout, now + timedelta(minutes=callout.wave_interval_minutes)
    )
    db.session.flush()
    return invited


def _finish(callout: CallOut, reason: str, now: datetime) -> None:
    callout.status = CallOutStatus.DONE
    callout.stopped_reason = reason
    callout.finished_at = now
    callout.next_wave_at = None
    db.session.flush()


def pick_wave(callout: CallOut, roles: list[tuple[Role, int]], now: datetime) -> int:
    """Invite the next wave: about wave_size volunteers, shared by open roles by places needed.

    Roles needing a skill choose first, so a vet is not spent on a handler's place; a share
    that finds too few people passes the rest on to the next role. Each pick is an
    Invitation naming the role whose share chose them, written by one INSERT ... SELECT per
    role (a wave can be thousands). Returns how many were invited.
    """
    audience = audiences.parse_audience(callout.audience or {})
    invited = select(Invitation.volunteer_id).where(Invitation.callout_id == callout.id)
    base = audiences.eligible(callout.mission, audience, now).where(Volunteer.id.not_in(invited))
    open_skills = {role.required_skill for role, _ in roles if role.required_skill}
    total = sum(places for _, places in roles) or 1
    wave = callout.waves_sent + 1
    columns = ("callout_id", "mission_id", "volunteer_id", "role_id", "wave", "created_at")
    picked = spare = 0
    for role, places in sorted(roles, key=lambda rp: rp[0].required_skill is None):
        want = max(1, round(callout.wave_size * places / total)) + spare
        query = (
            base.where(audiences.has_skill(role.required_skill)) if role.required_skill else base
        )
        # `invited` sees the rows this wave already wrote: nobody is picked twice.
        share = (
            audiences.ranked(query, open_skills)
            .with_only_columns(
                literal(callout.id),
                literal(callout.mission_id),
                Volunteer.id,
                literal(role.id),
                literal(wave),
                literal(now, Invitation.created_at.type),
            )
            .limit(want)
        )
        fresh = len(
            db.session.execute(  # rowcount of INSERT ... SELECT is -1 on psycopg
                insert(Invitation).from_select(columns, share).returning(Invitation.id)
            ).all()
        )
        picked += fresh
        spare = want - fresh
    return picked


def write_messages(callout: CallOut, now: datetime) -> Iterator[int]:
    """Queue the SMS of everyone the call-out invited who has none yet, chunk by chunk.

    Yields how many each chunk queued, once it is flushed: the caller may commit there.
    Each chunk first takes the call-out's row lock (the one stop_when_full and
    stop_full_roles take), then checks the call-out still sends and which roles are open:
    a chunk is written wholly before a stop, or not at all after it. Those invited for a
    role that has filled since get nothing, nor those who declined before the writing began.
    """
    if _allowed_at(callout, now) > now:
        return  # quiet hours: the morning's wave writes them
    callout_id, mission_id = callout.id, callout.mission_id  # plain values survive commits
    pending = _unwritten(callout_id)
    size = FIRST_CHUNK
    while pending:
        chunk, pending = pending[:size], pending[size:]
        size = CHUNK
        if not _lock_if_sending(callout_id, mission_id):
            return
        callout = db.session.get_one(CallOut, callout_id)
        roles = audiences.open_roles(callout.mission)
        still_open = {role.id for role, _places in roles}
        wanted = [vid for vid, role_id in chunk if role_id is None or role_id in still_open]
        yield _queue_chunk(callout, wanted, roles, now) if wanted and roles else 0


def _unwritten(callout_id: int) -> list[tuple[int, int | None]]:
    written = exists().where(
        Message.callout_id == callout_id, Message.volunteer_id == Invitation.volunteer_id
    )
    return [
        (volunteer_id, role_id)
        for volunteer_id, role_id in db.session.execute(
            select(Invitation.volunteer_id, Invitation.role_id)
            .where(Invitation.callout_id == callout_id, Invitation.response.is_(None), ~written)
            .order_by(Invitation.id)
        )
    ]


def _lock_if_sending(callout_id: int, mission_id: int) -> bool:
    # A write, not a read: it waits for a stop that is committing, and makes a stop wait
    # for this chunk (on SQLite it opens the write transaction before the checks).
    recruiting = exists().where(
        Mission.id == mission_id, Mission.status == MissionStatus.RECRUITING
    )
    return (
        rowcount(
            db.session.execute(
                update(CallOut)
                .where(
                    CallOut.id == callout_id, CallOut.status == CallOutStatus.SENDING, recruiting
                )
                .values(status=CallOut.status)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )


def _queue_chunk(
    callout: CallOut, volunteer_ids: list[int], roles: list[tuple[Role, int]], now: datetime
) -> int:
    mission = callout.mission
    by_id = {
        v.id: v
        for v in db.session.scalars(select(Volunteer).where(Volunteer.id.in_(volunteer_ids)))
    }
    volunteers = [by_id[i] for i in volunteer_ids if i in by_id]
    recipients = [
        (v, f"callout:{callout.id}:volunteer:{v.id}", body)
        for v, body in zip(volunteers, _bodies(callout, volunteers, roles), strict=True)
    ]
    queued = outbox.queue_many(
        recipients,
        kind="callout",
        mission_id=mission.id,
        callout_id=callout.id,
        validity_seconds=_validity(mission, now),
    )
    if queued:
        db.session.execute(
            update(Volunteer)
            .where(Volunteer.id.in_(list(queued)))
            .values(last_called_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(queued)


def _bodies(
    callout: CallOut, volunteers: list[Volunteer], roles: list[tuple[Role, int]]
) -> list[str]:
    """Each volunteer's SMS: the text is rendered once per language and need, then given
    their own link (a template per message was a fifth of the time of writing a wave)."""
    mission = callout.mission
    texts: dict[tuple[str, str], str] = {}
    bodies = []
    links = short_urls([(volunteer, mission.id) for volunteer in volunteers])
    for volunteer, link in zip(volunteers, links, strict=True):
        lang, needs = volunteer.language, _needs(volunteer, roles)
        if _names_the_volunteer(lang):
            bodies.append(_render(mission, callout.note, needs, volunteer, link))
            continue
        if (lang, needs) not in texts:
            texts[lang, needs] = _render(mission, callout.note, needs, volunteer, LINK_MARK)
        text = texts[lang, needs]
        bodies.append(
            text.replace(LINK_MARK, link)
            if text.count(LINK_MARK) == 1
            else _render(mission, callout.note, needs, volunteer, link)
        )
    return bodies


def _render(mission: Mission, note: str, needs: str, volunteer: Volunteer, link: str) -> str:
    when = format_local(mission.starts_at, "sms", volunteer.language)
    return render_sms(
        TEMPLATE,
        volunteer.language,
        volunteer=volunteer,
        mission=mission,
        when=when,
        needs=needs,
        note=note,
        link=link,
    )


@functools.cache
def _names_the_volunteer(lang: str) -> bool:
    # A text rendered once is shared by many: only if the template uses nothing personal.
    env = current_app.jinja_env
    assert env.loader is not None  # create_app serves templates/
    try:
        source = env.loader.get_source(env, f"sms/{TEMPLATE}.{lang}.txt")[0]
    except TemplateNotFound:
        return True  # render_sms falls back to another language: render each, to be safe
    return "volunteer" in jinja_meta.find_undeclared_variables(env.parse(source))


def _needs(volunteer: Volunteer, roles: list[tuple[Role, int]]) -> str:
    theirs = [(r, n) for r, n in roles if volunteer.has_skill(r.required_skill)]
    return ", ".join(f"{role.name} {places}" for role, places in theirs or roles)


def _context(mission: Mission, note: str, when: str, needs: str, volunteer: Volunteer) -> dict:
    link = sample_short_url()  # as long as each volunteer's own
    return {"mission": mission, "when": when, "needs": needs, "note": note, "link": link}


def _validity(mission: Mission, now: datetime) -> int:
    # A call-out stuck in the provider's queue past the mission start is worse than none.
    until_start = int((mission.starts_at - now).total_seconds())
    limit = int(current_app.config.get("SMS_VALIDITY_PERIOD") or TWILIO_MAX_VALIDITY)
    return max(60, min(limit, until_start, TWILIO_MAX_VALIDITY))


def cancel_callout(callout: CallOut, now: datetime | None = None) -> int:
    """Stop a call-out: no more waves, queued messages cancelled. Returns how many."""
    now = now or now_utc()
    if callout.status == CallOutStatus.CANCELLED:
        raise Conflict(gettext("this call-out is already cancelled"))
    if callout.status == CallOutStatus.SENDING or callout.status == CallOutStatus.DRAFT:
        callout.status = CallOutStatus.CANCELLED
        callout.stopped_reason = "cancelled"
        callout.finished_at = now
        callout.next_wave_at = None
    cancelled = rowcount(
        db.session.execute(
            update(Message)
            .where(Message.callout_id == callout.id, Message.status == MessageStatus.QUEUED)
            .values(status=MessageStatus.CANCELLED, status_updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.flush()
    return cancelled


def stop_when_full(mission: Mission) -> int:
    """Finish the mission's running call-outs and cancel their unsent messages."""
    return stop_mission_callouts(mission, reason="full")


def stop_full_roles(mission: Mission) -> int:
    """Cancel queued call-out messages of those invited for a role with no place left.

    The mission recruits on for its other roles. Returns how many were cancelled; a
    message a worker has already claimed (`sending`) is past the point of no return.
    """
    # First the lock a wave's writer takes per chunk, so no chunk for this role is being
    # committed behind our back (and a chunk after us sees the role full).
    db.session.execute(
        update(CallOut)
        .where(CallOut.mission_id == mission.id, CallOut.status == CallOutStatus.SENDING)
        .values(status=CallOut.status)
        .execution_options(synchronize_session=False)
    )
    open_roles = select(Position.role_id).where(
        Position.mission_id == mission.id, Position.has_room
    )
    doomed = (
        select(Message.id)
        .join(
            Invitation,
            and_(
                Invitation.callout_id == Message.callout_id,
                Invitation.volunteer_id == Message.volunteer_id,
            ),
        )
        .where(
            Message.mission_id == mission.id,
            Message.kind == "callout",
            Message.status == MessageStatus.QUEUED,
            Invitation.role_id.is_not(None),
            Invitation.role_id.not_in(open_roles),
        )
    )
    return rowcount(
        db.session.execute(
            update(Message)
            .where(Message.id.in_(doomed))
            .values(status=MessageStatus.CANCELLED, status_updated_at=now_utc())
            .execution_options(synchronize_session=False)
        )
    )


def stop_mission_callouts(mission: Mission, *, reason: str, cancelled: bool = False) -> int:
    """Stop the mission's call-outs (done, or cancelled with the mission) and their queued SMS.

    Returns how many queued messages were cancelled. A message a worker has already
    claimed (`sending`) is past the point of no return and is left alone.
    """
    now = now_utc()
    running = (
        (CallOutStatus.DRAFT, CallOutStatus.SENDING) if cancelled else (CallOutStatus.SENDING,)
    )
    db.session.execute(
        update(CallOut)
        .where(CallOut.mission_id == mission.id, CallOut.status.in_(running))
        .values(
            status=CallOutStatus.CANCELLED if cancelled else CallOutStatus.DONE,
            stopped_reason=reason,
            finished_at=now,
            next_wave_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(
        update(Message)
        .where(
            Message.mission_id == mission.id,
            Message.kind == "callout",
            Message.status == MessageStatus.QUEUED,
        )
        .values(status=MessageStatus.CANCELLED, status_updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def preview(
    mission: Mission, audience: audiences.Audience, note: str, now: datetime
) -> list[Preview]:
    """The text each language will read and, per route its readers' numbers take, the type
    (SMS, LMS), size and estimated cost."""
    config = current_app.config
    by_route = audiences.count_by_route(mission, audience, now, lambda p: route_for(p, config))
    roles = audiences.open_roles(mission)
    needs = ", ".join(f"{role.name} {places}" for role, places in roles)
    previews = []
    for lang in LANGUAGES:
        sample = Volunteer(id=SAMPLE_VOLUNTEER_ID, link_version=0, language=lang, name="")
        context = _context(
            mission,
            " ".join(note.split()),
            format_local(mission.starts_at, "sms", lang),
            needs,
            sample,
        )
        text = render_sms(TEMPLATE, lang, volunteer=sample, **context)
        info = count_segments(text)
        used = sorted(route for language, route in by_route if language == lang)
        routes = tuple(
            _estimate(route, text, info.segments, by_route[lang, route], config)
            for route in used or [route_for(KOREAN_SAMPLE, config)]
        )
        previews.append(
            Preview(
                lang,
                text,
                info.encoding,
                info.segments,
                sum(r.recipients for r in routes),
                sum((r.cost for r in routes), Decimal(0)),
                routes,
                tuple(korean.unsendable(text)),
            )
        )
    return previews


def _estimate(
    route: str, text: str, segments: int, recipients: int, config: Mapping[str, Any]
) -> RouteEstimate:
    kind = sms_type(route, text)
    if route == "solapi":
        size, unit, limit = korean.byte_size(text), "bytes", korean.SMS_BYTES
    else:
        size, unit, limit = segments, "segments", 1
    cost = cost_of_many(config, route, kind, recipients, segments * recipients)
    return RouteEstimate(route, kind, size, unit, limit, recipients, cost)


def progress(callout: CallOut) -> dict[str, int]:
    """How far the call-out got: queued, sent, delivered, failed, cancelled, replied."""
    by_status = Counter(
        dict(
            db.session.execute(
                select(Message.status, func.count())
                .where(Message.callout_id == callout.id)
                .group_by(Message.status)
            ).all()
        )
    )
    replied = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.callout_id == callout.id, Invitation.response.is_not(None))
    )
    return {
        "queued": by_status[MessageStatus.QUEUED] + by_status[MessageStatus.SENDING],
        "sent": by_status[MessageStatus.SENT],
        "delivered": by_status[MessageStatus.DELIVERED],
        "failed": by_status[MessageStatus.FAILED] + by_status[MessageStatus.UNDELIVERED],
        "cancelled": by_status[MessageStatus.CANCELLED],
        "replied": replied or 0,
        "total": sum(by_status.values()),
    }


def failures(callout: CallOut, limit: int = 200) -> list[Message]:
    """The call-out's messages that failed, newest first, with their volunteer."""
    return list(
        db.session.scalars(
            select(Message)
            .options(joinedload(Message.volunteer))
            .where(
                Message.callout_id == callout.id,
                Message.status.in_((MessageStatus.FAILED, MessageStatus.UNDELIVERED)),
            )
            .order_by(Message.status_updated_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )
