"""Call-out planning: audience, ranking, waves per role, quiet hours, stop when full, preview."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from coordinator.domain import audience as audiences
from coordinator.domain import callouts, signups
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Attendance,
    AttendanceStatus,
    CallOutStatus,
    Invitation,
    Message,
    MessageStatus,
    MissionStatus,
    Signup,
    SignupSource,
    SignupStatus,
)
from coordinator.sms.segments import count_segments
from coordinator.timeutil import now_utc
from tests.conftest import local_time

EVERYONE = audiences.Audience()


def start(mission, *, audience=EVERYONE, now=None, **settings):
    settings.setdefault("is_urgent", True)  # tests run at any hour; quiet hours tested apart
    callout = callouts.create_callout(mission, audience=audience, now=now, **settings)
    db.session.commit()
    return callout


def run(callout, now=None):
    invited = callouts.run_wave(callout, now or now_utc())
    db.session.commit()
    return invited


def invited_ids(callout):
    return set(
        db.session.scalars(
            select(Invitation.volunteer_id).where(Invitation.callout_id == callout.id)
        )
    )


def test_audience_leaves_out_opted_out_paused_declined_and_rostered_volunteers(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=5)
    keen = create_volunteer("keen")
    create_volunteer("stopped", opted_out_at=now_utc())
    create_volunteer("on holiday", paused_until=now_utc() + timedelta(days=7))
    back = create_volunteer("back from holiday", paused_until=now_utc() - timedelta(days=1))
    declined = create_volunteer("declined")
    rostered = create_volunteer("rostered")
    signups.sign_up(rostered, mission.positions[0], source=SignupSource.SMS)
    earlier = start(mission)
    db.session.add(
        Invitation(
            callout_id=earlier.id,
            mission_id=mission.id,
            volunteer_id=declined.id,
            response="declined",
        )
    )
    db.session.commit()

    reached = db.session.scalars(audiences.eligible(mission, EVERYONE, now_utc())).all()

    assert {v.name for v in reached} == {keen.name, back.name}


def test_audience_filters_by_skill_region_vehicle_and_language(
    app, create_mission, create_volunteer
):
    mission = create_mission()
    create_volunteer(
        "vet in Suwon", skills=["vet"], region="Suwon", vehicle_kind="van", language="en"
    )
    create_volunteer("vet in Seoul", skills=["vet"], region="Seoul")
    create_volunteer("handler in Suwon", skills=["handler"], region="Suwon")
    wanted = audiences.parse_audience(
        {"skills": ["vet"], "region": "suwon", "has_vehicle": "yes", "language": "en"}
    )

    counts = audiences.count(mission, wanted, now_utc())

    assert counts == {"ko": 0, "en": 1, "total": 1}
    assert (
        audiences.count(mission, audiences.parse_audience({"skills": "vet"}), now_utc())["total"]
        == 2
    )


@pytest.mark.parametrize(
    "field, data",
    [
        ("skills", {"skills": ["astronaut"]}),
        ("language", {"language": "fr"}),
        ("has_vehicle", {"has_vehicle": "maybe"}),
    ],
)
def test_bad_audience_filters_are_refused_naming_the_field(app, field, data):
    with pytest.raises(ValidationError) as refused:
        audiences.parse_audience(data)
    assert refused.value.field == field


def test_ranking_puts_matching_skills_then_reliable_then_least_recently_called_first(
    app, create_mission, create_volunteer
):
    mission = create_mission(roles={"Vet": "vet", "Handler": None}, capacity=1)
    past = create_mission("past rescue", day=-10, status=MissionStatus.UNDERWAY)
    recent = create_volunteer(
        "called yesterday", skills=[], last_called_at=now_utc() - timedelta(days=1)
    )
    never = create_volunteer("never called", skills=[])
    flaky = create_volunteer("no-show", skills=[])
    reliable = create_volunteer("always there", skills=[])
    vet = create_volunteer("vet", skills=["vet"], last_called_at=now_utc())
    for volunteer, status in (
        (flaky, AttendanceStatus.NO_SHOW),
        (reliable, AttendanceStatus.PRESENT),
    ):
        signup = Signup(
            volunteer=volunteer,
            position=past.positions[0],
            mission=past,
            status=SignupStatus.CONFIRMED,
            source=SignupSource.STAFF,
        )
        signup.attendance = Attendance(status=status)
        db.session.add(signup)
    db.session.commit()

    order = db.session.scalars(
        audiences.ranked(audiences.eligible(mission, EVERYONE, now_utc()), {"vet"})
    ).all()

    assert [v.name for v in order] == [vet.name, reliable.name, never.name, recent.name, flaky.name]


def test_first_wave_invites_the_first_n_and_records_invitations_and_messages(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=10)
    people = [create_volunteer(f"v{i}") for i in range(5)]
    callout = start(mission, wave_size=3)

    assert run(callout) == 3

    messages = db.session.scalars(select(Message).where(Message.callout_id == callout.id)).all()
    assert len(messages) == 3 and all(m.status == MessageStatus.QUEUED for m in messages)
    assert {m.idempotency_key for m in messages} == {
        f"callout:{callout.id}:volunteer:{v}" for v in invited_ids(callout)
    }
    assert all(m.validity_seconds and m.validity_seconds <= 4 * 3600 for m in messages)
    called = [v for v in people if v.id in invited_ids(callout)]
    assert all(db.session.get(type(v), v.id).last_called_at is not None for v in called)
    assert callout.waves_sent == 1 and callout.next_wave_at > now_utc()


def test_a_wave_is_not_run_twice_when_its_task_is_delivered_twice(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=10)
    for i in range(4):
        create_volunteer(f"v{i}")
    callout = start(mission, wave_size=2)
    now = now_utc()

    assert run(callout, now) == 2
    assert run(callout, now) == 0
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2


def test_next_wave_asks_new_people_and_the_call_out_ends_when_nobody_is_left(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=10)
    for i in range(3):
        create_volunteer(f"v{i}")
    callout = start(mission, wave_size=2, wave_interval_minutes=10)
    run(callout)
    first = invited_ids(callout)

    assert run(callout, now_utc() + timedelta(minutes=5)) == 0  # not due yet
    assert run(callout, now_utc() + timedelta(minutes=11)) == 1
    assert len(invited_ids(callout) - first) == 1
    assert run(callout, now_utc() + timedelta(minutes=22)) == 0
    assert callout.status == CallOutStatus.DONE
    assert callout.stopped_reason == "audience exhausted"


def test_a_full_role_gets_no_more_invitations_while_the_other_role_keeps_recruiting(
    app, create_mission, create_volunteer
):
    mission = create_mission(
        roles={"Vet": "vet", "Handler": "handler"}, capacity={("Vet", 0): 1, ("Handler", 0): 3}
    )
    vets = [create_volunteer(f"vet{i}", skills=["vet"]) for i in range(4)]
    [create_volunteer(f"handler{i}", skills=["handler"]) for i in range(8)]
    callout = start(mission, wave_size=4, wave_interval_minutes=0)
    run(callout)
    signups.sign_up(vets[0], mission.positions[0], source=SignupSource.SMS)
    db.session.commit()

    run(callout, now_utc() + timedelta(seconds=1))

    second = db.session.scalars(
        select(Invitation).where(Invitation.callout_id == callout.id, Invitation.wave == 2)
    ).all()
    assert second and all("handler" in i.volunteer.skill_names for i in second)


def test_the_vet_share_of_a_wave_goes_to_vets_and_the_text_names_their_roles(
    app, create_mission, create_volunteer
):
    mission = create_mission(
        roles={"Vet": "vet", "Handler": None}, capacity={("Vet", 0): 2, ("Handler", 0): 6}
    )
    [create_volunteer(f"vet{i}", skills=["vet"]) for i in range(3)]
    [create_volunteer(f"h{i}", skills=["handler"]) for i in range(10)]
    callout = start(mission, wave_size=8)

    run(callout)

    invited = db.session.scalars(
        select(Invitation).where(Invitation.callout_id == callout.id)
    ).all()
    assert len(invited) == 8
    assert sum("vet" in i.volunteer.skill_names for i in invited) >= 2
    bodies = db.session.scalars(select(Message.body)).all()
    assert any("Vet 2" in body and "Handler 6" in body for body in bodies)
    assert any("Vet" not in body and "Handler 6" in body for body in bodies)


def test_when_the_last_place_fills_queued_messages_are_cancelled_and_no_wave_follows(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=1)
    people = [create_volunteer(f"v{i}") for i in range(4)]
    callout = start(mission, wave_size=3, wave_interval_minutes=0)
    run(callout)

    signups.sign_up(people[0], mission.positions[0], source=SignupSource.SMS)
    db.session.commit()

    statuses = db.session.scalars(select(Message.status)).all()
    assert statuses == [MessageStatus.CANCELLED] * 3
    assert run(callout, now_utc() + timedelta(minutes=1)) == 0
    db.session.refresh(callout)
    assert (callout.status, callout.stopped_reason) == (CallOutStatus.DONE, "full")


def test_a_non_urgent_call_out_started_at_night_waits_for_the_morning(
    app, create_mission, create_volunteer
):
    mission = create_mission(capacity=3, day=5)
    create_volunteer()
    night = local_time(1, 23, 30)
    callout = start(mission, is_urgent=False, now=night)

    # Quiet hours are 21:00-08:00 by default (정보통신망법 art. 50).
    assert callout.next_wave_at == local_time(2, 8, 0)
    assert run(callout, night + timedelta(minutes=1)) == 0
    assert run(callout, local_time(2, 7, 59)) == 0
    assert run(callout, local_time(2, 8, 0)) == 1


def test_an_urgent_call_out_goes_out_during_quiet_hours(app, create_mission, create_volunteer):
    mission = create_mission(capacity=3, day=5)
    create_volunteer()
    night = local_time(1, 23, 30)
    callout = start(mission, is_urgent=True, now=night)

    assert run(callout, night) == 1


def test_starting_a_call_out_opens_a_draft_mission_and_refuses_a_full_one(
    app, create_mission, create_volunteer
):
    draft = create_mission(status=MissionStatus.DRAFT)
    start(draft)
    assert draft.status == MissionStatus.RECRUITING

    full = create_mission(capacity=0)
    with pytest.raises(Conflict):
        start(full)


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"wave_size": 0}, "wave_size"),
        ({"wave_interval_minutes": -1}, "wave_interval_minutes"),
        ({"note": "x" * 81}, "note"),
    ],
)
def test_bad_call_out_settings_are_refused_and_nothing_is_written(
    app, create_mission, settings, field
):
    mission = create_mission()
    with pytest.raises(ValidationError) as refused:
        start(mission, **settings)
    assert refused.value.field == field


def test_cancel_stops_the_rest_of_a_call_out(app, create_mission, create_volunteer):
    mission = create_mission(capacity=5)
    for i in range(3):
        create_volunteer(f"v{i}")
    callout = start(mission, wave_size=3)
    run(callout)

    assert callouts.cancel_callout(callout) == 3
    db.session.commit()
    assert callout.status == CallOutStatus.CANCELLED
    assert callouts.progress(callout)["cancelled"] == 3
    with pytest.raises(Conflict):
        callouts.cancel_callout(callout)


def test_preview_shows_final_text_per_language_with_segments_and_cost(
    app, create_mission, create_volunteer
):
    mission = create_mission(
        roles={"Handler": None}, capacity=6, area="경기 남부", address="비밀 주소 123"
    )
    create_volunteer("ko one", language="ko")
    create_volunteer("ko two", language="ko")
    create_volunteer("en one", language="en")

    ko, en = callouts.preview(mission, EVERYONE, "", now_utc())

    assert (ko.language, ko.recipients, en.recipients) == ("ko", 2, 1)
    assert mission.code in ko.text and "/v/" in ko.text and "비밀 주소" not in ko.text
    assert ko.segments == count_segments(ko.text).segments <= 2
    per_segment = Decimal(app.config["SMS_PRICE_PER_SEGMENT"])  # the console stands in for Twilio
    assert ko.cost == ko.segments * 2 * per_segment  # per segment, per recipient


def test_korean_call_out_text_stays_within_euc_kr_and_two_segments(
    app, create_mission, create_volunteer
):
    mission = create_mission(
        roles={"핸들러": None, "수의사": "vet"}, capacity=6, area="경기도 화성시 남부"
    )
    ko, en = callouts.preview(mission, EVERYONE, "장화 필수", now_utc())

    ko.text.encode("euc-kr")  # raises if a character cannot travel the Korean route
    assert ko.segments <= 2
    assert en.text.startswith(f"Rescue {mission.code}:")


def test_english_call_out_with_latin_names_fits_one_segment(app, create_mission):
    mission = create_mission(
        roles={"Handler": None, "Vet": "vet"}, capacity=6, area="Hwaseong south"
    )
    _ko, en = callouts.preview(mission, EVERYONE, "", now_utc())

    assert (en.encoding, en.segments) == ("GSM-7", 1), en.text
