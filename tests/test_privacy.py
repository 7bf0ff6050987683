"""Personal data: an admin exports or deletes one volunteer's data; team leads see masked phones."""

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator import links
from coordinator.domain import attendance, privacy, reports, signups
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import (
    AuditEntry,
    ConversationState,
    Direction,
    Message,
    MessageStatus,
    Signup,
    SignupSource,
    SignupStatus,
    StaffRole,
    Volunteer,
    VolunteerSkill,
)
from coordinator.phones import normalise_phone
from coordinator.timeutil import now_utc
from tests.support.api import ApiCaller

PHONE = "+821055556666"


@pytest.fixture
def world(create_staff, create_volunteer, create_mission, invite):
    """Jiwoo: a past mission they came to (texts billed), a future place someone waits for."""
    admin, lead = create_staff(StaffRole.ADMIN), create_staff(StaffRole.TEAM_LEAD)
    jiwoo = create_volunteer(
        "이지우",
        phone=PHONE,
        skills=("handler", "driver"),
        region="수원",
        notes="allergic to cats",
        vehicle_kind="van",
        vehicle_seats=3,
        vehicle_crates=4,
    )
    past = create_mission("지난 구조", day=-2, team_leads=[lead])
    came = signups.sign_up(
        jiwoo, past.positions[0], source=SignupSource.SMS, now=past.starts_at - timedelta(days=1)
    )  # booked the day before
    attendance.mark(came, "check_in", by=lead, at=past.starts_at, now=past.starts_at)
    future = create_mission("다음 구조", day=5, capacity=1, team_leads=[lead])
    place = signups.sign_up(jiwoo, future.positions[0], source=SignupSource.SMS)
    waiting = signups.sign_up(create_volunteer("박서준"), future.positions[0], source="sms")
    invite(future, jiwoo)
    for direction, status, body in [
        (Direction.OUTBOUND, MessageStatus.DELIVERED, "B7 구조 요청"),
        (Direction.INBOUND, MessageStatus.RECEIVED, "네 갈게요 지우"),
        (Direction.OUTBOUND, MessageStatus.QUEUED, "내일 알림"),
    ]:
        db.session.add(
            Message(
                direction=direction,
                volunteer=jiwoo,
                phone=PHONE,
                body=body,
                kind="callout",
                status=status,
                segments=2,
                mission_id=past.id,
            )
        )
    db.session.add(
        Message(
            direction=Direction.INBOUND,
            phone=PHONE,
            body="등록 전 문자",
            status=MessageStatus.RECEIVED,
        )
    )
    db.session.add(
        ConversationState(
            volunteer_id=jiwoo.id, kind="menu", payload={"a": 1}, expires_at=now_utc()
        )
    )
    db.session.commit()
    return {
        "admin": admin,
        "lead": lead,
        "jiwoo": jiwoo,
        "past": past,
        "future": future,
        "place": place,
        "waiting": waiting,
    }


def post_form(client, csrf_token, page: str, action: str, **data):
    token = csrf_token(client.get(page))
    return client.post(action, data={"csrf_token": token, **data})


def test_an_admin_downloads_everything_held_about_one_volunteer(client, login, csrf_token, world):
    jiwoo = world["jiwoo"]
    login(world["admin"])

    response = post_form(
        client, csrf_token, f"/volunteers/{jiwoo.id}", f"/privacy/volunteers/{jiwoo.id}/export"
    )

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["volunteer"]["name"] == "이지우" and data["volunteer"]["phone"] == PHONE
    assert data["volunteer"]["notes"] == "allergic to cats"
    assert {s["skill"] for s in data["volunteer"]["skills"]} == {"handler", "driver"}
    assert data["volunteer"]["vehicle"] == {"kind": "van", "seats": 3, "crates": 4}
    assert {s["mission"]["title"] for s in data["signups"]} == {"지난 구조", "다음 구조"}
    came = next(s for s in data["signups"] if s["mission"]["title"] == "지난 구조")
    assert came["attendance"]["status"] == "present"
    assert [e["action"] for e in came["attendance"]["events"]] == ["check_in"]
    assert len(data["invitations"]) == 1
    bodies = {m["body"] for m in data["messages"]}
    assert {"B7 구조 요청", "네 갈게요 지우", "등록 전 문자"} <= bodies
    assert data["conversation"]["kind"] == "menu"
    entry = db.session.scalar(select(AuditEntry).filter_by(action="export"))
    assert entry.staff_user_id == world["admin"].id and entry.object_id == jiwoo.id


