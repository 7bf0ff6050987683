"""The JSON API under /api/v1: bearer tokens of staff users, the same domain and role rules
as the web, errors as {"error": {"code", "message", "field"}}.

Requests are validated by pydantic models in coordinator/api/schemas.py through spectree,
which also generates GET /api/v1/openapi.json from those same models, so the description
cannot drift from what the endpoints accept and return.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from itertools import accumulate

from flask import Blueprint, Flask, abort, g, make_response, request
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from sqlalchemy.exc import IntegrityError

from coordinator import audit
from coordinator.api.schemas.common import ErrorBody
from coordinator.errors import Conflict, DomainError, NotFound, ValidationError
from coordinator.extensions import csrf, db
from coordinator.models import ApiToken, StaffRole, StaffUser
from coordinator.models.staff import hash_token
from coordinator.timeutil import now_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1")
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per token a minute
MAX_JSON_DEPTH = 32  # our bodies nest 3 deep; Python's parser overflows past ~1,000
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_CHANGE = [1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256)]

ERROR_STATUS = {
    ValidationError: (422, "invalid"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    DomainError: (409, "refused"),
}


def error_response(status: int, code: str, message: str, field: str | None = None):
    """The API's one error shape."""
    return make_response({"error": {"code": code, "message": message, "field": field}}, status)


def _on_invalid_request(req, resp, error, instance, *args):
    """spectree hook: turn pydantic's error list into our error shape, naming the field."""
    if error is None:
        return
    first = error.errors()[0] if hasattr(error, "errors") and error.errors() else {}
    field = ".".join(str(part) for part in first.get("loc", ())) or None
    message = f"{field}: {first.get('msg', 'invalid value')}" if field else str(error)
    abort(error_response(422, "invalid", message, field))


spec = SpecTree(
    "flask",
    path="api/v1/spec",  # spectree's own copy; the interface is /api/v1/openapi.json
    mode="strict",  # only the routes validated here, not the web pages
    title="Rescue call-out coordinator API",
    version="1.0.0",
    annotations=True,
    page_templates={},
    before=_on_invalid_request,
    validation_error_model=ErrorBody,
    naming_strategy=lambda model: model.__name__,
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(
                type=SecureType.HTTP,
                scheme="bearer",
                description="a token from `flask users token`",
            ),
        )
    ],
    security={"bearer": []},
)


def authenticate() -> StaffUser:
    """The staff user whose token is in the Authorization header, or a 401 JSON answer."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(error_response(401, "unauthorized", "send Authorization: Bearer <token>"))
    api_token = db.session.scalar(
        db.select(ApiToken).filter_by(token_hash=hash_token(token.strip()))
    )
    if api_token is None or api_token.revoked_at is not None or not api_token.user.is_active:
        abort(error_response(401, "unauthorized", "the token is unknown or revoked"))
    now = now_utc()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
        # Its own commit: reads never commit, and a refused write rolls back.
        api_token.last_used_at = now
        db.session.commit()
    audit.act_as(api_token.user.id, "api")
    return api_token.user


def require_role(role: StaffRole) -> StaffUser:
    """The API caller, if their role is `role` or above; otherwise a 403 JSON answer."""
    user = g.api_user
    if not user.can(role):
        abort(error_response(403, "forbidden", f"this needs the {role} role"))
    return user


def requires(role: StaffRole) -> Callable:
    """Refuse (403) callers below `role`, before their input is even looked at."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: object, **kwargs: object) -> object:
            require_role(role)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _too_deep(data: bytes) -> bool:
    """True if arrays and objects nest past MAX_JSON_DEPTH, found before parsing: Python's
    parser recurses, and a few thousand brackets would crash it. The first count includes
    brackets inside strings (fast; they can only make a body look deeper); only a body that
    then looks too deep is counted again without its strings."""
    if _depth(data) <= MAX_JSON_DEPTH:
        return False
    return b'"' not in data or _depth(_STRINGS.sub(b"", data)) > MAX_JSON_DEPTH


def _depth(data: bytes) -> int:
    brackets = data.translate(None, _NOT_BRACKETS)  # linear, and in C throughout
    return max(accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)), default=0)


def _check_json_body() -> None:
    """Writes take a JSON object (or nothing); say clearly when the body is something else."""
    if request.mimetype and not request.is_json:
        abort(error_response(415, "unsupported_media_type", "send the body as application/json"))
    data = request.get_data(cache=True)
    if not data:
        return
    if _too_deep(data):
        abort(
            error_response(
                400,
                "bad_request",
                "the body nests arrays or objects more than "
                f"{MAX_JSON_DEPTH} deep (or leaves them open)",
                "body",
            )
        )
    body = request.get_json(silent=True)
    if body is None:
        abort(error_response(400, "bad_request", "the body is not valid JSON"))
    if not isinstance(body, dict):
        abort(error_response(422, "invalid", "the body must be a JSON object"))


@bp.before_request
def _authenticate() -> None:
    g.api_user = authenticate()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _check_json_body()


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    for cls, (status, code) in ERROR_STATUS.items():
        if isinstance(error, cls):
            return error_response(status, code, error.message, error.field)
    return error_response(409, "refused", error.message, error.field)


@bp.errorhandler(IntegrityError)
def _integrity_error(error: IntegrityError):
    # Two requests raced past a domain check (the same new phone at once): the database's
    # constraint decided, and the loser hears so rather than getting a 500.
    db.session.rollback()
    return error_response(
        409, "conflict", "this clashes with a change made at the same moment: read again and retry"
    )


def init_app(app: Flask) -> None:
    # Importing the modules registers their routes on bp.
    from coordinator.api import (  # noqa: F401
        animals,
        callouts,
        directions,
        endpoints,
        mission_plan,
        missions,
        roster,
        volunteers,
    )

    csrf.exempt(bp)  # bearer tokens are not sent by browsers on their own: no CSRF risk
    app.register_blueprint(bp)
    spec.register(app)
    # Public, outside bp's token check (endpoints named openapi_* skip the login wall).
    app.add_url_rule("/api/v1/openapi.json", "openapi_json", lambda: spec.spec)
