"""The SMS gateway: the only code in the product that speaks to Twilio.

Two backends, chosen by ``SMS_BACKEND``: ``twilio`` sends through the official client (pointed at
``TWILIO_API_BASE_URL`` when set), ``console`` logs and sends nothing. Provider failures come out
as ``TransientSendError`` (retry later) or ``PermanentSendError`` (give up, record the code).
Webhook signatures are checked here too, so no other module imports twilio.
"""

from __future__ import annotations

import email.utils
import logging
import os
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from coordinator.phones import mask_phone

console_logger = logging.getLogger("coordinator.sms.console")
log = logging.getLogger(__name__)
# The twilio client logs every request's headers at INFO: noise, and slow at fan-out volume.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

DEFAULT_HTTP_TIMEOUT = 10.0
LOOKUP_LIMIT = 20  # latest messages to one number read when looking for a lost answer
LOOKUP_CLOCK_SLACK = timedelta(minutes=2)  # the provider's clock against ours
TWILIO_API_URL = "https://api.twilio.com"

OPT_OUT_CODE = 21610
RATE_LIMIT_CODE = 20429

# Twilio codes that no retry will cure; any other 4xx is treated the same way.
PERMANENT_CODES: Mapping[int, str] = {
    21211: "invalid 'To' number",
    21408: "region not enabled",
    21606: "'From' number cannot send to this destination",
    21610: "recipient unsubscribed (replied STOP)",
    21612: "'To' number not reachable via SMS",
    21614: "'To' number is not a mobile number",
    30004: "message blocked",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
    30007: "filtered as spam by the carrier",
    30008: "unknown delivery error",
}

_CONFIG_KEYS = (
    "SMS_BACKEND",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "SMS_HTTP_TIMEOUT",
)


class SendError(Exception):
    """The provider did not accept a message."""


class TransientSendError(SendError):
    """Worth retrying later: rate limited, provider down, network trouble."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, maybe_accepted: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        # True when the request may have reached the provider before the failure (read timeout,
        # connection dropped mid-answer): a retry could then deliver the message twice.
        self.maybe_accepted = maybe_accepted


class PermanentSendError(SendError):
    """The provider refused this message for good; the code says why."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def is_opt_out(self) -> bool:
        """True when the recipient has unsubscribed (replied STOP) at the provider."""
        return self.code == OPT_OUT_CODE


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it accepted a message."""

    sid: str
    status: str
    segments: int | None = None
    price: str | None = None


class Gateway(ABC):
    """Hands one SMS to a provider."""

    @abstractmethod
    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """Send ``body`` to the E.164 number ``to``; raise a ``SendError`` if not accepted."""

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """A message with this body the provider accepted for ``to`` since ``since``, if any.

        Asked before a claim whose answer was lost is sent again (tasks/sms.py). None means
        not found or cannot tell; a backend that cannot lose an answer keeps this default.
        """
        return None


class ConsoleGateway(Gateway):
    """Development backend: logs each message and reports it delivered."""

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """Log the message instead of sending it."""
        sid = "SM" + uuid.uuid4().hex
        console_logger.info("SMS %s to %s:\n%s", sid, to, body)
        return SendResult(sid=sid, status="delivered")


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
            log.warning("could not ask the provider about an unanswered message to %s",
                        mask_phone(to), exc_info=True)
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


def build_gateway(config: Mapping[str, Any]) -> Gateway:
    """Build a new gateway from the application config."""
    backend = (config.get("SMS_BACKEND") or "console").lower()
    if backend == "console":
        return ConsoleGateway()
    if backend == "twilio":
        return TwilioGateway(
            account_sid=config.get("TWILIO_ACCOUNT_SID") or "",
            auth_token=config.get("TWILIO_AUTH_TOKEN") or "",
            from_number=config.get("TWILIO_FROM_NUMBER") or None,
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            api_base_url=config.get("TWILIO_API_BASE_URL") or None,
            timeout=float(config.get("SMS_HTTP_TIMEOUT") or DEFAULT_HTTP_TIMEOUT),
        )
    raise ValueError(f"unknown SMS_BACKEND {backend!r} (expected 'twilio' or 'console')")


_gateways: dict[tuple[Any, ...], Gateway] = {}
_gateways_lock = threading.Lock()


def get_gateway(config: Mapping[str, Any]) -> Gateway:
    """Return the gateway for this config, built once per process and set of settings."""
    # The process id is part of the key so a forked worker never shares the parent's
    # pooled HTTP connections; the settings are, so a changed config gets a new gateway.
    key = (os.getpid(), *(str(config.get(name)) for name in _CONFIG_KEYS))
    with _gateways_lock:
        gateway = _gateways.get(key)
        if gateway is None:
            gateway = _gateways[key] = build_gateway(config)
        return gateway


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
