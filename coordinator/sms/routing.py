"""Which provider and message type each outgoing SMS takes. Pure apart from reading the config.

`SMS_ROUTES` maps country calling codes to providers, e.g. `+82=solapi` (several separated by
commas); a number no route names goes through `SMS_BACKEND`. On the Korean route (Solapi) the type
follows the EUC-KR size (SMS up to 90 bytes, else LMS), and a message a volunteer's own action
triggered goes as Alimtalk when KAKAO_TEMPLATES has an approved template for it in their language.

KAKAO_TEMPLATES is JSON: {"<sms template>.<lang>": {"template_id": "...", "variables":
{"#{name}": "volunteer.name", ...}}}; each variable names a value of the message's context by a
dotted path. Only the templates in ALIMTALK_TEMPLATES may go as Alimtalk: Kakao forbids
unsolicited (advertising) messages there, so call-outs stay SMS/LMS.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coordinator.sms import korean

PROVIDERS = ("console", "twilio", "solapi")
ROUTE_ENTRY = re.compile(r"^\+?(?P<code>[1-9]\d{0,3})=(?P<provider>[a-z]+)$")
# What a volunteer triggered (booked, was offered, is reminded of, cancelled): Alimtalk allowed.
ALIMTALK_TEMPLATES = frozenset(
    {
        "booking_confirmed",
        "booking_waitlisted",
        "waitlist_offer",
        "offer_expired",
        "reminder_day_before",
        "reminder_same_day",
        "reminder_waitlisted",
        "cancel_done",
        "mission_cancelled",
    }
)
TYPES = ("SMS", "LMS", "ALIMTALK")


class RouteConfigError(ValueError):
    """SMS_ROUTES or KAKAO_TEMPLATES cannot be read; the message says what is wrong."""


@functools.lru_cache(maxsize=32)
def parse_routes(raw: str | None) -> dict[str, str]:
    """`+82=solapi,+1=twilio` as {"82": "solapi", "1": "twilio"}."""
    routes: dict[str, str] = {}
    for entry in re.split(r"[,\s]+", (raw or "").strip()):
        if not entry:
            continue
        match = ROUTE_ENTRY.match(entry)
        if match is None:
            raise RouteConfigError(f"SMS_ROUTES: {entry!r} is not a route; write it as +82=solapi")
        if match["provider"] not in PROVIDERS:
            raise RouteConfigError(
                f"SMS_ROUTES: unknown provider {match['provider']!r} in {entry!r} "
                f"(expected one of {', '.join(PROVIDERS)})"
            )
        routes[match["code"]] = match["provider"]
    return routes


@dataclass(frozen=True)
class AlimtalkTemplate:
    template_id: str
    variables: dict[str, str] = field(default_factory=dict)  # "#{name}" -> context path


@functools.lru_cache(maxsize=32)
def parse_kakao_templates(raw: str | None) -> dict[str, AlimtalkTemplate]:
    """KAKAO_TEMPLATES as {"booking_confirmed.ko": AlimtalkTemplate}."""
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RouteConfigError(f"KAKAO_TEMPLATES must be JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RouteConfigError("KAKAO_TEMPLATES must be a JSON object of template entries")
    templates = {}
    for key, entry in data.items():
        name, _, lang = str(key).partition(".")
        if name not in ALIMTALK_TEMPLATES or lang not in ("ko", "en"):
            raise RouteConfigError(
                f"KAKAO_TEMPLATES: {key!r} must be <message>.<ko|en>, the message one of "
                f"{', '.join(sorted(ALIMTALK_TEMPLATES))}"
            )
        if not isinstance(entry, dict) or not isinstance(entry.get("template_id"), str):
            raise RouteConfigError(f'KAKAO_TEMPLATES: {key!r} needs a "template_id"')
        variables = entry.get("variables") or {}
        if not isinstance(variables, dict) or not all(
            isinstance(v, str) for v in variables.values()
        ):
            raise RouteConfigError(
                f"KAKAO_TEMPLATES: {key!r} variables must map names to context paths"
            )
        templates[key] = AlimtalkTemplate(entry["template_id"], dict(variables))
    return templates


def route_for(phone: str, config: Mapping[str, Any]) -> str:
    """The provider for this E.164 number: the longest SMS_ROUTES code it starts with, else
    SMS_BACKEND."""
    digits = phone.lstrip("+")
    routes = parse_routes(config.get("SMS_ROUTES"))
    for code in sorted(routes, key=len, reverse=True):
        if digits.startswith(code):
            return routes[code]
    return (config.get("SMS_BACKEND") or "console").lower()


@dataclass(frozen=True)
class Plan:
    """How one message goes: provider, type, and Alimtalk options when it is one."""

    route: str
    message_type: str
    provider_options: dict | None = None


def plan_message(
    phone: str,
    body: str,
    config: Mapping[str, Any],
    *,
    template: str | None = None,
    language: str | None = None,
    context: Mapping[str, object] | None = None,
) -> Plan:
    """The route and type of a message to `phone` (Alimtalk only for allowed templates)."""
    route = route_for(phone, config)
    alimtalk = _alimtalk(config, template, language, context or {}) if route == "solapi" else None
    if alimtalk is not None:
        return Plan(route, "ALIMTALK", alimtalk)
    return Plan(route, sms_type(route, body))


def sms_type(route: str, body: str) -> str:
    """SMS or LMS on the Korean route by the EUC-KR size; always SMS elsewhere (segments)."""
    return korean.classify(body).message_type if route == "solapi" else "SMS"


def _alimtalk(
    config: Mapping[str, Any],
    template: str | None,
    language: str | None,
    context: Mapping[str, object],
) -> dict | None:
    if not template or template not in ALIMTALK_TEMPLATES or not config.get("KAKAO_CHANNEL_ID"):
        return None
    entry = parse_kakao_templates(config.get("KAKAO_TEMPLATES")).get(f"{template}.{language}")
    if entry is None:
        return None
    variables = {name: _lookup(context, path) for name, path in entry.variables.items()}
    return {"template_id": entry.template_id, "variables": variables}


def _lookup(context: Mapping[str, object], path: str) -> str:
    head, *rest = path.split(".")
    value: object = context.get(head)
    for name in rest:
        value = value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
    return "" if value is None else str(value)
