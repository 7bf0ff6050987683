"""Retention: personal data is kept while a person volunteers, and erased after.

A volunteer inactive for RETENTION_DAYS (no text from them, no sign-up, no consent given in
that time: their consent period has ended too) is warned by SMS; RETENTION_WARNING_DAYS
later, if still inactive, their data is erased by the same erasure staff use on request,
so the anonymous counts of past missions stay. Any activity after the warning (a text, a
sign-up, renewing consent on their page) calls the erasure off.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from coordinator import links
from coordinator.domain import privacy
from coordinator.domain.readiness import not_at_night
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.models import (
    Consent,
    Direction,
    Message,
    Signup,
    Volunteer,
    WaiverAcceptance,
)
from coordinator.sms.outbox import queue_sms
from coordinator.timeutil import now_utc

VIA = "retention"


@dataclass(frozen=True)
class RetentionRun:
    warned: int
    erased: int
    kept: int


def last_activity(volunteer: Volunteer) -> datetime:
    """The latest sign of life: joining, a text from them, a sign-up, a consent, a waiver."""
    found = [volunteer.created_at]
    for query in (
        select(func.max(Message.created_at)).where(
            Message.volunteer_id == volunteer.id, Message.direction == Direction.INBOUND
        ),
        select(func.max(Signup.created_at)).where(Signup.volunteer_id == volunteer.id),
        select(func.max(Consent.given_at)).where(Consent.volunteer_id == volunteer.id),
        select(func.max(WaiverAcceptance.accepted_at)).where(
            WaiverAcceptance.volunteer_id == volunteer.id
        ),
    ):
        value = db.session.scalar(query)
        if value is not None:
            found.append(value)
    return max(found)


def apply_retention(now: datetime | None = None) -> RetentionRun:
    """Warn the newly inactive, erase those warned long enough ago, spare those who came back."""
    now = now or now_utc()
    config = current_app.config
    cutoff = now - timedelta(days=config["RETENTION_DAYS"])
    grace = timedelta(days=config["RETENTION_WARNING_DAYS"])
    warned = erased = kept = 0
    candidates = db.session.scalars(
        select(Volunteer)
        .where(Volunteer.erased_at.is_(None), Volunteer.created_at < cutoff)
        .order_by(Volunteer.id)
    ).all()
    for volunteer in candidates:
        active_at = last_activity(volunteer)
        if volunteer.retention_warned_at is not None:
            if active_at > volunteer.retention_warned_at:
                volunteer.retention_warned_at = None
                kept += 1
            elif volunteer.retention_warned_at <= now - grace:
                privacy.erase_volunteer(volunteer, staff_user_id=None, via=VIA, now=now)
                erased += 1
        elif active_at < cutoff:
            _warn(volunteer, now, now + grace)
            warned += 1
    db.session.flush()
    return RetentionRun(warned, erased, kept)


def _warn(volunteer: Volunteer, now: datetime, erase_on: datetime) -> None:
    volunteer.retention_warned_at = now
    queue_sms(
        volunteer,
        "retention_warning",
        kind="privacy",
        send_after=not_at_night(now),
        idempotency_key=f"retention-warning:{volunteer.id}:{now.date().isoformat()}",
        day=format_local(erase_on, "date", volunteer.language),
        url=links.personal_url(volunteer),
    )
