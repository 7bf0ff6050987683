"""Who may see and change what: login for every page, roles on every write, headers."""

import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user

from coordinator import audit
from coordinator.extensions import db, login_manager
from coordinator.models import StaffRole, StaffUser

PUBLIC_ATTR = "is_public_view"
MAX_DB_INT = 2**31 - 1  # PostgreSQL's integer; SQLite overflows past 2**63


def public(view: Callable) -> Callable:
    """Mark a view as reachable without a staff login (login page, webhooks, volunteer links)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def role_required(role: StaffRole) -> Callable:
    """Refuse (403) users whose role is below `role`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: object, **kwargs: object) -> object:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


LOGIN_AT = "login_at"  # session key: when this session logged in (Unix seconds)


def start_session(user: StaffUser) -> None:
    """Log `user` in on this client; the session lasts at most SESSION_ABSOLUTE_LIFETIME."""
    session.permanent = True  # and ends after PERMANENT_SESSION_LIFETIME idle
    login_user(user)
    session[LOGIN_AT] = int(time.time())


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The session's user, unless that session was ended (epoch), too old, or the account closed.

    The session stores "id:epoch"; raising the user's epoch (logout, password change,
    deactivation) ends every copy of every cookie. The login time is checked against an
    absolute lifetime, so a session kept busy cannot live forever.
    """
    id_part, _, epoch_part = user_id.partition(":")
    if not (id_part.isdigit() and epoch_part.isdigit()) or int(id_part) > MAX_DB_INT:
        return None
    login_at = session.get(LOGIN_AT)
    max_age = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    if not isinstance(login_at, int) or not 0 <= time.time() - login_at <= max_age:
        return None
    user = db.session.get(StaffUser, int(id_part))
    if user is None or not user.is_active or user.session_epoch != int(epoch_part):
        return None
    return user


def _require_login() -> ResponseReturnValue | None:
    if request.endpoint is None or request.endpoint == "static":
        return None
    if request.blueprint == "api" or request.endpoint.startswith("openapi_"):
        return None  # the API authenticates every request by bearer token itself
    view = current_app_view(request.endpoint)
    if view is None or getattr(view, PUBLIC_ATTR, False):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    audit.act_as(current_user.id, "web")
    return None


def _ids_in_range() -> None:
    """A path id past a database integer names nothing: 404, not an overflow in the query."""
    if request.blueprint == "api":
        return  # the API answers these itself, after its token check
    values = (request.view_args or {}).values()
    if any(isinstance(v, int) and not 0 <= v <= MAX_DB_INT for v in values):
        abort(404)


def current_app_view(endpoint: str) -> Callable | None:
    return current_app.view_functions.get(endpoint)


def _security_headers(response):
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.before_request(_require_login)
    app.before_request(_ids_in_range)
    app.after_request(_security_headers)
