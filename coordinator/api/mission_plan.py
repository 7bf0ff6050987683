"""A mission's plan: add and remove roles, shifts and vehicles; set capacities."""

from coordinator.api import bp, requires, spec
from coordinator.api.doors import ID, WRITE, answers, part_of
from coordinator.api.missions import mission_out
from coordinator.api.schemas.missions import (
    CapacitiesIn,
    MissionOut,
    RoleIn,
    RoleOut,
    ShiftIn,
    ShiftOut,
    VehicleIn,
    VehicleOut,
)
from coordinator.domain import mission_plan, roster
from coordinator.extensions import db
from coordinator.models import Role, Shift, StaffRole, Vehicle

TAGS = ["mission plan"]
COORDINATOR = StaffRole.COORDINATOR
REMOVE = answers(204, None, 404, 409)


@bp.post(f"/missions/<{ID}:mission_id>/roles")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, RoleOut, *WRITE), tags=TAGS)
def add_role(mission_id: int, json: RoleIn):
    """Add a role; every shift gets a position for it with capacity 0 (set capacities next)."""
    role = mission_plan.add_role(
        roster.load_mission(mission_id),
        name=json.name,
        sms_key=json.sms_key,
        required_skill=json.required_skill,
        min_age=json.min_age,
        requires_waiver=json.requires_waiver,
    )
    db.session.commit()
    return RoleOut.model_validate(role), 201


@bp.delete(f"/missions/<{ID}:mission_id>/roles/<{ID}:role_id>")
@requires(COORDINATOR)
@spec.validate(resp=REMOVE, tags=TAGS)
def remove_role(mission_id: int, role_id: int):
    """Delete a role nobody is signed up for."""
    mission_plan.remove_role(part_of(roster.load_mission(mission_id), Role, role_id, "role"))
    db.session.commit()
    return "", 204


@bp.post(f"/missions/<{ID}:mission_id>/shifts")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, ShiftOut, *WRITE), tags=TAGS)
def add_shift(mission_id: int, json: ShiftIn):
    """Add a time slot within the mission's times; every role gets a position in it."""
    shift = mission_plan.add_shift(
        roster.load_mission(mission_id),
        name=json.name,
        starts_at=json.starts_at,
        ends_at=json.ends_at,
        sms_key=json.sms_key,
    )
    db.session.commit()
    return ShiftOut.model_validate(shift), 201


@bp.delete(f"/missions/<{ID}:mission_id>/shifts/<{ID}:shift_id>")
@requires(COORDINATOR)
@spec.validate(resp=REMOVE, tags=TAGS)
def remove_shift(mission_id: int, shift_id: int):
    """Delete a shift nobody is signed up for."""
    mission_plan.remove_shift(part_of(roster.load_mission(mission_id), Shift, shift_id, "shift"))
    db.session.commit()
    return "", 204


@bp.post(f"/missions/<{ID}:mission_id>/vehicles")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, VehicleOut, *WRITE), tags=TAGS)
def add_vehicle(mission_id: int, json: VehicleIn):
    """Add an organisation vehicle with its seats and crate slots."""
    vehicle = mission_plan.add_vehicle(
        roster.load_mission(mission_id),
        label=json.label,
        kind=json.kind,
        seats=json.seats,
        crates=json.crate_slots,
    )
    db.session.commit()
    return VehicleOut.model_validate(vehicle), 201


@bp.delete(f"/missions/<{ID}:mission_id>/vehicles/<{ID}:vehicle_id>")
@requires(COORDINATOR)
@spec.validate(resp=REMOVE, tags=TAGS)
def remove_vehicle(mission_id: int, vehicle_id: int):
    """Take a vehicle off the mission; people seated in it stay signed up."""
    mission = roster.load_mission(mission_id)
    mission_plan.remove_vehicle(part_of(mission, Vehicle, vehicle_id, "vehicle"))
    db.session.commit()
    return "", 204


@bp.put(f"/missions/<{ID}:mission_id>/capacities")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, MissionOut, *WRITE), tags=TAGS)
def set_capacities(mission_id: int, json: CapacitiesIn):
    """Set how many people each position needs; new places are offered to the waitlist."""
    mission_plan.set_capacities(
        roster.load_mission(mission_id), {c.position_id: c.capacity for c in json.capacities}
    )
    db.session.commit()
    return mission_out(mission_id)
