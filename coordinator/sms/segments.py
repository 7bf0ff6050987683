"""Count the SMS segments a body costs, by Twilio's rules. Pure: no Flask, no database, no I/O.

A body that fits the GSM-7 alphabet is sent in 7-bit septets: 160 in one segment, 153 per part
once it is split (the rest of each part is the concatenation header). Anything else is UCS-2:
70 UTF-16 code units in one segment, 67 per part. Carriers never split a GSM escape pair or a
UTF-16 surrogate pair across parts, so a part may hold one unit less than its size.

An empty body counts 0 segments: Twilio refuses to send it (error 21602), so nothing is billed.
Twilio's optional "smart encoding" (curly quotes to straight ones…) is not modelled; a body with
a curly quote is counted as UCS-2, which is what is sent when smart encoding is off.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

# 3GPP TS 23.038 default alphabet; ESC (0x1B) is left out because it only introduces the
# extension table and is never a character of its own.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (ESC + the character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """How a body will be encoded and how many segments it will be billed as."""

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    characters: int  # units billed against the limit: septets for GSM-7, UTF-16 units for UCS-2
    per_segment: int  # the limit that applied: 160/153 for GSM-7, 70/67 for UCS-2


def count_segments(text: str) -> SegmentInfo:
    """Return the encoding, segment count and unit count Twilio will use for this body."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding: Literal["GSM-7", "UCS-2"] = "GSM-7"
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        encoding = "UCS-2"
        # Characters outside the Basic Multilingual Plane (most emoji) are a surrogate pair.
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part = UCS2_SINGLE, UCS2_PART

    units = sum(sizes)
    if units == 0:
        return SegmentInfo(encoding, 0, 0, single)
    if units <= single:
        return SegmentInfo(encoding, 1, units, single)
    return SegmentInfo(encoding, _pack(sizes, part), units, part)


def _pack(sizes: list[int], part: int) -> int:
    # Greedy filling matches the handset: a pair that does not fit opens the next part.
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


def estimate_cost(segments: int, price_per_segment: Decimal) -> Decimal:
    """Return the price of sending this many segments at the given price per segment."""
    if segments < 0:
        raise ValueError(f"segments must not be negative, got {segments}")
    return price_per_segment * segments
