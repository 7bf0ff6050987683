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
        hint = {"email": "EMAIL", "password": "--password", "role": "--role"}.get(error.field or "")
        raise click.BadParameter(error.message, param_hint=hint) from None
    db.session.commit()
    click.echo(f"Created {role} {email.strip().lower()}")


@users.command("set-password")
@click.argument("email")
@click.password_option(help="Prompted for when not given.")
def set_password(email: str, password: str) -> None:
    """Set a staff user's password; every session of theirs ends."""
    user = _find_user(email)
    try:
        staff.change_password(user, password)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--password") from None
    db.session.commit()
    click.echo(f"Password changed for {user.email}; their sessions have ended")


@users.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Close a staff account: its sessions end and its API tokens are revoked."""
    user = _find_user(email)
    staff.set_active(user, False)
    db.session.commit()
    click.echo(f"Deactivated {user.email}")


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


volunteers = AppGroup("volunteers", help="Volunteer lists: CSV import and export.")


@volunteers.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows despite bad ones.")
@click.option("--dry-run", is_flag=True, help="Check every row, import nothing.")
def import_volunteers(file, skip_invalid: bool, dry_run: bool) -> None:
    """Import volunteers from a CSV file (Korean or English headers, UTF-8).

    Rows with errors are listed; then nothing is imported (exit code 1) unless --skip-invalid.
    """
    from coordinator.domain import volunteer_csv

    try:
        preview = volunteer_csv.preview_import(file.read())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    for row in preview.invalid:
        click.echo(f"row {row.line}: {'; '.join(row.errors)}", err=True)
    click.echo(f"{len(preview.valid)} valid rows, {len(preview.invalid)} with errors")
    if dry_run or (preview.invalid and not skip_invalid):
        if preview.invalid and not dry_run:
            raise click.ClickException("nothing imported: fix the rows or use --skip-invalid")
        return
    try:
        added = volunteer_csv.commit_import(preview)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Imported {added} volunteers")


@volunteers.command("export")
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
def export_volunteers(output) -> None:
    """Export every volunteer as CSV (UTF-8 with BOM, the columns the import reads)."""
    from coordinator.domain import volunteer_csv

    for line in volunteer_csv.export_lines():
        output.write(line)


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_command)
    app.cli.add_command(volunteers)
