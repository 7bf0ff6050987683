"""Phone numbers become E.164 here, once, at the edge."""

import phonenumbers
from flask_babel import gettext

from coordinator.errors import ValidationError

DEFAULT_REGION = "KR"


def normalise_phone(raw: str, *, region: str = DEFAULT_REGION, field: str = "phone") -> str:
    """E.164 for a phone number typed any usual way; Korean local formats by default.

    Raises ValidationError naming the value when it is not a valid number.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(gettext("a phone number is required"), field=field)
    if len(text) > 40:
        raise ValidationError(
            gettext("%(text)r… is too long for a phone number", text=text[:40]), field=field
        )
    if text.startswith("00"):  # international prefix typed the European way
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            gettext("%(text)r is not a phone number", text=text), field=field
        ) from None
    if _is_short_korean_mobile(number):
        raise ValidationError(
            gettext(
                "%(text)s has 10 digits: a mobile number starting with 010 "
                "has 11. Did you miss a digit?",
                text=text,
            ),
            field=field,
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            gettext("%(text)r is not a valid phone number", text=text), field=field
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_short_korean_mobile(number: phonenumbers.PhoneNumber) -> bool:
    """010 numbers all have 8 digits after 010 since 2004; 7 is a digit missed, not another
    number (phonenumbers still accepts 010-123-4567, from the days of 3-digit exchanges)."""
    national = str(number.national_number)
    return number.country_code == 82 and national.startswith("10") and len(national) == 9


def display_phone(e164: str) -> str:
    """A number as people write it: 010-1234-5678 for Korean ones, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 82:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    """A number with its middle hidden, for lists shown to team leads: 010-****-5678."""
    shown = display_phone(e164)
    digits = [i for i, ch in enumerate(shown) if ch.isdigit()]
    if len(digits) < 8:
        return shown
    hidden = set(digits[-8:-4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(shown))


def can_text_us(e164: str | None, no_reply_prefixes: tuple[str, ...]) -> bool:
    """Whether an SMS from this number reaches us; an unknown number is assumed not to."""
    if not e164:
        return False
    return not any(e164.startswith(p) for p in no_reply_prefixes)
