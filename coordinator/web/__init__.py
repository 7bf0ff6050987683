"""Blueprints: the web doors onto the domain."""

import importlib

from flask import Flask, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from coordinator.extensions import csrf
from coordinator.models import StaffRole
from coordinator.web import errors

# Each module defines `bp`; the order is the order of the top navigation.
BLUEPRINT_MODULES = [
    "auth",
    "language",
    "health",
    "home",
    "missions",
    "roster",
    "volunteers",
    "callouts",
    "attendance",
    "reports",
    "inbox",
    "simulator",
    "personal",
    "admin",
    "privacy",
    "webhooks",
    "sms_status",
    "solapi_status",
]
# Providers cannot send a CSRF token; these check X-Twilio-Signature or a secret URL instead.
CSRF_EXEMPT = {"webhooks", "sms_status", "solapi_status"}

# Top navigation entries: (endpoint, label, lowest role that sees it). Blueprints add theirs.
NAV_LINKS: list[tuple[str, object, StaffRole]] = []


def add_nav_link(endpoint: str, label: object, role: StaffRole = StaffRole.TEAM_LEAD) -> None:
    """Show a link in the top navigation to users of `role` and above."""
    if all(existing[0] != endpoint for existing in NAV_LINKS):
        NAV_LINKS.append((endpoint, label, role))


def _nav_links() -> list[tuple[str, object]]:
    links = []
    for endpoint, label, role in NAV_LINKS:
        if not (current_user.is_authenticated and current_user.can(role)):
            continue
        try:
            url_for(endpoint)
        except BuildError:
            continue
        links.append((endpoint, label))
    return links


def register_blueprints(app: Flask) -> None:
    errors.init_app(app)
    app.context_processor(lambda: {"nav_links": _nav_links})
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(f"coordinator.web.{name}")
        if name in CSRF_EXEMPT:
            csrf.exempt(module.bp)
        app.register_blueprint(module.bp)
