"""Hours volunteers can claim: the 1365 portal's rows, and each volunteer's own record.

Korean volunteer centres take hours through the 1365 portal (1365.go.kr): one row per
volunteer per day, minutes of service, what was done, and the volunteer's 1365 id. The
portal credits at most 8 hours a day and takes entries up to 3 months after the activity.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coordinator.domain.reports import ARRIVED, hours_worked
from coordinator.extensions import db
from coordinator.models import Mission, MissionStatus, Position, Signup, SignupStatus, Volunteer
from coordinator.timeutil import now_utc, to_local

DAILY_CAP_MINUTES = 8 * 60
ENTRY_PERIOD = timedelta(days=91)  # "3 months after the activity"
REMIND_WITHIN = timedelta(days=21)
PORTAL_COLUMNS = [
    "성명",
    "1365 아이디",
    "봉사일",
    "시작시각",
    "종료시각",
    "인정시간(분)",
    "활동내용",
]


@dataclass(frozen=True)
class ServiceDay:
    volunteer: Volunteer
    day: date
    started: datetime
    ended: datetime
    minutes: int  # credited: at most DAILY_CAP_MINUTES
    roles: tuple[str, ...]
    missions: tuple[str, ...]


def _attended(where: list) -> list[Signup]:
    return list(
        db.session.scalars(
            select(Signup)
            .where(Signup.status == SignupStatus.CONFIRMED, *where)
            .options(
                joinedload(Signup.attendance),
                joinedload(Signup.volunteer),
                joinedload(Signup.mission),
                joinedload(Signup.position).joinedload(Position.shift),
                joinedload(Signup.position).joinedload(Position.role),
            )
        ).unique()
    )


def service_days(signups: list[Signup]) -> list[ServiceDay]:
    """Attended signups as one entry per volunteer and local day, capped at 8 hours."""
    days: dict[tuple[int, date], list[Signup]] = defaultdict(list)
    for signup in signups:
        att = signup.attendance
        if att is None or att.status not in ARRIVED or att.checked_in_at is None:
            continue
        days[(signup.volunteer_id, to_local(att.checked_in_at).date())].append(signup)
    entries = []
    for (_vid, day), group in sorted(
        days.items(), key=lambda item: (item[0][1], item[1][0].volunteer.name)
    ):
        minutes = round(sum(hours_worked(s) for s in group) * 60)
        marks = [(s.attendance, s.position.shift) for s in group if s.attendance is not None]
        started = min(att.checked_in_at or shift.starts_at for att, shift in marks)
        ended = max(att.checked_out_at or shift.ends_at for att, shift in marks)
        roles = tuple(dict.fromkeys(s.position.role.name for s in group))
        titles = tuple(dict.fromkeys(s.mission.title for s in group))
        entries.append(
            ServiceDay(
                group[0].volunteer,
                day,
                started,
                ended,
                min(minutes, DAILY_CAP_MINUTES),
                roles,
                titles,
            )
        )
    return entries


def portal_rows(mission: Mission) -> list[list[object]]:
    """The mission's hours in the 1365 portal's layout, header first."""
    rows: list[list[object]] = [list(PORTAL_COLUMNS)]
    for entry in service_days(_attended([Signup.mission_id == mission.id])):
        activity = gettext(
            "Animal rescue: %(mission)s (%(roles)s)",
            mission=mission.title,
            roles=", ".join(entry.roles),
        )
        rows.append(
            [
                entry.volunteer.name,
                entry.volunteer.portal_1365_id,
                entry.day.isoformat(),
                to_local(entry.started).strftime("%H:%M"),
                to_local(entry.ended).strftime("%H:%M"),
                entry.minutes,
                activity,
            ]
        )
    return rows


def entry_deadline(mission: Mission) -> datetime:
    """The last day the portal takes this mission's hours."""
    return mission.ends_at + ENTRY_PERIOD


def hours_to_enter(now: datetime | None = None) -> list[tuple[Mission, datetime]]:
    """Finished missions whose hours are not marked entered and whose deadline is near."""
    now = now or now_utc()
    missions = db.session.scalars(
        select(Mission)
        .where(
            Mission.status == MissionStatus.DONE,
            Mission.hours_entered_at.is_(None),
            Mission.ends_at > now - ENTRY_PERIOD,
        )
        .order_by(Mission.ends_at)
    ).all()
    return [(m, entry_deadline(m)) for m in missions if entry_deadline(m) - now <= REMIND_WITHIN]


def mark_hours_entered(mission: Mission, *, now: datetime | None = None) -> Mission:
    """A coordinator entered the mission's hours on the portal: stop reminding."""
    mission.hours_entered_at = now or now_utc()
    db.session.flush()
    return mission


def own_record(volunteer: Volunteer) -> list[ServiceDay]:
    """The volunteer's past days of service, newest first, for their personal page."""
    return list(reversed(service_days(_attended([Signup.volunteer_id == volunteer.id]))))
