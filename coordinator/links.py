"""Personal links: /v/<token>, signed with the app secret, expiring, revocable per volunteer.

The token carries only ids (volunteer, optional mission, link version), never personal data.
Revoking bumps Volunteer.link_version, which invalidates every link issued before.
"""

from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from coordinator.extensions import db
from coordinator.models import Volunteer

SALT = "volunteer-link"


class LinkError(Exception):
    """The link is tampered with, expired or revoked; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkTarget:
    volunteer: Volunteer
    mission_id: int | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(volunteer: Volunteer, mission_id: int | None = None) -> str:
    """A short signed token for this volunteer (and mission)."""
    payload = [volunteer.id, volunteer.link_version]
    if mission_id is not None:
        payload.append(mission_id)
    return _serializer().dumps(payload)


def personal_url(volunteer: Volunteer, mission_id: int | None = None) -> str:
    """The absolute personal link to put in an SMS (PUBLIC_BASE_URL when set)."""
    token = make_token(volunteer, mission_id)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/v/{token}"
    return url_for("personal.page", token=token, _external=True)


def read_token(token: str) -> LinkTarget:
    """The volunteer (and mission) a token names; raises LinkError if it is not valid now."""
    max_age = current_app.config["VOLUNTEER_LINK_MAX_AGE"]
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        raise LinkError("invalid")
    if not all(isinstance(part, int) for part in payload):
        raise LinkError("invalid")
    volunteer = db.session.get(Volunteer, payload[0])
    if volunteer is None:
        raise LinkError("invalid")
    if volunteer.link_version != payload[1]:
        raise LinkError("revoked")
    return LinkTarget(volunteer, payload[2] if len(payload) == 3 else None)


def revoke_links(volunteer: Volunteer) -> None:
    """Invalidate every link this volunteer was sent (a lost phone)."""
    volunteer.link_version += 1
    db.session.flush()
