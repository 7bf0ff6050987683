"""Fixtures for the Korean route: the Solapi stub wired into the app next to the Twilio stub."""

from collections.abc import Iterator

import pytest

from tests.support.callouts import twilio_settings
from tests.support.solapi_stub import DEFAULT_API_KEY, DEFAULT_API_SECRET, SolapiStub

SENDER = "02-1234-5678"  # the organisation's registered sender, as an admin types it
STATUS_SECRET = "solapi-status-secret-0123456789"


def solapi_settings(stub_url: str) -> dict:
    """Settings that send Korean numbers through the real solapi SDK to the stub at `stub_url`."""
    return {
        "SMS_ROUTES": "+82=solapi",
        "SOLAPI_API_KEY": DEFAULT_API_KEY,
        "SOLAPI_API_SECRET": DEFAULT_API_SECRET,
        "SOLAPI_SENDER": SENDER,
        "SOLAPI_API_BASE_URL": stub_url,
        "SOLAPI_STATUS_SECRET": STATUS_SECRET,
    }


@pytest.fixture(name="solapi_stub")
def solapi_stub_fixture() -> Iterator[SolapiStub]:
    """A Solapi-compatible server in this process."""
    with SolapiStub() as server:
        yield server


@pytest.fixture(name="routed_app")
def routed_app_fixture(app, solapi_stub, stub):
    """Korean numbers through Solapi's stub, every other number through Twilio's stub."""
    app.config.update(
        twilio_settings(stub.url), **solapi_settings(solapi_stub.url), SMS_RATE_PER_SECOND=0
    )
    return app
