"""Staff login and logout."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from coordinator import ratelimit
from coordinator.domain import staff
from coordinator.extensions import db
from coordinator.security import public

bp = Blueprint("auth", __name__)

# Per address, on top of the per-account lockout: slows guessing across many accounts.
LOGIN_ATTEMPTS_PER_IP = 30
LOGIN_WINDOW_SECONDS = 600


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        if not urlsplit(target).netloc:
            return target
    return url_for("home.board")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.board"))
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
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
