"""A volunteer's confirmed places as an iCalendar feed (.ics) for their phone's calendar.

Each event's UID is derived from the signup id, so a calendar app that polls the feed
updates an event when a shift moves instead of adding a second one. Times are written in
the organisation's zone with its VTIMEZONE, so a phone abroad still shows the right hour.
A confidential address never goes into the feed (feeds get synced to other services);
the meeting point does.
"""

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, gettext
from icalendar import Calendar, Event

from coordinator.models import Signup, SignupStatus, Volunteer
from coordinator.timeutil import now_utc, to_local

PRODID = "-//Rescue call-out coordinator//personal calendar//EN"


def _domain() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    return urlsplit(base).hostname or "rescue-coordinator.invalid"


def event_uid(signup: Signup) -> str:
    """A UID that stays the same for the life of the signup."""
    return f"signup-{signup.id}@{_domain()}"


def _location(signup: Signup) -> str:
    mission = signup.mission
    if mission.address and not mission.is_address_confidential:
        return mission.address
    return mission.meeting_point or mission.area


def _description(signup: Signup) -> str:
    mission = signup.mission
    lines = [f"{signup.position.role.name} · {mission.code}"]
    if mission.meeting_point:
        lines.append(gettext("Meeting point: %(place)s", place=mission.meeting_point))
    leads = ", ".join(lead.name for lead in mission.team_leads)
    if leads:
        lines.append(gettext("Team lead: %(names)s", names=leads))
    if mission.what_to_bring:
        lines.append(gettext("Bring: %(things)s", things=mission.what_to_bring))
    return "\n".join(lines)


def _event(signup: Signup) -> Event:
    shift = signup.position.shift
    event = Event()
    event.add("uid", event_uid(signup))
    event.add("dtstamp", now_utc())
    event.add("dtstart", to_local(shift.starts_at))
    event.add("dtend", to_local(shift.ends_at))
    event.add("summary", f"{signup.mission.title} ({signup.position.role.name})")
    event.add("location", _location(signup))
    event.add("description", _description(signup))
    event.add("status", "CONFIRMED")
    return event


def calendar_for(volunteer: Volunteer, signups: list[Signup]) -> bytes:
    """The .ics body with an event for each of the volunteer's confirmed places."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{current_app.config['ORGANISATION_NAME']} · {volunteer.name}")
    with force_locale(volunteer.language):  # a calendar app asks with no language of its own
        for signup in signups:
            if signup.volunteer_id == volunteer.id and signup.status == SignupStatus.CONFIRMED:
                calendar.add_component(_event(signup))
    calendar.add_missing_timezones()
    return calendar.to_ical()
