"""Blueprints: the web doors onto the domain."""

import importlib
from collections.abc import Callable

from flask import Flask, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from coordinator.extensions import csrf
from coordinator.forms import error_list, max_length
from coordinator.models import StaffRole
from coordinator.web import errors

# Each module defines `bp`; the order is the order of the top navigation.
BLUEPRINT_MODULES = [
    "auth",
    "language",
    "health",
    "home",
    "missions",
    "directions",
    "roster",
    "volunteers",
    "callouts",
    "attendance",
    "animals",
    "reports",
    "inbox",
    "simulator",
    "personal",
    "travel",
    "personal_consent",
    "admin",
    "privacy",
    "joining",
    "readiness",
    "webhooks",
    "sms_status",
    "solapi_status",
]
# Providers cannot send a CSRF token; these check X-Twilio-Signature or a secret URL instead.
CSRF_EXEMPT = {"webhooks", "sms_status", "solapi_status"}

# Top navigation entries: (endpoint, label, lowest role that sees it, what to count beside
# it, e.g. unread messages). Blueprints add theirs.
NAV_LINKS: list[tuple[str, object, StaffRole, Callable[[], int] | None]] = []


def add_nav_link(
    endpoint: str,
    label: object,
    role: StaffRole = StaffRole.TEAM_LEAD,
    count: Callable[[], int] | None = None,
) -> None:
    """Show a link in the top navigation to users of `role` and above, with `count()` if set."""
    if all(existing[0] != endpoint for existing in NAV_LINKS):
        NAV_LINKS.append((endpoint, label, role, count))


def _nav_links() -> list[tuple[str, object, int]]:
    links = []
    for endpoint, label, role, count in NAV_LINKS:
        if not (current_user.is_authenticated and current_user.can(role)):
            continue
        try:
            url_for(endpoint)
        except BuildError:
            continue
        links.append((endpoint, label, count() if count else 0))
    return links


def register_blueprints(app: Flask) -> None:
    errors.init_app(app)
    app.context_processor(lambda: {"nav_links": _nav_links})
    app.jinja_env.globals.update(form_errors=error_list, max_length=max_length)
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(f"coordinator.web.{name}")
        if name in CSRF_EXEMPT:
            csrf.exempt(module.bp)
        app.register_blueprint(module.bp)
