"""The team lead's phone page and the manifest over HTTP: permissions, JSON saves, sync."""

import pytest
from sqlalchemy import func, select

from coordinator.domain import attendance
from coordinator.extensions import db
from coordinator.models import (
    AttendanceEvent,
    AttendanceStatus,
    Message,
    Signup,
    SignupSource,
    StaffRole,
    Vehicle,
)


@pytest.fixture
def day(mission_day):
    return mission_day(vehicles=[("Van 1", 4, 10)])


def page_url(day):
    return f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}"


def mark_url(day, signup):
    return f"/day/missions/{day.mission.id}/signups/{signup.id}"


def open_page(client, login, user, day):
    login(user)
    response = client.get(page_url(day))
    assert response.status_code == 200
    return response


def tap(client, url, token, action):
    return client.post(
        url, data={"action": action}, headers={"X-CSRFToken": token, "Accept": "application/json"}
    )


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AttendanceEvent))


def test_the_team_lead_sees_everyone_expected_with_big_buttons(client, login, day):
    html = open_page(client, login, day.lead, day).get_data(as_text=True)
    for signup in day.signups:
        assert signup.volunteer.name in html
    assert 'value="check_in"' in html and 'value="no_show"' in html
    assert "attendance.js" in html and "style=" not in html


def test_a_tap_saves_and_answers_with_the_new_state_as_json(client, login, csrf_token, day):
    token = csrf_token(open_page(client, login, day.lead, day))
    signup = day.signups[0]
    response = tap(client, mark_url(day, signup), token, "check_in")
    assert response.status_code == 200
    row = response.get_json()["rows"][str(signup.id)]
    assert row["status"] == "present" and row["on_site"] and row["in"]
    assert response.get_json()["headcount"] == [{"role": "Handler", "present": 1, "expected": 3}]
    assert db.session.get(Signup, signup.id).attendance.marked_by_id == day.lead.id


def test_a_second_phone_sees_the_first_phones_mark_when_it_polls(
    app, client, login, csrf_token, day, create_staff
):
    coordinator = create_staff(StaffRole.COORDINATOR)
    attendance.mark(day.signups[1], "no_show", by=coordinator)
    db.session.commit()
    open_page(client, login, day.lead, day)
    state = client.get(page_url(day) + "/state").get_json()
    assert state["rows"][str(day.signups[1].id)]["status"] == "no_show"


def test_a_tap_without_the_csrf_token_is_refused(client, login, day):
    open_page(client, login, day.lead, day)
    response = client.post(mark_url(day, day.signups[0]), data={"action": "check_in"})
    assert response.status_code == 400
    assert events() == 0


def test_an_unknown_action_is_a_clear_400_not_a_crash(client, login, csrf_token, day):
    token = csrf_token(open_page(client, login, day.lead, day))
    response = tap(client, mark_url(day, day.signups[0]), token, "vanished")
    assert response.status_code == 400
    assert "unknown attendance action" in response.get_json()["error"]["message"]
    assert events() == 0


def test_a_team_lead_of_another_mission_can_neither_see_nor_mark(
    client, login, csrf_token, day, create_staff, mission_day
):
    other = mission_day(names=["남"])
    token = csrf_token(open_page(client, login, other.lead, other))
    assert client.get(page_url(day)).status_code == 403
    assert tap(client, mark_url(day, day.signups[0]), token, "check_in").status_code == 403
    assert client.get(f"/day/missions/{day.mission.id}/manifest").status_code == 403
    assert events() == 0


def test_a_signup_of_another_mission_is_not_found_under_this_one(
    client, login, csrf_token, day, mission_day
):
    other = mission_day(names=["남"])
    token = csrf_token(open_page(client, login, day.lead, day))
    response = tap(
        client, f"/day/missions/{day.mission.id}/signups/{other.signups[0].id}", token, "check_in"
    )
    assert response.status_code == 404
    assert events() == 0


def test_a_coordinator_may_run_any_missions_day(client, login, csrf_token, day, create_staff):
    token = csrf_token(open_page(client, login, create_staff(StaffRole.COORDINATOR), day))
    assert tap(client, mark_url(day, day.signups[0]), token, "late").status_code == 200


