"""API tokens: issued to a staff user (the clear value shown once), listed, revoked.

Tokens are stored as SHA-256 hashes (coordinator.models.staff.hash_token). The session audit
skips the api_tokens table (every API call touches last_used_at), so issuing and revoking
are written to the audit log here, by name, never with the token.
"""

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coordinator.errors import NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import ApiToken, AuditEntry, StaffRole, StaffUser
from coordinator.timeutil import now_utc

MAX_NAME = 100


def _audit(action: str, token: ApiToken, actor: StaffUser, via: str, changes: dict) -> None:
    db.session.add(
        AuditEntry(
            staff_user_id=actor.id,
            via=via,
            action=action,
            object_type="api_tokens",
            object_id=token.id,
            changes=changes,
        )
    )


def issue_token(user: StaffUser, name: str, *, via: str = "web") -> tuple[ApiToken, str]:
    """A new token for `user` named `name`; returns the row and the clear value (shown once)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(
            gettext("give the token a name, such as what it is for"), field="name"
        )
    if len(name) > MAX_NAME or "\x00" in name:
        raise ValidationError(
            gettext("the name is longer than %(max_name)s characters", max_name=MAX_NAME),
            field="name",
        )
    token, clear = ApiToken.issue(user, name=name)
    db.session.add(token)
    db.session.flush()
    _audit("create", token, user, via, {"name": [None, name], "user_id": [None, user.id]})
    return token, clear


def tokens_of(user: StaffUser) -> list[ApiToken]:
    """A staff user's tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def all_tokens() -> list[ApiToken]:
    """Every staff user's tokens with their owner, for admins; live ones first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.user_id, ApiToken.id.desc())
        )
    )


def token_for(token_id: int, actor: StaffUser) -> ApiToken:
    """The token, if `actor` may manage it: their own, or anyone's for an admin."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not actor.can(StaffRole.ADMIN)):
        raise NotFound(gettext("no such API token"), field="token")
    return token


def revoke_token(token: ApiToken, actor: StaffUser, *, via: str = "web") -> ApiToken:
    """Stop a token working from now on; revoking it again changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        _audit("revoke", token, actor, via, {"revoked_at": [None, token.revoked_at.isoformat()]})
        db.session.flush()
    return token
