"""Places: how many are left, who holds them, whether a mission is full.

A place is one unit of a position's capacity; Position.places_left and Position.has_room
(in Python and in SQL) are its one definition, and Position.filled counts the places held
(confirmed and offered signups, kept by coordinator.domain.signups). One person in two
shifts holds two places: people_holding_places counts people.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from coordinator.domain.vehicles import transport_summary
from coordinator.extensions import db
from coordinator.models import Mission, Position, Role, Signup, Volunteer
from coordinator.models.signups import HOLDS_PLACE


def is_full(mission: Mission) -> bool:
    """True when every position with capacity has all its places held."""
    positions, open_places = db.session.execute(
        select(func.count(), func.count().filter(Position.has_room))
        .select_from(Position)
        .where(Position.mission_id == mission.id)
    ).one()
    return bool(positions) and open_places == 0


def people_holding_places(mission: Mission) -> list[Volunteer]:
    """Everyone with a confirmed or offered place on the mission, once each.

    Not the places held (Position.filled): one person in two shifts holds two places.
    """
    return list(
        db.session.scalars(
            select(Volunteer)
            .join(Signup, Signup.volunteer_id == Volunteer.id)
            .where(Signup.mission_id == mission.id, Signup.status.in_(HOLDS_PLACE))
            .distinct()
        )
    )


@dataclass
class RoleFill:
    name: str
    filled: int
    capacity: int
    places_left: int  # Position.places_left, summed over the role's shifts

    @property
    def is_short(self) -> bool:
        return self.places_left > 0


@dataclass
class MissionFill:
    roles: list[RoleFill] = field(default_factory=list)
    crate_slots: int = 0
    animals_in_crates: int = 0

    @property
    def is_transport_short(self) -> bool:
        return self.crate_slots < self.animals_in_crates

    @property
    def places_left(self) -> int:
        return sum(r.places_left for r in self.roles)

    @property
    def places_filled(self) -> int:
        return sum(r.filled for r in self.roles)

    @property
    def places_total(self) -> int:
        return sum(r.capacity for r in self.roles)


def fill_summaries(missions: list[Mission]) -> dict[int, MissionFill]:
    """Per mission: places filled per role, crate slots offered vs animals needing a crate."""
    mission_ids = [m.id for m in missions]
    fills = {mission_id: MissionFill() for mission_id in mission_ids}
    if not mission_ids:
        return fills
    roles = db.session.execute(
        select(
            Position.mission_id,
            Role.name,
            func.sum(Position.filled),
            func.sum(Position.capacity),
            func.sum(Position.places_left),
        )
        .join(Role, Position.role_id == Role.id)
        .where(Position.mission_id.in_(mission_ids))
        .group_by(Position.mission_id, Role.id, Role.name, Role.sort_order)
        .order_by(Position.mission_id, Role.sort_order, Role.id)
    )
    for mission_id, name, filled, capacity, left in roles:
        fills[mission_id].roles.append(
            RoleFill(name, int(filled or 0), int(capacity or 0), int(left or 0))
        )
    transport = transport_summary(missions)
    for mission_id, (slots, in_crates) in transport.items():
        fills[mission_id].crate_slots, fills[mission_id].animals_in_crates = slots, in_crates
    return fills
