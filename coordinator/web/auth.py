"""Staff login, logout and password change."""

import re
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from coordinator import ratelimit
from coordinator.domain import staff
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms.translations import AppForm
from coordinator.i18n import LANGUAGE_NAMES
from coordinator.models import StaffRole, StaffUser
from coordinator.security import public, role_required, start_session

bp = Blueprint("auth", __name__)

# Per client address, on top of the per-email throttle in the domain: slows one address
# guessing across many accounts, and blocks only that address.
LOGIN_WINDOW_SECONDS = 600
DEVICE_COOKIE = "staff_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
# A path on this site: one slash, then printable ASCII without a backslash (browsers read
# "/\evil.example" as "//evil.example") and without CR/LF or other control characters.
SAFE_NEXT = re.compile(r"/(?![/\\])[\x21-\x5b\x5d-\x7e]*")


class LoginForm(AppForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(AppForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


def landing_page(user: StaffUser) -> str:
    """Where a user starts: a team lead on the day's page, everyone else on the board."""
    if user.role == StaffRole.TEAM_LEAD:
        return url_for("attendance.index")
    return url_for("home.board")


def _safe_next(target: str | None, user: StaffUser) -> str:
    """Only redirect within this site after login (no open redirect, no header injection)."""
    if target and SAFE_NEXT.fullmatch(target):
        return target
    return landing_page(user)


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="staff-device")


def _known_device(user: StaffUser) -> str | None:
    """The device id if this browser logged into `user`'s account before (signed cookie)."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    try:
        data = _devices().loads(raw, max_age=DEVICE_MAX_AGE) if raw else None
    except BadSignature:
        return None
    if isinstance(data, dict) and data.get("u") == user.id:
        return str(data.get("d"))
    return None


def _remember_device(response: Response, user: StaffUser) -> Response:
    device = _known_device(user) or secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        _devices().dumps({"u": user.id, "d": device}),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    form = LoginForm()
    if request.method == "POST" and not ratelimit.allow(
        f"login-address:{ratelimit.client_address()}",
        current_app.config["LOGIN_POSTS_PER_ADDRESS"],
        LOGIN_WINDOW_SECONDS,
    ):
        flash(_("Too many login attempts from here. Wait a few minutes."), "error")
        return render_template("auth/login.html", form=form), 429
    if form.validate_on_submit():
        throttle = staff.LoginThrottle(ratelimit.SharedAttempts(), _known_device)
        try:
            user = staff.authenticate(form.email.data, form.password.data, throttle)
        except staff.LoginRefused as refused:
            db.session.rollback()
            flash(refused.message, "error")
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        start_session(user)
        return _remember_device(redirect(_safe_next(request.args.get("next"), user)), user)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/login/language")
@public
def login_language():
    """The language of the login page, before anyone is logged in (kept in the session)."""
    language = request.form.get("language", "")
    if language not in LANGUAGE_NAMES:
        abort(400)
    session["lang"] = language
    return redirect(url_for("auth.login", next=request.args.get("next")), code=303)


@bp.post("/logout")
def logout():
    """Log out everywhere: every session of this user ends, copied cookies included."""
    if current_user.is_authenticated:
        staff.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(StaffRole.TEAM_LEAD)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            staff.change_password(current_user, form.password.data, current=form.current.data)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "password").errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            flash(_("Password changed. Every session has ended: log in with the new one."), "info")
            return redirect(url_for("auth.login"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status
