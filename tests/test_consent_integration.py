"""STOP with a real Celery worker and the Twilio stub: nothing queued reaches the volunteer."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coordinator.domain import attendance, reminders, signups
from coordinator.extensions import db
from coordinator.models import Direction, Message, MessageStatus, SignupSource, StaffRole
from tasks.sms import sweep_outbox
from tests.support.celery_worker import fanout_fixture, wait_until  # noqa: F401
from tests.support.conversation import inbound_form, signed_headers

pytestmark = pytest.mark.integration


def test_after_stop_only_the_confirmation_reaches_the_volunteer(
    fanout, create_mission, create_volunteer, create_staff
):
    stopping, staying = create_volunteer("김민준"), create_volunteer("이서연")
    mission = create_mission(day=2, capacity=5)
    for volunteer in (stopping, staying):
        signups.sign_up(volunteer, mission.positions[0], source=SignupSource.SMS)
    lead = create_staff(StaffRole.TEAM_LEAD, name="박팀장")
    eve = reminders.due_times(mission.shifts[0].starts_at)[0] + timedelta(minutes=1)
    assert reminders.send_due_reminders(eve) == 2
    assert (
        attendance.message_team(
            mission, body="장갑 챙겨 오세요", nonce="n1", sender=lead, shift=mission.shifts[0]
        )
        == 2
    )
    db.session.commit()  # four messages queued and handed to the broker; no worker yet

    form = inbound_form(stopping.phone, "STOP")
    answer = fanout.app.test_client().post(
        "/sms/inbound", data=form, headers=signed_headers(fanout.app, form)
    )
    fanout.start_worker(concurrency=2)
    sweep_outbox.run()  # whatever the broker lost, as beat would

    wait_until(lambda: len(fanout.stub.messages) >= 2, 45, "the other volunteer's two messages")
    db.session.expire_all()
    rows = db.session.execute(
        select(Message.kind, Message.status).where(
            Message.volunteer_id == stopping.id, Message.direction == Direction.OUTBOUND
        )
    ).all()
    assert answer.status_code == 200 and "수신거부" in answer.get_data(as_text=True)
    assert sorted(rows) == [
        ("opt_out_confirmation", MessageStatus.SENT),
        ("reminder", MessageStatus.CANCELLED),
        ("team", MessageStatus.CANCELLED),
    ]
    assert {m["to"] for m in fanout.stub.messages} == {staying.phone}
    assert len(fanout.stub.messages) == 2
