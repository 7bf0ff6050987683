"""The roster: who is where, live updates, changes by hand under the booking rules, and who may."""

import pytest
from sqlalchemy import func, select

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import (
    Mission,
    Position,
    Signup,
    SignupSource,
    SignupStatus,
    StaffRole,
    Vehicle,
    Volunteer,
)
from tests.support.queries import counted

WRITE_BLUEPRINTS = ("missions", "roster", "volunteers")


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR)
    login(user)
    return user


@pytest.fixture
def farm(create_mission):
    return create_mission(
        roles={"Handler": "handler", "Driver": "driver"},
        shifts=[(7, 12), (13, 18)],
        capacity=1,
        vehicles=[("단체 밴", 2, 10)],
    )


def _signups(volunteer: Volunteer) -> list[tuple[int, str]]:
    return sorted(
        tuple(row)
        for row in db.session.execute(
            select(Signup.position_id, Signup.status).where(Signup.volunteer_id == volunteer.id)
        )
    )


def _cell(mission: Mission, role: str, shift: int) -> Position:
    return next(
        p for p in mission.positions if p.role.name == role and p.shift == mission.shifts[shift]
    )


def test_the_roster_shows_each_cell_with_its_people_waitlist_and_gaps(
    client, coordinator, farm, create_volunteer
):
    handler_am = farm.positions[0]
    signups.sign_up(create_volunteer("김민준"), handler_am, source=SignupSource.SMS)
    signups.sign_up(create_volunteer("이서연"), handler_am, source=SignupSource.SMS)
    db.session.commit()
    page = client.get(f"/missions/{farm.id}/roster").get_data(as_text=True)
    assert "김민준" in page and "이서연" in page and "waitlisted" in page
    assert "3 places still open" in page
    assert page.count('class="gap"') == 3
    assert 'data-live-url="/missions/' in page and "roster.js" in page


def test_the_live_fragment_changes_when_a_signup_arrives_and_is_304_otherwise(
    client, coordinator, farm, create_volunteer
):
    url = f"/missions/{farm.id}/roster/live"
    first = client.get(url)
    assert first.status_code == 200 and "<html" not in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    signups.sign_up(create_volunteer("박지호"), farm.positions[0], source=SignupSource.SMS)
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "박지호" in changed.get_data(as_text=True)


def test_the_live_fragment_notices_a_cancel_an_accepted_offer_and_a_check_in(
    client, coordinator, farm, create_volunteer
):
    from coordinator.domain import attendance

    url = f"/missions/{farm.id}/roster/live"
    holder = signups.sign_up(create_volunteer("가"), farm.positions[0], source=SignupSource.SMS)
    waiting = signups.sign_up(create_volunteer("나"), farm.positions[0], source=SignupSource.SMS)
    db.session.commit()
    changes = (
        lambda: signups.cancel(holder),  # the place is offered to the waitlisted one
        lambda: signups.accept_offer(waiting),
        lambda: attendance.mark(  # on the day: marking opens shortly before the shift
            waiting, "check_in", by=coordinator, now=farm.shifts[0].starts_at
        ),
    )
    etag = client.get(url).headers["ETag"]
    for change in changes:
        change()
        db.session.commit()
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200, change
        etag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_long_waitlist_is_cut_on_the_polled_roster_and_the_export_lists_everyone(
    client, coordinator, farm, create_volunteer
):
    position = farm.positions[0]
    for i in range(25):
        signups.sign_up(create_volunteer(f"대기{i:02d}"), position, source=SignupSource.SMS)
    db.session.commit()
    page = client.get(f"/missions/{farm.id}/roster/live").get_data(as_text=True)
    assert "대기10" in page and "대기11" not in page  # 1 confirmed, then 10 waitlisted
    assert "and 14 more on the waitlist" in page
    export = client.get(f"/missions/{farm.id}/roster/export.csv").get_data(as_text=True)
    assert all(f"대기{i:02d}" in export for i in range(25))


def test_an_unchanged_roster_answers_304_without_loading_its_signups(
    client, coordinator, farm, create_volunteer
):
    for i in range(30):
        volunteer = create_volunteer(f"사람{i}", skills=["handler", "driver"])
        signups.sign_up(volunteer, farm.positions[i % 4], source=SignupSource.SMS)
    db.session.commit()
    url = f"/missions/{farm.id}/roster/live"
    etag = client.get(url).headers["ETag"]
    with counted() as statements:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert not any("FROM volunteers" in s for s in statements)


