"""Staff accounts: password rules, login with lockout, creating and changing users."""

from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from coordinator.errors import Conflict, DomainError, ValidationError
from coordinator.extensions import db
from coordinator.models import StaffRole, StaffUser
from coordinator.timeutil import now_utc

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
COMMON_PASSWORDS = {"password123", "1234567890", "qwertyuiop", "rescue2026!", "letmein123"}


class LoginRefused(DomainError):
    """Wrong email or password, or a locked account; the message never says which part."""

    code = "login_refused"


def check_password_rules(password: str) -> None:
    """Raise ValidationError naming what a password lacks."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            gettext("the password must be at least %(n)d characters", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > 200:
        raise ValidationError(
            gettext("the password must be at most 200 characters"), field="password"
        )
    if password.isdigit() or password.isalpha() or password.lower() in COMMON_PASSWORDS:
        raise ValidationError(
            gettext("the password must mix letters with digits or symbols"), field="password"
        )


def find_by_email(email: str) -> StaffUser | None:
    """The staff user with this email, ignoring case."""
    return db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )


def authenticate(email: str, password: str) -> StaffUser:
    """The user if the password is right and the account is open; lockout after 5 misses."""
    user = find_by_email(email)
    now = now_utc()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(gettext("Too many failed attempts. Try again in 15 minutes."))
    if user is None or not user.is_active or not user.check_password(password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
            db.session.flush()
        raise LoginRefused(gettext("Wrong email or password."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


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
