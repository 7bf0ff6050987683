"""Where to meet: a coordinator sets the meeting point's and the site's coordinates."""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from coordinator.domain import directions
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import Mission, StaffRole
from coordinator.security import role_required
from coordinator.web.missions import get_mission

bp = Blueprint("directions", __name__)


@bp.post("/missions/<int:mission_id>/place")
@role_required(StaffRole.COORDINATOR)
def set_place(mission_id: int):
    mission = get_mission(mission_id)
    back = url_for("missions.show", mission_id=mission.id) + "#place"
    try:
        directions.set_place(
            mission,
            meeting=request.form.get("meeting", ""),
            address=request.form.get("address", ""),
            parking_notes=request.form.get("parking_notes", ""),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("Where to meet is saved."), "info")
    return redirect(back)


def map_links(mission: Mission, *, with_site: bool) -> list:
    """Directions for a volunteer: to the meeting point, and to the site once they may see it."""
    app_url = current_app.config.get("PUBLIC_BASE_URL") or "rescue-coordinator"
    links = []
    meet = directions.meeting_point(mission)
    if meet:
        found = directions.links_to(meet, mission.meeting_point, app_url=app_url)
        links.append((_("Meeting point"), meet, found))
    site = directions.site(mission) if with_site else None
    if site:
        links.append((_("Site"), site, directions.links_to(site, mission.address, app_url=app_url)))
    return links


@bp.app_context_processor
def _directions_helper() -> dict:
    return {"map_links": map_links}
