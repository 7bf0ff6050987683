"""Who a call-out may reach, and in which order to ask them.

Never: sign-ups staff have not approved, opted-out or paused volunteers, anyone who declined
this mission, anyone already on its roster (confirmed, offered or waitlisted). Order:
volunteers whose skills match open positions, then the reliable ones (showed up rather than
no-show), then those called least recently, so the same people are not woken every time.
"""

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select

from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Approval,
    Attendance,
    AttendanceStatus,
    Invitation,
    InvitationResponse,
    Mission,
    Position,
    Role,
    Signup,
    SignupStatus,
    Skill,
    Volunteer,
    VolunteerSkill,
)
from coordinator.models.volunteers import LANGUAGES
from coordinator.timeutil import now_utc

SHOWED_UP = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass(frozen=True)
class Audience:
    """A coordinator's filters; empty means "anyone". Skills match if the volunteer has any."""

    skills: tuple[str, ...] = ()
    region: str | None = None
    has_vehicle: bool | None = None
    language: str | None = None

    def as_json(self) -> dict:
        return {**asdict(self), "skills": list(self.skills)}


def parse_audience(data: Mapping) -> Audience:
    """Audience filters from a form or JSON; raises ValidationError naming the bad field."""
    skills = data.get("skills") or ()
    if isinstance(skills, str):
        skills = [s for s in skills.split(",") if s.strip()]
    known = {s.value for s in Skill}
    unknown = [s for s in skills if s not in known]
    if unknown:
        raise ValidationError(gettext("unknown skill %(value)r", value=unknown[0]), field="skills")
    language = data.get("language") or None
    if language is not None and language not in LANGUAGES:
        raise ValidationError(
            gettext("unknown language %(language)r", language=language), field="language"
        )
    region = (data.get("region") or "").strip() or None
    if region is not None and len(region) > 100:
        raise ValidationError(gettext("a region is at most 100 characters"), field="region")
    return Audience(
        tuple(sorted(set(skills))), region, _tristate(data.get("has_vehicle")), language
    )


def _tristate(value: object) -> bool | None:
    if value in (None, "", "any"):
        return None
    if value in (True, "yes", "true", "1", 1):
        return True
    if value in (False, "no", "false", "0", 0):
        return False
    raise ValidationError(
        gettext("has_vehicle must be yes, no or any, not %(value)r", value=value),
        field="has_vehicle",
    )


def open_roles(mission: Mission) -> list[tuple[Role, int]]:
    """The mission's roles that still have places, with how many, in the mission's order."""
    rows = db.session.execute(
        select(Role, func.sum(Position.places_left))
        .join(Position, Position.role_id == Role.id)
        .where(Role.mission_id == mission.id, Position.has_room)
        .group_by(Role.id)
        .order_by(Role.sort_order, Role.id)
    ).all()
    return [(role, int(places)) for role, places in rows]


def valid_skill(now: datetime | None = None) -> ColumnElement[bool]:
    """A skill row that counts: reviewed by staff and, if it expires, not expired yet."""
    now = now or now_utc()
    return and_(
        VolunteerSkill.is_verified.is_(True),
        or_(VolunteerSkill.expires_at.is_(None), VolunteerSkill.expires_at > now),
    )


def has_skill(skill: str, now: datetime | None = None) -> ColumnElement[bool]:
    """Volunteers with this skill, reviewed by staff (claimed ones wait for review), valid now."""
    return exists().where(
        VolunteerSkill.volunteer_id == Volunteer.id,
        VolunteerSkill.skill == skill,
        valid_skill(now),
    )


def eligible(mission: Mission, audience: Audience, now: datetime) -> Select:
    """Volunteers this call-out may reach, before ranking."""
    declined = exists().where(
        Invitation.volunteer_id == Volunteer.id,
        Invitation.mission_id == mission.id,
        Invitation.response == InvitationResponse.DECLINED,
    )
    on_roster = exists().where(
        Signup.volunteer_id == Volunteer.id,
        Signup.mission_id == mission.id,
        Signup.status != SignupStatus.CANCELLED,
    )
    query = select(Volunteer).where(
        Volunteer.approval == Approval.APPROVED,
        Volunteer.opted_out_at.is_(None),
        or_(Volunteer.paused_until.is_(None), Volunteer.paused_until <= now),
        ~declined,
        ~on_roster,
    )
    if audience.skills:
        query = query.where(or_(*(has_skill(s, now) for s in audience.skills)))
    if audience.region:
        query = query.where(func.lower(Volunteer.region) == audience.region.lower())
    if audience.has_vehicle is not None:
        has = and_(Volunteer.vehicle_kind.is_not(None), Volunteer.vehicle_kind != "")
        query = query.where(has if audience.has_vehicle else ~has)
    if audience.language:
        query = query.where(Volunteer.language == audience.language)
    return query


def ranked(query: Select, open_skills: set[str]) -> Select:
    """Order volunteers: matching skills, then reliability, then least recently called."""
    record = (
        select(
            Signup.volunteer_id.label("volunteer_id"),
            func.sum(case((Attendance.status.in_(SHOWED_UP), 1), else_=0)).label("came"),
            func.sum(case((Attendance.status == AttendanceStatus.NO_SHOW, 1), else_=0)).label(
                "missed"
            ),
        )
        .join(Attendance, Attendance.signup_id == Signup.id)
        .group_by(Signup.volunteer_id)
        .subquery()
    )
    matches = (
        select(func.count())
        .where(
            VolunteerSkill.volunteer_id == Volunteer.id,
            VolunteerSkill.skill.in_(sorted(open_skills)),
            valid_skill(),
        )
        .scalar_subquery()
        if open_skills
        else literal(0)
    )
    came = func.coalesce(record.c.came, 0)
    missed = func.coalesce(record.c.missed, 0)
    # Laplace-smoothed share of shifts attended: a newcomer ranks between the proven
    # and the unreliable, and one no-show does not sink anyone for ever.
    reliability = (came + 1) * 1.0 / (came + missed + 2)
    return query.outerjoin(record, record.c.volunteer_id == Volunteer.id).order_by(
        matches.desc(),
        reliability.desc(),
        Volunteer.last_called_at.asc().nulls_first(),
        Volunteer.id,
    )


def count(mission: Mission, audience: Audience, now: datetime) -> dict[str, int]:
    """How many volunteers the filters reach, per language and in total."""
    query = (
        eligible(mission, audience, now)
        .with_only_columns(Volunteer.language, func.count())
        .group_by(Volunteer.language)
    )
    counts = {lang: 0 for lang in LANGUAGES}
    counts.update({lang: n for lang, n in db.session.execute(query).all()})
    counts["total"] = sum(counts[lang] for lang in LANGUAGES)
    return counts


def count_by_route(
    mission: Mission, audience: Audience, now: datetime, route_of: Callable[[str], str]
) -> Counter[tuple[str, str]]:
    """How many volunteers the filters reach per (language, route their number takes)."""
    query = eligible(mission, audience, now).with_only_columns(Volunteer.language, Volunteer.phone)
    return Counter((lang, route_of(phone)) for lang, phone in db.session.execute(query))


def regions() -> list[str]:
    """Regions volunteers live in, for the filter's choices."""
    return list(
        db.session.scalars(
            select(Volunteer.region)
            .where(Volunteer.region.is_not(None), Volunteer.region != "")
            .distinct()
            .order_by(Volunteer.region)
        )
    )
