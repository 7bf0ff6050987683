"""Whole numbers typed by people: ASCII digits only.

`str.isdigit()` is also true for '²' (which `int()` refuses: a 500) and for '٣' or '３'
(which `int()` reads as 3, though nobody on this form meant it): a number field takes 0-9.
"""


def is_whole_number(raw: str) -> bool:
    """True for a non-empty run of the digits 0-9 and nothing else."""
    return raw.isascii() and raw.isdigit()


def whole_number_or_none(raw: str | None) -> int | None:
    """The number `raw` spells in 0-9, or None for anything else (empty, '²', '-1', '3.5')."""
    raw = (raw or "").strip()
    return int(raw) if is_whole_number(raw) else None
