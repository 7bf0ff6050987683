"""Staff choose the language of their pages: kept on their account and in the session."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user

from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.i18n import set_staff_language
from coordinator.models import StaffRole
from coordinator.security import role_required

bp = Blueprint("language", __name__)


def _back_to(target: str | None) -> str:
    """The page the switch was used on, never another site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        if not urlsplit(target).netloc:
            return target
    return url_for("home.board")


@bp.post("/language")
@role_required(StaffRole.TEAM_LEAD)
def choose():
    try:
        language = set_staff_language(current_user, request.form.get("language", ""))
    except ValidationError as error:
        abort(400, description=str(error.message))
    db.session.commit()
    # The session wins over the account in select_locale: keep them the same.
    session["lang"] = language
    return redirect(_back_to(request.form.get("next")), code=303)
