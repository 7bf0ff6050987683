"""The home page: the mission board, with filters by status, dates and kind."""

from datetime import datetime

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from coordinator.domain.missions import MissionSearch, search_missions
from coordinator.domain.places import fill_summaries
from coordinator.extensions import db
from coordinator.forms.missions import KIND_LABELS
from coordinator.models import OPEN_STATUSES, Mission, MissionStatus

bp = Blueprint("home", __name__)
PER_PAGE = 60


def _date(name: str) -> datetime | None:
    try:
        return datetime.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _search() -> tuple[MissionSearch, dict]:
    """The search and the chosen values; unknown values are ignored, never an error."""
    status = request.args.get("status", "open")
    kind = request.args.get("kind", "")
    start, end = _date("from"), _date("to")
    statuses = (
        OPEN_STATUSES if status == "open" else ((status,) if status in set(MissionStatus) else ())
    )
    date_from, date_to = (start.date() if start else None), (end.date() if end else None)
    search = MissionSearch(
        statuses=statuses,
        kind=kind if kind in KIND_LABELS else None,
        date_from=date_from,
        date_to=date_to,
    )
    return search, {"status": status, "kind": kind, "from": date_from, "to": date_to}


@bp.get("/")
def board():
    search, chosen = _search()
    found = search_missions(current_user, search)  # a team lead: the missions they lead
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = db.session.scalar(found.with_only_columns(func.count()).order_by(None))
    missions = db.session.scalars(found.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    has_any = total > 0 or bool(db.session.scalar(select(Mission.id).limit(1)))
    return render_template(
        "home/board.html",
        missions=missions,
        fills=fill_summaries(missions),
        chosen=chosen,
        statuses=list(MissionStatus),
        kinds=KIND_LABELS,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        has_any=has_any,
        filtered=bool(request.args),
    )
