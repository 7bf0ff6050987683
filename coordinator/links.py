"""Personal links: /v/<token>, signed with the app secret, expiring, revocable per volunteer.

A token is `<ids>.<timestamp>.<signature>`, about 30 characters so the SMS stays small.
`<ids>` is the volunteer id, their link version and, from a call-out, the mission id, in
base 36: database ids, never a name or a phone number. The signature is HMAC-SHA256 with
the app secret, cut to 96 bits (plenty against forgery online, and it halves the length).
Revoking bumps Volunteer.link_version, which invalidates every link issued before.

Short links (`/v/<8 characters>`, 48 random bits) are for call-outs, so a Korean call-out fits
one 90-byte SMS: the token means something only as a ShortLink row, which names the volunteer,
the mission, the volunteer's link version (revoking their links kills it too) and an expiry
(VOLUNTEER_LINK_MAX_AGE, as for signed links). Both kinds open the same page.

Calendar feeds get their own token (another salt, no timestamp): a calendar app keeps
polling the same URL for months, so it cannot expire after 14 days; it only reads, and
revoking a volunteer's links stops it too.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, HMACAlgorithm, SignatureExpired, Signer, TimestampSigner
from sqlalchemy import insert

from coordinator.extensions import db
from coordinator.models import ShortLink, Volunteer
from coordinator.timeutil import now_utc

SALT = "volunteer-link"
CALENDAR_SALT = "volunteer-calendar"
SIGNATURE_BYTES = 12
BASE36_PART = re.compile(r"^[0-9a-z]{1,13}$")
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
SHORT_TOKEN_BYTES = 6  # 48 random bits: 8 URL-safe characters
SHORT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8}$")


class LinkError(Exception):
    """The link is tampered with, expired or revoked; `reason` says which."""

    def __init__(self, reason: str, volunteer: Volunteer | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.volunteer = volunteer  # known for an expired or revoked link


@dataclass(frozen=True)
class LinkTarget:
    volunteer: Volunteer
    mission_id: int | None


class _ShortHMAC(HMACAlgorithm):
    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return super().get_signature(key, value)[:SIGNATURE_BYTES]


def _options(salt: str) -> dict:
    return {
        "secret_key": current_app.config["SECRET_KEY"],
        "salt": salt,
        "digest_method": hashlib.sha256,
        "algorithm": _ShortHMAC(hashlib.sha256),
    }


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = DIGITS[rest] + digits
        if number == 0:
            return digits


def _encode(parts: list[int]) -> str:
    return "-".join(_base36(part) for part in parts)


def _decode(payload: str) -> list[int]:
    parts = payload.split("-")
    if len(parts) not in (2, 3) or not all(BASE36_PART.match(p) for p in parts):
        raise LinkError("invalid")
    return [int(part, 36) for part in parts]


def make_token(volunteer: Volunteer, mission_id: int | None = None) -> str:
    """A short signed token for this volunteer (and mission)."""
    parts = [volunteer.id, volunteer.link_version]
    if mission_id is not None:
        parts.append(mission_id)
    return TimestampSigner(**_options(SALT)).sign(_encode(parts)).decode()


def public_url(path: str) -> str:
    """`path` (from url_for, relative) as an absolute URL built from PUBLIC_BASE_URL, never
    from the request's Host header, which the client chooses. Without PUBLIC_BASE_URL (a
    development server) the link stays relative, so it still works on the page it is on."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}{path}" if base else path


def personal_url(volunteer: Volunteer, mission_id: int | None = None) -> str:
    """The absolute personal link to put in an SMS (from PUBLIC_BASE_URL)."""
    return public_url(f"/v/{make_token(volunteer, mission_id)}")


def calendar_url(volunteer: Volunteer) -> str:
    """The absolute address of the volunteer's calendar feed (from PUBLIC_BASE_URL)."""
    return public_url(url_for("personal.calendar", token=make_calendar_token(volunteer)))