def test_a_coordinator_adds_a_volunteer_by_phone_after_being_told_whose_it_is(
    client, coordinator, farm, create_volunteer, post_form
):
    kim = create_volunteer("김민준", phone="+821012345678")
    handler_pm = _cell(farm, "Handler", 1)
    form = {"volunteer": "010-1234-5678", "position_id": handler_pm.id}
    asked = post_form(f"/missions/{farm.id}/roster/add", form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 409 and "김민준" in page and "Yes, add 김민준" in page
    assert 'value="010-1234-5678"' in page  # what was typed is kept
    assert f'value="{handler_pm.id}" selected' in page
    assert db.session.scalar(select(Signup)) is None  # nobody added before the answer

    response = post_form(
        f"/missions/{farm.id}/roster/add", {**form, "confirm_volunteer_id": kim.id}
    )
    assert response.status_code == 303
    signup = db.session.scalar(select(Signup))
    assert (signup.volunteer_id, signup.status, signup.source) == (kim.id, "confirmed", "staff")


def test_a_refused_manual_add_keeps_what_was_typed(coordinator, farm, post_form):
    refused = post_form(
        f"/missions/{farm.id}/roster/add",
        {"volunteer": "없는 사람", "position_id": farm.positions[0].id, "waitlist": "1"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'value="없는 사람"' in page
    assert 'name="waitlist" value="1" checked' in page


def test_adding_by_hand_obeys_capacity_overlap_and_skill_like_an_sms_sign_up(
    coordinator, farm, create_volunteer, post_form
):
    handler_am, handler_pm = _cell(farm, "Handler", 0), _cell(farm, "Handler", 1)
    driver_am = _cell(farm, "Driver", 0)
    signups.sign_up(create_volunteer("가"), handler_am, source=SignupSource.SMS)
    busy = create_volunteer("나", skills=["handler", "driver"])
    signups.sign_up(busy, handler_pm, source=SignupSource.SMS)
    db.session.commit()
    late = create_volunteer("다", phone="+821099990000")
    url = f"/missions/{farm.id}/roster/add"
    full = post_form(url, {"volunteer": "다", "position_id": handler_am.id})
    assert full.status_code == 409 and "is full" in full.get_data(as_text=True)
    no_skill = post_form(
        url,
        {
            "volunteer": "010-9999-0000",
            "position_id": driver_am.id,
            "confirm_volunteer_id": late.id,
        },
    )
    assert no_skill.status_code == 409 and "needs the skill" in no_skill.get_data(as_text=True)
    assert _signups(late) == []
    waitlisted = post_form(url, {"volunteer": "다", "position_id": handler_am.id, "waitlist": "1"})
    assert waitlisted.status_code == 303
    assert _signups(late) == [(handler_am.id, "waitlisted")]
    before = _signups(busy)
    other = create_mission_overlapping(farm, busy)
    clash = post_form(
        url.replace(str(farm.id), str(other.id)),
        {"volunteer": "나", "position_id": other.positions[0].id},
        page=f"/missions/{other.id}/roster",
    )
    assert clash.status_code == 409 and "overlapping shift" in clash.get_data(as_text=True)
    assert _signups(busy) == before


def create_mission_overlapping(farm: Mission, volunteer: Volunteer) -> Mission:
    """A second mission at the same time as the farm's afternoon shift."""
    shift = farm.shifts[1]
    other = Mission(
        title="다른 구조",
        code="Z9",
        status="recruiting",
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
    )
    from coordinator.models import Role, Shift

    role = Role(name="Handler", sms_key="H", required_skill=None)
    slot = Shift(name="PM", sms_key="PM", starts_at=shift.starts_at, ends_at=shift.ends_at)
    other.roles, other.shifts = [role], [slot]
    other.positions = [Position(role=role, shift=slot, capacity=3)]
    db.session.add(other)
    db.session.commit()
    return other


def test_an_unknown_or_ambiguous_volunteer_is_refused_with_a_clear_message(
    coordinator, farm, create_volunteer, post_form
):
    create_volunteer("김민준")
    create_volunteer("김민준")
    url = f"/missions/{farm.id}/roster/add"
    twice = post_form(url, {"volunteer": "김민준", "position_id": farm.positions[0].id})
    assert twice.status_code == 400 and "use the phone number" in twice.get_data(as_text=True)
    nobody = post_form(url, {"volunteer": "없는 사람", "position_id": farm.positions[0].id})
    assert nobody.status_code == 400 and "no volunteer" in nobody.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Signup)) == 0


def test_moving_someone_keeps_their_place_when_the_new_one_is_full(
    coordinator, farm, create_volunteer, post_form
):
    am, pm = _cell(farm, "Handler", 0), _cell(farm, "Handler", 1)
    mover = signups.sign_up(create_volunteer("가"), am, source=SignupSource.SMS)
    signups.sign_up(create_volunteer("나"), pm, source=SignupSource.SMS)
    db.session.commit()
    refused = post_form(f"/missions/{farm.id}/roster/{mover.id}/move", {"position_id": pm.id})
    assert refused.status_code == 409
    db.session.refresh(mover)
    assert mover.status == SignupStatus.CONFIRMED and mover.position_id == am.id
    db.session.refresh(am)
    assert am.filled == 1


def test_moving_someone_to_a_free_place_frees_the_old_one(
    coordinator, create_mission, create_volunteer, post_form
):
    mission = create_mission(shifts=[(7, 12), (13, 18)], capacity=1)
    am, pm = mission.positions
    mover = signups.sign_up(create_volunteer("가"), am, source=SignupSource.SMS)
    db.session.commit()
    response = post_form(f"/missions/{mission.id}/roster/{mover.id}/move", {"position_id": pm.id})
    assert response.status_code == 303
    db.session.refresh(am)
    db.session.refresh(pm)
    assert (am.filled, pm.filled) == (0, 1)
    moved = db.session.scalar(select(Signup).where(Signup.status == "confirmed"))
    assert moved.position_id == pm.id and moved.source == "staff"


def test_removing_someone_offers_the_place_to_the_first_on_the_waitlist(
    coordinator, farm, create_volunteer, post_form
):
    position = farm.positions[0]
    leaving = signups.sign_up(create_volunteer("가"), position, source=SignupSource.SMS)
    waiting = signups.sign_up(create_volunteer("나"), position, source=SignupSource.SMS)
    db.session.commit()
    response = post_form(
        f"/missions/{farm.id}/roster/{leaving.id}/remove", {"reason": "아파서 못 옴"}
    )
    assert response.status_code == 303
    db.session.refresh(leaving)
    db.session.refresh(waiting)
    assert (leaving.status, leaving.cancel_reason) == ("cancelled", "아파서 못 옴")
    assert waiting.status == SignupStatus.OFFERED


def test_a_coordinator_seats_someone_in_a_van_and_the_roster_shows_it(
    client, coordinator, farm, create_volunteer, post_form
):
    signup = signups.sign_up(create_volunteer("가"), farm.positions[0], source=SignupSource.SMS)
    db.session.commit()
    van = db.session.scalar(select(Vehicle))
    response = post_form(f"/missions/{farm.id}/roster/{signup.id}/vehicle", {"vehicle_id": van.id})
    assert response.status_code == 303
    db.session.refresh(signup)
    assert signup.vehicle_id == van.id
    page = client.get(f"/missions/{farm.id}/roster").get_data(as_text=True)
    assert "🚐 단체 밴" in page and "1/2" in page


def test_the_roster_exports_as_csv_that_excel_reads_in_korean(
    client, coordinator, farm, create_volunteer
):
    signups.sign_up(create_volunteer("김민준"), farm.positions[0], source=SignupSource.SMS)
    db.session.commit()
    response = client.get(f"/missions/{farm.id}/roster/export.csv")
    text = response.get_data().decode("utf-8")
    assert response.mimetype == "text/csv" and text.startswith("\ufeffshift,starts,role")
    assert "Handler,confirmed,김민준" in text


def test_a_team_lead_views_the_roster_of_a_mission_they_lead_but_not_others(
    client, create_staff, login, create_mission
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    mine = create_mission(team_leads=[lead])
    other = create_mission()
    login(lead)
    assert client.get(f"/missions/{mine.id}/roster").status_code == 200
    assert client.get(f"/missions/{mine.id}/roster/live").status_code == 200
    assert client.get(f"/missions/{other.id}/roster").status_code == 403
    assert client.get(f"/missions/{other.id}/roster/export.csv").status_code == 403
    assert "Change" not in client.get(f"/missions/{mine.id}/roster").get_data(as_text=True)


def _snapshot() -> list:
    rows = []
    for model in (Mission, Position, Signup, Vehicle, Volunteer):
        rows.append(db.session.scalar(select(func.count()).select_from(model)))
    mission = db.session.scalar(select(Mission))
    volunteer = db.session.scalar(select(Volunteer))
    rows += [
        mission.status,
        mission.title,
        sorted(p.capacity for p in mission.positions),
        volunteer.name,
        volunteer.opted_out_at,
        volunteer.link_version,
    ]
    return rows


def test_every_write_route_refuses_a_team_lead_and_changes_nothing(
    app, client, create_staff, login, create_mission, create_volunteer, csrf_token
):
    lead = create_staff(StaffRole.TEAM_LEAD)
    mission = create_mission(team_leads=[lead], vehicles=[("밴", 2, 4)])
    volunteer = create_volunteer(skills=["handler"])
    signup = signups.sign_up(volunteer, mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    ids = {
        "mission_id": mission.id,
        "volunteer_id": volunteer.id,
        "signup_id": signup.id,
        "child_id": mission.roles[0].id,
        "kind": "roles",
    }
    login(lead)
    token = csrf_token(client.get(f"/missions/{mission.id}/roster"))
    before = _snapshot()
    routes = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".")[0] in WRITE_BLUEPRINTS and "POST" in r.methods
    ]
    assert len(routes) >= 15
    for rule in routes:
        url = rule.build({k: v for k, v in ids.items() if k in rule.arguments})[1]
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "position_id": "1",
                "status": "recruiting",
                "volunteer": volunteer.phone,
                "name": "X",
                "phone": "010-1111-2222",
                "confirm": "y",
                "action": "opt_out",
                "note": "x",
            },
        )
        assert response.status_code == 403, url
    db.session.expire_all()
    assert _snapshot() == before
