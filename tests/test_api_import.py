"""Bulk import over the API checks every row exactly as the CSV import does."""

from coordinator.domain import volunteer_csv
from coordinator.extensions import db
from coordinator.models import Volunteer
from tests.support.api import error_of

ROWS = [
    {
        "name": "김하늘",
        "phone": "010-3000-0001",
        "skills": ["운전", "handler"],
        "language": "한국어",
    },
    {
        "name": "Jane Doe",
        "phone": "+44 7911 123456",
        "language": "en",
        "vehicle_kind": "승합차",
        "vehicle_seats": 7,
    },
    {"name": "Bad Phone", "phone": "12"},
    {"name": "Twin", "phone": "01030000001"},
    {"name": "Odd Skill", "phone": "010-3000-0005", "skills": ["juggling"]},
]


def _count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Volunteer))


def test_valid_rows_are_added_and_rows_with_errors_reported(coordinator_api):
    response = coordinator_api.post("/volunteers/import", {"rows": ROWS})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["imported"], body["valid"], body["invalid"]) == (2, 2, 3)
    errors = {row["index"]: row["errors"] for row in body["rows"]}
    assert errors[0] == [] and errors[1] == []
    assert "not a valid phone number" in errors[2][0]
    assert errors[3] == ["the same phone as row 0"]
    assert "juggling" in errors[4][0]
    kim = db.session.scalar(db.select(Volunteer).filter_by(phone="+821030000001"))
    assert kim.skill_names == ["driver", "handler"]
    jane = db.session.scalar(db.select(Volunteer).filter_by(phone="+447911123456"))
    assert (jane.language, jane.vehicle_kind, jane.vehicle_seats) == ("en", "van", 7)


def test_the_api_and_the_csv_import_find_the_same_errors(coordinator_api):
    csv = (
        "name,phone,skills,language,vehicle,seats\n"
        "김하늘,010-3000-0001,운전;handler,한국어,,\n"
        "Jane Doe,+44 7911 123456,,en,승합차,7\n"
        "Bad Phone,12,,,,\n"
        "Twin,01030000001,,,,\n"
        "Odd Skill,010-3000-0005,juggling,,,\n"
    ).encode()
    from_csv = [row.errors for row in volunteer_csv.preview_import(csv).rows]
    from_api = coordinator_api.post("/volunteers/import", {"rows": ROWS, "dry_run": True}).json
    # Row numbers differ (file lines from 2, array indexes from 0); the verdicts must not.
    assert [bool(e) for e in from_csv] == [bool(r["errors"]) for r in from_api["rows"]]
    assert from_csv[2] == from_api["rows"][2]["errors"]
    assert from_csv[4] == from_api["rows"][4]["errors"]


def test_a_dry_run_adds_nobody(coordinator_api):
    response = coordinator_api.post("/volunteers/import", {"rows": ROWS, "dry_run": True})
    assert response.status_code == 200
    assert (response.json["imported"], response.json["valid"]) == (0, 2)
    assert _count() == 0


def test_phones_already_on_file_are_reported_per_row(coordinator_api, create_volunteer):
    create_volunteer("On File", phone="+821030000001")
    body = coordinator_api.post("/volunteers/import", {"rows": ROWS[:2]}).json
    assert body["imported"] == 1
    assert "already on file (On File)" in body["rows"][0]["errors"][0]


def test_with_no_valid_row_nothing_is_added_and_each_row_says_why(coordinator_api):
    response = coordinator_api.post("/volunteers/import", {"rows": [ROWS[2], ROWS[4]]})
    assert response.status_code == 422
    assert error_of(response)["field"] == "rows"
    assert [len(row["errors"]) for row in response.json["rows"]] == [1, 1]
    assert _count() == 0


def test_a_row_without_a_name_is_a_422_naming_the_row(coordinator_api):
    response = coordinator_api.post(
        "/volunteers/import", {"rows": [ROWS[0], {"name": "", "phone": "01030000009"}]}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "rows.1.name"
    assert _count() == 0


def test_team_leads_cannot_import(api_as):
    response = api_as("team_lead").post("/volunteers/import", {"rows": ROWS})
    assert response.status_code == 403
    assert _count() == 0