def _public_base() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/")
    return url_for("personal.page", token="x", _external=True).rsplit("/v/", 1)[0]


def short_urls(
    targets: Iterable[tuple[Volunteer, int | None]], now: datetime | None = None
) -> list[str]:
    """A new short link for each (volunteer, mission), stored in one INSERT, in order."""
    now = now or now_utc()
    expires = now + timedelta(seconds=current_app.config["VOLUNTEER_LINK_MAX_AGE"])
    rows, tokens = [], set()
    for volunteer, mission_id in targets:
        token = secrets.token_urlsafe(SHORT_TOKEN_BYTES)
        while token in tokens:  # 48 bits: a clash within one wave is all but impossible
            token = secrets.token_urlsafe(SHORT_TOKEN_BYTES)
        tokens.add(token)
        rows.append(
            {
                "token": token,
                "volunteer_id": volunteer.id,
                "mission_id": mission_id,
                "link_version": volunteer.link_version,
                "created_at": now,
                "expires_at": expires,
            }
        )
    if rows:
        db.session.execute(insert(ShortLink), rows)
    base = _public_base()
    return [f"{base}/v/{row['token']}" for row in rows]


def sample_short_url() -> str:
    """A short link as long as a real one, for previews (stored nowhere, opens nothing)."""
    return f"{_public_base()}/v/{'x' * len(secrets.token_urlsafe(SHORT_TOKEN_BYTES))}"


def _read_short_token(token: str) -> LinkTarget:
    link = db.session.get(ShortLink, token)
    if link is None:
        raise LinkError("invalid")
    if link.expires_at <= now_utc():
        raise LinkError("expired")
    volunteer = _volunteer_for([link.volunteer_id, link.link_version])
    return LinkTarget(volunteer, link.mission_id)


def _volunteer_for(parts: list[int]) -> Volunteer:
    volunteer = db.session.get(Volunteer, parts[0])
    if volunteer is None:
        raise LinkError("invalid")
    if volunteer.link_version != parts[1]:
        raise LinkError("revoked", volunteer)
    return volunteer


def _owner(payload: bytes | None) -> Volunteer | None:
    """Whose expired link this was, so the page can say how they get a new one."""
    try:
        return db.session.get(Volunteer, _decode((payload or b"").decode())[0])
    except (ValueError, IndexError, UnicodeError, LinkError):
        return None


def read_token(token: str) -> LinkTarget:
    """The volunteer (and mission) a token names; raises LinkError if it is not valid now."""
    if SHORT_TOKEN.match(token):
        return _read_short_token(token)
    max_age = current_app.config["VOLUNTEER_LINK_MAX_AGE"]
    try:
        payload = TimestampSigner(**_options(SALT)).unsign(token, max_age=max_age).decode()
    except SignatureExpired as expired:
        raise LinkError("expired", _owner(expired.payload)) from None
    except (BadSignature, UnicodeError):
        raise LinkError("invalid") from None
    parts = _decode(payload)
    return LinkTarget(_volunteer_for(parts), parts[2] if len(parts) == 3 else None)


def make_calendar_token(volunteer: Volunteer) -> str:
    """A read-only token for the volunteer's calendar feed; revoked with their links."""
    payload = _encode([volunteer.id, volunteer.link_version])
    return Signer(**_options(CALENDAR_SALT)).sign(payload).decode()


def read_calendar_token(token: str) -> Volunteer:
    """The volunteer a calendar token names; raises LinkError if tampered or revoked."""
    try:
        payload = Signer(**_options(CALENDAR_SALT)).unsign(token).decode()
    except (BadSignature, UnicodeError):
        raise LinkError("invalid") from None
    parts = _decode(payload)
    if len(parts) != 2:
        raise LinkError("invalid")
    return _volunteer_for(parts)


def revoke_links(volunteer: Volunteer) -> None:
    """Invalidate every link this volunteer was sent (a lost phone)."""
    volunteer.link_version += 1
    db.session.flush()
