"""Staff login and logout."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from coordinator import ratelimit
from coordinator.domain import staff
from coordinator.extensions import db
from coordinator.forms.translations import AppForm
from coordinator.i18n import LANGUAGE_NAMES
from coordinator.models import StaffRole, StaffUser
from coordinator.security import public

bp = Blueprint("auth", __name__)

# Per address, on top of the per-account lockout: slows guessing across many accounts.
LOGIN_ATTEMPTS_PER_IP = 30
LOGIN_WINDOW_SECONDS = 600


class LoginForm(AppForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def landing_page(user: StaffUser) -> str:
    """Where a user starts: a team lead on the day's page, everyone else on the board."""
    if user.role == StaffRole.TEAM_LEAD:
        return url_for("attendance.index")
    return url_for("home.board")


def _safe_next(target: str | None, user: StaffUser) -> str:
    """Only redirect within this site after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        if not urlsplit(target).netloc:
            return target
    return landing_page(user)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    form = LoginForm()
    if request.method == "POST" and not ratelimit.allow(
        f"login:{request.remote_addr}", LOGIN_ATTEMPTS_PER_IP, LOGIN_WINDOW_SECONDS
    ):
        flash(_("Too many login attempts from here. Wait a few minutes."), "error")
        return render_template("auth/login.html", form=form), 429
    if form.validate_on_submit():
        try:
            user = staff.authenticate(form.email.data, form.password.data)
        except staff.LoginRefused as refused:
            db.session.commit()  # the failed attempt counts towards the lockout
            flash(_(refused.message), "error")
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME idle
        login_user(user)
        return redirect(_safe_next(request.args.get("next"), user))
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
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
