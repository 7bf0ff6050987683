"""Staff accounts: the password rule, login throttling, sessions, creating and changing users."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from coordinator.errors import Conflict, DomainError, ValidationError
from coordinator.extensions import db
from coordinator.models import ApiToken, StaffRole, StaffUser
from coordinator.timeutil import now_utc

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS = {"password123", "1234567890", "qwertyuiop", "rescue2026!", "letmein123"}

# Login throttling (see authenticate): failures allowed in the window before clients the
# account has never logged in from must wait; a known device has its own, separate allowance.
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW_SECONDS = 15 * 60

# Checked against when the email names nobody, so an unknown account costs the same time.
_DUMMY_HASH = generate_password_hash("not-a-password-0")


class LoginRefused(DomainError):
    """Wrong email or password, or too many failures; the message never says which account."""

    code = "login_refused"


class AttemptCounter(Protocol):
    """Failure counts per key in a time window, shared by every web process (see ratelimit)."""

    def exceeded(self, key: str, limit: int, window_seconds: int) -> bool: ...
    def failed(self, key: str, limit: int, window_seconds: int) -> None: ...
    def clear(self, key: str, limit: int, window_seconds: int) -> None: ...


def check_password_rules(password: str) -> None:
    """Raise ValidationError naming what a password lacks.

    The rule the README states: at least 10 characters, letters mixed with digits or
    symbols; spaces (any whitespace) count for neither the length nor the mix.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            gettext("the password must be at most %(n)d characters", n=MAX_PASSWORD_LENGTH),
            field="password",
        )
    counted = [c for c in password if not c.isspace()]
    if len(counted) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            gettext(
                "the password must be at least %(n)d characters, not counting spaces",
                n=MIN_PASSWORD_LENGTH,
            ),
            field="password",
        )
    has_letter = any(c.isalpha() for c in counted)
    has_other = any(not c.isalpha() for c in counted)
    if not (has_letter and has_other) or password.lower() in COMMON_PASSWORDS:
        raise ValidationError(
            gettext("the password must mix letters with digits or symbols"), field="password"
        )


def find_by_email(email: str) -> StaffUser | None:
    """The staff user with this email, ignoring case."""
    return db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )


@dataclass(frozen=True)
class LoginThrottle:
    """Where login failures are counted, and which device (if any) the client proved it is."""

    counter: AttemptCounter
    known_device: Callable[[StaffUser], str | None] = lambda user: None


def authenticate(email: str, password: str, throttle: LoginThrottle) -> StaffUser:
    """The user if the password is right and the account is open, else LoginRefused.

    Why no lockout: locking an account after five failures lets anyone who knows a
    coordinator's email lock them out on the morning of a rescue. Instead:

    - every answer costs one password hash and says the same thing, whether or not the
      account exists (a dummy hash for unknown emails), so nobody learns who has an account;
    - failures are counted per email (existing or not) in a shared counter; after five in
      15 minutes, attempts for that email from a *new* client wait out the window — this
      slows guessing from anywhere to 5 tries per quarter hour;
    - a browser that has logged into this account before carries a signed device cookie
      (`known_device`); it has its own allowance of five failures and is never held back by
      a stranger's failures, so the coordinator's own phone or laptop always gets in;
    - the web door also limits login POSTs per client address (Flask-Limiter), which blocks
      a guessing address without touching anyone else.
    """
    email_key = "login-email:" + email.strip().lower()
    user = find_by_email(email)
    device = throttle.known_device(user) if user is not None else None
    key = f"login-device:{device}" if device else email_key
    if throttle.counter.exceeded(key, MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW_SECONDS):
        check_password_hash(_DUMMY_HASH, password)  # the same cost as any other answer
        raise LoginRefused(
            gettext(
                "Too many failed attempts for this email. Try again in 15 minutes, or from a "
                "device you have logged in with before."
            )
        )
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        right = False
    else:
        right = user.check_password(password)
    if user is None or not right or not user.is_active:
        throttle.counter.failed(key, MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW_SECONDS)
        raise LoginRefused(gettext("Wrong email or password."))
    throttle.counter.clear(key, MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW_SECONDS)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now_utc()
    db.session.flush()
    return user


def end_sessions(user: StaffUser) -> None:
    """End every session of `user` on every device, copied cookies included."""
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.flush()


def change_password(user: StaffUser, password: str, *, current: str | None = None) -> None:
    """Set a new password (the current one checked when given); every session ends."""
    if current is not None and not user.check_password(current):
        raise ValidationError(gettext("the current password is wrong"), field="current")
    check_password_rules(password)
    user.set_password(password)
    end_sessions(user)


def set_active(user: StaffUser, active: bool) -> None:
    """Open or close an account; closing it ends its sessions and revokes its API tokens."""
    if user.is_active_user == active:
        return
    user.is_active_user = active
    if not active:
        end_sessions(user)
        now = now_utc()
        for token in db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
    db.session.flush()


def create_user(email: str, *, role: str, password: str, name: str = "") -> StaffUser:
    """A new staff account; the email must be new and the password follow the rules."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise ValidationError(
            gettext("%(email)r is not an email address", email=email), field="email"
        )
    if role not in {r.value for r in StaffRole}:
        raise ValidationError(gettext("unknown role %(role)r", role=role), field="role")
    check_password_rules(password)
    if find_by_email(email) is not None:
        raise Conflict(
            gettext("a staff user with email %(email)r already exists", email=email), field="email"
        )
    user = StaffUser(email=email, name=(name or email.split("@")[0])[:100], role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
