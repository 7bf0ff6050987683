"""A team lead's phone never learns who owns a number; a coordinator is asked before a
walk-in takes over someone's record; what was typed survives a refusal."""

import re

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import (
    Message,
    Signup,
    SignupStatus,
    StaffRole,
    StaffUser,
    Volunteer,
)
from coordinator.phones import display_phone
from tests.conftest import PASSWORD
from tests.support.api import issue_token
from tests.support.mission_day import mission_day_fixture  # noqa: F401
from tests.support.site import site_fixture, web_rules  # noqa: F401


@pytest.fixture
def day(mission_day):
    return mission_day(capacity=5)


def page_url(day):
    return f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}"


def walk_in(client, csrf_token, day, **fields):
    token = csrf_token(client.get(page_url(day)))
    data = {
        "csrf_token": token,
        "name": "최유나",
        "phone": "010-5555-6666",
        "language": "ko",
        "position_id": day.mission.positions[0].id,
        **fields,
    }
    return client.post(page_url(day) + "/walk-in", data=data)


def signups_of(volunteer) -> list[Signup]:
    return db.session.scalars(select(Signup).filter_by(volunteer_id=volunteer.id)).all()


def test_a_team_lead_typing_a_number_on_file_learns_nothing_about_its_owner(
    client, login, csrf_token, day, create_volunteer
):
    known = create_volunteer("한지민", phone="+821055556666")
    login(day.lead)

    response = walk_in(client, csrf_token, day, name="아무개")
    page = client.get(page_url(day)).get_data(as_text=True)

    assert response.status_code == 302
    assert "한지민" not in page and "already on file" in page
    [held] = signups_of(known)
    assert held.status == SignupStatus.OFFERED and held.attendance is None
    assert db.session.get(Volunteer, known.id).name == "한지민"
    texted = db.session.scalar(select(Message).filter_by(volunteer_id=known.id))
    assert texted is not None and "/v/" in texted.body


def test_a_team_lead_cannot_probe_numbers_through_an_overlapping_shift(
    client, login, csrf_token, mission_day, create_volunteer, create_mission
):
    day = mission_day(capacity=5, day=0)
    known = create_volunteer("한지민", phone="+821055556666")
    other = create_mission(code="Z9", day=0, shifts=[(7, 12)])
    from coordinator.domain import signups

    signups.sign_up(known, other.positions[0], source="staff")
    db.session.commit()
    login(day.lead)
    walk_in(client, csrf_token, day)
    page = client.get(page_url(day)).get_data(as_text=True)
    flashes = re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', page)
    assert "한지민" not in page and "Z9" not in page, flashes
    assert any("Ask a coordinator" in f for f in flashes), flashes


def test_the_owner_confirms_from_their_own_phone_and_appears_on_the_leads_list(
    app, client, login, csrf_token, day, create_volunteer
):
    known = create_volunteer("한지민", phone="+821055556666")
    login(day.lead)
    walk_in(client, csrf_token, day)
    assert "한지민" not in client.get(page_url(day)).get_data(as_text=True)

    [held] = signups_of(known)
    texted = db.session.scalar(select(Message).filter_by(volunteer_id=known.id))
    link = re.search(r"/v/[\w.-]+", texted.body).group(0)
    phone = app.test_client()  # the owner's own phone opens the link from the text
    page = phone.get(link)
    assert page.status_code == 200
    accepted = phone.post(f"{link}/accept/{held.id}", data={"csrf_token": csrf_token(page)})
    assert accepted.status_code == 303

    assert "한지민" in client.get(page_url(day)).get_data(as_text=True)


def test_a_coordinator_is_told_whose_number_it_is_and_confirms_before_check_in(
    client, login, csrf_token, day, create_volunteer, create_staff
):
    known = create_volunteer("한지민", phone="+821055556666")
    login(create_staff(StaffRole.COORDINATOR))

    asked = walk_in(client, csrf_token, day, name="아무개")
    page = client.get(page_url(day)).get_data(as_text=True)

    assert asked.status_code == 302
    assert signups_of(known) == []  # nothing happens before the answer
    assert "한지민" in page and "Yes, check 한지민 in" in page
    assert 'value="아무개"' in page and 'value="010-5555-6666"' in page  # typed, kept
    confirm = re.search(r'name="confirm_volunteer_id" value="(\d+)"', page).group(1)
    assert int(confirm) == known.id

    walk_in(client, csrf_token, day, name="아무개", confirm_volunteer_id=confirm)

    [signup] = signups_of(known)
    assert signup.status == SignupStatus.CONFIRMED and signup.attendance is not None
    assert db.session.get(Volunteer, known.id).name == "한지민"  # not renamed


def test_what_a_team_lead_typed_is_kept_after_a_refusal(client, login, csrf_token, day):
    login(day.lead)
    walk_in(client, csrf_token, day, name="최유나", phone="010 12", language="en")
    page = client.get(page_url(day)).get_data(as_text=True)
    assert 'value="최유나"' in page and 'value="010 12"' in page
    assert '<option value="en" selected>' in page
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 3


def _full_numbers(volunteers) -> list[str]:
    numbers = []
    for v in volunteers:
        numbers += [v.phone, display_phone(v.phone), v.phone.replace("+82", "0")]
    return numbers


def test_no_page_or_json_a_team_lead_can_reach_shows_a_full_phone_number(app, site):
    lead = db.session.get(StaffUser, site.ids["user_id"])
    assert lead.role == StaffRole.TEAM_LEAD
    numbers = _full_numbers(db.session.scalars(select(Volunteer)).all())
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token).group(1)
    assert (
        client.post(
            "/login", data={"email": lead.email, "password": PASSWORD, "csrf_token": csrf}
        ).status_code
        == 302
    )
    bearer = {"Authorization": f"Bearer {issue_token(lead)}"}
    opened = 0
    rules = web_rules(app, "GET") + [
        r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and "GET" in r.methods
    ]
    for rule in rules:
        url = site.url(rule)
        if url is None or rule.endpoint.startswith("personal."):
            continue  # a volunteer's own page is theirs, not a team lead's
        response = client.get(url, headers=bearer)
        if response.status_code != 200:
            continue
        body = response.get_data(as_text=True)
        opened += 1
        leaked = [n for n in numbers if n in body]
        assert leaked == [], (url, leaked)
    assert opened >= 8  # the crawl reached the team lead's pages and API


def test_a_name_too_long_is_refused_not_cut(client, login, csrf_token, day):
    login(day.lead)
    walk_in(client, csrf_token, day, name="가" * 101, phone="010-7777-8888")
    page = client.get(page_url(day)).get_data(as_text=True)
    assert "at most 100 characters" in page
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 3
