"""Where to meet (coordinates, directions in Korean map apps) and who is on the way."""

import re
from datetime import timedelta

import pytest

from coordinator.domain import directions, travel
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.links import make_token
from coordinator.timeutil import now_utc
from tests.support.mission_day import mission_day_fixture  # noqa: F401


def starting_in(day, minutes: int):
    """Move the mission's only shift to start `minutes` from now and last five hours."""
    shift = day.mission.shifts[0]
    shift.starts_at = now_utc() + timedelta(minutes=minutes)
    shift.ends_at = shift.starts_at + timedelta(hours=5)
    day.mission.starts_at, day.mission.ends_at = shift.starts_at, shift.ends_at
    db.session.commit()
    return day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("37.2664, 127.0002", (37.2664, 127.0002)),
        ("37.2664 127.0002", (37.2664, 127.0002)),
        ("(33.51624,126.51998)", (33.51624, 126.51998)),
        ("https://map.kakao.com/link/map/수원역,37.26634,127.00072", (37.26634, 127.00072)),
        (
            "https://map.kakao.com/link/to/%EC%88%98%EC%9B%90%EC%97%AD,37.26634,127.00072",
            (37.26634, 127.00072),
        ),
        ("https://map.naver.com/p?c=14137655.48,4476296.46,15,0,0,0,dh", (37.26634, 127.00072)),
        ("nmap://place?lat=37.5&lng=127.03&name=x&appname=y", (37.5, 127.03)),
        ("https://www.google.com/maps/@37.2664,127.0002,17z", (37.2664, 127.0002)),
        ("geo:37.2664,127.0002?q=here", (37.2664, 127.0002)),
    ],
)
def test_coordinates_are_read_from_what_a_coordinator_types_or_pastes(app, text, expected):
    point = directions.parse_point(text, field="meeting")
    assert (round(point.lat, 3), round(point.lng, 3)) == (
        round(expected[0], 3),
        round(expected[1], 3),
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("127.0002, 37.2664", "not a place on Earth"),  # longitude first: no latitude of 127
        ("95, 127", "not a place on Earth"),
        ("37.2, 190", "not a place on Earth"),
        ("0, 0", "not a place on Earth"),
        ("https://place.map.kakao.com/12345678", "no coordinates in it"),
        ("수원역 4번 출구", "latitude, longitude"),
        ("1" * 3000, "too long"),
    ],
)
def test_impossible_coordinates_are_refused_with_a_reason(app, text, says):
    if says is None:
        assert directions.parse_point(text, field="meeting") is not None
        return
    with pytest.raises(ValidationError, match=says) as refused:
        directions.parse_point(text, field="meeting")
    assert refused.value.field == "meeting"


def test_directions_open_kakao_and_naver_maps_without_google(app):
    links = directions.links_to(
        directions.Point(37.26634, 127.00072),
        "수원역 4번 출구",
        app_url="https://rescue.example.org",
    )
    urls = [link.url for link in links]
    assert urls[0] == (
        "https://map.kakao.com/link/to/%EC%88%98%EC%9B%90%EC%97%AD%204%EB%B2%88"
        "%20%EC%B6%9C%EA%B5%AC,37.26634,127.00072"
    )
    assert urls[1].startswith("nmap://route/public?dlat=37.26634&dlng=127.00072")
    assert "appname=https%3A%2F%2Frescue.example.org" in urls[1]
    assert urls[2].startswith("geo:37.26634,127.00072")
    assert not any("google" in url for url in urls)


