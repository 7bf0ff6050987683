"""Bounded requests: a body larger than its route allows is refused before it is read.

Every route takes at most MAX_CONTENT_LENGTH (far more than any form or webhook sends);
routes marked `@accepts_upload` (the volunteer imports) take up to IMPORT_MAX_CONTENT_LENGTH.
The check runs first of all before-request hooks, so neither the CSRF check, the Twilio
signature check nor the JSON parser reads a refused body. A declared Content-Length is
refused at once; a body without one (chunked) is cut off by Werkzeug at the same limit.
"""

from collections.abc import Callable

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from coordinator.models import StaffRole

UPLOAD_ATTR = "accepts_upload"


def accepts_upload(view: Callable) -> Callable:
    """Let this view take a body up to IMPORT_MAX_CONTENT_LENGTH (a file to import)."""
    setattr(view, UPLOAD_ATTR, True)
    return view


def body_limit() -> int:
    """The largest body the current request's route accepts, in bytes."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, UPLOAD_ATTR, False) and _may_upload():
        return current_app.config["IMPORT_MAX_CONTENT_LENGTH"]
    return current_app.config["MAX_CONTENT_LENGTH"]


def _may_upload() -> bool:
    # Only the staff who may import get the larger limit: a coordinator's session, or a
    # bearer token (which the API checks, with the role, right after this).
    if request.authorization is not None and request.authorization.type == "bearer":
        return True
    return bool(
        current_user and current_user.is_authenticated and current_user.can(StaffRole.COORDINATOR)
    )


def _refuse_large_bodies() -> None:
    limit = body_limit()
    request.max_content_length = limit  # bodies without a Content-Length stop here too
    if request.content_length is not None and request.content_length > limit:
        abort(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    """What the reader is told: the limit, in the reader's language."""
    kilobytes = limit // 1024
    if kilobytes >= 1024:
        return _(
            "The request is too large: at most %(n)d MB is accepted here.", n=kilobytes // 1024
        )
    return _("The request is too large: at most %(n)d kB is accepted here.", n=kilobytes)


def init_app(app: Flask) -> None:
    # Registered before the CSRF extension's hook, so it is the first hook to run.
    app.before_request(_refuse_large_bodies)
