"""The SMS simulator: a staff page that plays a volunteer's phone, for demos and training.

A reply typed here goes through coordinator.domain.inbound.simulate_reply, the same entry
point as Twilio's webhook, so it books, waitlists and cancels for real. Coordinators only,
and off in production unless SIMULATOR_ENABLED=1.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l

from coordinator.domain import conversation_menus, inbound
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import status_of
from coordinator.models import StaffRole, Volunteer
from coordinator.security import role_required
from coordinator.timeutil import now_utc
from coordinator.web import add_nav_link

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
add_nav_link("simulator.index", _l("SMS simulator"), StaffRole.COORDINATOR)


@bp.before_request
@role_required(StaffRole.COORDINATOR)
def _coordinators_only() -> None:
    if not current_app.config.get("SIMULATOR_ENABLED"):
        abort(404)


def _volunteer(volunteer_id: int) -> Volunteer:
    return db.session.get(Volunteer, volunteer_id) or abort(404)


@bp.get("/")
def index():
    query = request.args.get("q", "")[:100]
    return render_template(
        "simulator/index.html", query=query, volunteers=inbound.find_volunteers(query)
    )


@bp.get("/<int:volunteer_id>")
def phone(volunteer_id: int, status: int = 200):
    volunteer = _volunteer(volunteer_id)
    page = render_template(
        "simulator/phone.html",
        volunteer=volunteer,
        messages=inbound.thread(volunteer),
        callouts=conversation_menus.open_callouts(volunteer, now_utc()),
        quick_replies=conversation_menus.suggested_replies(volunteer, now_utc()),
    )
    return page, status


@bp.get("/<int:volunteer_id>/thread")
def thread(volunteer_id: int):
    """Just the messages, for the page's script to refresh while a call-out goes out."""
    volunteer = _volunteer(volunteer_id)
    return render_template("simulator/_thread.html", messages=inbound.thread(volunteer))


@bp.post("/<int:volunteer_id>")
def reply(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    try:
        inbound.simulate_reply(volunteer, request.form.get("body", ""))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return phone(volunteer.id, status_of(error))
    db.session.commit()
    return redirect(url_for(".phone", volunteer_id=volunteer.id, _anchor="latest"), 303)
