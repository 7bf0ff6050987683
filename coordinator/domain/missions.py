"""Mission status rules."""

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Mission, MissionStatus, Position


def is_full(mission: Mission) -> bool:
    """True when every position with capacity has all its places held."""
    open_places = db.session.scalar(
        select(func.count())
        .select_from(Position)
        .where(Position.mission_id == mission.id, Position.filled < Position.capacity)
    )
    has_positions = db.session.scalar(
        select(func.count()).select_from(Position).where(Position.mission_id == mission.id)
    )
    return bool(has_positions) and open_places == 0


def refresh_fill_status(mission: Mission) -> None:
    """recruiting > staffed when the last place fills, and back when one frees up."""
    full = is_full(mission)
    if mission.status == MissionStatus.RECRUITING and full:
        mission.status = MissionStatus.STAFFED
        from coordinator.domain import callouts  # callouts builds on missions, not the reverse

        callouts.stop_when_full(mission)
    elif mission.status == MissionStatus.STAFFED and not full:
        mission.status = MissionStatus.RECRUITING
    db.session.flush()
