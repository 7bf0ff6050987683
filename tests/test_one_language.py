"""One language at a time: a Korean reader never meets a stored value (`sending`, `van`,
`team_lead`, `driver`, `ko`, `callout`…) or a number as stored (+821012345678) on any page,
whoever they are."""

import pytest

from coordinator.domain import attendance
from coordinator.extensions import db
from coordinator.models import Direction, Message, Mission, Signup, StaffRole
from tests.conftest import PASSWORD
from tests.support.helpers import csrf_token_in
from tests.support.raw_values import raw_values_in, stored_phone_numbers_in
from tests.support.site import site_fixture, web_rules  # noqa: F401

# Values that are also the reader's own words on an English-free page: none.
PERSONAL_ENDPOINTS = ("personal.",)


@pytest.fixture
def korean_site(site, create_volunteer, create_staff):
    """The security crawl's world, read by Korean staff, with some of every stored value."""
    mission = db.session.get(Mission, site.ids["mission_id"])
    site.admin.name, site.admin.language = "관리자 김", "ko"
    for lead in mission.team_leads:
        lead.name, lead.language = "팀장 이", "ko"
    create_staff(StaffRole.COORDINATOR, name="코디 박", language="ko")
    create_volunteer(
        "영어 사용자",
        skills=("driver", "vet"),
        language="en",
        vehicle_kind="van",
        vehicle_seats=5,
        vehicle_crates=2,
        phone="+447700900123",
    )
    signup = db.session.get(Signup, site.ids["signup_id"])
    attendance.mark(signup, attendance.Action.CHECK_IN, by=mission.team_leads[0])
    for kind in ("callout", "answer", "team", "reminder"):
        db.session.add(
            Message(
                direction=Direction.OUTBOUND,
                volunteer_id=signup.volunteer_id,
                phone=signup.volunteer.phone,
                body="안녕하세요",
                kind=kind,
                status="sent",
                mission_id=mission.id,
            )
        )
    db.session.commit()
    return site


def _log_in(client, user) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token_in(page)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def _korean_pages(client, site, urls):
    found = {}
    for url in urls:
        response = client.get(url, headers={"Accept-Language": "ko"})
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        raw = raw_values_in(html) + stored_phone_numbers_in(html)
        if raw:
            found[url] = raw
    return found


def test_no_page_shows_a_stored_value_to_a_korean_coordinator_or_admin(client, korean_site):
    urls = [korean_site.url(rule) for rule in web_rules(korean_site.app, "GET")]
    assert len(urls) >= 30
    found = _korean_pages(client, korean_site, urls)
    assert not found, "\n".join(f"{url}: {raw}" for url, raw in found.items())


def test_no_page_shows_a_stored_value_to_a_korean_team_lead(korean_site):
    mission = db.session.get(Mission, korean_site.ids["mission_id"])
    lead = mission.team_leads[0]
    client = korean_site.app.test_client()
    _log_in(client, lead)
    urls = [korean_site.url(rule) for rule in web_rules(korean_site.app, "GET")]
    found = _korean_pages(client, korean_site, urls)
    assert not found, "\n".join(f"{url}: {raw}" for url, raw in found.items())


def test_a_korean_volunteers_pages_show_no_stored_value(korean_site):
    client = korean_site.app.test_client()
    token = korean_site.ids["token"]
    urls = [
        korean_site.url(rule)
        for rule in web_rules(korean_site.app, "GET")
        if rule.endpoint.startswith(PERSONAL_ENDPOINTS)
    ]
    urls.append(f"/v/{token}x")  # the invalid-link page
    assert len(urls) >= 3
    found = _korean_pages(client, korean_site, urls)
    assert not found, "\n".join(f"{url}: {raw}" for url, raw in found.items())


def test_the_login_page_switches_language_before_anyone_logs_in(client, csrf_token):
    page = client.get("/login?next=/day/")
    assert '<html lang="en">' in page.get_data(as_text=True)

    switched = client.post(
        "/login/language?next=/day/", data={"language": "ko", "csrf_token": csrf_token(page)}
    )

    assert switched.status_code == 303
    assert switched.headers["Location"].endswith("/login?next=/day/")
    korean = client.get("/login").get_data(as_text=True)
    assert '<html lang="ko">' in korean and "로그인" in korean
    assert '<button type="submit" name="language" value="en"' in korean


def test_the_login_language_switch_refuses_an_unknown_language_and_needs_its_token(
    client, csrf_token
):
    page = client.get("/login")
    assert (
        client.post(
            "/login/language", data={"language": "fr", "csrf_token": csrf_token(page)}
        ).status_code
        == 400
    )
    assert client.post("/login/language", data={"language": "ko"}).status_code == 400
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_a_team_lead_lands_on_mission_day_and_a_coordinator_on_the_board(
    client, login, create_staff
):
    lead_lands = login(create_staff(StaffRole.TEAM_LEAD)).headers["Location"]
    assert lead_lands.endswith("/day/")
    assert client.get("/login").headers["Location"].endswith("/day/")
    other = client.application.test_client()
    coordinator = create_staff(StaffRole.COORDINATOR)
    page = other.get("/login").get_data(as_text=True)
    token = csrf_token_in(page)
    landed = other.post(
        "/login", data={"email": coordinator.email, "password": PASSWORD, "csrf_token": token}
    )
    assert landed.headers["Location"].endswith("/")
