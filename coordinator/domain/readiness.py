"""Readiness: is this volunteer fit to take this role on this day?

Each check is a small function of (volunteer, role, moment) that returns a reason code or
None; `check_booking` runs them all and raises Conflict with a sentence in the reader's
language. The booking rule (signups.check_can_book) calls it, so every door (SMS, personal
page, staff web, API) answers the same. Periodic reminders (qualifications and waivers that
are about to lapse) are here too; beat runs them daily.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from coordinator import links
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.models import (
    Approval,
    Position,
    Role,
    StaffRole,
    StaffUser,
    Volunteer,
    VolunteerSkill,
    WaiverAcceptance,
    WaiverVersion,
)
from coordinator.sms.outbox import queue_sms, queue_staff_sms
from coordinator.timeutil import in_quiet_hours, local_zone, now_utc, quiet_hours_end


def _valid_days() -> timedelta:
    return timedelta(days=current_app.config["WAIVER_VALID_DAYS"])


def age_on(born: date, day: date) -> int:
    """Full years of age on `day` (만 나이)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def local_day(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


# -- the checks -------------------------------------------------------------------------------


def approval_problem(volunteer: Volunteer, role: Role, at: datetime) -> str | None:
    return None if volunteer.approval == Approval.APPROVED else "approval"


def age_problem(volunteer: Volunteer, role: Role, at: datetime) -> str | None:
    """The role's minimum age, counted on the shift's (local) day; no birth date, no place."""
    if not role.min_age:
        return None
    if volunteer.birth_date is None or age_on(volunteer.birth_date, local_day(at)) < role.min_age:
        return "age"
    return None


def qualification_problem(volunteer: Volunteer, role: Role, at: datetime) -> str | None:
    """The role's required skill must be verified and still valid when the shift starts."""
    return None if volunteer.has_skill(role.required_skill, at) else "skill"


def waiver_problem(volunteer: Volunteer, role: Role, at: datetime) -> str | None:
    """A role that needs a waiver needs one accepted within the validity period of `at`."""
    if not role.requires_waiver:
        return None
    return None if waiver_valid_on(volunteer, at) else "waiver"


CHECKS: list[Callable[[Volunteer, Role, datetime], str | None]] = [
    approval_problem,
    qualification_problem,
    age_problem,
    waiver_problem,
]


def problems(volunteer: Volunteer, role: Role, at: datetime) -> list[str]:
    """Every readiness reason that keeps the volunteer out of `role` at `at` (empty: ready)."""
    return [reason for check in CHECKS if (reason := check(volunteer, role, at))]


def refusal_reason(volunteer: Volunteer, position: Position) -> str | None:
    """The first reason the volunteer cannot take this position, for the SMS answer."""
    found = problems(volunteer, position.role, position.shift.starts_at)
    return found[0] if found else None


def explain(reason: str, role: Role) -> str:
    """A sentence, in the reader's language, saying why."""
    return {
        "approval": gettext("your sign-up is still waiting for the team's approval"),
        "skill": gettext(
            "%(role)s needs a valid, verified %(skill)s qualification",
            role=role.name,
            skill=role.required_skill or "",
        ),
        "age": gettext(
            "%(role)s is only for people aged %(age)d or older on the day",
            role=role.name,
            age=role.min_age or 0,
        ),
        "waiver": gettext(
            "%(role)s needs the volunteer waiver accepted within the last "
            "12 months; accept it on your personal page",
            role=role.name,
        ),
    }[reason]


def check_booking(volunteer: Volunteer, position: Position) -> None:
    """Raise Conflict if the volunteer is not ready for this position (see CHECKS)."""
    found = problems(volunteer, position.role, position.shift.starts_at)
    if found:
        raise Conflict(explain(found[0], position.role), field="position")


# -- waivers ----------------------------------------------------------------------------------


def current_waiver() -> WaiverVersion | None:
    """The waiver text in force: the latest published version."""
    return db.session.scalar(select(WaiverVersion).order_by(WaiverVersion.id.desc()).limit(1))


def publish_waiver(text_ko: str, text_en: str, *, staff_user_id: int | None) -> WaiverVersion:
    """Publish a new version of the waiver text (the old versions stay, as accepted)."""
    for text, field in ((text_ko, "text_ko"), (text_en, "text_en")):
        if not text.strip() or "\x00" in text:
            raise ValidationError(
                gettext("the waiver text is empty or has a NUL character"), field=field
            )
    version = WaiverVersion(
        text_ko=text_ko.strip(), text_en=text_en.strip(), published_by_id=staff_user_id
    )
    db.session.add(version)
    db.session.flush()
    return version


def latest_acceptance(volunteer: Volunteer) -> WaiverAcceptance | None:
    return db.session.scalar(
        select(WaiverAcceptance)
        .where(WaiverAcceptance.volunteer_id == volunteer.id)
        .order_by(WaiverAcceptance.accepted_at.desc(), WaiverAcceptance.id.desc())
        .limit(1)
    )


def waiver_valid_on(volunteer: Volunteer, at: datetime) -> bool:
    accepted = latest_acceptance(volunteer)
    return accepted is not None and accepted.accepted_at > at - _valid_days()


def accept_waiver(
    volunteer: Volunteer,
    *,
    channel: str = "personal",
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> WaiverAcceptance:
    """The volunteer accepts the current waiver (on their page, or on paper via staff)."""
    waiver = current_waiver()
    if waiver is None:
        raise Conflict(gettext("no waiver text is published yet"), field="waiver")
    accepted = WaiverAcceptance(
        volunteer_id=volunteer.id,
        waiver_version_id=waiver.id,
        channel=channel,
        staff_user_id=staff_user_id,
        accepted_at=now or now_utc(),
    )
    db.session.add(accepted)
    db.session.flush()
    return accepted


def needs_waiver_renewal(volunteer: Volunteer, now: datetime) -> bool:
    """No waiver, an old version, or one that lapses within the warning period."""
    accepted, waiver = latest_acceptance(volunteer), current_waiver()
    if waiver is None:
        return False
    if accepted is None or accepted.waiver_version_id != waiver.id:
        return True
    warn = timedelta(days=current_app.config["READINESS_WARNING_DAYS"])
    return accepted.accepted_at + _valid_days() - warn <= now


# -- qualifications ---------------------------------------------------------------------------


def set_qualification(
    volunteer: Volunteer,
    skill: str,
    *,
    expires_at: datetime | None,
    verified_by: StaffUser | None,
    now: datetime | None = None,
) -> None:
    """Staff verify a qualification (a skill) and say until when it counts."""
    now = now or now_utc()
    row = next((s for s in volunteer.skills if s.skill == skill), None)
    if row is None:
        row = VolunteerSkill(skill=skill)
        volunteer.skills.append(row)
    row.is_verified, row.verified_at = True, now
    row.verified_by_id = verified_by.id if verified_by is not None else None
    row.expires_at, row.expiry_warned_at = expires_at, None
    db.session.flush()


# -- reminders (beat) -------------------------------------------------------------------------


def not_at_night(now: datetime) -> datetime | None:
    """When a reminder found during quiet hours may go out (None: now)."""
    return quiet_hours_end(now) if in_quiet_hours(now) else None


def _coordinators() -> list[StaffUser]:
    return [
        u
        for u in db.session.scalars(select(StaffUser).where(StaffUser.phone.is_not(None)))
        if u.can(StaffRole.COORDINATOR)
    ]


def send_readiness_reminders(now: datetime | None = None) -> int:
    """Tell volunteers (and coordinators) a set time before a qualification or waiver lapses."""
    now = now or now_utc()
    warn = timedelta(days=current_app.config["READINESS_WARNING_DAYS"])
    sent = 0
    expiring = db.session.scalars(
        select(VolunteerSkill).where(
            VolunteerSkill.expires_at.is_not(None),
            VolunteerSkill.expires_at > now,
            VolunteerSkill.expires_at <= now + warn,
            VolunteerSkill.expiry_warned_at.is_(None),
        )
    ).all()
    for row in expiring:
        volunteer, expires_at = row.volunteer, row.expires_at
        if volunteer.erased_at is not None or expires_at is None:
            continue
        key = f"qualification-expiring:{volunteer.id}:{row.skill}:{expires_at.isoformat()}"
        queue_sms(
            volunteer,
            "qualification_expiring",
            kind="readiness",
            idempotency_key=key,
            send_after=not_at_night(now),
            skill=row.skill,
            day=format_local(row.expires_at, "date", volunteer.language),
        )
        for staff in _coordinators():
            with force_locale(staff.language or "ko"):
                queue_staff_sms(
                    staff,
                    "staff_qualification_expiring",
                    kind="readiness",
                    idempotency_key=f"{key}:staff:{staff.id}",
                    person=volunteer.name,
                    skill=row.skill,
                    day=format_local(row.expires_at, "date", staff.language),
                )
        row.expiry_warned_at = now
        sent += 1
    sent += _waiver_reminders(now, warn)
    db.session.flush()
    return sent


def _waiver_reminders(now: datetime, warn: timedelta) -> int:
    lapse_from = now - _valid_days()
    due = db.session.scalars(
        select(WaiverAcceptance).where(
            WaiverAcceptance.renewal_reminded_at.is_(None),
            WaiverAcceptance.accepted_at > lapse_from,
            WaiverAcceptance.accepted_at <= lapse_from + warn,
        )
    ).all()
    sent = 0
    for accepted in due:
        accepted.renewal_reminded_at = now
        volunteer = db.session.get(Volunteer, accepted.volunteer_id)
        if volunteer is None or volunteer.erased_at is not None:
            continue
        if latest_acceptance(volunteer) is not accepted:  # renewed already
            continue
        lapses = accepted.accepted_at + _valid_days()
        queue_sms(
            volunteer,
            "waiver_renewal",
            kind="readiness",
            send_after=not_at_night(now),
            idempotency_key=f"waiver-renewal:{accepted.id}",
            day=format_local(lapses, "date", volunteer.language),
            url=links.personal_url(volunteer),
        )
        sent += 1
    return sent


# -- the team lead's day page -----------------------------------------------------------------


def sees_emergency_contacts(user: StaffUser, mission: object, now: datetime) -> bool:
    """Only on the mission's (local) day, only to its team leads (and coordinators)."""
    shifts = getattr(mission, "shifts", [])
    today = local_day(now)
    if not any(local_day(s.starts_at) <= today <= local_day(s.ends_at) for s in shifts):
        return False
    if user.can(StaffRole.COORDINATOR):
        return True
    return any(lead.id == user.id for lead in getattr(mission, "team_leads", []))


def day_flags(volunteer: Volunteer, role: Role, at: datetime) -> list[str]:
    """What the team lead should notice: a missing waiver or qualification, under age."""
    return [reason for reason in problems(volunteer, role, at) if reason != "approval"]


def set_emergency_details(
    volunteer: Volunteer, *, name: str, phone: str, birth_date: date | None
) -> None:
    """Staff record the emergency contact (and date of birth) from a paper form or a call."""
    from coordinator.phones import normalise_phone

    name = " ".join((name or "").split())
    if not name or len(name) > 100 or "\x00" in name:
        raise ValidationError(
            gettext("an emergency contact's name is 1 to 100 characters"), field="name"
        )
    number = normalise_phone(phone, field="phone")
    if number == volunteer.phone:
        raise ValidationError(
            gettext("the emergency contact needs a number other than yours"), field="phone"
        )
    if birth_date is not None and not date(1900, 1, 1) <= birth_date < local_day(now_utc()):
        raise ValidationError(gettext("the date of birth must be a past date"), field="birth_date")
    volunteer.emergency_name, volunteer.emergency_phone = name, number
    volunteer.birth_date = birth_date
    db.session.flush()
