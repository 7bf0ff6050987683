"""Answers to a call-out: accepted or declined, whichever door (SMS or personal page) said it.

One decline rule for every door: someone holding a confirmed place must cancel it instead;
a waitlist spot or a held offer is given up (the place moves on); every invitation of the
mission is marked declined so later waves skip them.
"""

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from coordinator.domain import signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import (
    CallOut,
    Invitation,
    InvitationResponse,
    Mission,
    Signup,
    SignupStatus,
    Volunteer,
)
from coordinator.timeutil import now_utc


def record_answer(volunteer: Volunteer, mission: Mission, response: str, now: datetime) -> None:
    """Mark every invitation of the mission to this volunteer with their answer."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.volunteer_id == volunteer.id, Invitation.mission_id == mission.id)
        .values(response=response, responded_at=now)
        .execution_options(synchronize_session=False)
    )


def decline_mission(
    volunteer: Volunteer, mission: Mission, *, via: str, now: datetime | None = None
) -> list[Invitation]:
    """'Not this time': no more waves of this mission reach the volunteer.

    Refused (Conflict) while they hold a confirmed place. Without any invitation, one is
    recorded on the mission's latest call-out (wave 0: they answered before a wave reached
    them); without a call-out there is nothing to record.
    """
    now = now or now_utc()
    live = list(
        db.session.scalars(
            select(Signup).where(
                Signup.volunteer_id == volunteer.id,
                Signup.mission_id == mission.id,
                Signup.status != SignupStatus.CANCELLED,
            )
        )
    )
    if any(s.status == SignupStatus.CONFIRMED for s in live):
        raise Conflict(
            gettext("you have a place on this mission: cancel it instead"), field="mission"
        )
    for signup in live:  # a waitlist spot or a held offer: give it up, the place moves on
        signups.cancel(signup, reason=f"declined ({via})")
    invitations = _invitations(volunteer, mission) or _invite_on_latest_callout(volunteer, mission)
    record_answer(volunteer, mission, InvitationResponse.DECLINED, now)
    db.session.flush()
    for invitation in invitations:
        db.session.refresh(invitation)
    return invitations


def _invitations(volunteer: Volunteer, mission: Mission) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation).where(
                Invitation.volunteer_id == volunteer.id, Invitation.mission_id == mission.id
            )
        )
    )


def _invite_on_latest_callout(volunteer: Volunteer, mission: Mission) -> list[Invitation]:
    callout_id = db.session.scalar(
        select(CallOut.id)
        .where(CallOut.mission_id == mission.id)
        .order_by(CallOut.created_at.desc(), CallOut.id.desc())
        .limit(1)
    )
    if callout_id is None:
        return []
    invitation = Invitation(
        callout_id=callout_id, mission_id=mission.id, volunteer_id=volunteer.id, wave=0
    )
    try:
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:  # a wave reached them at this very moment
        return _invitations(volunteer, mission)
    return [invitation]
