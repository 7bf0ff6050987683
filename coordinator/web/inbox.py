"""The coordinators' inbox: SMS the conversation could not settle, and late cancellations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coordinator.domain import inbound, signup_notices
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Direction, Message, StaffRole
from coordinator.security import role_required
from coordinator.timeutil import now_utc
from coordinator.web import add_nav_link

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
add_nav_link("inbox.index", _l("Inbox"), StaffRole.COORDINATOR, count=inbound.unread_count)


@bp.before_request
@role_required(StaffRole.COORDINATOR)
def _coordinators_only() -> None:
    """Volunteers' own words and numbers: for coordinators."""


def _inbound(message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.direction != Direction.INBOUND:
        abort(404)
    return message


@bp.get("/")
def index():
    messages = inbound.needing_attention()
    return render_template(
        "inbox/index.html",
        messages=messages,
        answers=inbound.answers_to(messages),
        late_cancels=signup_notices.recent_late_cancels(now_utc()),
    )


@bp.post("/<int:message_id>/reply")
def reply(message_id: int):
    message = _inbound(message_id)
    try:
        inbound.reply_by_hand(message, request.form.get("text", ""), staff=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".index", _anchor=f"m{message_id}"), 303)
    db.session.commit()
    assert message.volunteer is not None  # reply_by_hand refuses a number with no volunteer
    flash(_("Answer queued to %(name)s.", name=message.volunteer.name), "info")
    return redirect(url_for(".index"), 303)


@bp.post("/<int:message_id>/handled")
def handled(message_id: int):
    inbound.mark_handled(_inbound(message_id))
    db.session.commit()
    return redirect(url_for(".index"), 303)