def test_a_coordinator_sets_the_place_and_a_bad_link_changes_nothing(
    app, client, login, csrf_token, create_staff, mission_day
):
    day = mission_day()
    login(create_staff("coordinator"))
    page = client.get(f"/missions/{day.mission.id}")
    response = client.post(
        f"/missions/{day.mission.id}/place",
        data={
            "csrf_token": csrf_token(page),
            "meeting": "37.26634, 127.00072",
            "address": "https://map.kakao.com/link/map/농장,37.1,126.9",
            "parking_notes": "승합차는 정문 앞",
        },
    )
    assert response.status_code == 302 and response.location.endswith("#place")
    db.session.refresh(day.mission)
    assert (day.mission.meeting_lat, day.mission.address_lng) == (37.26634, 126.9)
    response = client.post(
        f"/missions/{day.mission.id}/place",
        data={
            "csrf_token": csrf_token(page),
            "meeting": "95, 127",
            "address": "",
            "parking_notes": "",
        },
        follow_redirects=True,
    )
    assert "not a place on Earth" in response.get_data(as_text=True)
    db.session.refresh(day.mission)
    assert day.mission.meeting_lat == 37.26634 and day.mission.parking_notes == "승합차는 정문 앞"


def test_a_team_lead_cannot_move_the_meeting_point(app, client, login, csrf_token, mission_day):
    day = mission_day()
    login(day.lead)
    page = client.get(f"/missions/{day.mission.id}")
    response = client.post(
        f"/missions/{day.mission.id}/place",
        data={"csrf_token": csrf_token(page), "meeting": "37.5, 127.0"},
    )
    assert response.status_code == 403


def test_the_personal_page_gives_directions_and_hides_the_sites_until_confirmed(
    app, client, mission_day, create_volunteer
):
    day = mission_day(is_address_confidential=True)
    day.mission.meeting_lat, day.mission.meeting_lng = 37.26634, 127.00072
    day.mission.address_lat, day.mission.address_lng = 37.1, 126.9
    db.session.commit()
    confirmed = day.signups[0].volunteer
    html = client.get(f"/v/{make_token(confirmed)}").get_data(as_text=True)
    assert "https://map.kakao.com/link/to/" in html and "nmap://route/public" in html
    assert "37.100000" in html  # a confirmed volunteer gets the site too
    stranger = create_volunteer("최지우")
    html = client.get(f"/v/{make_token(stranger)}").get_data(as_text=True)
    assert "37.100000" not in html and "126.9" not in html


def test_on_the_day_a_volunteer_says_on_my_way_and_the_team_lead_sees_it(
    app, client, login, csrf_token, mission_day
):
    day = starting_in(mission_day(day=1), 60)
    first, second, third = day.signups
    token = make_token(first.volunteer)
    page = client.get(f"/v/{token}")
    assert f"/v/{token}/travel/{first.id}" in page.get_data(as_text=True)
    response = client.post(
        f"/v/{token}/travel/{first.id}",
        data={"csrf_token": csrf_token(page), "status": "on_the_way", "minutes": "20"},
    )
    assert response.status_code == 303
    db.session.refresh(first)
    assert first.travel_status == "on_the_way"
    assert abs((first.expected_at - now_utc()) - timedelta(minutes=20)) < timedelta(minutes=2)
    travel.say(second.volunteer, second.id, travel.RUNNING_LATE, minutes=45)
    db.session.commit()
    login(day.lead)
    html = client.get(f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}").get_data(
        as_text=True
    )
    board = html[html.index('class="card travel-board"') :]
    names = re.findall(r"<strong>([^<]+)</strong>", board)
    assert names[:3] == ["이서연", "김민준", "박지호"][:3] or set(names[:3]) == {
        "김민준",
        "이서연",
        "박지호",
    }
    assert "running late" in board and "arriving about" in board
    assert "박지호" in board  # said nothing: still on the board


def test_a_volunteer_cannot_speak_for_another_or_days_ahead(app, mission_day, create_volunteer):
    day = mission_day(day=3)
    first, second, _third = day.signups
    with pytest.raises(Conflict, match="hours before your shift"):
        travel.say(first.volunteer, first.id, travel.ON_THE_WAY, minutes=10)
    with pytest.raises(Exception, match="not yours"):
        travel.say(first.volunteer, second.id, travel.ON_THE_WAY, minutes=10)
    with pytest.raises(ValidationError):
        travel.say(first.volunteer, first.id, travel.ON_THE_WAY, minutes=100000)