@pytest.mark.parametrize("role", [StaffRole.COORDINATOR, StaffRole.TEAM_LEAD])
def test_only_admins_may_export_or_delete_a_volunteers_data(
    client, login, csrf_token, create_staff, world, role
):
    jiwoo = world["jiwoo"]
    login(create_staff(role))
    token = csrf_token(client.get("/account/tokens"))

    assert client.get(f"/privacy/volunteers/{jiwoo.id}/delete").status_code == 403
    for action in ("export", "delete"):
        response = client.post(
            f"/privacy/volunteers/{jiwoo.id}/{action}", data={"csrf_token": token, "confirm": "y"}
        )
        assert response.status_code == 403
    assert db.session.get(Volunteer, jiwoo.id).name == "이지우"


def test_export_and_delete_without_the_csrf_token_are_refused(client, login, world):
    jiwoo = world["jiwoo"]
    login(world["admin"])

    assert client.post(f"/privacy/volunteers/{jiwoo.id}/export").status_code == 400
    response = client.post(f"/privacy/volunteers/{jiwoo.id}/delete", data={"confirm": "y"})

    assert response.status_code == 400
    assert db.session.get(Volunteer, jiwoo.id).erased_at is None


@pytest.mark.parametrize("role, offered", [(StaffRole.ADMIN, True), (StaffRole.COORDINATOR, False)])
def test_the_volunteer_page_offers_export_and_delete_to_admins_only(
    client, login, create_staff, world, role, offered
):
    login(create_staff(role))

    page = client.get(f"/volunteers/{world['jiwoo'].id}").get_data(as_text=True)

    assert ("Delete their data" in page) is offered
    assert ("/privacy/volunteers/" in page) is offered


def test_deleting_asks_for_confirmation_and_changes_nothing_until_confirmed(
    client, login, csrf_token, world
):
    jiwoo = world["jiwoo"]
    login(world["admin"])
    page = client.get(f"/privacy/volunteers/{jiwoo.id}/delete")
    assert page.status_code == 200 and "cannot be undone" in page.get_data(as_text=True)

    response = client.post(
        f"/privacy/volunteers/{jiwoo.id}/delete", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.get_data(as_text=True)
    assert db.session.get(Volunteer, jiwoo.id).phone == PHONE


def erase(client, login, csrf_token, world):
    jiwoo = world["jiwoo"]
    login(world["admin"])
    page = client.get(f"/privacy/volunteers/{jiwoo.id}/delete")
    return client.post(
        f"/privacy/volunteers/{jiwoo.id}/delete",
        data={"csrf_token": csrf_token(page), "confirm": "y"},
    )


def test_a_deleted_volunteer_cannot_be_identified_or_reached(client, login, csrf_token, world):
    jiwoo_id = world["jiwoo"].id

    response = erase(client, login, csrf_token, world)

    assert response.status_code == 303
    jiwoo = db.session.get(Volunteer, jiwoo_id)
    assert "이지우" not in jiwoo.name and jiwoo.phone == privacy.placeholder_phone(jiwoo_id)
    assert jiwoo.notes == "" and jiwoo.region is None and jiwoo.vehicle_kind is None
    assert jiwoo.vehicle_seats is None and jiwoo.vehicle_crates is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(VolunteerSkill).filter_by(volunteer_id=jiwoo_id)
        )
        == 0
    )
    assert jiwoo.is_opted_out and jiwoo.erased_at is not None
    assert db.session.get(ConversationState, jiwoo_id) is None
    page = client.get(f"/volunteers/{jiwoo_id}").get_data(as_text=True)
    assert "이지우" not in page and "5555" not in page and "allergic" not in page
    directory = client.get("/volunteers/").get_data(as_text=True)
    assert f'/volunteers/{jiwoo_id}"' not in directory  # no longer listed


def test_messages_are_anonymised_but_their_number_and_cost_stay(client, login, csrf_token, world):
    before = reports.mission_report(world["past"])
    counts_before = (
        before.messages_sent,
        before.message_cost,
        len(before.attended),
        before.total_hours,
    )
    ids_before = set(db.session.scalars(select(Message.id)))

    erase(client, login, csrf_token, world)

    db.session.expire_all()
    after = reports.mission_report(db.session.get(type(world["past"]), world["past"].id))
    assert (
        after.messages_sent,
        after.message_cost,
        len(after.attended),
        after.total_hours,
    ) == counts_before
    assert ids_before <= set(db.session.scalars(select(Message.id)))  # none removed
    bodies = " ".join(db.session.scalars(select(Message.body).where(Message.id.in_(ids_before))))
    assert "지우" not in bodies and "구조 요청" not in bodies and "등록 전" not in bodies
    assert PHONE not in set(db.session.scalars(select(Message.phone)))
    queued = db.session.scalar(
        select(Message)
        .filter_by(body=privacy.ERASED_BODY, kind="callout", segments=2)
        .where(Message.status == MessageStatus.QUEUED)
    )
    assert queued is None  # the text not yet sent never will be


