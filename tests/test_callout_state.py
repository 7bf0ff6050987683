"""The call-out tells the truth: held, sending wave k of n, waiting, finished and why."""

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from coordinator.domain import audience as audiences
from coordinator.domain import callouts, invitations
from coordinator.domain.callout_state import plan_of, state_of
from coordinator.extensions import db
from coordinator.models import Invitation, Message, MessageStatus, StaffRole
from tests.conftest import local_time

EVERYONE = audiences.Audience()
NIGHT = local_time(0, 23, 10)  # quiet hours are 21:00-08:00 (the law) in Seoul
DAY = local_time(0, 14, 0)


def start(mission, now, **settings):
    settings.setdefault("is_urgent", True)
    callout = callouts.create_callout(mission, audience=EVERYONE, now=now, **settings)
    db.session.commit()
    return callout


def deliver_all(callout):
    db.session.execute(
        update(Message)
        .where(Message.callout_id == callout.id)
        .values(status=MessageStatus.DELIVERED)
    )
    db.session.commit()


def bars(state) -> dict[str, int]:
    return {bar.key: bar.count for bar in [*state.messages, *state.answers]}


def test_a_non_urgent_call_out_at_night_says_quiet_hours_hold_it_until_morning(
    app, create_mission, create_volunteer
):
    for i in range(3):
        create_volunteer(f"v{i}")
    callout = start(create_mission(capacity=5, day=3), NIGHT, is_urgent=False, wave_size=2)

    state = state_of(callout, NIGHT)
    with force_locale("ko"):
        korean = state_of(callout, NIGHT)

    assert state.phase == "held"
    assert state.headline.startswith("Held by quiet hours until") and "08:00" in state.headline
    assert "21:00-08:00" in state.detail and "3 people in 2 waves" in state.detail
    assert "Sending" not in state.headline and state.can_cancel
    assert "야간 발송 제한" in korean.headline and "08:00" in korean.headline


def test_an_urgent_call_out_that_reached_everyone_is_finished_and_offers_no_cancel(
    app, client, login, create_staff, create_mission, create_volunteer
):
    for i in range(3):
        create_volunteer(f"v{i}")
    callout = start(create_mission(capacity=5, day=3), DAY, wave_interval_minutes=15)
    callouts.run_wave(callout, DAY)
    deliver_all(callout)

    state = state_of(callout, DAY)

    assert state.phase == "finished" and state.reason == "audience exhausted"
    assert state.headline == "Finished: everyone in the audience has been asked"
    assert not state.can_cancel and state.next_at is None
    assert bars(state) == {
        "queued": 0,
        "sent": 3,
        "delivered": 3,
        "failed": 0,
        "yes": 0,
        "no": 0,
        "waiting": 3,
    }
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert "everyone in the audience has been asked" in page
    assert "Cancel the rest" not in page and "Sending" not in page


def test_waves_say_sending_k_of_n_then_waiting_for_the_next_at_its_time(
    app, create_mission, create_volunteer
):
    for i in range(5):
        create_volunteer(f"v{i}")
    callout = start(create_mission(capacity=9, day=3), DAY, wave_size=2, wave_interval_minutes=30)
    callouts.run_wave(callout, DAY)
    db.session.commit()

    sending = state_of(callout, DAY)
    deliver_all(callout)
    waiting = state_of(callout, DAY)

    assert (sending.phase, sending.headline) == ("sending", "Sending wave 1 of 3")
    assert sending.can_cancel and bars(sending)["queued"] == 2
    assert waiting.phase == "waiting"
    assert waiting.headline == "Waiting for wave 2 of 3 at 14:30" and waiting.can_cancel


