"""What the API's doors share: path ids, documented answers, lookups and pages."""

from typing import Any

from flask import abort, g, request
from spectree import Response
from sqlalchemy import Select, func, select

from coordinator.api import bp, error_response
from coordinator.api.schemas.common import MAX_ID, ErrorBody
from coordinator.domain import permissions, roster
from coordinator.domain.volunteers import Page
from coordinator.errors import DomainError, NotFound
from coordinator.extensions import db
from coordinator.models import Mission

# Path ids: whole numbers; one past a database integer is a 404 (see _ids_in_range), never
# an overflow. (A converter maximum would make Werkzeug answer such paths with a 405.)
ID = "int"
READ = (404,)
CREATE = (400, 409, 415, 422)
WRITE = (*CREATE, 404)


@bp.before_request  # after the token check, which bp registered first
def _ids_in_range() -> None:
    values = request.view_args or {}
    if any(isinstance(v, int) and not 0 < v <= MAX_ID for v in values.values()):
        abort(error_response(404, "not_found", "no such id"))


def answers(status: int, model: type | None, *errors: int, **special: type) -> Response:
    """The documented answers of an operation: its success, 401, 403 and `errors`.

    Errors have the ErrorBody shape unless `special` names another (HTTP_422=…).
    """
    documented = {f"HTTP_{code}": ErrorBody for code in (401, 403, *errors)} | special
    if model is None:
        return Response(f"HTTP_{status}", **documented)
    return Response(**{f"HTTP_{status}": model}, **documented)


def found(model: type, row_id: int, what: str, *, error: type[DomainError] = NotFound) -> Any:
    """The row with this id; otherwise `error`: 404 for a path, ValidationError for a body."""
    row = db.session.get(model, row_id)
    if row is None:
        raise error(f"no {what} {row_id}", field=f"{what}_id")
    return row


def part_of(
    mission: Mission, model: type, row_id: int, what: str, *, error: type[DomainError] = NotFound
) -> Any:
    """A role, shift, vehicle, position or signup of this mission; otherwise `error`."""
    row = db.session.get(model, row_id)
    if row is None or row.mission_id != mission.id:
        raise error(f"mission {mission.id} has no {what} {row_id}", field=f"{what}_id")
    return row


def mission_for_reading(mission_id: int) -> Mission:
    """The mission with its plan, if the caller may see it (team leads: missions they lead)."""
    mission = roster.load_mission(mission_id)
    if not permissions.can_manage(g.api_user, mission):
        abort(error_response(403, "forbidden", "team leads see only the missions they lead"))
    return mission


def paginate(query: Select, page: int, per_page: int) -> Page:
    """One page of `query` (ordered by the caller); a page past the end gives the last one."""
    total = (
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    page = max(1, min(page, max((total + per_page - 1) // per_page, 1)))
    items = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(items), total, page, per_page)
