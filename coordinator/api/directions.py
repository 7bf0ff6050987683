"""Where to meet: set a mission's coordinates from typed coordinates or a pasted map link."""

from coordinator.api import bp, requires, spec
from coordinator.api.doors import ID, WRITE, answers
from coordinator.api.schemas.directions import PlaceIn, PlaceOut
from coordinator.domain import directions, roster
from coordinator.extensions import db
from coordinator.models import StaffRole

TAGS = ["missions"]


@bp.put(f"/missions/<{ID}:mission_id>/place")
@requires(StaffRole.COORDINATOR)
@spec.validate(resp=answers(200, PlaceOut, *WRITE), tags=TAGS)
def set_place(mission_id: int, json: PlaceIn):
    """Set where to meet; impossible coordinates or a link without any are a 422."""
    mission = roster.load_mission(mission_id)
    directions.set_place(
        mission, meeting=json.meeting, address=json.address, parking_notes=json.parking_notes
    )
    db.session.commit()
    return PlaceOut.of(mission, mission_id=mission.id)
