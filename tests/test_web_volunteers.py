"""The volunteer directory: search, profile, add and edit, opt-out with a note, CSV in and out."""

import io

import pytest
from sqlalchemy import func, select

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import SignupSource, StaffRole, Volunteer


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR)
    login(user)
    return user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Volunteer))


def test_the_directory_searches_by_name_phone_skill_and_region(
    client, coordinator, create_volunteer
):
    create_volunteer("김민준", phone="+821012345678", skills=["driver"], region="서울")
    create_volunteer("이서연", skills=["vet"], region="제주")
    assert "이서연" not in client.get("/volunteers/?q=민준").get_data(as_text=True)
    by_phone = client.get("/volunteers/?q=010-1234").get_data(as_text=True)
    assert "김민준" in by_phone and "이서연" not in by_phone
    assert "김민준" not in client.get("/volunteers/?skill=vet").get_data(as_text=True)
    assert "이서연" in client.get("/volunteers/?region=제주").get_data(as_text=True)
    assert "Nobody matches" in client.get("/volunteers/?q=없는이름").get_data(as_text=True)


def test_the_directory_pages_through_many_volunteers(client, coordinator, create_volunteer):
    for i in range(55):
        create_volunteer(f"봉사자{i:02d}")
    first = client.get("/volunteers/").get_data(as_text=True)
    second = client.get("/volunteers/?page=2").get_data(as_text=True)
    assert "봉사자00" in first and "봉사자54" not in first and "1 / 2" in first
    assert "봉사자54" in second
    assert client.get("/volunteers/?page=999").status_code == 200


def test_a_coordinator_adds_a_volunteer_typed_the_korean_way(client, coordinator, post_form):
    response = post_form(
        "/volunteers/new",
        {
            "name": " 김 민준 ",
            "phone": "010-1234-5678",
            "language": "ko",
            "skills": ["handler", "driver"],
            "vehicle_kind": "van",
            "vehicle_crates": "4",
        },
        page="/volunteers/new",
    )
    assert response.status_code == 303
    volunteer = db.session.scalar(select(Volunteer))
    assert (volunteer.name, volunteer.phone, volunteer.skill_names, volunteer.vehicle_crates) == (
        "김 민준",
        "+821012345678",
        ["driver", "handler"],
        4,
    )


def test_a_phone_already_on_file_or_not_a_phone_is_refused(
    coordinator, create_volunteer, post_form
):
    create_volunteer("기존", phone="+821012345678")
    form = {"name": "새 사람", "phone": "01012345678", "language": "ko", "vehicle_kind": ""}
    taken = post_form("/volunteers/new", form, page="/volunteers/new")
    assert taken.status_code == 409 and "already has the phone" in taken.get_data(as_text=True)
    bad = post_form("/volunteers/new", {**form, "phone": "12"}, page="/volunteers/new")
    assert bad.status_code == 400 and "not a valid phone" in bad.get_data(as_text=True)
    assert _count() == 1


def test_editing_keeps_the_volunteer_and_changes_their_details(
    coordinator, create_volunteer, post_form
):
    volunteer = create_volunteer("김민준", skills=["handler"])
    url = f"/volunteers/{volunteer.id}/edit"
    response = post_form(
        url,
        {
            "name": "김민준",
            "phone": volunteer.phone,
            "language": "en",
            "region": "부산",
            "skills": ["photo"],
            "vehicle_kind": "",
        },
        page=url,
    )
    assert response.status_code == 303
    db.session.refresh(volunteer)
    assert (volunteer.language, volunteer.region, volunteer.skill_names) == (
        "en",
        "부산",
        ["photo"],
    )


def test_an_opt_out_cannot_be_cleared_without_a_note(coordinator, create_volunteer, post_form):
    volunteer = create_volunteer()
    page = f"/volunteers/{volunteer.id}"
    post_form(f"{page}/opt-out", {"action": "opt_out", "note": "STOP 문자"}, page=page)
    db.session.refresh(volunteer)
    assert volunteer.is_opted_out
    refused = post_form(f"{page}/opt-out", {"action": "clear", "note": ""}, page=page)
    assert refused.status_code == 400 and "before clearing" in refused.get_data(as_text=True)
    db.session.refresh(volunteer)
    assert volunteer.is_opted_out
    post_form(f"{page}/opt-out", {"action": "clear", "note": "본인이 전화로 요청 (3/2)"}, page=page)
    db.session.refresh(volunteer)
    assert not volunteer.is_opted_out and "본인이 전화로 요청" in volunteer.opt_out_note


def test_the_volunteer_page_shows_contact_history_and_opt_out_state(
    client, coordinator, create_volunteer, create_mission
):
    volunteer = create_volunteer("김민준", skills=["handler"], phone="+821012345678")
    mission = create_mission("개농장 구조")
    signups.sign_up(volunteer, mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    page = client.get(f"/volunteers/{volunteer.id}").get_data(as_text=True)
    assert "010-1234-5678" in page and "개농장 구조" in page and "Confirmed" in page
    assert "Receives texts" in page


def test_importing_through_the_web_previews_then_commits_the_valid_rows(
    client, coordinator, create_volunteer, csrf_token
):
    create_volunteer("기존", phone="+821099990000")
    content = "이름,전화번호,기술\n김민준,010-1234-5678,handler\n기존,010-9999-0000,handler\n"
    token = csrf_token(client.get("/volunteers/import"))
    preview = client.post(
        "/volunteers/import",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 rows ready" in html and "already on file" in html
    assert _count() == 1  # nothing written by the preview
    key = html.split('name="pending" type="hidden" value="')[1].split('"')[0]
    done = client.post("/volunteers/import/commit", data={"csrf_token": token, "pending": key})
    assert done.status_code == 303
    assert _count() == 2


def test_a_tampered_import_is_refused_without_a_500(client, coordinator, csrf_token):
    token = csrf_token(client.get("/volunteers/import"))
    response = client.post(
        "/volunteers/import/commit", data={"csrf_token": token, "pending": "../../etc/passwd"}
    )
    assert response.status_code == 400
    assert _count() == 0


def test_the_directory_exports_as_csv(client, coordinator, create_volunteer):
    create_volunteer("김민준")
    response = client.get("/volunteers/export.csv")
    assert response.mimetype == "text/csv"
    assert "김민준" in response.get_data().decode("utf-8-sig")


def test_team_leads_cannot_open_the_directory(client, create_staff, login, create_volunteer):
    volunteer = create_volunteer()
    login(create_staff(StaffRole.TEAM_LEAD))
    assert client.get("/volunteers/").status_code == 403
    assert client.get(f"/volunteers/{volunteer.id}").status_code == 403
    assert client.get("/volunteers/export.csv").status_code == 403
