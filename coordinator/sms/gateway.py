"""The SMS gateway: builds each provider from the config and routes messages to them.

Backends: ``console`` logs and sends nothing (the `make run` default), ``twilio`` sends through
the official twilio client (coordinator/sms/providers/twilio), ``solapi`` through the official
solapi SDK (coordinator/sms/providers/solapi). ``SMS_BACKEND`` names the default one;
``SMS_ROUTES`` sends some countries elsewhere (``+82=solapi``). Only a provider's folder imports
its SDK; the rest of the product speaks of messages, through the names re-exported here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from coordinator.sms.providers.base import (
    OPT_OUT_CODE,
    BatchAnswer,
    ConsoleGateway,
    Gateway,
    Outgoing,
    PermanentSendError,
    SendError,
    SendResult,
    TransientSendError,
)
from coordinator.sms.providers.solapi.gateway import SolapiGateway
from coordinator.sms.providers.solapi.reports import DeliveryReport, ReportError, read_reports
from coordinator.sms.providers.twilio.gateway import (
    DEFAULT_HTTP_TIMEOUT,
    PERMANENT_CODES,
    RATE_LIMIT_CODE,
    TwilioGateway,
    expected_url,
    is_valid_signature,
    sign,
    status_callback_url,
    twiml_answer,
)
from coordinator.sms.routing import route_for

__all__ = [
    "OPT_OUT_CODE",
    "PERMANENT_CODES",
    "RATE_LIMIT_CODE",
    "BatchAnswer",
    "ConsoleGateway",
    "DeliveryReport",
    "ReportError",
    "read_reports",
    "Gateway",
    "Outgoing",
    "PermanentSendError",
    "SendError",
    "SendResult",
    "SolapiGateway",
    "TransientSendError",
    "TwilioGateway",
    "build_gateway",
    "build_provider",
    "expected_url",
    "get_gateway",
    "is_valid_signature",
    "route_for",
    "sign",
    "status_callback_url",
    "twiml_answer",
]

_CONFIG_KEYS = (
    "SMS_BACKEND",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "SMS_HTTP_TIMEOUT",
    "SOLAPI_API_KEY",
    "SOLAPI_API_SECRET",
    "SOLAPI_SENDER",
    "SOLAPI_API_BASE_URL",
    "KAKAO_CHANNEL_ID",
    "ORGANISATION_NAME",
)


def build_provider(name: str, config: Mapping[str, Any]) -> Gateway:
    """Build the gateway of provider `name` (console, twilio, solapi) from the config."""
    if name == "console":
        return ConsoleGateway()
    if name == "twilio":
        return TwilioGateway(
            account_sid=config.get("TWILIO_ACCOUNT_SID") or "",
            auth_token=config.get("TWILIO_AUTH_TOKEN") or "",
            from_number=config.get("TWILIO_FROM_NUMBER") or None,
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            api_base_url=config.get("TWILIO_API_BASE_URL") or None,
            timeout=float(config.get("SMS_HTTP_TIMEOUT") or DEFAULT_HTTP_TIMEOUT),
        )
    if name == "solapi":
        return SolapiGateway(
            api_key=config.get("SOLAPI_API_KEY") or "",
            api_secret=config.get("SOLAPI_API_SECRET") or "",
            sender=config.get("SOLAPI_SENDER") or "",
            api_base_url=config.get("SOLAPI_API_BASE_URL") or None,
            kakao_channel_id=config.get("KAKAO_CHANNEL_ID") or None,
            subject=config.get("ORGANISATION_NAME") or "",
        )
    raise ValueError(f"unknown SMS provider {name!r} (expected 'twilio', 'solapi' or 'console')")


def build_gateway(config: Mapping[str, Any]) -> Gateway:
    """Build a new gateway of the default backend (SMS_BACKEND) from the application config."""
    backend = (config.get("SMS_BACKEND") or "console").lower()
    if backend not in ("console", "twilio", "solapi"):
        raise ValueError(f"unknown SMS_BACKEND {backend!r} (expected twilio, solapi or console)")
    return build_provider(backend, config)


_gateways: dict[tuple[Any, ...], Gateway] = {}
_gateways_lock = threading.Lock()


def get_gateway(config: Mapping[str, Any], route: str | None = None) -> Gateway:
    """The gateway of `route` (default: SMS_BACKEND), built once per process and settings."""
    name = (route or config.get("SMS_BACKEND") or "console").lower()
    # The process id is part of the key so a forked worker never shares the parent's
    # pooled HTTP connections; the settings are, so a changed config gets a new gateway.
    key = (os.getpid(), name, *(str(config.get(setting)) for setting in _CONFIG_KEYS))
    with _gateways_lock:
        gateway = _gateways.get(key)
        if gateway is None:
            gateway = _gateways[key] = build_provider(name, config)
        return gateway
