"""Korean SMS sizes: SMS or LMS by the EUC-KR byte count. Pure: no Flask, no database, no I/O.

Korean carriers bill a text by its size in EUC-KR (KS X 1001): a Hangul syllable or a full-width
symbol is 2 bytes, ASCII 1. Up to 90 bytes goes as one SMS; longer goes as LMS (up to 2,000
bytes, with a subject of up to 40 bytes), which costs about two and a half SMS. A character EUC-KR
cannot encode (emoji, most symbols outside KS X 1001, Hangul syllables outside its 2,350) would be
refused or garbled by the carrier, so such characters are replaced before sending: typographic
ones by their plain look-alike, anything else by `?`.
"""

import functools
from dataclasses import dataclass
from typing import Literal

SMS_BYTES = 90
LMS_BYTES = 2000
SUBJECT_BYTES = 40
ENCODING = "euc_kr"

# Look-alikes that EUC-KR has, for characters people paste from phones and word processors.
LOOK_ALIKES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u201c": '"',
    "\u201d": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u200b": "",
    "\ufe0f": "",
    "\u200d": "",
    "\u20a9": "\\",
}
REPLACEMENT = "?"

KoreanType = Literal["SMS", "LMS"]


@dataclass(frozen=True, slots=True)
class KoreanSize:
    """How a text goes on the Korean route."""

    message_type: KoreanType
    size: int  # EUC-KR bytes, after replacement
    too_long: bool  # over the LMS limit: it cannot be sent as it is


def encodable(char: str) -> bool:
    """True when EUC-KR (KS X 1001) can carry this character in one or two bytes."""
    try:
        # Python also encodes the other Hangul syllables as 8-byte jamo sequences (KS X 1001
        # annex 3), which carriers and handsets do not put together again: not carried.
        return len(char.encode(ENCODING)) <= 2
    except UnicodeEncodeError:
        return False


def unsendable(text: str) -> list[str]:
    """The distinct characters of `text` that would be replaced by `?`, in order of appearance."""
    seen: dict[str, None] = {}
    for char in text:
        if char not in LOOK_ALIKES and not encodable(char):
            seen.setdefault(char)
    return list(seen)


@functools.lru_cache(maxsize=4096)
def to_euc_kr_safe(text: str) -> str:
    """The text with every character EUC-KR cannot carry replaced (look-alike, else `?`)."""
    if _carried_whole(text):
        return text
    out = []
    for char in text:
        if char in LOOK_ALIKES:
            out.append(LOOK_ALIKES[char])
        elif encodable(char):
            out.append(char)
        else:
            out.append(REPLACEMENT)
    return "".join(out)


def _carried_whole(text: str) -> bool:
    # The common case, one encode for the whole text: every character is one byte (ASCII) or
    # two (KS X 1001), none is a look-alike to replace.
    try:
        size = len(text.encode(ENCODING))
    except UnicodeEncodeError:
        return False
    ascii_count = len(text.encode("ascii", "ignore"))
    return size == ascii_count + 2 * (len(text) - ascii_count) and not any(
        char in text for char in LOOK_ALIKES
    )


def byte_size(text: str) -> int:
    """Bytes this text takes in EUC-KR once made safe."""
    return len(to_euc_kr_safe(text).encode(ENCODING))


def classify(text: str) -> KoreanSize:
    """SMS within 90 bytes, else LMS (too long past 2,000)."""
    size = byte_size(text)
    kind: KoreanType = "SMS" if size <= SMS_BYTES else "LMS"
    return KoreanSize(kind, size, size > LMS_BYTES)


def cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of the (made safe) text within `limit` EUC-KR bytes."""
    safe = to_euc_kr_safe(text)
    out, used = [], 0
    for char in safe:
        size = len(char.encode(ENCODING))
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)
