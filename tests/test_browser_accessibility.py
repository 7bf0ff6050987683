"""Every page in Chromium, in Korean: axe-core finds no serious or critical problem, and the
pages used on a phone have tap targets a thumb can hit. Screenshots go to test-artifacts/."""

from pathlib import Path

import pytest

from coordinator import links
from coordinator.extensions import db
from coordinator.models import Mission
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.browser_checks import (
    CHROMIUM_ARGS,
    LAPTOP,
    PHONE,
    check_accessibility,
    live_server_on,
    small_tap_targets,
)
from tests.support.site import site_fixture, web_rules  # noqa: F401

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PORT = 5151


@pytest.fixture
def chromium():
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _html_pages(site) -> list[str]:
    skip = (
        "/export",
        ".csv",
        ".ics",
        "/state",
        "/live",
        "/thread",
        "/preview",
        "/call",
        "/openapi",
        "/healthz",
        "/calendar",
        ".json",
    )
    urls = [site.url(rule) for rule in web_rules(site.app, "GET")]
    return [u for u in urls if u and not any(s in u for s in skip)]


def test_every_staff_page_passes_axe_in_korean(app, site, chromium):
    site.admin.language = "ko"
    db.session.commit()
    pages = _html_pages(site)
    assert len(pages) >= 25
    with live_server_on(app, PORT) as base:
        context = chromium.new_context(viewport=LAPTOP, locale="ko-KR")
        page = context.new_page()
        _log_in(page, base, site.admin.email)
        problems = []
        for url in pages:
            page.goto(base + url)
            try:
                check_accessibility(page, url)
            except AssertionError as error:
                problems.append(str(error))
        context.close()
    assert not problems, "\n".join(problems)


def test_the_team_leads_and_volunteers_phone_pages_pass_axe_and_have_big_tap_targets(
    app, site, chromium
):
    mission = db.session.get(Mission, site.ids["mission_id"])
    lead = mission.team_leads[0]
    lead.language = "ko"
    db.session.commit()
    shift = mission.shifts[0]
    lead_pages = [
        "/day/",
        f"/day/missions/{mission.id}/shifts/{shift.id}",
        f"/day/missions/{mission.id}/manifest",
    ]
    token = site.ids["token"]
    volunteer_pages = [f"/v/{token}", f"/v/{token}/profile", f"/v/{token}x", "/login"]
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    with live_server_on(app, PORT + 1) as base:
        context = chromium.new_context(
            viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        for url in volunteer_pages:
            page.goto(base + url)
            check_accessibility(page, url)
            problems += [f"{url}: {t}" for t in small_tap_targets(page)]
        _log_in(page, base, lead.email)
        assert page.url.endswith("/day/")  # a team lead starts on Mission day
        for url in lead_pages:
            page.goto(base + url)
            check_accessibility(page, url)
            problems += [f"{url}: {t}" for t in small_tap_targets(page)]
            header = page.locator("header.topbar").bounding_box()
            assert header["height"] < PHONE["height"] / 5, (url, header)
        page.goto(base + lead_pages[1])
        page.screenshot(path=str(ARTIFACTS / "mission-day-phone-ko.png"), full_page=True)
        page.locator("li.person details summary").first.click()
        page.screenshot(path=str(ARTIFACTS / "mission-day-phone-ko-more.png"))
        context.close()
    assert not problems, "\n".join(problems)
    assert links  # the personal link above is a real one
