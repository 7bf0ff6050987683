"""Personal links are the only key to a volunteer's answers: forged, old or revoked ones fail."""

import time

import pytest
from sqlalchemy import select

from coordinator import links
from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import Signup, SignupSource, SignupStatus
from tests.support.personal import path, snapshot


def _take(client, csrf_token, volunteer, position):
    url = path(volunteer, position.mission_id, f"/take/{position.id}")
    return client.post(url, data={"csrf_token": csrf_token(client.get(url))})


def test_a_link_is_short_and_carries_no_personal_data(app, create_volunteer, create_mission):
    volunteer = create_volunteer("홍길동", phone="+821099998888")
    token = links.make_token(volunteer, create_mission().id)
    assert len(token) <= 40
    assert "홍길동" not in token and "99998888" not in token
    assert links.read_token(token).volunteer.id == volunteer.id


def test_a_link_names_the_mission_it_was_sent_for(app, create_volunteer, create_mission):
    mission = create_mission()
    target = links.read_token(links.make_token(create_volunteer(), mission.id))
    assert target.mission_id == mission.id


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "2" + t[1:],  # another volunteer's id, same signature
        lambda t: t.split(".")[0],  # signature cut off
        lambda t: "<script>",
    ],
)
def test_a_tampered_link_gets_a_friendly_page_and_changes_nothing(
    app, client, create_volunteer, create_mission, tamper
):
    mission = create_mission()
    volunteer = create_volunteer()
    create_volunteer("다른 사람")
    token = tamper(links.make_token(volunteer, mission.id))
    before = snapshot()
    page = client.get(f"/v/{token}")
    assert page.status_code == 404
    # Nobody knows whose link it was: only advice that works for every number.
    assert "Ask the coordinator for a new link" in page.get_data(as_text=True)
    assert "LINK" not in page.get_data(as_text=True)
    client.post(f"/v/{token}/take/{mission.positions[0].id}")
    assert snapshot() == before


def test_an_expired_link_says_how_to_get_a_new_one(app, client, create_volunteer, monkeypatch):
    volunteer = create_volunteer(language="en")
    fifteen_days_ago = time.time() - 15 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: fifteen_days_ago)
        token = links.make_token(volunteer)
    page = client.get(f"/v/{token}")
    assert page.status_code == 410
    assert "stop working after a while" in page.get_data(as_text=True)


def _expired_link_page(client, volunteer, monkeypatch):
    fifteen_days_ago = time.time() - 15 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: fifteen_days_ago)
        token = links.make_token(volunteer)
    return client.get(f"/v/{token}").get_data(as_text=True)


def test_a_korean_volunteer_is_never_told_to_text_us_because_replies_cannot_reach_us(
    app, client, create_volunteer, monkeypatch
):
    volunteer = create_volunteer("김하나", phone="+821055556666", language="ko")

    page = _expired_link_page(client, volunteer, monkeypatch)

    assert "LINK" not in page
    assert "코디네이터에게 새 링크를 요청하세요" in page  # in their own language


def test_a_volunteer_on_a_foreign_number_is_told_to_text_link(
    app, client, create_volunteer, monkeypatch
):
    volunteer = create_volunteer("Sam", phone="+447700900456", language="en")

    page = _expired_link_page(client, volunteer, monkeypatch)

    assert "Text LINK to" in page


def test_a_link_younger_than_the_maximum_age_still_works(
    app, client, create_volunteer, monkeypatch
):
    volunteer = create_volunteer()
    thirteen_days_ago = time.time() - 13 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: thirteen_days_ago)
        token = links.make_token(volunteer)
    assert client.get(f"/v/{token}").status_code == 200


def test_a_revoked_link_stops_working_and_a_new_one_works(app, client, create_volunteer):
    volunteer = create_volunteer(language="en")
    old = links.make_token(volunteer)
    calendar = links.make_calendar_token(volunteer)
    links.revoke_links(volunteer)
    db.session.commit()
    page = client.get(f"/v/{old}")
    assert page.status_code == 410 and "switched off" in page.get_data(as_text=True)
    assert client.get(f"/ical/{calendar}.ics").status_code == 404
    assert client.get(f"/v/{links.make_token(volunteer)}").status_code == 200


