"""The .ics feed: a volunteer's confirmed places in their phone's calendar, at the right hour."""

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from coordinator import links
from coordinator.calendar import calendar_for
from coordinator.domain import personal, signups
from coordinator.extensions import db
from coordinator.models import SignupSource


def _book(volunteer, position):
    signup = signups.sign_up(volunteer, position, source=SignupSource.WEB)
    db.session.commit()
    return signup


def _events(body: bytes) -> list:
    return Calendar.from_ical(body).walk("VEVENT")


def test_a_confirmed_place_is_an_event_at_its_local_seoul_time(
    app, client, create_mission, create_volunteer
):
    mission = create_mission(shifts=[(7, 12)])
    volunteer = create_volunteer()
    _book(volunteer, mission.positions[0])
    response = client.get(f"/ical/{links.make_calendar_token(volunteer)}.ics")
    assert response.mimetype == "text/calendar"
    [event] = _events(response.data)
    start = event.decoded("dtstart")
    assert (
        start.tzinfo is not None
        and start.utcoffset() == mission.starts_at.astimezone(ZoneInfo("Asia/Seoul")).utcoffset()
    )
    assert (start.hour, event.decoded("dtend").hour) == (7, 12)
    assert start == mission.shifts[0].starts_at
    assert b"TZID=Asia/Seoul" in response.data and b"BEGIN:VTIMEZONE" in response.data


def test_event_uids_stay_the_same_each_time_the_feed_is_read(app, create_mission, create_volunteer):
    mission = create_mission(shifts=[(7, 12), (13, 18)])
    volunteer = create_volunteer()
    for position in mission.positions:
        _book(volunteer, position)
    first = [
        str(e["uid"])
        for e in _events(calendar_for(volunteer, personal.upcoming_signups(volunteer)))
    ]
    second = [
        str(e["uid"])
        for e in _events(calendar_for(volunteer, personal.upcoming_signups(volunteer)))
    ]
    assert first == second and len(set(first)) == 2
    assert all(uid.endswith("@rescue.example.org") for uid in first)


def test_only_confirmed_places_go_in_the_calendar(app, create_mission, create_volunteer):
    mission = create_mission(capacity=1, shifts=[(7, 12), (13, 18)])
    volunteer, other = create_volunteer(), create_volunteer("먼저 온 사람")
    _book(other, mission.positions[1])
    _book(volunteer, mission.positions[0])
    waitlisted = _book(volunteer, mission.positions[1])
    assert waitlisted.status == "waitlisted"
    events = _events(calendar_for(volunteer, personal.upcoming_signups(volunteer)))
    assert [e.decoded("dtstart").hour for e in events] == [7]


def test_a_cancelled_place_leaves_the_calendar(app, create_mission, create_volunteer):
    mission = create_mission()
    volunteer = create_volunteer()
    signups.cancel(_book(volunteer, mission.positions[0]))
    db.session.commit()
    assert _events(calendar_for(volunteer, personal.upcoming_signups(volunteer))) == []


def test_a_confidential_address_never_goes_into_the_feed(app, create_mission, create_volunteer):
    mission = create_mission(
        address="비밀 농장 주소 99", is_address_confidential=True, meeting_point="수원역 4번 출구"
    )
    volunteer = create_volunteer()
    _book(volunteer, mission.positions[0])
    body = calendar_for(volunteer, personal.upcoming_signups(volunteer))
    [event] = _events(body)
    assert str(event["location"]) == "수원역 4번 출구"
    assert "비밀 농장 주소".encode() not in body


def test_a_public_address_is_the_event_location(app, create_mission, create_volunteer):
    mission = create_mission(address="제주 해변 1", is_address_confidential=False)
    volunteer = create_volunteer()
    _book(volunteer, mission.positions[0])
    [event] = _events(calendar_for(volunteer, personal.upcoming_signups(volunteer)))
    assert str(event["location"]) == "제주 해변 1"


def test_a_shift_past_midnight_utc_keeps_its_local_date(app, create_mission, create_volunteer):
    mission = create_mission(shifts=[(7, 9)])  # 07:00 Seoul is 22:00 UTC the day before
    volunteer = create_volunteer()
    _book(volunteer, mission.positions[0])
    [event] = _events(calendar_for(volunteer, personal.upcoming_signups(volunteer)))
    local_start = mission.shifts[0].starts_at.astimezone(ZoneInfo("Asia/Seoul"))
    assert event.decoded("dtstart").date() == local_start.date()
    assert isinstance(event.decoded("dtstart"), datetime)
