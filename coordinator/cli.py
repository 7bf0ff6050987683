"""`flask …` commands: staff users and API tokens, demo data.

Bad input ends with a clear message and a non-zero exit code, never a traceback.
"""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from coordinator.domain import staff
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import ApiToken, StaffRole, StaffUser

users = AppGroup("users", help="Staff accounts and API tokens.")


def _find_user(email: str) -> StaffUser:
    user = staff.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no staff user with email {email!r}")
    return user


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
    try:
        staff.create_user(email, role=role, password=password, name=name)
    except DomainError as error:
        hint = {"email": "EMAIL", "password": "--password", "role": "--role"}.get(error.field)
        raise click.BadParameter(error.message, param_hint=hint) from None
    db.session.commit()
    click.echo(f"Created {role} {email.strip().lower()}")


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
