"""Call-out waves written in chunks, and each role's quota closing on its own."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from coordinator import links
from coordinator.domain import audience as audiences
from coordinator.domain import callouts, signups
from coordinator.extensions import db
from coordinator.models import Invitation, Message, MessageStatus, MissionStatus, SignupSource
from coordinator.sms import outbox
from coordinator.timeutil import now_utc
from tasks.callouts import run_wave
from tasks.sms import send_messages


def start(mission, **settings):
    callout = callouts.create_callout(
        mission, audience=audiences.Audience(), is_urgent=True, wave_interval_minutes=60, **settings
    )
    db.session.commit()
    return callout


def invited_for(callout, role) -> set[int]:
    return set(
        db.session.scalars(
            select(Invitation.volunteer_id).where(
                Invitation.callout_id == callout.id, Invitation.role_id == role.id
            )
        )
    )


def messages_by_volunteer(callout) -> dict[int, str]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Message.volunteer_id, Message.status).where(Message.callout_id == callout.id)
        ).all()
    )


@pytest.fixture
def vets_and_handlers(create_mission, create_volunteer):
    """A mission for 2 vets and 6 handlers; 4 vets and 10 handlers who could come."""
    mission = create_mission(
        roles={"Vet": "vet", "Handler": "handler"}, capacity={("Vet", 0): 2, ("Handler", 0): 6}
    )
    vets = [create_volunteer(f"vet{i}", skills=["vet"]) for i in range(4)]
    handlers = [create_volunteer(f"handler{i}", skills=["handler"]) for i in range(10)]
    vet_role, handler_role = mission.roles
    return mission, vets, handlers, vet_role, handler_role


def fill_vets(mission, vets, callout, vet_role):
    """Two vets the call-out did not reach take both vet places (by phone, say)."""
    asked = invited_for(callout, vet_role)
    walk_ins = [v for v in vets if v.id not in asked][:2]
    vet_position = next(p for p in mission.positions if p.role_id == vet_role.id)
    for vet in walk_ins:
        signups.sign_up(vet, vet_position, source=SignupSource.SMS)
    db.session.commit()


def test_when_the_vets_fill_first_the_vet_share_is_never_sent_and_the_handlers_still_are(
    twilio_app, stub, vets_and_handlers
):
    mission, vets, handlers, vet_role, handler_role = vets_and_handlers
    callout = start(mission, wave_size=8)
    run_wave.run(callout.id)
    vet_share, handler_share = invited_for(callout, vet_role), invited_for(callout, handler_role)
    assert len(vet_share) == 2 and len(handler_share) == 6

    fill_vets(mission, vets, callout, vet_role)
    queued = db.session.scalars(select(Message.id).where(Message.callout_id == callout.id)).all()
    send_messages.run(list(queued))

    phones = {v.id: v.phone for v in vets + handlers}
    assert Counter(m["to"] for m in stub.messages) == Counter(phones[i] for i in handler_share)
    statuses = messages_by_volunteer(callout)
    assert {statuses[i] for i in vet_share} == {MessageStatus.CANCELLED}
    assert {statuses[i] for i in handler_share} == {MessageStatus.SENT}
    db.session.refresh(mission)
    assert mission.status == MissionStatus.RECRUITING


def test_a_role_that_fills_while_the_wave_is_written_gets_no_more_of_it(
    any_db_app, vets_and_handlers
):
    mission, vets, _handlers, vet_role, handler_role = vets_and_handlers
    callout = start(mission, wave_size=8)
    now = now_utc()
    callouts.start_wave(callout, now)
    db.session.commit()

    fill_vets(mission, vets, callout, vet_role)
    for _chunk in callouts.write_messages(callout, now):
        db.session.commit()

    statuses = messages_by_volunteer(callout)
    assert not invited_for(callout, vet_role) & set(statuses)
    assert set(statuses) == invited_for(callout, handler_role)
    assert set(statuses.values()) == {MessageStatus.QUEUED}


def test_a_wave_task_that_died_mid_wave_is_finished_by_its_redelivery_and_nobody_gets_two(
    any_db_app, create_mission, create_volunteer, monkeypatch
):
    monkeypatch.setattr(callouts, "FIRST_CHUNK", 2)
    monkeypatch.setattr(callouts, "CHUNK", 3)
    people = [create_volunteer(f"v{i}") for i in range(12)]
    callout = start(create_mission(capacity=20), wave_size=10)
    now = now_utc()
    callouts.start_wave(callout, now)
    db.session.commit()
    chunks = callouts.write_messages(callout, now)
    next(chunks)
    db.session.commit()
    next(chunks)
    db.session.commit()
    next(chunks)  # the third chunk is written but the worker dies before its commit
    chunks.close()
    db.session.rollback()
    assert len(messages_by_volunteer(callout)) == 5

    run_wave.run(callout.id)  # acks_late: the same task, delivered again
    run_wave.run(callout.id)

    sent_to = Counter(
        db.session.scalars(select(Message.volunteer_id).where(Message.callout_id == callout.id))
    )
    invited = set(
        db.session.scalars(
            select(Invitation.volunteer_id).where(Invitation.callout_id == callout.id)
        )
    )
    assert len(invited) == 10 and invited <= {v.id for v in people}
    assert sent_to == Counter(invited)


def test_a_big_wave_hands_its_first_messages_over_before_the_rest_are_written(
    any_db_app, create_mission, create_volunteer, monkeypatch
):
    monkeypatch.setattr(callouts, "FIRST_CHUNK", 2)
    monkeypatch.setattr(callouts, "CHUNK", 4)
    handed: list[tuple[int, int]] = []  # (ids handed over, rows written at that moment)

    def enqueue(task_name, ids):
        if not isinstance(ids, list):  # the first wave itself, queued by create_callout
            return
        with db.engine.connect() as connection:
            written = connection.scalar(select(func.count()).select_from(Message))
        handed.append((len(ids), written))

    monkeypatch.setattr(outbox, "enqueue", enqueue)
    [create_volunteer(f"v{i}") for i in range(10)]
    callout = start(create_mission(capacity=20), wave_size=10)

    assert run_wave.run(callout.id) == 10

    assert handed == [(2, 2), (4, 6), (4, 10)]


def test_each_call_out_text_carries_its_own_volunteers_link_in_their_language(
    app, create_mission, create_volunteer
):
    people = [create_volunteer(f"v{i}", language="en" if i % 2 else "ko") for i in range(4)]
    mission = create_mission(capacity=10)
    callout = start(mission, wave_size=4, note="bring gloves")
    run_wave.run(callout.id)

    messages = db.session.scalars(select(Message).where(Message.callout_id == callout.id)).all()
    assert {m.volunteer_id for m in messages} == {v.id for v in people}
    for message in messages:
        target = links.read_token(message.body.rsplit("/v/", 1)[1])
        assert (target.volunteer.id, target.mission_id) == (message.volunteer_id, mission.id)
        english = message.volunteer.language == "en"
        assert message.body.startswith("Rescue" if english else "[구조")
        assert "bring gloves" in message.body and "\x00" not in message.body
