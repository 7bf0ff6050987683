"""Consent as a record: what each volunteer agreed to, under which notice, when and how.

The notice itself (purposes, items, retention, processors, rights) is the page /privacy,
whose version is PRIVACY_NOTICE_VERSION: bumping it asks every volunteer again on their
personal page. Withdrawing stops every message but its confirmation, through the same
opt-out every other door uses.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from coordinator.domain import consent
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Consent, ConsentChannel, Volunteer
from coordinator.sms.outbox import queue_sms
from coordinator.timeutil import now_utc

# What the data is used for, and which items are asked (the notice lists both).
PURPOSES = ("callouts", "reminders", "attendance")
REQUIRED_ITEMS = ("name", "phone", "language", "region", "skills", "emergency_contact")
OPTIONAL_ITEMS = ("vehicle", "birth_date")
# Under this age a guardian consents (개인정보보호법 제22조의2).
GUARDIAN_AGE = 14


def notice_version() -> str:
    """The version of the privacy notice in force."""
    return str(current_app.config["PRIVACY_NOTICE_VERSION"])


def record_consent(
    volunteer: Volunteer,
    *,
    channel: str,
    optional_items: list[str],
    by_guardian: bool = False,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> Consent:
    """Store one consent to the current notice: the required purposes plus chosen optional items."""
    if channel not in set(ConsentChannel):
        raise ValidationError(f"unknown consent channel {channel!r}", field="channel")
    unknown = sorted(set(optional_items) - set(OPTIONAL_ITEMS))
    if unknown:
        raise ValidationError(f"unknown optional item {unknown[0]!r}", field="optional_items")
    if by_guardian and channel == ConsentChannel.PAPER and volunteer.guardian_verified_at is None:
        # A guardian who signed the paper form in front of staff is verified by them.
        volunteer.guardian_verified_at = now or now_utc()
    consent = Consent(
        volunteer=volunteer,
        notice_version=notice_version(),
        purposes=list(PURPOSES),
        optional_items=sorted(set(optional_items)),
        channel=channel,
        by_guardian=by_guardian,
        staff_user_id=staff_user_id,
        given_at=now or now_utc(),
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def records_of(volunteer: Volunteer) -> list[Consent]:
    """Every consent record of one volunteer, oldest first."""
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.volunteer_id == volunteer.id)
            .order_by(Consent.given_at, Consent.id)
        )
    )


def records_of_many(volunteer_ids: list[int]) -> dict[int, list[Consent]]:
    """Consent records of many volunteers at once, by volunteer id, oldest first."""
    found: dict[int, list[Consent]] = {}
    for start in range(0, len(volunteer_ids), 500):
        for record in db.session.scalars(
            select(Consent)
            .where(Consent.volunteer_id.in_(volunteer_ids[start : start + 500]))
            .order_by(Consent.given_at, Consent.id)
        ):
            found.setdefault(record.volunteer_id, []).append(record)
    return found


def current_consent(volunteer: Volunteer) -> Consent | None:
    """Their latest consent still in force (not withdrawn), under any notice version."""
    return db.session.scalar(
        select(Consent)
        .where(Consent.volunteer_id == volunteer.id, Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_at.desc(), Consent.id.desc())
        .limit(1)
    )


def needs_consent(volunteer: Volunteer) -> bool:
    """True when they have not consented to the notice in force (new version, or withdrawn)."""
    consent = current_consent(volunteer)
    return consent is None or consent.notice_version != notice_version()


def withdraw(volunteer: Volunteer, *, now: datetime | None = None) -> int:
    """Withdraw every consent in force and stop every message but this confirmation."""
    now = now or now_utc()
    withdrawn = 0
    for record in records_of(volunteer):
        if record.withdrawn_at is None:
            record.withdrawn_at = now
            withdrawn += 1
    # The one opt-out path: every queued message is cancelled, and the outbox hands an
    # opted-out number nothing but the confirmation (consent.CONFIRMATION_KIND).
    consent.opt_out(
        volunteer,
        source=consent.Source.PERSONAL_PAGE,
        now=now,
        note="withdrew consent on their personal page",
    )
    queue_sms(
        volunteer,
        "consent_withdrawn",
        kind=consent.CONFIRMATION_KIND,
        ignore_opt_out=True,
        idempotency_key=f"consent-withdrawn:{volunteer.id}:{now.isoformat()}",
    )
    db.session.flush()
    return withdrawn


def export_records(volunteer: Volunteer) -> list[dict]:
    """One volunteer's consent records as JSON-ready data (for the admin's export)."""
    return [
        {
            "id": c.id,
            "notice_version": c.notice_version,
            "purposes": c.purposes,
            "optional_items": c.optional_items,
            "channel": c.channel,
            "by_guardian": c.by_guardian,
            "staff_user_id": c.staff_user_id,
            "given_at": c.given_at.isoformat(),
            "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        }
        for c in records_of(volunteer)
    ]
