"""Fixtures for the SMS fan-out tests: the Twilio stub wired into the app, queued messages."""

from collections.abc import Iterator

import pytest

from coordinator.extensions import db
from coordinator.models import Message
from coordinator.sms.outbox import queue_sms
from tests.support.twilio_stub import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioStub

FROM_NUMBER = "+15005550006"


def twilio_settings(stub_url: str) -> dict:
    """App settings that send through the real twilio client to the stub at `stub_url`."""
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": stub_url,
        "SMS_HTTP_TIMEOUT": 2,
    }


@pytest.fixture(name="stub")
def stub_fixture() -> Iterator[TwilioStub]:
    """A Twilio-compatible server in this process."""
    with TwilioStub() as server:
        yield server


@pytest.fixture(name="twilio_app")
def twilio_app_fixture(app, stub):
    """The app sending through the real twilio client to the stub, with no rate limit."""
    app.config.update(twilio_settings(stub.url), SMS_RATE_PER_SECOND=0)
    return app


@pytest.fixture(name="queue_message")
def queue_message_fixture():
    """Queue and commit one outbox row: queue_message(volunteer, key=None, kind="reply")."""
    counter = iter(range(1_000_000))

    def queue(volunteer, key: str | None = None, *, kind: str = "reply", **fields) -> Message:
        message = queue_sms(
            volunteer,
            "callout",
            kind=kind,
            idempotency_key=key or f"test:{next(counter)}:{volunteer.id}",
            mission=fields.pop("mission", None) or _Mission(),
            when="Sat 07:00",
            needs="Handler 2",
            note="",
            link="https://rescue.example.org/v/x",
            **fields,
        )
        db.session.commit()
        return message

    return queue


class _Mission:
    code = "T1"
    area = "Suwon"
