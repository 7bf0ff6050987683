"""The pages this work changed, in Chromium at 1366x900 and 390x844, in Korean and English:
the board's crates bar, a refused form (summary, Korean messages, focus), the mission page
keeping its place, the login switch and the team lead's day. Screenshots: test-artifacts/."""

from pathlib import Path

import pytest

from coordinator.extensions import db
from coordinator.models import ExpectedAnimals, StaffRole
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.browser_checks import (
    CHROMIUM_ARGS,
    LAPTOP,
    PHONE,
    check_accessibility,
    live_server_on,
)
from tests.support.mission_day import mission_day_fixture  # noqa: F401
from tests.support.raw_values import raw_values_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SIZES = {"laptop": LAPTOP, "phone": PHONE}
LANGUAGES = {"ko": "ko-KR", "en": "en-GB"}


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


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_forms_board_and_mission_page_in_both_languages_and_sizes(
    app, chromium, create_staff, create_mission, language, size
):
    user = create_staff(StaffRole.COORDINATOR, name="이코디", language=language)
    mission = create_mission(
        title="개농장 폐쇄 구조",
        roles={"Handler": "handler"},
        status="draft",
        vehicles=[("승합차", 9, 12)],
    )
    mission.animals.append(ExpectedAnimals(species="개", count=30, needs_crate=True))
    db.session.commit()
    port = 5152 + (size == "phone") * 2 + (language == "en")
    with live_server_on(app, port) as base:
        context = chromium.new_context(
            viewport=SIZES[size], locale=LANGUAGES[language], is_mobile=size == "phone"
        )
        page = context.new_page()
        _log_in(page, base, user.email)

        # The board: the crates bar keeps its width on the card.
        page.goto(f"{base}/")
        bar = page.locator(".mission-card .gauge-row.transport meter").bounding_box()
        assert bar["width"] > 40, bar
        check_accessibility(page, "board")
        assert raw_values_in(page.content()) == [] or language == "en"
        _shot(page, f"board-{size}-{language}")

        # A refused role: summary above the form, the message in the reader's language, the
        # cursor in the field, and the page still at the form (not the top).
        page.goto(f"{base}/missions/{mission.id}")
        logs = []
        page.on("console", lambda m: logs.append(m.text))
        page.on("pageerror", lambda e: logs.append(str(e)))
        page.fill("#role-name", "가" * 101)
        page.click("#add-role button[type=submit]")
        page.wait_for_selector(".error-summary")
        assert page.evaluate("document.activeElement.id") == "role-name", logs
        assert page.evaluate("window.scrollY") > 0 or size == "laptop"
        summary = page.inner_text(".error-summary")
        assert (
            "100자까지 입력할 수 있어요"
            if language == "ko"
            else "cannot be longer than 100 characters"
        ) in summary
        assert page.locator("#role-name").input_value() == "가" * 101  # kept, not cut
        check_accessibility(page, "refused role")
        _shot(page, f"mission-refused-role-{size}-{language}")

        # A role that is accepted: back at the role form, not at the top of the page.
        page.fill("#role-name", "Vet")
        page.click("#add-role button[type=submit]")
        page.wait_for_url(lambda url: url.endswith("#add-role"))
        assert page.evaluate("window.scrollY") > 100
        context.close()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_login_page_switches_language_in_the_browser(app, chromium, language):
    other = "en" if language == "ko" else "ko"
    with live_server_on(app, 5157 + (language == "en")) as base:
        context = chromium.new_context(viewport=PHONE, locale=LANGUAGES[language], is_mobile=True)
        page = context.new_page()
        page.goto(f"{base}/login")
        assert page.get_attribute("html", "lang") == language
        page.click(f".language-switch button[value={other}]")
        page.wait_for_function(f"document.documentElement.lang === '{other}'")
        check_accessibility(page, "login")
        _shot(page, f"login-phone-{other}")
        context.close()


def test_the_team_leads_day_in_english_on_a_laptop(app, chromium, mission_day):
    day = mission_day(names=["김민준", "이서연"], day=0, vehicles=[("승합차", 9, 12)])
    day.lead.language = "en"
    db.session.commit()
    with live_server_on(app, 5159) as base:
        context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
        page = context.new_page()
        _log_in(page, base, day.lead.email)
        assert page.url.endswith("/day/")
        page.goto(f"{base}/day/missions/{day.mission.id}/shifts/{day.mission.shifts[0].id}")
        row = page.locator(f'li[data-signup="{day.signups[0].id}"]')
        assert row.locator("button.tap-out").is_hidden()
        row.locator("button.tap-in").click()
        row.locator("button.tap-out").wait_for(state="visible", timeout=5000)
        assert row.locator("button.tap-in").is_hidden()
        check_accessibility(page, "day")
        _shot(page, "mission-day-laptop-en")
        context.close()


def test_the_phone_navigation_links_never_overlap(app, chromium, create_staff):
    user = create_staff(StaffRole.ADMIN, name="관리자", language="ko")
    with live_server_on(app, 5150) as base:
        context = chromium.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True)
        page = context.new_page()
        _log_in(page, base, user.email)
        boxes = [
            page.locator(".mainnav a").nth(i).bounding_box()
            for i in range(page.locator(".mainnav a").count())
        ]
        for left, right in zip(boxes, boxes[1:], strict=False):
            assert left["x"] + left["width"] <= right["x"] + 0.5, (left, right)
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < PHONE["height"] / 5
        _shot(page, "board-phone-ko-admin")
        context.close()
