"""Staff users (admin, coordinator, team lead) and their API tokens."""

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from coordinator.extensions import db
from coordinator.models.types import UTCDateTime
from coordinator.timeutil import now_utc


class StaffRole(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TEAM_LEAD = "team_lead"


# Who may do what: a role includes every permission of the roles below it.
ROLE_RANK = {StaffRole.TEAM_LEAD: 1, StaffRole.COORDINATOR: 2, StaffRole.ADMIN: 3}


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'coordinator', 'team_lead')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[StaffRole] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(5))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_active_user: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's user id: raising it ends all sessions of this user at once
    # (logout, password change, deactivation), copied cookies included.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_user

    def get_id(self) -> str:
        """What a session remembers: the id and the epoch it was issued in."""
        return f"{self.id}:{self.session_epoch}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can(self, role: StaffRole) -> bool:
        """True if this user's role is `role` or above it."""
        return ROLE_RANK[StaffRole(self.role)] >= ROLE_RANK[role]

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


def hash_token(token: str) -> str:
    """API tokens are stored as SHA-256: they are long random values, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship(back_populates="tokens")

    @classmethod
    def issue(cls, user: StaffUser, name: str = "") -> tuple["ApiToken", str]:
        """A new token row and the clear-text token, which is shown once and never stored."""
        clear = "rc_" + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=hash_token(clear)), clear
