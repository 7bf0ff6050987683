"""The volunteer's personal page behind /v/<token>: no login, the signed token is the key.

A GET only ever shows (link scanners and previews open links); every change is a POST
with CSRF, limited per volunteer. Each view calls one domain function and commits.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh

from coordinator import links, ratelimit
from coordinator.calendar import calendar_for
from coordinator.domain import consent, invitations, personal
from coordinator.domain.eligibility import BookingRefused, Refusal
from coordinator.errors import DomainError, NotFound
from coordinator.extensions import db
from coordinator.models import Mission, StaffRole, Volunteer
from coordinator.models.volunteers import LANGUAGES
from coordinator.phones import can_text_us, display_phone
from coordinator.security import public, role_required
from coordinator.timeutil import now_utc
from coordinator.web.personal_forms import (
    KIND_LABELS,
    PauseForm,
    ProfileForm,
    VehicleForm,
    VehicleOnlyForm,
)

bp = Blueprint("personal", __name__)

ERROR_STATUS = {"invalid": 400, "not_found": 404, "conflict": 409}
# eligibility.Refusal in the volunteer's words (staff pages and the API say it their way).
REFUSAL_TEXT = {
    Refusal.OPTED_OUT: _l("You opted out of our messages: opt in again to take a place."),
    Refusal.MISSION_CLOSED: _l("This mission is not taking sign-ups now."),
    Refusal.SHIFT_STARTED: _l("This shift has started: it takes no more sign-ups."),
    Refusal.APPROVAL: _l("Your sign-up is still waiting for the team's approval."),
    Refusal.SKILL: _l("This role needs a skill you do not have."),
    Refusal.AGE: _l("This role has a minimum age."),
    Refusal.WAIVER: _l(
        "This role needs the volunteer waiver accepted within the last 12 months: "
        "accept it on your page first."
    ),
    Refusal.OVERLAP: _l("You already have a place at that time."),
}


def _choose_language(volunteer: Volunteer) -> None:
    # ?lang= switches the display only (kept in the session cookie); the profile form
    # changes the language their SMS come in.
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["volunteer_lang"] = asked
    g.locale = session.get("volunteer_lang") or volunteer.language
    refresh()


def link_view(view: Callable) -> Callable:
    """Read the token (or show how to get a new link), pick the language, limit POSTs."""

    @public
    @wraps(view)
    def wrapped(token: str, **kwargs: object) -> object:
        try:
            link = links.read_token(token)
        except links.LinkError as error:
            status = 410 if error.reason in ("expired", "revoked") else 404
            owner = error.volunteer
            if owner is not None:
                _choose_language(owner)
            can_text = can_text_us(
                owner.phone if owner else None, current_app.config["SMS_NO_REPLY_PREFIXES"]
            )
            page = render_template(
                "personal/link_invalid.html",
                reason=error.reason,
                display_phone=display_phone,
                can_text_us=can_text,
            )
            return page, status
        _choose_language(link.volunteer)
        g.link, g.token = link, token
        if request.method == "POST" and not ratelimit.allow(
            f"volunteer-link:{link.volunteer.id}",
            current_app.config["VOLUNTEER_LINK_POSTS_PER_MINUTE"],
        ):
            return _refused(_("Too many changes in a minute. Wait a moment and try again."), 429)
        return view(link, **kwargs)

    return wrapped


def _refused(message: str, status: int) -> tuple[str, int]:
    return render_template("personal/refused.html", message=message), status


def _refused_by(error: DomainError) -> tuple[str, int]:
    """A domain refusal on the page; a booking refusal in the volunteer's words."""
    message = (
        str(REFUSAL_TEXT[error.refusal]) if isinstance(error, BookingRefused) else error.message
    )
    return _refused(message, ERROR_STATUS.get(error.code, 409))


def _to_page(message: str) -> ResponseReturnValue:
    flash(message, "info")
    return redirect(url_for(".page", token=g.token), 303)


