"""Call-outs: create and send, status with counters, cancel (coordinators)."""

from flask import g
from sqlalchemy import select

from coordinator.api import bp, requires, spec
from coordinator.api.doors import ID, READ, WRITE, answers, found
from coordinator.api.schemas.callouts import (
    CallOutIn,
    CallOutList,
    CallOutOut,
    CancelledCallOut,
)
from coordinator.domain import audience as audiences
from coordinator.domain import callouts, roster
from coordinator.extensions import db
from coordinator.models import CallOut, StaffRole

TAGS = ["call-outs"]
COORDINATOR = StaffRole.COORDINATOR


def callout_out(callout: CallOut) -> CallOutOut:
    return CallOutOut.of(callout, counters=callouts.progress(callout))


@bp.post(f"/missions/<{ID}:mission_id>/callouts")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, CallOutOut, *WRITE), tags=TAGS)
def create_callout(mission_id: int, json: CallOutIn):
    """Start a call-out: a draft mission opens for sign-ups, the first wave goes out now
    (or when quiet hours end, unless urgent), and sending stops when the mission is full."""
    callout = callouts.create_callout(
        roster.load_mission(mission_id),
        audience=audiences.parse_audience(json.audience.model_dump()),
        note=json.note,
        wave_size=json.wave_size,
        wave_interval_minutes=json.wave_interval_minutes,
        is_urgent=json.is_urgent,
        created_by=g.api_user,
    )
    db.session.commit()  # the first wave goes to a worker now (callouts.create_callout)
    db.session.expire(callout)  # an eager worker may have sent the first wave already
    return callout_out(callout), 201


@bp.get(f"/missions/<{ID}:mission_id>/callouts")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, CallOutList, *READ), tags=TAGS)
def mission_callouts(mission_id: int):
    """The mission's call-outs, newest first."""
    mission = roster.load_mission(mission_id)
    rows = db.session.scalars(
        select(CallOut)
        .where(CallOut.mission_id == mission.id)
        .order_by(CallOut.created_at.desc(), CallOut.id.desc())
    )
    return CallOutList(items=[callout_out(c) for c in rows])


@bp.get(f"/callouts/<{ID}:callout_id>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, CallOutOut, *READ), tags=TAGS)
def get_callout(callout_id: int):
    """A call-out's status, waves sent, and its messages counted by status."""
    return callout_out(found(CallOut, callout_id, "callout"))


@bp.post(f"/callouts/<{ID}:callout_id>/cancel")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, CancelledCallOut, *WRITE), tags=TAGS)
def cancel_callout(callout_id: int):
    """Stop a call-out: no more waves, and its queued messages are not sent."""
    callout = found(CallOut, callout_id, "callout")
    cancelled = callouts.cancel_callout(callout)
    db.session.commit()
    return CancelledCallOut(callout=callout_out(callout), messages_cancelled=cancelled)
