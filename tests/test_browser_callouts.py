"""The call-out page and the SMS simulator in Debian's Chromium, in Korean and English, on a
laptop (1366x900) and a phone (390x844). Screenshots are kept in test-artifacts/."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from coordinator.domain import audience as audiences
from coordinator.domain import callouts
from coordinator.extensions import db
from coordinator.models import Message, MessageStatus, StaffRole
from coordinator.timeutil import now_utc
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.conversation import invite_fixture  # noqa: F401
from tests.support.personal import live_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-US", "ko": "ko-KR"}


def _quiet_hours_now() -> str:
    """Quiet hours that hold right now (whatever the hour the suite runs), ending in 2 hours."""
    local = datetime.now(ZoneInfo("Asia/Seoul"))  # the test app's TIMEZONE
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    return f"{start:%H}:00-{end:%H}:00"


@pytest.fixture
def browser():
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(browser, base: str, user, language: str, size: dict):
    page = browser.new_page(viewport=size, locale=LANGUAGES[language])
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _delivered(callout) -> None:
    db.session.execute(
        update(Message)
        .where(Message.callout_id == callout.id)
        .values(status=MessageStatus.DELIVERED)
    )


# (state, what the headline says in English, in Korean, whether Cancel the rest is offered)
EXPECTED = {
    "held": ("Held by quiet hours until", "야간 발송 제한으로", True),
    "sending": ("Sending wave 1 of 3", "3차 중 1차 발송 중", True),
    "waiting": ("Waiting for wave 2 of 3 at", "3차 중 2차 발송 예정", True),
    "finished": (
        "Finished: everyone in the audience has been asked",
        "완료: 대상자 모두에게",
        False,
    ),
    "cancelled": ("Cancelled: the rest was not sent", "취소됨: 남은 문자는", False),
}


@pytest.mark.browser
@pytest.mark.app_config(QUIET_HOURS=_quiet_hours_now())
def test_the_call_out_page_says_what_is_happening_in_both_languages_and_sizes(
    app, browser, create_staff, create_mission, create_volunteer
):
    from playwright.sync_api import expect

    coordinator = create_staff(StaffRole.COORDINATOR, name="김코디")
    for i in range(5):
        create_volunteer(f"봉사자{i}", skills=["handler"], language="ko" if i % 2 else "en")
    now, everyone = now_utc(), audiences.Audience()
    made = {}
    for state, day in (
        ("held", 3),
        ("sending", 4),
        ("waiting", 5),
        ("finished", 6),
        ("cancelled", 7),
    ):
        mission = create_mission(f"{state} 구조", code=f"S{day}", capacity=9, day=day)
        urgent = state != "held"
        callout = callouts.create_callout(
            mission,
            audience=everyone,
            is_urgent=urgent,
            now=now,
            wave_size=5 if state == "finished" else 2,
            wave_interval_minutes=30,
        )
        if state != "held":
            callouts.run_wave(callout, now)
        if state in ("waiting", "finished"):
            _delivered(callout)
        if state == "cancelled":
            callouts.cancel_callout(callout, now)
        made[state] = callout
    db.session.commit()
    ARTIFACTS.mkdir(exist_ok=True)

    with live_server(app) as base:
        for language in LANGUAGES:
            coordinator.language = language
            db.session.commit()
            for size_name, size in SIZES.items():
                page = _log_in(browser, base, coordinator, language, size)
                for state, callout in made.items():
                    english, korean, cancel = EXPECTED[state]
                    page.goto(f"{base}/callouts/{callout.id}")
                    headline = page.locator("[data-field=headline]")
                    expect(headline).to_contain_text(english if language == "en" else korean)
                    expect(page.locator("button.danger")).to_have_count(1 if cancel else 0)
                    bars = page.locator(".outcome progress")
                    assert bars.count() >= 7  # waiting, sent, delivered, failed; yes, no, none
                    html = page.content()
                    assert "Sending now" not in html and ">sending<" not in html
                    page.screenshot(
                        path=ARTIFACTS / f"callout-{state}-{language}-{size_name}.png",
                        full_page=True,
                    )
                page.close()


@pytest.mark.browser
@pytest.mark.app_config(QUIET_HOURS=_quiet_hours_now())
def test_the_send_confirmation_names_people_waves_cost_and_quiet_hours(
    app, browser, create_staff, create_mission, create_volunteer
):
    from playwright.sync_api import expect

    coordinator = create_staff(StaffRole.COORDINATOR, language="ko")
    mission = create_mission("개농장 구조", capacity=9, day=3)
    for i in range(5):
        create_volunteer(f"봉사자{i}")
    with live_server(app) as base:
        for size_name, size in SIZES.items():
            page = _log_in(browser, base, coordinator, "ko", size)
            page.goto(f"{base}/missions/{mission.id}/callouts/new")
            page.fill("input[name=wave_size]", "2")
            plan = page.locator("#send-plan")
            expect(plan).to_contain_text("5명에게 이 모집 문자를 보낼까요?")
            expect(plan).to_contain_text("3차에 나눠")
            expect(plan).to_contain_text("야간 발송 제한")
            asked: list[str] = []

            def answer(dialog, asked=asked) -> None:
                asked.append(dialog.message)
                dialog.dismiss()  # not sent: the page stays

            page.once("dialog", answer)
            page.click("button.primary")
            for _ in range(100):  # the dialog is handled while the click runs; wait at most 10 s
                if asked:
                    break
                page.wait_for_timeout(100)
            assert asked == [plan.inner_text()]
            assert "/callouts/new" in page.url
            page.screenshot(path=ARTIFACTS / f"callout-confirm-ko-{size_name}.png", full_page=True)
            page.close()


@pytest.mark.browser
def test_the_simulator_in_korean_asks_a_person_and_offers_what_the_menu_offered(
    app, browser, create_staff, create_mission, create_volunteer, invite
):
    from playwright.sync_api import expect

    coordinator = create_staff(StaffRole.COORDINATOR, name="김코디", language="ko")
    mission = create_mission(
        "개농장 구조",
        code="B7",
        roles={"핸들러": "handler"},
        shifts=[(7, 12), (13, 18)],
        capacity=3,
        day=3,
    )
    volunteer = create_volunteer("이서연", skills=["handler"])
    invite(mission, volunteer)
    with live_server(app) as base:
        for size_name, size in SIZES.items():
            page = _log_in(browser, base, coordinator, "ko", size)
            page.goto(f"{base}/simulator/{volunteer.id}")
            thread = page.locator(".sim-thread")

            def send(text: str, page=page) -> None:
                page.fill("#sim-body", text)
                page.click(".sim-compose button[type=submit]")
                page.wait_for_load_state()

            if size_name == "laptop":
                send("몇 시에 끝나요? 주차 가능한가요?")
                expect(thread).to_contain_text("담당자가 읽고 답장드릴게요")
                expect(page.locator(".mainnav .badge")).to_contain_text("1")
                send("네")
                expect(thread).to_contain_text("1) 핸들러")
                quick = page.locator(".sim-quick button")
                expect(quick).to_have_text(["1", "2", "아니요"])
                send("3")
                expect(thread).to_contain_text("1 또는 2로 답장해 주세요.")
                side = page.locator(".sim-info").inner_text()
                assert "한국어" in side and "동물 핸들러" in side and "handler" not in side
                assert "· sent" not in thread.inner_text()
                page.screenshot(path=ARTIFACTS / "simulator-menu-ko-laptop.png", full_page=True)
                page.locator(".sim-quick button", has_text="2").click()
                expect(thread).to_contain_text("확정! B7 핸들러")
            else:
                page.goto(f"{base}/simulator/{volunteer.id}")
                expect(page.locator(".sim-quick button").first).to_have_text("네")
            page.screenshot(path=ARTIFACTS / f"simulator-ko-{size_name}.png", full_page=True)
            page.close()
