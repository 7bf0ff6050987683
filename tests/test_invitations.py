"""One decline rule for SMS and the personal page."""

import pytest
from sqlalchemy import select

from coordinator.domain import invitations, signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.models import CallOut, Invitation, InvitationResponse, SignupSource, SignupStatus


def _invite(mission, volunteer) -> Invitation:
    callout = CallOut(mission_id=mission.id)
    db.session.add(callout)
    db.session.flush()
    invitation = Invitation(callout_id=callout.id, mission_id=mission.id, volunteer_id=volunteer.id)
    db.session.add(invitation)
    db.session.commit()
    return invitation


@pytest.mark.parametrize("via", ["sms", "web"])
def test_declining_gives_up_a_waitlist_spot_and_the_held_place_moves_on(
    app, create_mission, create_volunteer, via
):
    mission = create_mission(capacity=1)
    position = mission.positions[0]
    holder = signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    offered_to = create_volunteer("나")
    offered = signups.sign_up(offered_to, position, source=SignupSource.SMS)
    next_one = signups.sign_up(create_volunteer("다"), position, source=SignupSource.SMS)
    signups.cancel(holder)
    assert offered.status == SignupStatus.OFFERED
    _invite(mission, offered_to)
    invitations.decline_mission(offered_to, mission, via=via)
    db.session.refresh(next_one)
    assert offered.status == SignupStatus.CANCELLED
    assert next_one.status == SignupStatus.OFFERED
    responses = db.session.scalars(
        select(Invitation.response).where(Invitation.volunteer_id == offered_to.id)
    ).all()
    assert responses == [InvitationResponse.DECLINED]


def test_someone_with_a_confirmed_place_is_told_to_cancel_instead(
    app, create_mission, create_volunteer
):
    mission = create_mission()
    volunteer = create_volunteer()
    signups.sign_up(volunteer, mission.positions[0], source=SignupSource.WEB)
    with pytest.raises(Conflict, match="cancel it instead"):
        invitations.decline_mission(volunteer, mission, via="web")
