"""The home page: the mission board."""

from flask import Blueprint, render_template
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import OPEN_STATUSES, Mission

bp = Blueprint("home", __name__)


@bp.get("/")
def board():
    missions = db.session.scalars(
        select(Mission).where(Mission.status.in_(OPEN_STATUSES)).order_by(Mission.starts_at)
    ).all()
    return render_template("home/board.html", missions=missions)
