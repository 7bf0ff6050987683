"""The team lead's page in Debian's Chromium at a phone's size: taps save without a reload,
and a second phone shows them by polling. The screenshot is kept in test-artifacts/."""

from pathlib import Path

import pytest

from coordinator.extensions import db
from coordinator.models import AttendanceStatus, Signup
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.personal import live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_team_lead_checks_in_three_people_and_marks_a_no_show_on_a_phone(
    app, browser, mission_day
):
    day = mission_day(
        names=["김민준", "이서연", "박지호", "최수아"], vehicles=[("승합차 1", 8, 12)]
    )
    url = f"/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}"
    arrived, missing = day.signups[:3], day.signups[3]
    with live_server(app) as base:
        context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True)
        phone, second_phone = context.new_page(), context.new_page()
        log_in(phone, base, day.lead.email)
        second_phone.goto(base + url)
        phone.goto(base + url)
        phone.evaluate("window.notReloaded = true")
        for signup in arrived:
            row = phone.locator(f'li[data-signup="{signup.id}"]')
            row.locator("button.tap-in").click()
            row.and_(phone.locator("li.state-present")).wait_for(timeout=5000)
        missing_row = phone.locator(f'li[data-signup="{missing.id}"]')
        missing_row.locator("details.more-marks summary").click()
        missing_row.locator('button[value="no_show"]').click()
        missing_row.and_(phone.locator("li.state-no_show")).wait_for(timeout=5000)

        assert phone.evaluate("window.notReloaded") is True  # saved without a page load
        assert phone.locator("#headcount").inner_text().startswith("3/4")
        assert phone.locator("#on-site li").count() == 3
        # The other phone catches up by polling, within a few seconds.
        second_phone.locator(f'li[data-signup="{missing.id}"].state-no_show').wait_for(
            timeout=10_000
        )
        assert second_phone.locator("#on-site li").count() == 3
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "attendance-phone.png"), full_page=True)
        context.close()

    db.session.expire_all()
    statuses = [db.session.get(Signup, s.id).attendance.status for s in day.signups]
    assert statuses == [AttendanceStatus.PRESENT] * 3 + [AttendanceStatus.NO_SHOW]
