"""Fixtures for the SMS conversation: call-out invitations and signed inbound webhooks."""

import contextlib
import itertools
import os
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from flask import Flask

from coordinator.extensions import db
from coordinator.models import CallOut, CallOutStatus, Invitation, Mission, Volunteer
from coordinator.sms import gateway
from tests.support.helpers import free_port, wait_until

_sids = itertools.count(1)
ROOT = Path(__file__).resolve().parents[2]
PUBLIC_BASE_URL = "https://rescue.example.org"
TEST_AUTH_TOKEN = "test-auth-token"


@pytest.fixture(name="invite")
def invite_fixture():
    """Record that a call-out reached these volunteers: invite(mission, *volunteers)."""

    def do_invite(mission: Mission, *volunteers: Volunteer) -> CallOut:
        callout = CallOut(mission_id=mission.id, status=CallOutStatus.SENDING)
        db.session.add(callout)
        db.session.flush()
        for volunteer in volunteers:
            db.session.add(
                Invitation(callout_id=callout.id, mission_id=mission.id, volunteer_id=volunteer.id)
            )
        db.session.commit()
        return callout

    return do_invite


def new_sid() -> str:
    return f"SM{next(_sids):08d}{uuid.uuid4().hex[:24]}"


def inbound_form(phone: str, body: str, sid: str | None = None) -> dict[str, str]:
    """The form fields Twilio posts for one incoming SMS."""
    return {
        "MessageSid": sid or new_sid(),
        "SmsSid": sid or "",
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def signed_headers(app: Flask, form: dict[str, str], path: str = "/sms/inbound") -> dict:
    """The X-Twilio-Signature Twilio would send for this form to PUBLIC_BASE_URL + path."""
    url = app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    return {"X-Twilio-Signature": gateway.sign(app.config, url, form)}


@pytest.fixture(name="text_in")
def text_in_fixture(app, client):
    """Send an SMS as a volunteer through the signed webhook: text_in(phone, body, sid=None)."""

    def send(phone: str, body: str, sid: str | None = None):
        form = inbound_form(phone, body, sid)
        return client.post("/sms/inbound", data=form, headers=signed_headers(app, form))

    return send


@contextlib.contextmanager
def gunicorn_app(database_url: str, *, workers: int = 4, threads: int = 8, app: str = "wsgi:app"):
    """Serve the app under gunicorn on a free port for as long as the block runs; yields its URL.

    Twilio signatures are checked against PUBLIC_BASE_URL, as behind a real proxy.
    """
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "gunicorn-test-secret-0123456789abcdef0123456789",
        "CELERY_BROKER_URL": "memory://",
        "SMS_BACKEND": "console",
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "LOG_LEVEL": "WARNING",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "120",
        app,
    ]
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one blocks.
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_up(process: subprocess.Popen, base: str, log) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/login", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answers: up (the bench's baseline app has no login page)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    # Generous: each gunicorn process imports the whole app, and a shared two-core machine
    # under a parallel test run takes its time (this wait only runs long when it fails).
    try:
        wait_until(answers, 180, "gunicorn to answer", interval=0.2)
    except TimeoutError:
        log.seek(0)
        raise RuntimeError(f"gunicorn did not start within 180 s: {log.read()[-2000:]}") from None


def post_signed(base: str, form: dict[str, str], *, timeout: float = 60) -> tuple[int, str]:
    """POST an inbound SMS to a running server, signed as Twilio signs it for PUBLIC_BASE_URL."""
    url = PUBLIC_BASE_URL + "/sms/inbound"
    signature = gateway.sign({"TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN}, url, form)
    request = urllib.request.Request(
        base + "/sms/inbound",
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": signature},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
