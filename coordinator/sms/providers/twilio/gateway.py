"""Twilio: the only code that imports the twilio SDK (foreign numbers, and every number
when no other route is configured).

Sends through the official client (pointed at ``TWILIO_API_BASE_URL`` when set), classifies its
failures, looks up a message whose answer was lost, and checks webhook signatures.
"""

from __future__ import annotations

import email.utils
import logging
import os
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from coordinator.phones import mask_phone
from coordinator.sms.providers.base import (
    OPT_OUT_CODE,
    Gateway,
    PermanentSendError,
    SendError,
    SendResult,
    TransientSendError,
)

log = logging.getLogger("coordinator.sms.gateway")
# The twilio client logs every request's headers at INFO: noise, and slow at fan-out volume.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

DEFAULT_HTTP_TIMEOUT = 10.0
LOOKUP_LIMIT = 20  # latest messages to one number read when looking for a lost answer
LOOKUP_CLOCK_SLACK = timedelta(minutes=2)  # the provider's clock against ours
TWILIO_API_URL = "https://api.twilio.com"

RATE_LIMIT_CODE = 20429

# Twilio codes that no retry will cure; any other 4xx is treated the same way.
PERMANENT_CODES: Mapping[int, str] = {
    21211: "invalid 'To' number",
    21408: "region not enabled",
    21606: "'From' number cannot send to this destination",
    OPT_OUT_CODE: "recipient unsubscribed (replied STOP)",
    21612: "'To' number not reachable via SMS",
    21614: "'To' number is not a mobile number",
    30004: "message blocked",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "filtered as spam by the carrier",
    30008: "unknown delivery error",
}


class TwilioGateway(Gateway):
    """Sends through the official twilio client."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str | None = None,
        timeout: float = DEFAULT_HTTP_TIMEOUT,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required")
        if not from_number and not messaging_service_sid:
            raise ValueError("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID is required")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self._last_response = threading.local()
        http_client = TwilioHttpClient(
            timeout=timeout, request_hooks={"response": [self._remember_response]}
        )
        _read_environment_once(http_client.session, api_base_url or TWILIO_API_URL)
        self.client = Client(account_sid, auth_token, http_client=http_client)
        if api_base_url:
            _point_client_at(self.client, api_base_url)

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """Create a Twilio Message; classify any failure as transient or permanent."""
        sender: dict[str, Any] = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        if status_callback:
            sender["status_callback"] = status_callback
        if validity_period is not None:
            sender["validity_period"] = validity_period
        self._last_response.retry_after = None
        try:
            message = self.client.messages.create(to=to, body=body, **sender)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise self._classify(exc) from exc
        except requests.RequestException as exc:
            raise _network_error(exc) from exc
        return SendResult(
            sid=message.sid or "",
            status=str(message.status) if message.status else "queued",
            segments=int(message.num_segments) if message.num_segments else None,
            price=message.price,
        )

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """Look through the latest messages to ``to`` (newest first) for this body."""
        cutoff = since - LOOKUP_CLOCK_SLACK
        try:
            recent = self.client.messages.list(to=to, limit=LOOKUP_LIMIT)
        except (TwilioRestException, TwilioServiceException, requests.RequestException):
            log.warning(
                "could not ask the provider about an unanswered message to %s",
                mask_phone(to),
                exc_info=True,
            )
            return None
        for message in recent:
            created = message.date_created
            if message.body == body and (created is None or created >= cutoff):
                return SendResult(sid=message.sid or "", status=str(message.status or "queued"))
        return None

    def _remember_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # The twilio exceptions drop the response headers; keep Retry-After for this thread.
        self._last_response.retry_after = _parse_retry_after(response.headers.get("Retry-After"))

    def _classify(self, exc: TwilioRestException | TwilioServiceException) -> SendError:
        code = int(exc.code) if exc.code is not None else None
        status = int(exc.status)
        message = _provider_message(exc)
        if status in (408, 429) or code == RATE_LIMIT_CODE or status >= 500:
            return TransientSendError(
                f"{status} {code}: {message}", retry_after=self._last_response.retry_after
            )
        return PermanentSendError(code if code is not None else status, message)


def _read_environment_once(session: requests.Session, url: str) -> None:
    # requests looks up proxies (HTTPS_PROXY, NO_PROXY) and the CA bundle in the environment
    # on every request: a sixth of the client's time at fan-out volume. Look once, here.
    session.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False


def _point_client_at(client: Client, base_url: str) -> None:
    # Messages live on the `api` domain (api.twilio.com/2010-04-01/...), the only one we use.
    client.api.base_url = base_url.rstrip("/")
    # TWILIO_EDGE / TWILIO_REGION from the environment would rewrite the host as *.twilio.com.
    client.edge = None
    client.region = None


def _provider_message(exc: TwilioRestException | TwilioServiceException) -> str:
    if isinstance(exc, TwilioServiceException):
        return exc.detail or exc.title
    # The client prefixes the provider's message with its own "Unable to create record: ".
    return str(exc.msg).split(": ", 1)[-1]


def _network_error(exc: requests.RequestException) -> TransientSendError:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # Only a failure to connect proves the request never reached the provider.
    never_sent = isinstance(exc, requests.ConnectTimeout) or isinstance(
        reason, urllib3.exceptions.ConnectTimeoutError
    )
    return TransientSendError(f"{type(exc).__name__}: {exc}", maybe_accepted=not never_sent)


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def status_callback_url(config: Mapping[str, Any]) -> str | None:
    """Return the URL Twilio should post delivery statuses to, if the app is reachable."""
    base = config.get("PUBLIC_BASE_URL")
    return base.rstrip("/") + "/sms/status" if base else None


def expected_url(config: Mapping[str, Any], request_url: str, path: str) -> str:
    """Return the URL Twilio signed: the public one behind a proxy, else the request's own."""
    base = config.get("PUBLIC_BASE_URL")
    if not base:
        return request_url
    query = urlsplit(request_url).query
    return base.rstrip("/") + path + (f"?{query}" if query else "")


def is_valid_signature(
    config: Mapping[str, Any], url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Check an ``X-Twilio-Signature`` against the auth token."""
    token = config.get("TWILIO_AUTH_TOKEN")
    if not signature or not token:
        return False
    return bool(RequestValidator(token).validate(url, params, signature))


def sign(config: Mapping[str, Any], url: str, params: Mapping[str, str]) -> str:
    """Compute the ``X-Twilio-Signature`` Twilio would send for this request."""
    token = config.get("TWILIO_AUTH_TOKEN")
    if not token:
        raise ValueError("TWILIO_AUTH_TOKEN is required to sign a request")
    return RequestValidator(token).compute_signature(url, params)


def twiml_answer(text: str) -> str:
    """A TwiML document carrying `text` as the reply SMS, or no reply when it is empty."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