def test_future_places_are_cancelled_and_the_waitlist_moves_up(client, login, csrf_token, world):
    erase(client, login, csrf_token, world)

    db.session.expire_all()
    assert db.session.get(Signup, world["place"].id).status == SignupStatus.CANCELLED
    assert db.session.get(Signup, world["waiting"].id).status == SignupStatus.OFFERED
    past = db.session.scalars(select(Signup).filter_by(mission_id=world["past"].id)).one()
    assert past.status == SignupStatus.CONFIRMED and past.attendance.status == "present"


def test_personal_links_stop_working_after_deletion(app, client, login, csrf_token, world):
    token = links.make_token(world["jiwoo"])

    erase(client, login, csrf_token, world)

    with pytest.raises(links.LinkError, match="revoked"):
        links.read_token(token)
    assert client.get(f"/v/{token}").status_code in (403, 404, 410)


def test_the_deletion_is_audited_without_the_deleted_data(client, login, csrf_token, world):
    erase(client, login, csrf_token, world)

    entry = db.session.scalar(select(AuditEntry).filter_by(action="erase"))
    assert entry.staff_user_id == world["admin"].id and entry.object_id == world["jiwoo"].id
    everything = json.dumps(
        [e.changes for e in db.session.scalars(select(AuditEntry))], ensure_ascii=False
    )
    for secret in ("이지우", PHONE, "수원", "allergic"):
        assert secret not in everything
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "erased the personal data of the volunteer (deleted)" in log and "이지우" not in log


def test_the_placeholder_number_is_unique_and_refused_as_input(app, create_volunteer):
    numbers = {privacy.placeholder_phone(i) for i in (1, 2, 10**9)}

    assert len(numbers) == 3 and all(len(n) <= 20 for n in numbers)
    for number in numbers:
        with pytest.raises(ValidationError):
            normalise_phone(number)


def test_deleting_twice_is_a_clear_conflict(client, login, csrf_token, world):
    erase(client, login, csrf_token, world)
    page = client.get(f"/privacy/volunteers/{world['jiwoo'].id}/delete")
    assert "already deleted" in page.get_data(as_text=True)

    response = client.post(
        f"/privacy/volunteers/{world['jiwoo'].id}/delete",
        data={"csrf_token": csrf_token(page), "confirm": "y"},
    )

    assert response.status_code == 409
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).filter_by(action="erase"))
        == 1
    )


# -- phones masked for team leads ------------------------------------------------------------


MASKED, FULL = "010-****-6666", "010-5555-6666"


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        (StaffRole.TEAM_LEAD, MASKED, FULL),
        (StaffRole.COORDINATOR, FULL, MASKED),
    ],
)
def test_the_roster_page_and_its_live_fragment_mask_phones_for_team_leads(
    client, login, world, role, shown, hidden
):
    user = world["lead"] if role == StaffRole.TEAM_LEAD else world["admin"]
    login(user)
    for path in ("", "/live"):
        page = client.get(f"/missions/{world['future'].id}/roster{path}").get_data(as_text=True)
        assert shown in page and hidden not in page
    if role == StaffRole.TEAM_LEAD:
        assert PHONE not in page  # not in a tel: link either


@pytest.mark.parametrize(
    "role, shown",
    [
        (StaffRole.TEAM_LEAD, MASKED),
        (StaffRole.ADMIN, FULL),
    ],
)
def test_the_roster_csv_masks_phones_for_team_leads(client, login, world, role, shown):
    login(world["lead"] if role == StaffRole.TEAM_LEAD else world["admin"])

    text = client.get(f"/missions/{world['future'].id}/roster/export.csv").get_data(as_text=True)

    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["phone"] for r in rows if r["name"] == "이지우"} == {shown}


def test_the_api_roster_masks_phones_for_team_leads_only(client, world):
    path = f"/missions/{world['future'].id}/roster"
    lead_view = ApiCaller(client, world["lead"]).get(path).get_json()
    admin_view = ApiCaller(client, world["admin"]).get(path).get_json()

    assert {i["volunteer"]["phone"] for i in lead_view["items"]} >= {MASKED}
    assert PHONE not in json.dumps(lead_view)
    assert {i["volunteer"]["phone"] for i in admin_view["items"]} >= {PHONE}


def test_day_pages_manifest_and_report_never_show_a_team_lead_a_whole_number(client, login, world):
    login(world["lead"])
    past, future = world["past"], world["future"]
    paths = [
        f"/day/missions/{past.id}",
        f"/day/missions/{past.id}/shifts/{past.shifts[0].id}",
        f"/day/missions/{future.id}/manifest",
        f"/reports/missions/{past.id}",
        f"/reports/missions/{past.id}.csv",
    ]
    for path in paths:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert FULL not in text and PHONE not in text and "01055556666" not in text, path
