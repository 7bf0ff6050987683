"""Coordinators manage volunteers through the JSON API under the directory's rules."""

from coordinator.extensions import db
from coordinator.models import Direction, Message, MessageStatus, StaffRole, Volunteer
from coordinator.timeutil import now_utc
from tests.support.api import error_of


def test_a_coordinator_adds_a_volunteer_with_a_korean_number(coordinator_api):
    response = coordinator_api.post(
        "/volunteers",
        {
            "name": "이서연",
            "phone": "010-1234-5678",
            "skills": ["driver", "handler"],
            "region": "수원",
            "vehicle_kind": "van",
            "vehicle_seats": 7,
            "vehicle_crates": 4,
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["phone"] == "+821012345678"
    assert body["skills"] == ["driver", "handler"]
    assert body["vehicle_kind"] == "van" and body["vehicle_crates"] == 4
    assert db.session.get(Volunteer, body["id"]).name == "이서연"


def test_a_phone_already_on_file_is_a_409_naming_the_phone(coordinator_api, create_volunteer):
    create_volunteer("김민준", phone="+821012345678")
    response = coordinator_api.post("/volunteers", {"name": "Other", "phone": "01012345678"})
    assert response.status_code == 409
    assert error_of(response)["field"] == "phone"
    assert "김민준" in error_of(response)["message"]


def test_a_malformed_phone_is_a_422_naming_the_phone(coordinator_api):
    response = coordinator_api.post("/volunteers", {"name": "A", "phone": "12"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "phone"
    assert db.session.scalar(db.select(db.func.count()).select_from(Volunteer)) == 0


def test_an_unknown_skill_is_a_422_naming_the_field(coordinator_api):
    response = coordinator_api.post(
        "/volunteers", {"name": "A", "phone": "01022223333", "skills": ["pilot"]}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "skills.0"


def test_a_missing_name_is_a_422_naming_the_name(coordinator_api):
    response = coordinator_api.post("/volunteers", {"phone": "01022223333"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "name"


def test_a_body_that_is_not_json_is_refused_clearly(coordinator_api):
    broken = coordinator_api._open(
        "POST", "/volunteers", data="{not json", content_type="application/json"
    )
    assert broken.status_code == 400
    form = coordinator_api._open("POST", "/volunteers", data={"name": "A"})
    assert form.status_code == 415
    assert error_of(form)["code"] == "unsupported_media_type"


def test_the_directory_filters_and_pages(coordinator_api, create_volunteer):
    for i in range(5):
        create_volunteer(f"Handler {i}", skills=["handler"], region="수원")
    create_volunteer("Vet Kim", skills=["vet"], region="서울", language="en")
    create_volunteer("Gone", skills=["vet"], opted_out_at=now_utc())

    page = coordinator_api.get("/volunteers?skill=handler&per_page=2&page=2").json
    assert (page["total"], page["pages"], page["page"]) == (5, 3, 2)
    assert [v["name"] for v in page["items"]] == ["Handler 2", "Handler 3"]
    assert [v["name"] for v in coordinator_api.get("/volunteers?language=en").json["items"]] == [
        "Vet Kim"
    ]
    assert [
        v["name"]
        for v in coordinator_api.get("/volunteers?skill=vet&opted_out=false").json["items"]
    ] == ["Vet Kim"]
    assert [v["name"] for v in coordinator_api.get("/volunteers?opted_out=true").json["items"]] == [
        "Gone"
    ]
    assert coordinator_api.get("/volunteers?region=서울&q=vet").json["total"] == 1


def test_per_page_above_200_is_refused(coordinator_api):
    response = coordinator_api.get("/volunteers?per_page=500")
    assert response.status_code == 422
    assert error_of(response)["field"] == "per_page"


def test_a_volunteer_is_read_and_patched_field_by_field(coordinator_api, create_volunteer):
    volunteer = create_volunteer(
        "박지훈", skills=["handler"], region="수원", vehicle_kind="car", vehicle_seats=4
    )
    assert coordinator_api.get(f"/volunteers/{volunteer.id}").json["name"] == "박지훈"

    response = coordinator_api.patch(
        f"/volunteers/{volunteer.id}", {"skills": ["vet"], "vehicle_kind": None, "language": "en"}
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["skills"] == ["vet"] and body["vehicle_kind"] is None
    assert body["language"] == "en" and body["region"] == "수원" and body["name"] == "박지훈"


def test_patching_in_another_volunteers_phone_is_a_409(coordinator_api, create_volunteer):
    create_volunteer("First", phone="+821011112222")
    second = create_volunteer("Second")
    response = coordinator_api.patch(f"/volunteers/{second.id}", {"phone": "010-1111-2222"})
    assert response.status_code == 409
    assert error_of(response)["field"] == "phone"


def test_a_name_cannot_be_patched_to_null(coordinator_api, create_volunteer):
    volunteer = create_volunteer("Keep")
    response = coordinator_api.patch(f"/volunteers/{volunteer.id}", {"name": None})
    assert response.status_code == 422
    assert error_of(response)["field"] == "name"


def test_an_unknown_volunteer_is_a_404(coordinator_api):
    response = coordinator_api.get("/volunteers/999")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_team_leads_cannot_see_the_directory(api_as, create_volunteer):
    volunteer = create_volunteer()
    lead = api_as(StaffRole.TEAM_LEAD)
    for response in (
        lead.get("/volunteers"),
        lead.get(f"/volunteers/{volunteer.id}"),
        lead.post("/volunteers", {"name": "A", "phone": "01011112222"}),
        lead.get(f"/volunteers/{volunteer.id}/messages"),
    ):
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"


def test_a_volunteers_messages_come_newest_first_in_pages(coordinator_api, create_volunteer):
    volunteer = create_volunteer()
    for i in range(3):
        db.session.add(
            Message(
                direction=Direction.OUTBOUND if i % 2 == 0 else Direction.INBOUND,
                volunteer_id=volunteer.id,
                phone=volunteer.phone,
                body=f"message {i}",
                status=MessageStatus.SENT if i % 2 == 0 else MessageStatus.RECEIVED,
                created_at=now_utc().replace(microsecond=0).replace(second=i),
            )
        )
    db.session.commit()
    page = coordinator_api.get(f"/volunteers/{volunteer.id}/messages?per_page=2").json
    assert [m["body"] for m in page["items"]] == ["message 2", "message 1"]
    assert [m["direction"] for m in page["items"]] == ["out", "in"]
    assert page["total"] == 3 and page["pages"] == 2
    assert page["items"][0]["created_at"].endswith("+09:00")


def test_racing_to_add_the_same_phone_gives_one_volunteer_and_409s(any_db_app, create_staff):
    import threading

    from tests.support.api import ApiCaller

    callers = [ApiCaller(any_db_app.test_client(), create_staff()) for _ in range(5)]
    start, statuses = threading.Barrier(len(callers)), []

    def race(caller: ApiCaller, i: int) -> None:
        start.wait()
        statuses.append(
            caller.post("/volunteers", {"name": f"twin {i}", "phone": "010-5555-0000"}).status_code
        )

    threads = [threading.Thread(target=race, args=(c, i)) for i, c in enumerate(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409, 409]
    assert db.session.scalar(db.select(db.func.count()).select_from(Volunteer)) == 1
