"""The home page: the mission board, with filters by status, dates and kind."""

from datetime import datetime, time

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from coordinator.domain import attendance
from coordinator.domain.missions import fill_summaries
from coordinator.extensions import db
from coordinator.forms.missions import KIND_LABELS
from coordinator.models import OPEN_STATUSES, Mission, MissionStatus
from coordinator.timeutil import local_to_utc

bp = Blueprint("home", __name__)
PER_PAGE = 60


def _date(name: str) -> datetime | None:
    try:
        return datetime.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> tuple[list, dict]:
    """The WHERE clauses and the chosen values; unknown values are ignored, never an error."""
    status = request.args.get("status", "open")
    kind = request.args.get("kind", "")
    start, end = _date("from"), _date("to")
    where = attendance.visible_missions(current_user)  # a team lead: the missions they lead
    if status == "open":
        where.append(Mission.status.in_(OPEN_STATUSES))
    elif status in set(MissionStatus):
        where.append(Mission.status == status)
    if kind in KIND_LABELS:
        where.append(Mission.kind == kind)
    if start:
        where.append(Mission.ends_at >= local_to_utc(datetime.combine(start, time.min)))
    if end:
        where.append(Mission.starts_at <= local_to_utc(datetime.combine(end, time.max)))
    chosen = {"status": status, "kind": kind, "from": start.date() if start else None,
              "to": end.date() if end else None}
    return where, chosen


@bp.get("/")
def board():
    where, chosen = _filters()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = db.session.scalar(select(func.count()).select_from(Mission).where(*where))
    missions = db.session.scalars(
        select(Mission).where(*where).order_by(Mission.starts_at, Mission.id)
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    has_any = total > 0 or bool(db.session.scalar(select(Mission.id).limit(1)))
    return render_template(
        "home/board.html", missions=missions, fills=fill_summaries(missions),
        chosen=chosen, statuses=list(MissionStatus), kinds=KIND_LABELS, total=total, page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), has_any=has_any,
        filtered=bool(request.args),
    )