def test_a_walk_in_is_added_from_the_page(client, login, csrf_token, day):
    token = csrf_token(open_page(client, login, day.lead, day))
    response = client.post(
        page_url(day) + "/walk-in",
        data={
            "csrf_token": token,
            "name": "최유나",
            "phone": "010 9876 5432",
            "language": "ko",
            "position_id": day.mission.positions[0].id,
        },
    )
    assert response.status_code == 302
    walk_in = db.session.scalar(select(Signup).where(Signup.source == SignupSource.WALK_IN))
    assert walk_in.volunteer.name == "최유나"
    assert walk_in.attendance.status == AttendanceStatus.PRESENT
    assert "최유나" in client.get(page_url(day)).get_data(as_text=True)


def test_a_walk_in_with_a_bad_phone_shows_the_reason_and_adds_nobody(
    client, login, csrf_token, day
):
    token = csrf_token(open_page(client, login, day.lead, day))
    response = client.post(
        page_url(day) + "/walk-in",
        data={
            "csrf_token": token,
            "name": "최유나",
            "phone": "12",
            "position_id": day.mission.positions[0].id,
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "not a" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 3


def test_message_the_team_reaches_the_shift_once_even_if_sent_twice(client, login, csrf_token, day):
    token = csrf_token(open_page(client, login, day.lead, day))
    form = {
        "csrf_token": token,
        "nonce": "a1b2c3d4",
        "audience": "shift",
        "body": "주차장 입구에서 10분 뒤 모여요",
    }
    client.post(page_url(day) + "/message", data=form)
    client.post(page_url(day) + "/message", data=form)
    messages = db.session.scalars(select(Message).where(Message.kind == "team")).all()
    assert sorted(m.volunteer_id for m in messages) == sorted(s.volunteer_id for s in day.signups)
    assert all("주차장 입구" in m.body and "정하늘" in m.body for m in messages)


def test_message_a_vehicle_reaches_only_its_riders(client, login, csrf_token, day):
    from coordinator.domain import vehicles

    van = day.mission.vehicles[0]
    vehicles.assign_to_vehicle(day.signups[0], van)
    db.session.commit()
    token = csrf_token(open_page(client, login, day.lead, day))
    client.post(
        page_url(day) + "/message",
        data={"csrf_token": token, "nonce": "v1", "audience": f"vehicle:{van.id}", "body": "출발!"},
    )
    messages = db.session.scalars(select(Message).where(Message.kind == "team")).all()
    assert [m.volunteer_id for m in messages] == [day.signups[0].volunteer_id]


def test_another_missions_lead_cannot_message_this_team(
    client, login, csrf_token, day, mission_day
):
    other = mission_day(names=["남"])
    token = csrf_token(open_page(client, login, other.lead, other))
    response = client.post(
        page_url(day) + "/message",
        data={"csrf_token": token, "nonce": "x1", "audience": "shift", "body": "hi"},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_manifest_records_animals_moved_and_refuses_nonsense(client, login, csrf_token, day):
    login(day.lead)
    url = f"/day/missions/{day.mission.id}/manifest"
    token = csrf_token(client.get(url))
    van = day.mission.vehicles[0]
    client.post(
        f"/day/missions/{day.mission.id}/vehicles/{van.id}/animals",
        data={"csrf_token": token, "animals_moved": "9"},
    )
    assert db.session.get(Vehicle, van.id).animals_moved == 9
    response = client.post(
        f"/day/missions/{day.mission.id}/vehicles/{van.id}/animals",
        data={"csrf_token": token, "animals_moved": "lots"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "whole number" in response.get_data(as_text=True)
    assert db.session.get(Vehicle, van.id).animals_moved == 9


def test_the_manifest_seats_a_passenger_and_shows_them_in_the_vehicle(
    client, login, csrf_token, day
):
    login(day.lead)
    url = f"/day/missions/{day.mission.id}/manifest"
    token = csrf_token(client.get(url))
    van = day.mission.vehicles[0]
    signup = day.signups[2]
    client.post(
        f"/day/missions/{day.mission.id}/vehicles/{van.id}/passengers",
        data={"csrf_token": token, "signup_id": signup.id},
    )
    assert db.session.get(Signup, signup.id).vehicle_id == van.id
    assert "1/4" in client.get(url).get_data(as_text=True)


def test_the_day_index_lists_only_missions_the_lead_runs(client, login, day, mission_day):
    other = mission_day(names=["남"], title="다른 구조")
    login(day.lead)
    html = client.get("/day/").get_data(as_text=True)
    assert day.mission.title in html and other.mission.title not in html
