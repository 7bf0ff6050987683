"""What booking tells people by SMS: a held place, an expired offer, a late cancellation.

Called from coordinator.domain.signups so every door (SMS, roster, personal page, API, the
expiry sweep) sends the same messages. Each message has an idempotency key, so a retried
request or task queues nothing twice.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from coordinator.extensions import db
from coordinator.models import Position, Shift, Signup, StaffUser
from coordinator.sms.outbox import queue_sms, queue_staff_sms


def _stamp(signup: Signup) -> int:
    # One offer of a signup differs from the next by its expiry time.
    return int(signup.offer_expires_at.timestamp()) if signup.offer_expires_at else 0


def tell_offered(signup: Signup) -> None:
    """Tell a waitlisted volunteer a place is held for them until their answer time."""
    queue_sms(
        signup.volunteer,
        "waitlist_offer",
        kind="waitlist",
        idempotency_key=f"offer:{signup.id}:{_stamp(signup)}",
        mission_id=signup.mission_id,
        signup=signup,
        position=signup.position,
        mission=signup.mission,
    )


def tell_offer_expired(signup: Signup) -> None:
    """Tell a volunteer the place held for them has moved on and they are waitlisted again."""
    queue_sms(
        signup.volunteer,
        "offer_expired",
        kind="waitlist",
        idempotency_key=f"offer-expired:{signup.id}:{int(signup.created_at.timestamp())}",
        mission_id=signup.mission_id,
        position=signup.position,
        mission=signup.mission,
    )


def late_cancel_recipients(signup: Signup) -> list[StaffUser]:
    """The mission's coordinator and team leads, each once."""
    mission = signup.mission
    people = [mission.created_by, *mission.team_leads]
    unique = {user.id: user for user in people if user is not None and user.is_active_user}
    return list(unique.values())


def alert_late_cancel(signup: Signup) -> None:
    """Text the mission's coordinator and team leads that someone dropped out at short notice."""
    for user in late_cancel_recipients(signup):
        queue_staff_sms(
            user,
            "late_cancel_alert",
            kind="alert",
            idempotency_key=f"late-cancel:{signup.id}:{user.id}",
            mission_id=signup.mission_id,
            signup=signup,
            position=signup.position,
            mission=signup.mission,
        )


def recent_late_cancels(now: datetime, *, limit: int = 50) -> list[Signup]:
    """Late cancellations for shifts not yet over, newest first: gaps a coordinator must fill."""
    return list(
        db.session.scalars(
            select(Signup)
            .join(Signup.position)
            .join(Position.shift)
            .where(Signup.is_late_cancel.is_(True), Shift.ends_at > now)
            .options(
                joinedload(Signup.volunteer),
                joinedload(Signup.mission),
                contains_eager(Signup.position).contains_eager(Position.shift),
                joinedload(Signup.position, Position.role),
            )
            .order_by(Signup.cancelled_at.desc())
            .limit(limit)
        ).unique()
    )
