"""From the QR code's short link to an approved volunteer who gets a call-out, on a phone
(390x844) in Debian's Chromium, in Korean and in English. Screenshots: test-artifacts/join-*."""

import contextlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from coordinator.domain import audience as audiences
from coordinator.domain import callouts
from coordinator.extensions import db
from coordinator.models import Approval, Message, StaffRole, Volunteer
from coordinator.timeutil import now_utc
from tests.conftest import PASSWORD
from tests.support import services
from tests.support.helpers import free_port
from tests.support.joining import code_sent_to, messages_to

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
LINK = re.compile(r"https?://\S+/v/\S+")
WORDS = {
    "ko": {
        "title": "봉사자로 가입하기",
        "sent": "문자를 보냈어요",
        "done": "가입해 주셔서 고마워요",
        "approve": "승인",
        "hello": "안녕하세요",
    },
    "en": {
        "title": "Join as a volunteer",
        "sent": "We sent an SMS",
        "done": "Thank you for joining",
        "approve": "Approve",
        "hello": "Hello",
    },
}


@contextlib.contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve the app on a free port (one from the OS: tests run in parallel)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def browser():
    services.need("chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services.CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"join-{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_from_the_qr_link_to_an_approved_volunteer_who_gets_a_call_out(
    app, browser, create_staff, create_mission, lang
):
    words, number = WORDS[lang], "010-4545-" + ("1111" if lang == "ko" else "2222")
    e164 = "+82" + number.replace("-", "")[1:]
    coordinator = create_staff(StaffRole.COORDINATOR, language=lang)
    mission = create_mission(
        "개농장 구조" if lang == "ko" else "Dog farm rescue", roles={"Helper": None}, code="B7"
    )
    with served(app) as base:
        app.config["PUBLIC_BASE_URL"] = base
        staff = browser.new_context(locale="ko-KR" if lang == "ko" else "en-US")
        desk = staff.new_page()
        desk.goto(f"{base}/login")
        desk.fill("input[name=email]", coordinator.email)
        desk.fill("input[name=password]", PASSWORD)
        desk.click("button[type=submit]")
        desk.goto(f"{base}/admin/join-link")
        short = desk.locator("figcaption strong").inner_text()
        assert short == f"{base}/j"
        assert desk.locator("img[src$='qr.svg']").evaluate("i => i.naturalWidth") > 100
        _shot(desk, f"{lang}-qr")

        phone = browser.new_context(locale="ko-KR" if lang == "ko" else "en-US", **PHONE)
        page = phone.new_page()
        page.goto(short)  # what the QR code holds
        assert page.url.endswith("/join")
        assert page.locator("h1").inner_text() == words["title"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.fill("input[name=name]", "한지민" if lang == "ko" else "Emma Clarke")
        page.fill("input[name=phone]", number)
        page.check(f"input[name=language][value={lang}]")
        page.fill("input[name=region]", "수원")
        page.check("input[name=skills][value=handler]")
        page.fill("input[name=emergency_name]", "한어머니")
        page.fill("input[name=emergency_phone]", "010-5555-6666")
        page.check("input[name=age_group][value='14plus']")
        page.check("input[name=consent_required]")
        _shot(page, f"{lang}-form")
        page.click("button.primary.big")
        page.wait_for_url("**/join/verify")
        assert words["sent"] in page.content()
        page.fill("input[name=code]", code_sent_to(e164))
        _shot(page, f"{lang}-code")
        page.click("button.primary.big")
        page.wait_for_url("**/join/done")
        assert words["done"] in page.content()
        _shot(page, f"{lang}-done")

        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.phone == e164))
        assert volunteer.approval == Approval.PENDING
        desk.goto(f"{base}/volunteers/sign-ups")
        _shot(desk, f"{lang}-queue")
        desk.locator(f"article[data-volunteer='{volunteer.id}'] button.primary").click()
        desk.wait_for_load_state()
        db.session.expire_all()
        assert db.session.get(Volunteer, volunteer.id).approval == Approval.APPROVED

        callout = callouts.create_callout(
            mission, audience=audiences.Audience(), now=now_utc(), is_urgent=True
        )
        db.session.commit()
        callouts.run_wave(callout, now_utc())
        db.session.commit()
        got = db.session.scalar(
            select(Message).where(Message.volunteer_id == volunteer.id, Message.kind == "callout")
        )
        assert got is not None and "B7" in got.body

        approved = [m.body for m in messages_to(e164) if m.kind == "join" and "/v/" in m.body]
        assert approved, "the approval SMS carries the personal link"
        page.goto(LINK.search(got.body).group(0))  # the call-out's link
        assert words["hello"] in page.locator("h1").inner_text()
        _shot(page, f"{lang}-personal")
        phone.close()
        staff.close()