def _apply(action: Callable[[], object], success: str) -> object:
    """Run one domain change: commit and go back to the page, or explain the refusal."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return _refused_by(error)
    db.session.commit()
    return _to_page(success)


@bp.get("/v/<token>")
@link_view
def page(link: links.LinkTarget):
    missions = personal.missions_for(link.mission_id)
    return render_template(
        "personal/page.html",
        volunteer=link.volunteer,
        views=personal.mission_views(link.volunteer, missions),
        signups=personal.upcoming_signups(link.volunteer),
        bound_mission_id=link.mission_id,
        check_in_open=personal.check_in_open,
        calendar_url=links.calendar_url(link.volunteer),
        vehicle_kinds=KIND_LABELS,
        refusal_text=REFUSAL_TEXT,
        now=now_utc(),
    )


@bp.route("/v/<token>/take/<int:position_id>", methods=["GET", "POST"])
@link_view
def take(link: links.LinkTarget, position_id: int):
    try:
        position = personal.bookable_position(link.volunteer, position_id, link.mission_id)
    except DomainError as error:
        return _refused_by(error)
    form = VehicleForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("personal/take.html", position=position, form=form), status
    return _apply(
        lambda: personal.book_place(
            link.volunteer, position_id, mission_id=link.mission_id, offer=form.offer()
        ),
        _("Done. Your answer is saved."),
    )


@bp.route("/v/<token>/cancel/<int:signup_id>", methods=["GET", "POST"])
@link_view
def cancel(link: links.LinkTarget, signup_id: int):
    try:
        signup = personal.own_signup(link.volunteer, signup_id)
    except NotFound as error:
        return _refused(error.message, 404)
    if request.method == "GET":
        return render_template("personal/cancel.html", signup=signup)
    return _apply(
        lambda: personal.cancel_signup(link.volunteer, signup_id),
        _("Your place is cancelled. Thank you for telling us."),
    )


@bp.post("/v/<token>/accept/<int:signup_id>")
@link_view
def accept(link: links.LinkTarget, signup_id: int):
    return _apply(
        lambda: personal.accept_held_place(link.volunteer, signup_id),
        _("Your place is confirmed."),
    )


@bp.route("/v/<token>/vehicle/<int:signup_id>", methods=["GET", "POST"])
@link_view
def vehicle(link: links.LinkTarget, signup_id: int):
    try:
        signup = personal.own_signup(link.volunteer, signup_id)
    except NotFound as error:
        return _refused(error.message, 404)
    form = VehicleOnlyForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("personal/vehicle.html", signup=signup, form=form), status
    offer = form.offer()
    assert offer is not None  # VehicleOnlyForm requires a kind
    return _apply(
        lambda: personal.offer_vehicle_for_signup(link.volunteer, signup_id, offer),
        _("Thank you: your vehicle is on the mission's list."),
    )


@bp.post("/v/<token>/check-in/<int:signup_id>")
@link_view
def check_in(link: links.LinkTarget, signup_id: int):
    return _apply(lambda: personal.check_in(link.volunteer, signup_id), _("You are checked in."))


@bp.post("/v/<token>/decline/<int:mission_id>")
@link_view
def decline(link: links.LinkTarget, mission_id: int):
    mission = db.session.get(Mission, mission_id)
    if mission is None or link.mission_id not in (None, mission_id):
        return _refused(_("This mission is not on your link."), 404)
    return _apply(
        lambda: invitations.decline_mission(link.volunteer, mission, via="web"),
        _("Noted: we will not ask you again for this mission."),
    )


@bp.route("/v/<token>/profile", methods=["GET", "POST"])
@link_view
def profile(link: links.LinkTarget):
    volunteer = link.volunteer
    form = ProfileForm(obj=volunteer) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.skills.data = volunteer.skill_names
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template(
            "personal/profile.html",
            volunteer=volunteer,
            form=form,
            pause_form=PauseForm(),
            now=now_utc(),
        ), status
    return _apply(
        lambda: personal.update_profile(volunteer, **form.profile()),
        _("Your profile is saved. New skills are checked by the team."),
    )


@bp.post("/v/<token>/pause")
@link_view
def pause(link: links.LinkTarget):
    form = PauseForm()
    if not form.validate_on_submit():
        return _refused(_("Choose the day call-outs should start again."), 400)
    return _apply(
        lambda: personal.pause_callouts(link.volunteer, form.resume_on.data),
        _("Call-outs are paused."),
    )


@bp.post("/v/<token>/resume")
@link_view
def resume(link: links.LinkTarget):
    return _apply(lambda: personal.resume_callouts(link.volunteer), _("Call-outs are back on."))


@bp.post("/v/<token>/opt-out")
@link_view
def opt_out(link: links.LinkTarget):
    return _apply(
        lambda: consent.opt_out(link.volunteer, source=consent.Source.PERSONAL_PAGE),
        _("You will receive no more messages from us."),
    )


@bp.post("/v/<token>/opt-in")
@link_view
def opt_in(link: links.LinkTarget):
    return _apply(
        lambda: consent.opt_in(link.volunteer, source=consent.Source.PERSONAL_PAGE),
        _("You will receive messages again."),
    )


@bp.get("/ical/<token>.ics")
@public
def calendar(token: str):
    try:
        volunteer = links.read_calendar_token(token)
    except links.LinkError:
        return Response("This calendar link is no longer valid.\n", 404, mimetype="text/plain")
    body = calendar_for(volunteer, personal.upcoming_signups(volunteer))
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="rescue.ics"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/staff/volunteers/<int:volunteer_id>/revoke-links")
@role_required(StaffRole.COORDINATOR)
def revoke(volunteer_id: int):
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        abort(404, "no such volunteer")
    links.revoke_links(volunteer)
    db.session.commit()
    flash(_("Every personal link sent to %(name)s stopped working.", name=volunteer.name), "info")
    return redirect(_back_to(request.form.get("next")), 303)


def _back_to(target: str | None) -> str:
    if target and target.startswith("/") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("home.board")