def test_a_full_mission_and_a_cancelled_call_out_say_why_they_stopped(
    app, create_mission, create_volunteer
):
    volunteers = [create_volunteer(f"v{i}") for i in range(3)]
    mission = create_mission(capacity=5, day=3)
    full = start(mission, DAY)
    callouts.run_wave(full, DAY)
    invitations.decline_mission(volunteers[0], mission, via="sms", now=DAY)
    callouts.stop_when_full(mission)
    db.session.commit()
    other = start(create_mission(capacity=5, day=4), DAY)
    callouts.cancel_callout(other, DAY)
    db.session.commit()

    finished, cancelled = state_of(full, DAY), state_of(other, DAY)

    assert finished.headline == "Finished: every place is filled" and not finished.can_cancel
    assert bars(finished)["no"] == 1 and bars(finished)["waiting"] == 2
    assert bars(finished)["cancelled"] == 3  # stopped before they left
    assert cancelled.headline == "Cancelled: the rest was not sent"
    assert not cancelled.can_cancel


def test_the_confirmation_names_people_waves_cost_and_quiet_hours(app, create_mission):
    mission = create_mission(day=3)

    night = plan_of(
        mission, 120, Decimal("6300"), wave_size=50, interval_minutes=15, is_urgent=False, now=NIGHT
    )
    urgent = plan_of(
        mission, 1, Decimal("75"), wave_size=50, interval_minutes=15, is_urgent=True, now=NIGHT
    )

    assert night.summary.startswith(
        "Send this call-out to 120 people? In 3 waves, one every 15 minutes. "
        "Estimated cost: ₩6,300."
    )
    assert "nothing is sent before" in night.summary and "08:00" in night.summary
    assert urgent.summary == (
        "Send this call-out to 1 person? All in one wave. Estimated cost: ₩75."
    )
    with force_locale("ko"):
        korean = plan_of(
            mission,
            120,
            Decimal("6.30"),
            wave_size=50,
            interval_minutes=15,
            is_urgent=False,
            now=NIGHT,
        )
    assert korean.summary.startswith("120명에게 이 모집 문자를 보낼까요?")


def test_the_new_call_out_page_and_its_live_preview_carry_the_confirmation(
    client, login, create_staff, create_mission, create_volunteer
):
    for i in range(3):
        create_volunteer(f"v{i}")
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(capacity=5, day=3)

    html = client.get(f"/missions/{mission.id}/callouts/new").get_data(as_text=True)
    data = client.get(
        f"/missions/{mission.id}/callouts/preview.json"
        "?wave_size=2&wave_interval_minutes=5&is_urgent=y"
    ).get_json()

    assert 'data-confirm="Send this call-out to 3 people? All in one wave.' in html
    assert data["plan"].startswith(
        "Send this call-out to 3 people? In 2 waves, one every 5 minutes. Estimated cost: ₩"
    )
    assert "Send this call-out now?" not in html


@pytest.mark.parametrize("answer", ["accepted", "declined"])
def test_answers_are_counted_per_outcome(app, create_mission, create_volunteer, answer):
    volunteers = [create_volunteer(f"v{i}") for i in range(2)]
    callout = start(create_mission(capacity=5, day=3), DAY)
    callouts.run_wave(callout, DAY)
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.volunteer_id == volunteers[0].id)
    )
    invitation.response = answer
    db.session.commit()

    counts = bars(state_of(callout, DAY))

    key = "yes" if answer == "accepted" else "no"
    assert counts[key] == 1 and counts["waiting"] == 1


def test_the_live_progress_part_and_a_bad_wave_size_in_the_preview_answer_cleanly(
    client, login, create_staff, create_mission, create_volunteer
):
    create_volunteer("v")
    mission = create_mission(capacity=5, day=3)
    callout = start(mission, DAY)
    login(create_staff(StaffRole.COORDINATOR))

    part = client.get(f"/callouts/{callout.id}/progress")
    odd = client.get(
        f"/missions/{mission.id}/callouts/preview.json?wave_size=%C2%B2&wave_interval_minutes=-5"
    )

    assert part.status_code == 200 and 'data-field="headline"' in part.get_data(as_text=True)
    assert "<html" not in part.get_data(as_text=True)
    assert odd.status_code == 200 and "-5" not in odd.get_json()["plan"]


def test_a_team_lead_cannot_read_the_live_progress_part(
    client, login, create_staff, create_mission
):
    callout = start(create_mission(capacity=5, day=3), DAY)
    login(create_staff(StaffRole.TEAM_LEAD))

    assert client.get(f"/callouts/{callout.id}/progress").status_code == 403
