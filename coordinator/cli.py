"""`flask …` commands: staff users and API tokens, demo data.

Bad input ends with a clear message and a non-zero exit code, never a traceback.
"""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import ApiToken, StaffRole, StaffUser

users = AppGroup("users", help="Staff accounts and API tokens.")

MIN_PASSWORD_LENGTH = 10


def _find_user(email: str) -> StaffUser:
    user = db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )
    if user is None:
        raise click.ClickException(f"no staff user with email {email!r}")
    return user


def check_password_rules(password: str) -> None:
    """Raise DomainError naming what a password lacks."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if password.isdigit() or password.isalpha():
        raise DomainError("the password must mix letters with digits or symbols", field="password")


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in StaffRole]),
    required=True,
    help="admin, coordinator or team_lead",
)
@click.option("--name", default="", help="Display name (defaults to the email's user part).")
@click.password_option(help="Prompted for when not given.")
def create_user(email: str, role: str, name: str, password: str) -> None:
    """Create a staff user."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    try:
        check_password_rules(password)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--password") from None
    if db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email)):
        raise click.ClickException(f"a staff user with email {email!r} already exists")
    user = StaffUser(email=email, name=name or email.split("@")[0], role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {email}")


@users.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="What the token is for.")
def create_token(email: str, name: str) -> None:
    """Issue an API token for a staff user; it is printed once and stored hashed."""
    user = _find_user(email)
    token, clear = ApiToken.issue(user, name=name)
    db.session.add(token)
    db.session.commit()
    click.echo(clear)


@users.command("revoke-tokens")
@click.argument("email")
def revoke_tokens(email: str) -> None:
    """Revoke every API token of a staff user."""
    from coordinator.timeutil import now_utc

    user = _find_user(email)
    count = 0
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now_utc()
            count += 1
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {user.email}")


@click.command("demo")
@click.option("--force", is_flag=True, help="Load demo data even in production.")
def demo_command(force: bool) -> None:
    """Load the demo: a staff login, ~40 volunteers and two missions (safe to run twice)."""
    from coordinator import demo

    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    summary = demo.load()
    db.session.commit()
    click.echo(summary)


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_command)