def test_a_page_link_does_not_open_the_calendar_and_the_reverse(app, client, create_volunteer):
    volunteer = create_volunteer()
    assert client.get(f"/ical/{links.make_token(volunteer)}.ics").status_code == 404
    assert client.get(f"/v/{links.make_calendar_token(volunteer)}").status_code == 404


def _held_by_other(create_mission, create_volunteer):
    mission = create_mission(capacity=2, day=5)
    other = create_volunteer("남의 자리")
    signup = signups.sign_up(other, mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    return mission, signup


@pytest.mark.parametrize("action", ["cancel", "accept", "vehicle", "check-in"])
def test_another_volunteers_signup_id_is_refused_and_nothing_changes(
    app, client, csrf_token, create_mission, create_volunteer, action
):
    mission, theirs = _held_by_other(create_mission, create_volunteer)
    me = create_volunteer("나", language="en")
    before = snapshot()
    token = csrf_token(client.get(path(me, mission.id)))
    response = client.post(
        path(me, mission.id, f"/{action}/{theirs.id}"),
        data={"csrf_token": token, "kind": "van", "seats": "1"},
    )
    assert response.status_code == 404
    assert "not in your sign-ups" in response.get_data(as_text=True)
    assert snapshot() == before


def test_another_volunteers_signup_is_not_shown_on_the_cancel_screen(
    app, client, create_mission, create_volunteer
):
    mission, theirs = _held_by_other(create_mission, create_volunteer)
    me = create_volunteer("나")
    response = client.get(path(me, mission.id, f"/cancel/{theirs.id}"))
    assert response.status_code == 404
    assert "남의 자리" not in response.get_data(as_text=True)


def test_a_link_for_one_mission_cannot_book_another(
    app, client, csrf_token, create_mission, create_volunteer
):
    sent_for, other = create_mission(), create_mission(day=6)
    volunteer = create_volunteer()
    url = path(volunteer, sent_for.id, f"/take/{other.positions[0].id}")
    token = csrf_token(client.get(path(volunteer, sent_for.id)))
    before = snapshot()
    assert client.post(url, data={"csrf_token": token}).status_code == 404
    assert snapshot() == before


@pytest.mark.app_config(VOLUNTEER_LINK_POSTS_PER_MINUTE=3)
def test_posts_beyond_the_limit_are_refused_for_that_volunteer_only(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(capacity=10, shifts=[(7, 9), (10, 12), (13, 15), (16, 18)])
    eager, other = create_volunteer("급한 사람"), create_volunteer("다른 사람")
    answers = [_take(client, csrf_token, eager, p).status_code for p in mission.positions]
    assert answers == [303, 303, 303, 429]
    assert len(db.session.scalars(select(Signup).filter_by(volunteer_id=eager.id)).all()) == 3
    assert _take(client, csrf_token, other, mission.positions[3]).status_code == 303


def test_a_held_place_cannot_be_accepted_with_a_link_of_someone_else(
    app, client, csrf_token, create_mission, create_volunteer
):
    mission = create_mission(capacity=1, day=5)
    holder, waiting, stranger = (create_volunteer(n) for n in ("자리", "대기", "남"))
    first = signups.sign_up(holder, mission.positions[0], source=SignupSource.SMS)
    held = signups.sign_up(waiting, mission.positions[0], source=SignupSource.SMS)
    signups.cancel(first)
    db.session.commit()
    assert held.status == SignupStatus.OFFERED
    token = csrf_token(client.get(path(stranger, mission.id)))
    response = client.post(
        path(stranger, mission.id, f"/accept/{held.id}"), data={"csrf_token": token}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Signup, held.id).status == SignupStatus.OFFERED