def test_late_against_the_shift_start_is_counted(app, mission_day):
    day = starting_in(mission_day(day=1), 60)
    first, second, _third = day.signups
    shift = day.mission.shifts[0]
    at = shift.starts_at + timedelta(minutes=30)
    travel.say(first.volunteer, first.id, travel.ON_THE_WAY, minutes=15, now=at)
    board = {t.signup.id: t for t in travel.travel_board(day.signups, at)}
    assert board[first.id].minutes_late == 45
    assert board[second.id].state == "late" and board[second.id].minutes_late == 30


def test_the_api_sets_and_shows_where_to_meet(app, client, create_staff, mission_day):
    from tests.support.api import ApiCaller

    day = mission_day()
    api = ApiCaller(client, create_staff("coordinator"))
    response = api.put(
        f"/missions/{day.mission.id}/place",
        json={
            "meeting": "https://map.kakao.com/link/map/수원역,37.26634,127.00072",
            "parking_notes": "정문 앞",
        },
    )
    assert response.status_code == 200, response.json
    assert (response.json["meeting_lat"], response.json["parking_notes"]) == (37.26634, "정문 앞")
    bad = api.put(f"/missions/{day.mission.id}/place", json={"meeting": "95, 127"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "meeting"
    shown = api.get(f"/missions/{day.mission.id}").json
    assert (shown["meeting_lat"], shown["meeting_lng"]) == (37.26634, 127.00072)
    lead = ApiCaller(client, day.lead)
    assert lead.put(f"/missions/{day.mission.id}/place", json={}).status_code == 403


def test_an_sms_on_the_day_tells_the_team_lead(app, mission_day):
    from coordinator.domain import conversation
    from coordinator.sms.parsing import parse_reply

    day = starting_in(mission_day(day=1), 30)
    first, second, third = day.signups
    answer = conversation.respond(first.volunteer, parse_reply("10분 후 도착"))
    assert "팀장님께 출발했다고 알렸어요" in answer.text and "도착 예정" in answer.text
    answer = conversation.respond(second.volunteer, parse_reply("20분 늦을 것 같아요"))
    assert "늦는다고" in answer.text
    db.session.commit()
    board = {t.signup.id: t.state for t in travel.travel_board(day.signups)}
    assert board == {first.id: "on_the_way", second.id: "running_late", third.id: "silent"}
    # Days ahead there is nothing to tell: the volunteer hears so, nothing is recorded.
    later = mission_day(day=5, names=["한결"])
    answer = conversation.respond(later.signups[0].volunteer, parse_reply("출발"))
    assert "확정된 자리가 없어" in answer.text
    assert later.signups[0].travel_status is None


def test_the_confirmation_sms_carries_the_page_link_when_there_are_directions(
    app, create_mission, create_volunteer, invite
):
    from coordinator.domain import conversation
    from coordinator.sms.parsing import parse_reply

    mission = create_mission(capacity=3)
    mission.meeting_lat, mission.meeting_lng = 37.26634, 127.00072
    db.session.commit()
    volunteer = create_volunteer("윤서")
    invite(mission, volunteer)
    answer = conversation.respond(volunteer, parse_reply("네"))
    assert "확정!" in answer.text and "길 안내: http" in answer.text and "/v/" in answer.text


def test_a_volunteer_gives_their_1365_id_on_their_profile(
    app, client, csrf_token, create_volunteer
):
    volunteer = create_volunteer("윤서")
    token = make_token(volunteer)
    page = client.get(f"/v/{token}/profile")
    form = {"csrf_token": csrf_token(page), "language": "ko", "vehicle_kind": ""}
    bad = client.post(f"/v/{token}/profile", data={**form, "portal_1365_id": "윤서 123"})
    assert bad.status_code in (400, 409) and "1365" in bad.get_data(as_text=True)
    good = client.post(f"/v/{token}/profile", data={**form, "portal_1365_id": "yunseo_1365"})
    assert good.status_code in (302, 303)
    db.session.refresh(volunteer)
    assert volunteer.portal_1365_id == "yunseo_1365"
