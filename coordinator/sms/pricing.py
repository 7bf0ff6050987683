"""What messages cost, in the organisation's currency (CURRENCY). Pure apart from the config.

SMS_PRICES holds a price per message for each route and type (`solapi.SMS=20,solapi.LMS=50,
solapi.ALIMTALK=13`, KRW list prices); a route and type it does not name is priced per segment
at SMS_PRICE_PER_SEGMENT (Twilio bills each segment; the console stands in for it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

ENTRY = re.compile(r"^(?P<route>[a-z]+)\.(?P<type>[A-Z]+)=(?P<price>\d+(\.\d+)?)$")


class PriceConfigError(ValueError):
    """SMS_PRICES cannot be read; the message says which entry."""


@functools.lru_cache(maxsize=16)
def parse_prices(raw: str | None) -> dict[tuple[str, str], Decimal]:
    """`solapi.SMS=20,solapi.LMS=50` as {("solapi", "SMS"): Decimal(20), ...}."""
    prices = {}
    for entry in re.split(r"[,\s]+", (raw or "").strip()):
        if not entry:
            continue
        match = ENTRY.match(entry)
        if match is None:
            raise PriceConfigError(
                f"SMS_PRICES: {entry!r} is not a price; write it as solapi.LMS=50"
            )
        prices[match["route"], match["type"]] = Decimal(match["price"])
    return prices


def segment_price(config: Mapping[str, Any]) -> Decimal:
    try:
        return Decimal(str(config.get("SMS_PRICE_PER_SEGMENT") or "0"))
    except InvalidOperation:
        raise PriceConfigError("SMS_PRICE_PER_SEGMENT must be a number") from None


def message_cost(
    config: Mapping[str, Any], route: str | None, message_type: str | None, segments: int
) -> Decimal:
    """The price of one message that went (or will go) by `route` as `message_type`."""
    route = route or (config.get("SMS_BACKEND") or "console")
    price = parse_prices(config.get("SMS_PRICES")).get((route, message_type or "SMS"))
    if price is not None:
        return price
    return segment_price(config) * max(segments, 0)


def cost_of_many(
    config: Mapping[str, Any],
    route: str | None,
    message_type: str | None,
    count: int,
    segments: int,
) -> Decimal:
    """The price of `count` messages of one route and type, `segments` segments in all."""
    route = route or (config.get("SMS_BACKEND") or "console")
    price = parse_prices(config.get("SMS_PRICES")).get((route, message_type or "SMS"))
    if price is not None:
        return price * count
    return segment_price(config) * max(segments, 0)
