"""The SMS gateway against a local Twilio-compatible server, with the real twilio client."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from coordinator.sms.gateway import (
    ConsoleGateway,
    PermanentSendError,
    TransientSendError,
    TwilioGateway,
    build_gateway,
    expected_url,
    get_gateway,
    is_valid_signature,
    sign,
    status_callback_url,
)
from tests.support.twilio_stub import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    StubProcess,
    TwilioStub,
)

FROM = "+15005550006"
SERVICE_SID = "MG" + "a" * 32
VOLUNTEER = "+821012345678"


@pytest.fixture
def stub() -> Iterator[TwilioStub]:
    with TwilioStub() as server:
        yield server


def twilio_config(base_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_BASE_URL": base_url,
        "SMS_HTTP_TIMEOUT": 2,
        **overrides,
    }


@pytest.fixture
def config(stub: TwilioStub) -> dict[str, Any]:
    return twilio_config(stub.url)


@pytest.fixture
def gateway(config: dict[str, Any]) -> TwilioGateway:
    built = build_gateway(config)
    assert isinstance(built, TwilioGateway)
    return built


# -- sending ---------------------------------------------------------------------------------


def test_a_message_from_the_sender_number_reaches_the_server(stub, gateway):
    result = gateway.send(VOLUNTEER, "B7: handlers needed Sat 07:00. Reply B7 1")

    assert result.sid.startswith("SM") and len(result.sid) == 34
    assert (result.status, result.segments, result.price) == ("queued", 1, None)
    [message] = stub.messages
    assert message["sid"] == result.sid
    assert message["params"] == {
        "To": VOLUNTEER,
        "From": FROM,
        "Body": "B7: handlers needed Sat 07:00. Reply B7 1",
    }


def test_the_messaging_service_replaces_the_sender_number_when_configured(stub):
    config = twilio_config(stub.url, TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID)

    result = build_gateway(config).send(VOLUNTEER, "hello")

    params = stub.messages[0]["params"]
    assert params["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in params
    assert result.status == "accepted"


def test_status_callback_and_validity_period_reach_the_server(stub, gateway):
    gateway.send(
        VOLUNTEER, "hello", status_callback="https://rescue.example/sms/status", validity_period=600
    )

    params = stub.messages[0]["params"]
    assert params["StatusCallback"] == "https://rescue.example/sms/status"
    assert params["ValidityPeriod"] == "600"


def test_korean_text_reports_the_providers_ucs2_segment_count(gateway):
    result = gateway.send(VOLUNTEER, "구조 봉사자 모집: 토요일 07시 핸들러 6명. " * 3)

    assert result.segments == 2


def test_twilio_edge_in_the_environment_does_not_lead_requests_away_from_the_base_url(
    stub, config, monkeypatch
):
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    monkeypatch.setenv("TWILIO_REGION", "au1")

    build_gateway(config).send(VOLUNTEER, "hello")

    assert len(stub.messages) == 1


def test_a_proxy_in_the_environment_carries_the_requests_unless_no_proxy_names_the_host(
    stub, config, monkeypatch
):
    for name in (
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "no_proxy",
        "NO_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{unused.getsockname()[1]}")
    with pytest.raises(TransientSendError):  # nothing listens where the proxy should be
        build_gateway(config).send(VOLUNTEER, "hello")

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    build_gateway(config).send(VOLUNTEER, "hello")

    assert len(stub.messages) == 1


# -- transient failures ----------------------------------------------------------------------


def test_a_rate_limited_answer_is_a_transient_error_with_a_retry_hint(stub, gateway):
    stub.fail_with_429(1)

    with pytest.raises(TransientSendError) as caught:
        gateway.send(VOLUNTEER, "hello")

    assert caught.value.retry_after == 1.0
    assert gateway.send(VOLUNTEER, "hello").status == "queued"
    assert len(stub.messages) == 1


def test_rate_limiting_for_a_period_refuses_until_the_period_is_over(stub, gateway):
    stub.fail_with_429(seconds=0.3)

    with pytest.raises(TransientSendError):
        gateway.send(VOLUNTEER, "hello")
    time.sleep(0.35)

    assert gateway.send(VOLUNTEER, "hello").status == "queued"


def test_a_server_error_is_a_transient_error(stub, gateway):
    stub.fail_with_500(1)

    with pytest.raises(TransientSendError):
        gateway.send(VOLUNTEER, "hello")


def test_a_refused_connection_is_a_transient_error_that_never_reached_the_provider():
    with TwilioStub() as stopped:
        config = twilio_config(stopped.url)

    with pytest.raises(TransientSendError) as caught:
        build_gateway(config).send(VOLUNTEER, "hello")

    assert caught.value.maybe_accepted is False


def test_an_answer_slower_than_the_timeout_is_a_transient_error_that_may_have_been_accepted(
    stub,
):
    stub.set_latency(3.0)
    gateway = build_gateway(twilio_config(stub.url, SMS_HTTP_TIMEOUT=0.2))

    with pytest.raises(TransientSendError) as caught:
        gateway.send(VOLUNTEER, "hello")

    assert stub.messages == []  # we gave up while the provider was still working on it
    assert caught.value.maybe_accepted is True


# -- permanent failures ----------------------------------------------------------------------


def test_an_unsubscribed_recipient_is_a_permanent_opt_out(stub, gateway):
    stub.fail_number(VOLUNTEER, 21610)

    with pytest.raises(PermanentSendError) as caught:
        gateway.send(VOLUNTEER, "hello")

    assert caught.value.code == 21610
    assert caught.value.is_opt_out
    assert caught.value.message == "Attempt to send to unsubscribed recipient"
    assert stub.messages == []


def test_an_invalid_number_is_a_permanent_error_but_not_an_opt_out(gateway):
    with pytest.raises(PermanentSendError) as caught:
        gateway.send("010-1234-5678", "hello")

    assert caught.value.code == 21211
    assert not caught.value.is_opt_out


@pytest.mark.parametrize("code", [21408, 21606, 21612, 21614, 30007])
def test_refusals_for_the_destination_are_permanent(stub, gateway, code):
    stub.fail_number(VOLUNTEER, code)

    with pytest.raises(PermanentSendError) as caught:
        gateway.send(VOLUNTEER, "hello")

    assert caught.value.code == code


def test_wrong_credentials_are_a_permanent_error(stub):
    gateway = build_gateway(twilio_config(stub.url, TWILIO_AUTH_TOKEN="wrong"))

    with pytest.raises(PermanentSendError) as caught:
        gateway.send(VOLUNTEER, "hello")

    assert caught.value.code == 20003


# -- configuration ---------------------------------------------------------------------------


def test_the_same_settings_share_one_gateway_and_changed_settings_get_a_new_one(config):
    first = get_gateway(config)

    assert get_gateway(dict(config)) is first
    assert get_gateway({**config, "TWILIO_FROM_NUMBER": "+15005550001"}) is not first


def test_the_twilio_backend_without_credentials_is_a_configuration_error():
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID"):
        build_gateway({"SMS_BACKEND": "twilio", "TWILIO_FROM_NUMBER": FROM})


def test_an_unknown_backend_is_a_configuration_error():
    with pytest.raises(ValueError, match="SMS_BACKEND"):
        build_gateway({"SMS_BACKEND": "pigeon"})


def test_the_console_backend_logs_the_message_and_reports_it_delivered(caplog):
    gateway = build_gateway({})
    caplog.set_level(logging.INFO, logger="coordinator.sms.console")

    result = gateway.send(VOLUNTEER, "B7: handlers needed")

    assert isinstance(gateway, ConsoleGateway)
    assert result.status == "delivered"
    assert result.sid.startswith("SM") and len(result.sid) == 34
    [record] = caplog.records
    assert record.name == "coordinator.sms.console"
    assert VOLUNTEER in record.getMessage() and "B7: handlers needed" in record.getMessage()


def test_the_status_callback_url_is_built_from_the_public_base_url():
    assert status_callback_url({"PUBLIC_BASE_URL": "https://rescue.example/"}) == (
        "https://rescue.example/sms/status"
    )
    assert status_callback_url({}) is None


# -- webhook signatures ----------------------------------------------------------------------

SIGNING = {"TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}
STATUS_URL = "https://rescue.example/sms/status"
STATUS_PARAMS = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}


def test_a_correct_signature_is_valid():
    signature = sign(SIGNING, STATUS_URL, STATUS_PARAMS)

    assert is_valid_signature(SIGNING, STATUS_URL, STATUS_PARAMS, signature)


def test_a_tampered_parameter_invalidates_the_signature():
    signature = sign(SIGNING, STATUS_URL, STATUS_PARAMS)
    tampered = {**STATUS_PARAMS, "MessageStatus": "failed"}

    assert not is_valid_signature(SIGNING, STATUS_URL, tampered, signature)


@pytest.mark.parametrize("signature", [None, ""])
def test_a_missing_signature_is_invalid(signature):
    assert not is_valid_signature(SIGNING, STATUS_URL, STATUS_PARAMS, signature)


def test_a_signature_without_a_configured_auth_token_is_invalid():
    signature = sign(SIGNING, STATUS_URL, STATUS_PARAMS)

    assert not is_valid_signature({}, STATUS_URL, STATUS_PARAMS, signature)


def test_a_signature_for_another_url_is_invalid():
    signature = sign(SIGNING, "https://evil.example/sms/status", STATUS_PARAMS)

    assert not is_valid_signature(SIGNING, STATUS_URL, STATUS_PARAMS, signature)


def test_behind_a_proxy_the_public_base_url_is_the_one_checked():
    config = {**SIGNING, "PUBLIC_BASE_URL": "https://rescue.example"}
    signature = sign(config, "https://rescue.example/sms/inbound?lang=ko", STATUS_PARAMS)
    internal_url = "http://10.0.0.5:8000/sms/inbound?lang=ko"

    url = expected_url(config, internal_url, "/sms/inbound")

    assert url == "https://rescue.example/sms/inbound?lang=ko"
    assert is_valid_signature(config, url, STATUS_PARAMS, signature)
    assert not is_valid_signature(config, internal_url, STATUS_PARAMS, signature)


def test_without_a_public_base_url_the_request_url_is_the_one_checked():
    url = "http://localhost:5000/sms/status"

    assert expected_url(SIGNING, url, "/sms/status") == url


# -- the stub itself -------------------------------------------------------------------------


def test_the_stub_posts_status_callbacks_signed_like_twilio(stub, gateway):
    stub.set_mode(callbacks=True)
    callback = f"{stub.url}/sms/status"

    result = gateway.send(VOLUNTEER, "hello", status_callback=callback)
    callbacks = stub.wait_for_callbacks(2)

    assert [c["params"]["MessageStatus"] for c in callbacks] == ["sent", "delivered"]
    for posted in callbacks:
        assert posted["params"]["MessageSid"] == result.sid
        assert is_valid_signature(
            {"TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN},
            callback,
            posted["params"],
            posted["signature"],
        )


def test_the_stub_counts_requests_per_one_second_window(stub, gateway):
    for _ in range(5):
        gateway.send(VOLUNTEER, "hello")

    assert stub.max_per_window(1.0) == 5
    assert sum(stub.per_second(accepted_only=True).values()) == 5


def test_the_stub_is_controlled_over_http(stub, gateway):
    mode = requests.post(f"{stub.url}/_stub/mode", json={"fail_numbers": {VOLUNTEER: 21614}})
    with pytest.raises(PermanentSendError):
        gateway.send(VOLUNTEER, "hello")
    gateway.send("+821099998888", "hello")

    messages = requests.get(f"{stub.url}/_stub/messages").json()["messages"]
    requests.post(f"{stub.url}/_stub/reset")

    assert mode.json()["fail_numbers"] == {VOLUNTEER: 21614}
    assert [m["to"] for m in messages] == ["+821099998888"]
    assert stub.messages == [] and stub.mode()["fail_numbers"] == {}


def test_the_stub_runs_in_its_own_process_and_prints_its_port():
    with StubProcess() as remote:
        remote.set_mode(fail_500_count=1)
        gateway = build_gateway(twilio_config(remote.url))
        with pytest.raises(TransientSendError):
            gateway.send(VOLUNTEER, "hello")
        gateway.send(VOLUNTEER, "hello")

        assert [m["to"] for m in remote.messages()] == [VOLUNTEER]
        assert remote.stats()["requests"] == 2
