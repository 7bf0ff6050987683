"""Missions from the coordinator's side: create, plan, open, edit, duplicate, cancel, board."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import (
    CallOut,
    CallOutStatus,
    ExpectedAnimals,
    Message,
    Mission,
    MissionStatus,
    Position,
    Role,
    Shift,
    SignupSource,
    StaffRole,
)
from tests.support.coordinator_pages import mission_form


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR, name="이코디")
    login(user)
    return user


def test_a_coordinator_creates_a_draft_mission_in_local_time_with_a_suggested_code(
    client, coordinator, create_staff, post_form
):
    lead = create_staff(StaffRole.TEAM_LEAD, name="박팀장")
    response = post_form(
        "/missions/new", mission_form(team_lead_ids=[lead.id]), page="/missions/new"
    )
    assert response.status_code == 303
    mission = db.session.scalar(select(Mission))
    assert (mission.code, mission.status, mission.kind) == ("F1", "draft", "farm_closure")
    # 07:00 in Seoul is 22:00 UTC the day before.
    assert mission.starts_at == datetime(2030, 5, 31, 22, 0, tzinfo=UTC)
    assert [a.species for a in mission.animals] == ["dog"] and mission.animals[0].count == 60
    assert mission.team_leads == [lead]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "개농장 구조" in page and "Add a role" in page


def test_a_code_used_by_an_open_mission_is_refused_and_nothing_is_saved(
    coordinator, create_mission, post_form
):
    create_mission(code="F1")
    response = post_form("/missions/new", mission_form(code="f1"), page="/missions/new")
    assert response.status_code == 409
    assert "already used by an open mission" in response.get_data(as_text=True)
    assert _count(Mission) == 1


def test_a_mission_ending_before_it_starts_is_refused(coordinator, post_form):
    response = post_form(
        "/missions/new", mission_form(ends_at="2030-06-01T06:00"), page="/missions/new"
    )
    assert response.status_code == 400
    assert "end after it starts" in response.get_data(as_text=True)
    assert _count(Mission) == 0


def test_roles_shifts_and_capacities_are_planned_on_one_page_then_opened(coordinator, post_form):
    post_form("/missions/new", mission_form(), page="/missions/new")
    mission = db.session.scalar(select(Mission))
    base = f"/missions/{mission.id}"
    assert (
        post_form(
            f"{base}/roles", {"name": "Handler", "required_skill": "handler"}, page=base
        ).status_code
        == 303
    )
    post_form(
        f"{base}/roles", {"name": "Driver", "sms_key": "d", "required_skill": "driver"}, page=base
    )
    for name, start, end in (("Morning", "07:00", "12:00"), ("Afternoon", "12:00", "18:00")):
        response = post_form(
            f"{base}/shifts",
            {"name": name, "starts_at": f"2030-06-01T{start}", "ends_at": f"2030-06-01T{end}"},
            page=base,
        )
        assert response.status_code == 303
    positions = db.session.scalars(select(Position).where(Position.mission_id == mission.id))
    caps = {f"cap-{p.id}": 4 for p in positions}
    assert post_form(f"{base}/capacities", caps, page=base).status_code == 303
    assert post_form(f"{base}/status", {"status": "recruiting"}, page=base).status_code == 303
    db.session.refresh(mission)
    assert mission.status == MissionStatus.RECRUITING
    assert sorted((r.name, r.sms_key) for r in mission.roles) == [("Driver", "D"), ("Handler", "H")]
    assert [s.sms_key for s in mission.shifts] == ["AM", "PM"]
    assert sorted(p.capacity for p in mission.positions) == [4, 4, 4, 4]


def test_a_mission_without_places_cannot_be_opened_for_sign_ups(
    coordinator, create_mission, post_form
):
    mission = create_mission(status=MissionStatus.DRAFT, capacity=0)
    response = post_form(f"/missions/{mission.id}/status", {"status": "recruiting"})
    assert response.status_code == 409
    assert "at least one role and shift with places" in response.get_data(as_text=True)
    db.session.refresh(mission)
    assert mission.status == MissionStatus.DRAFT


def test_a_shift_outside_the_mission_times_is_refused(coordinator, create_mission, post_form):
    mission = create_mission(shifts=[(7, 12)])
    response = post_form(
        f"/missions/{mission.id}/shifts",
        {"name": "Night", "starts_at": "2031-01-01T20:00", "ends_at": "2031-01-01T23:00"},
    )
    assert response.status_code == 400
    assert "within the mission" in response.get_data(as_text=True)
    assert _count(Shift) == 1


def test_capacity_cannot_drop_below_the_people_already_holding_a_place(
    coordinator, create_mission, create_volunteer, post_form
):
    mission = create_mission(capacity=2)
    position = mission.positions[0]
    for name in ("가", "나"):
        signups.sign_up(create_volunteer(name), position, source=SignupSource.SMS)
    db.session.commit()
    response = post_form(f"/missions/{mission.id}/capacities", {f"cap-{position.id}": "1"})
    assert response.status_code == 409
    assert "2 people holding a place" in response.get_data(as_text=True)
    db.session.refresh(position)
    assert position.capacity == 2


def test_raising_capacity_offers_the_new_place_to_the_waitlist_and_reopens_recruiting(
    coordinator, create_mission, create_volunteer, post_form
):
    mission = create_mission(capacity=1)
    position = mission.positions[0]
    signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    waiting = signups.sign_up(create_volunteer("나"), position, source=SignupSource.SMS)
    db.session.commit()
    assert mission.status == MissionStatus.STAFFED
    post_form(f"/missions/{mission.id}/capacities", {f"cap-{position.id}": "3"})
    db.session.refresh(waiting)
    db.session.refresh(mission)
    assert waiting.status == "offered"
    assert mission.status == MissionStatus.RECRUITING


def test_a_capacity_that_is_not_a_number_is_refused_without_a_change(
    coordinator, create_mission, post_form
):
    mission = create_mission(capacity=2)
    response = post_form(
        f"/missions/{mission.id}/capacities", {f"cap-{mission.positions[0].id}": "lots"}
    )
    assert response.status_code == 400
    db.session.refresh(mission.positions[0])
    assert mission.positions[0].capacity == 2


def test_moving_a_mission_to_another_day_moves_its_shifts_along(
    coordinator, create_mission, post_form
):
    mission = create_mission(shifts=[(7, 12), (12, 18)])
    old = [(s.starts_at, s.ends_at) for s in mission.shifts]
    response = post_form(
        f"/missions/{mission.id}/edit",
        mission_form(
            code=mission.code,
            starts_at="2031-03-01T07:00",
            ends_at="2031-03-01T18:00",
            move_shifts="y",
        ),
        page=f"/missions/{mission.id}/edit",
    )
    assert response.status_code == 303
    db.session.refresh(mission)
    delta = mission.starts_at - old[0][0]
    assert [(s.starts_at, s.ends_at) for s in mission.shifts] == [
        (a + delta, b + delta) for a, b in old
    ]


def test_shortening_a_mission_past_its_shifts_is_refused_and_changes_nothing(
    coordinator, create_mission, post_form
):
    mission = create_mission(shifts=[(7, 12), (12, 18)], title="원래 제목")
    starts = mission.starts_at
    form = mission_form(code=mission.code, title="새 제목")
    form.pop("move_shifts", None)
    response = post_form(f"/missions/{mission.id}/edit", form, page=f"/missions/{mission.id}/edit")
    assert response.status_code == 400
    assert "fall outside" in response.get_data(as_text=True)
    db.session.refresh(mission)
    assert (mission.title, mission.starts_at) == ("원래 제목", starts)


def test_a_past_mission_is_duplicated_as_a_draft_template_on_a_new_date(
    coordinator, create_mission, create_volunteer, post_form
):
    source = create_mission(
        roles={"Handler": "handler", "Driver": "driver"},
        shifts=[(7, 12), (12, 18)],
        capacity=3,
        vehicles=[("밴", 3, 12)],
        kind="farm_closure",
        status=MissionStatus.DONE,
        code="F1",
    )
    source.animals.append(ExpectedAnimals(species="dog", count=40))
    signups_before = _count(Position)
    db.session.commit()
    response = post_form(
        f"/missions/{source.id}/duplicate",
        {"starts_at": "2031-01-10T07:00"},
        page=f"/missions/{source.id}/duplicate",
    )
    assert response.status_code == 303
    copy = db.session.scalar(select(Mission).where(Mission.id != source.id))
    assert copy.status == MissionStatus.DRAFT and copy.code == "F1"  # F1 is free: source is done
    assert [r.name for r in copy.roles] == ["Handler", "Driver"]
    assert len(copy.shifts) == 2 and all(p.capacity == 3 and p.filled == 0 for p in copy.positions)
    assert copy.shifts[0].starts_at == datetime(2031, 1, 9, 22, 0, tzinfo=UTC)
    assert [(v.label, v.crate_slots) for v in copy.vehicles] == [("밴", 12)]
    assert copy.animals[0].count == 40
    assert _count(Position) == 2 * signups_before


def test_cancelling_asks_for_confirmation_first(coordinator, create_mission, post_form):
    mission = create_mission()
    page = post_form(f"/missions/{mission.id}/cancel", {}, page=f"/missions/{mission.id}/cancel")
    assert page.status_code == 400
    db.session.refresh(mission)
    assert mission.status == MissionStatus.RECRUITING


def test_cancelling_texts_everyone_holding_a_place_once_and_stops_call_outs(
    coordinator, create_mission, create_volunteer, post_form
):
    mission = create_mission(roles={"Handler": "handler"}, shifts=[(7, 12), (13, 18)], capacity=1)
    kim = create_volunteer("김민준")
    emily = create_volunteer("Emily", language="en")
    signups.sign_up(kim, mission.positions[0], source=SignupSource.SMS)
    signups.sign_up(kim, mission.positions[1], source=SignupSource.SMS)
    signups.sign_up(emily, mission.positions[0], source=SignupSource.SMS)  # waitlisted
    db.session.add(CallOut(mission_id=mission.id, status=CallOutStatus.SENDING))
    db.session.commit()
    page = f"/missions/{mission.id}/cancel"
    response = post_form(page, {"confirm": "y"}, page=page)
    assert response.status_code == 303
    db.session.refresh(mission)
    assert mission.status == MissionStatus.CANCELLED
    texts = db.session.scalars(select(Message).where(Message.kind == "mission_cancelled")).all()
    assert [(m.volunteer.name, "취소" in m.body) for m in texts] == [("김민준", True)]
    assert db.session.scalar(select(CallOut.status)) == CallOutStatus.CANCELLED
    again = post_form(page, {"confirm": "y"}, page=f"/missions/{mission.id}")
    assert again.status_code == 303
    assert _count(Message) == 1


def test_the_board_shows_fill_per_role_and_crates_against_animals(
    client, coordinator, create_mission, create_volunteer
):
    mission = create_mission(
        roles={"핸들러": "handler", "Driver": "driver"}, capacity=3, vehicles=[("밴", 3, 10)]
    )
    mission.animals.append(ExpectedAnimals(species="dog", count=25))
    signups.sign_up(create_volunteer(), mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert mission.code in page and "핸들러" in page
    assert 'value="1"' in page and "1/3" in page
    assert "10 slots for 25 animals" in page
    assert "5 places open" in page


def test_the_board_filters_by_kind_status_and_dates(client, coordinator, create_mission):
    create_mission("개농장", kind="farm_closure", day=3)
    create_mission("말 구조", kind="large_animal", day=10)
    create_mission("끝난 구조", kind="farm_closure", status=MissionStatus.DONE, day=1)
    assert "말 구조" not in client.get("/?kind=farm_closure").get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    assert "개농장" in page and "말 구조" in page and "끝난 구조" not in page
    assert "끝난 구조" in client.get("/?status=done").get_data(as_text=True)
    later = datetime.now(UTC).date().toordinal() + 7
    from_date = datetime.fromordinal(later).date().isoformat()
    page = client.get(f"/?from={from_date}").get_data(as_text=True)
    assert "말 구조" in page and "개농장" not in page
    assert client.get("/?from=not-a-date&status=nonsense").status_code == 200


def test_a_new_user_is_told_what_to_do_first(client, coordinator):
    page = client.get("/").get_data(as_text=True)
    assert "No missions yet" in page and "Create the first mission" in page


def test_a_team_lead_sees_only_the_missions_they_lead(client, create_staff, login, create_mission):
    lead = create_staff(StaffRole.TEAM_LEAD)
    create_mission("내 구조", team_leads=[lead])
    create_mission("남의 구조")
    login(lead)
    page = client.get("/").get_data(as_text=True)
    assert "내 구조" in page and "남의 구조" not in page


def test_the_confidential_address_is_marked_for_staff(client, coordinator, create_mission):
    mission = create_mission(is_address_confidential=True, address="비밀 주소 12")
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "비밀 주소 12" in page and "confidential" in page


def test_an_unknown_mission_is_a_404(client, coordinator):
    assert client.get("/missions/999").status_code == 404
    assert client.get("/missions/999/roster").status_code == 404


def test_role_rows_are_deleted_only_when_nobody_is_signed_up(
    coordinator, create_mission, create_volunteer, post_form
):
    mission = create_mission(roles={"Handler": "handler", "Photo": None})
    handler = mission.roles[0]
    signups.sign_up(create_volunteer(), mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    refused = post_form(f"/missions/{mission.id}/roles/{handler.id}/delete")
    assert refused.status_code == 409
    photo_id = mission.roles[1].id
    assert post_form(f"/missions/{mission.id}/roles/{photo_id}/delete").status_code == 303
    assert [r.name for r in db.session.scalars(select(Role))] == ["Handler"]
