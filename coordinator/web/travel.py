"""On the day: a volunteer says "on my way" or "running late" with one tap on their page."""

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from coordinator import links
from coordinator.domain import travel, volunteer_hours
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.timeutil import now_utc
from coordinator.web.personal import ERROR_STATUS, _refused, link_view

bp = Blueprint("travel", __name__)


@bp.post("/v/<token>/travel/<int:signup_id>")
@link_view
def say(link: links.LinkTarget, signup_id: int):
    raw = request.form.get("minutes", "").strip()
    status = request.form.get("status", "")
    try:
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
            raise travel.minutes_error()
        travel.say(link.volunteer, signup_id, status, minutes=int(raw) if raw else None)
    except DomainError as error:
        db.session.rollback()
        return _refused(error.message, ERROR_STATUS.get(error.code, 409))
    db.session.commit()
    flash(
        _("Thank you: the team lead sees you are on your way.")
        if status == travel.ON_THE_WAY
        else _("Thank you: the team lead knows."),
        "info",
    )
    return redirect(url_for("personal.page", token=g.token), 303)


@bp.app_context_processor
def _travel_helpers() -> dict:
    return {
        "can_say_travel": lambda signup: travel.can_say(signup, now_utc()),
        "travel_board": travel.travel_board,
        "own_record": volunteer_hours.own_record,
    }
