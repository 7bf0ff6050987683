"""Absolute links in pages come from PUBLIC_BASE_URL, never from the Host header a client
sends (a forged Host would otherwise put an attacker's address into a volunteer's page)."""

import re

import pytest

from coordinator import links
from coordinator.domain import signups
from coordinator.extensions import db
from tests.support.site import site_fixture, web_rules  # noqa: F401

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
CALENDAR_LINK = re.compile(r'<a href="([^"]*/ical/[^"]+\.ics)"')


def personal_page_with_places(client, create_volunteer, create_mission):
    volunteer = create_volunteer()
    mission = create_mission()
    signups.sign_up(volunteer, mission.positions[0], source="sms")
    db.session.commit()
    token = links.make_token(volunteer, mission.id)
    return volunteer, client.get(f"/v/{token}", headers=FORGED)


def test_the_calendar_link_is_built_from_the_public_url_whatever_the_host_header(
    app, client, create_volunteer, create_mission
):
    volunteer, page = personal_page_with_places(client, create_volunteer, create_mission)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "evil.example" not in html
    calendar = CALENDAR_LINK.search(html).group(1)
    with app.test_request_context():
        token = links.make_calendar_token(volunteer)
    assert calendar == f"https://rescue.example.org/ical/{token}.ics"


@pytest.mark.app_config(PUBLIC_BASE_URL=None)
def test_without_a_public_url_the_calendar_link_stays_relative(
    app, client, create_volunteer, create_mission
):
    _, page = personal_page_with_places(client, create_volunteer, create_mission)
    calendar = CALENDAR_LINK.search(page.get_data(as_text=True)).group(1)
    assert calendar.startswith("/ical/")


def test_no_page_of_the_site_shows_a_forged_host(client, site):
    for rule in web_rules(site.app, "GET"):
        url = site.url(rule)
        response = client.get(url, headers=FORGED)
        assert "evil.example" not in response.get_data(as_text=True), url
        assert "evil.example" not in response.headers.get("Location", ""), url
