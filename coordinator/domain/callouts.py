"""Call-outs: who to ask, in which waves, and stopping when the mission is full."""

from sqlalchemy import update

from coordinator.extensions import db
from coordinator.models import CallOut, CallOutStatus, Message, MessageStatus, Mission
from coordinator.timeutil import now_utc


def stop_when_full(mission: Mission) -> int:
    """Finish the mission's running call-outs and cancel their unsent messages.

    Returns how many queued messages were cancelled. A message a worker has already
    claimed (`sending`) is past the point of no return and is left alone.
    """
    now = now_utc()
    db.session.execute(
        update(CallOut)
        .where(CallOut.mission_id == mission.id, CallOut.status == CallOutStatus.SENDING)
        .values(status=CallOutStatus.DONE, stopped_reason="full", finished_at=now,
                next_wave_at=None)
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(
        update(Message)
        .where(
            Message.mission_id == mission.id,
            Message.kind == "callout",
            Message.status == MessageStatus.QUEUED,
        )
        .values(status=MessageStatus.CANCELLED, status_updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
