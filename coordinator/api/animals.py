"""Animals of a mission: list, record one as it is taken, correct it or record its arrival."""

from flask import g

from coordinator.api import bp, requires, spec
from coordinator.api.doors import ID, WRITE, answers, mission_for_reading
from coordinator.api.schemas.animals import AnimalIn, AnimalList, AnimalOut, AnimalUpdate
from coordinator.domain import animals
from coordinator.errors import NotFound
from coordinator.extensions import db
from coordinator.models import Animal, StaffRole

TAGS = ["animals"]
LEAD = StaffRole.TEAM_LEAD


@bp.get(f"/missions/<{ID}:mission_id>/animals")
@requires(LEAD)
@spec.validate(resp=answers(200, AnimalList, 404), tags=TAGS)
def list_animals(mission_id: int):
    """Every animal recorded on the mission, in the order they were taken."""
    mission = mission_for_reading(mission_id)
    items = [AnimalOut.model_validate(a) for a in animals.animals_of(mission)]
    return AnimalList(mission_id=mission.id, items=items)


@bp.post(f"/missions/<{ID}:mission_id>/animals")
@requires(LEAD)
@spec.validate(resp=answers(201, AnimalOut, *WRITE), tags=TAGS)
def record_animal(mission_id: int, json: AnimalIn):
    """Record an animal as it is taken (team leads of the mission, coordinators)."""
    mission = mission_for_reading(mission_id)
    animal = animals.record_animal(mission, json.model_dump(exclude_none=True), by=g.api_user)
    db.session.commit()
    return AnimalOut.model_validate(animal), 201


@bp.patch(f"/missions/<{ID}:mission_id>/animals/<{ID}:animal_id>")
@requires(LEAD)
@spec.validate(resp=answers(200, AnimalOut, *WRITE), tags=TAGS)
def correct_animal(mission_id: int, animal_id: int, json: AnimalUpdate):
    """Change a record or record its arrival; send `null` nowhere: leave a field out instead."""
    mission = mission_for_reading(mission_id)
    animal = db.session.get(Animal, animal_id)
    if animal is None or animal.mission_id != mission.id:
        raise NotFound(f"mission {mission.id} has no animal {animal_id}", field="animal_id")
    animals.correct_animal(animal, json.model_dump(exclude_unset=True, exclude_none=True))
    db.session.commit()
    return AnimalOut.model_validate(animal)
