"""Every animal accounted for: recorded as it is taken, followed to where it went."""

import re
from datetime import timedelta

import pytest

from coordinator.domain import animals
from coordinator.errors import Conflict, NotFound, ValidationError
from coordinator.extensions import db
from coordinator.models import Animal, StaffRole
from coordinator.timeutil import now_utc, to_local
from tests.support.api import api_as_fixture  # noqa: F401
from tests.support.mission_day import mission_day_fixture  # noqa: F401


@pytest.fixture
def farm(mission_day):
    """A farm closure today: a van with 2 crate slots and a car with 1."""
    return mission_day(day=0, vehicles=[("Van 1", 3, 2), ("Car", 2, 1)])


def visible_text(html: str) -> str:
    """What a reader sees: the page without its tags and attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


def dog(tag: str, **values: object) -> dict:
    return {"tag": tag, "species": "dog", **values}


def test_an_animal_is_recorded_with_its_crate_and_vehicle(app, farm):
    van = farm.mission.vehicles[0]
    animal = animals.record_animal(
        farm.mission,
        dog(
            "B7-001",
            sex="female",
            age_band="adult",
            condition="injured",
            crate="12",
            vehicle_id=van.id,
        ),
        by=farm.lead,
    )
    db.session.commit()
    assert (animal.tag, animal.sex, animal.condition, animal.vehicle_id, animal.crate) == (
        "B7-001",
        "female",
        "injured",
        van.id,
        "12",
    )
    assert animal.recorded_by_id == farm.lead.id
    assert [load.aboard for load in animals.per_vehicle(farm.mission)] == [1, 0]


def test_a_tag_is_recorded_once_per_mission(app, farm):
    animals.record_animal(farm.mission, dog("7"), by=farm.lead)
    with pytest.raises(Conflict, match="Tag 7 is already recorded"):
        animals.record_animal(farm.mission, dog("7"), by=farm.lead)


def test_a_crate_holds_one_animal_until_it_arrives(app, farm):
    first = animals.record_animal(farm.mission, dog("1", crate="C3"), by=farm.lead)
    with pytest.raises(Conflict, match="Crate C3 already holds 1"):
        animals.record_animal(farm.mission, dog("2", crate="C3"), by=farm.lead)
    animals.correct_animal(first, {"destination_kind": "shelter", "arrived_at": now_utc()})
    assert animals.record_animal(farm.mission, dog("2", crate="C3"), by=farm.lead).crate == "C3"


def test_a_vehicle_takes_no_more_crated_animals_than_its_crate_slots(app, farm):
    car = farm.mission.vehicles[1]
    animals.record_animal(farm.mission, dog("1", crate="1", vehicle_id=car.id), by=farm.lead)
    with pytest.raises(Conflict, match="Car has no free crate slot .1 of 1 in use"):
        animals.record_animal(farm.mission, dog("2", crate="2", vehicle_id=car.id), by=farm.lead)
    # A horse walking into a trailer needs no crate slot.
    horse = animals.record_animal(
        farm.mission, {"tag": "H1", "species": "horse", "vehicle_id": car.id}, by=farm.lead
    )
    assert horse.vehicle_id == car.id


def test_arrival_before_pickup_is_refused_and_changes_nothing(app, farm):
    animal = animals.record_animal(farm.mission, dog("1"), by=farm.lead)
    db.session.commit()
    with pytest.raises(ValidationError, match="arrival time is before") as refused:
        animals.correct_animal(
            animal,
            {"destination_kind": "vet_clinic", "arrived_at": animal.taken_at - timedelta(hours=1)},
        )
    assert refused.value.field == "arrived_at"
    db.session.rollback()
    assert db.session.get(Animal, animal.id).arrived_at is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"tag": "", "species": "dog"}, "tag"),
        ({"tag": "1", "species": ""}, "species"),
        ({"tag": "x" * 41, "species": "dog"}, "tag"),
        ({"tag": "1", "species": "dog", "sex": "wolf"}, "sex"),
        ({"tag": "1", "species": "dog", "condition": "fine"}, "condition"),
        ({"tag": "1\x00", "species": "dog"}, "tag"),
        ({"tag": "1", "species": "dog", "colour": "brown"}, "colour"),
    ],
)
def test_bad_records_name_the_field(app, farm, values, field):
    with pytest.raises(ValidationError) as refused:
        animals.record_animal(farm.mission, values, by=farm.lead)
    assert refused.value.field == field


def test_a_vehicle_of_another_mission_is_refused(app, farm, create_mission):
    other = create_mission(vehicles=[("Other van", 2, 5)])
    with pytest.raises(NotFound):
        animals.record_animal(farm.mission, dog("1", vehicle_id=other.vehicles[0].id), by=farm.lead)


def test_the_next_record_starts_from_the_previous_one(app, farm):
    van = farm.mission.vehicles[0]
    assert animals.next_defaults(farm.mission) == {"tag": f"{farm.mission.code}-001"}
    animals.record_animal(
        farm.mission,
        dog("B7-009", species="cat", vehicle_id=van.id, destination_kind="shelter"),
        by=farm.lead,
    )
    defaults = animals.next_defaults(farm.mission)
    assert (
        defaults["tag"],
        defaults["species"],
        defaults["vehicle_id"],
        defaults["destination_kind"],
    ) == ("B7-010", "cat", van.id, "shelter")


# --- the team lead's phone page ------------------------------------------------------------


def test_a_team_lead_records_animals_on_the_phone_page(app, client, login, csrf_token, farm):
    login(farm.lead)
    van = farm.mission.vehicles[0]
    page = client.get(f"/day/missions/{farm.mission.id}/animals")
    assert page.status_code == 200
    response = client.post(
        f"/day/missions/{farm.mission.id}/animals",
        data={
            "csrf_token": csrf_token(page),
            "tag": "T-001",
            "species": "dog",
            "sex": "male",
            "age_band": "young",
            "condition": "walking",
            "vehicle_id": str(van.id),
            "crate": "4",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/day/missions/{farm.mission.id}/animals")
    html = page.get_data(as_text=True)
    assert "T-001" in html and "crates 1/2" in html
    assert 'value="T-002"' in html  # the next tag is suggested


def test_a_full_van_is_refused_on_the_page_and_what_was_typed_stays(
    app, client, login, csrf_token, farm
):
    login(farm.lead)
    car = farm.mission.vehicles[1]
    animals.record_animal(farm.mission, dog("1", crate="1", vehicle_id=car.id), by=farm.lead)
    db.session.commit()
    page = client.get(f"/day/missions/{farm.mission.id}/animals")
    response = client.post(
        f"/day/missions/{farm.mission.id}/animals",
        data={
            "csrf_token": csrf_token(page),
            "tag": "2",
            "species": "dog",
            "crate": "2",
            "vehicle_id": str(car.id),
            "notes": "limps on the left",
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Car has no free crate slot" in html and "limps on the left" in html
    assert db.session.query(Animal).count() == 1


@pytest.mark.parametrize("vehicle_id", ["²", "٣", "1" * 30, "-1"])
def test_a_number_that_is_not_one_is_a_clear_400(app, client, login, csrf_token, farm, vehicle_id):
    login(farm.lead)
    page = client.get(f"/day/missions/{farm.mission.id}/animals")
    response = client.post(
        f"/day/missions/{farm.mission.id}/animals",
        data={
            "csrf_token": csrf_token(page),
            "tag": "1",
            "species": "dog",
            "vehicle_id": vehicle_id,
        },
    )
    assert response.status_code == 400
    assert "Choose a vehicle from the list" in response.get_data(as_text=True)
    assert db.session.query(Animal).count() == 0


def test_arrival_is_recorded_and_the_chain_of_custody_shows_who_changed_what(
    app, client, login, csrf_token, farm
):
    login(farm.lead)
    page = client.get(f"/day/missions/{farm.mission.id}/animals")
    client.post(
        f"/day/missions/{farm.mission.id}/animals",
        data={
            "csrf_token": csrf_token(page),
            "tag": "A1",
            "species": "dog",
            "condition": "injured",
        },
    )
    animal = db.session.query(Animal).one()
    arrival = to_local(now_utc() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/day/missions/{farm.mission.id}/animals/{animal.id}",
        data={
            "csrf_token": csrf_token(page),
            "destination_kind": "vet_clinic",
            "destination_name": "24시 동물병원",
            "arrived_at": arrival,
            "condition": "critical",
            "notes": "",
        },
    )
    assert response.status_code == 302
    html = visible_text(
        client.get(f"/day/missions/{farm.mission.id}/animals/{animal.id}").get_data(as_text=True)
    )
    assert "정하늘" in html  # the team lead who made each change
    assert "Injured → Critical" in html and "24시 동물병원" in html
    assert "vet_clinic" not in html and "critical" not in html


def test_a_korean_team_lead_sees_no_raw_values(app, client, login, farm):
    animals.record_animal(
        farm.mission,
        dog(
            "1",
            sex="female",
            age_band="baby",
            condition="needs_carrying",
            destination_kind="adoption_centre",
        ),
        by=farm.lead,
    )
    db.session.commit()
    login(farm.lead)
    html = visible_text(
        client.get(
            f"/day/missions/{farm.mission.id}/animals", headers={"Accept-Language": "ko"}
        ).get_data(as_text=True)
    )
    for raw in ("needs_carrying", "female", "adoption_centre", "age_unknown", "dog", "Dog"):
        assert raw not in html, raw
    assert "개" in html and "암컷" in html


def test_a_team_lead_of_another_mission_cannot_record(
    app, client, login, csrf_token, farm, create_staff
):
    stranger = create_staff(StaffRole.TEAM_LEAD)
    login(stranger)
    assert client.get(f"/day/missions/{farm.mission.id}/animals").status_code == 403
    page = client.get("/day/")
    response = client.post(
        f"/day/missions/{farm.mission.id}/animals",
        data={"csrf_token": csrf_token(page), "tag": "1", "species": "dog"},
    )
    assert response.status_code == 403
    assert db.session.query(Animal).count() == 0


# --- the API --------------------------------------------------------------------------------


def test_the_api_records_lists_and_corrects_animals(app, api_as, farm):
    api = api_as(user=farm.lead)
    van = farm.mission.vehicles[0]
    created = api.post(
        f"/missions/{farm.mission.id}/animals",
        json={
            "tag": "B7-1",
            "species": "dog",
            "crate": "1",
            "vehicle_id": van.id,
            "taken_at": "2030-06-01T10:00:00+09:00",
        },
    )
    assert created.status_code == 201, created.json
    animal_id = created.json["id"]
    assert created.json["taken_at"] == "2030-06-01T10:00:00+09:00"
    early = api.patch(
        f"/missions/{farm.mission.id}/animals/{animal_id}",
        json={"destination_kind": "shelter", "arrived_at": "2030-06-01T09:00:00+09:00"},
    )
    assert early.status_code == 422 and early.json["error"]["field"] == "arrived_at"
    done = api.patch(
        f"/missions/{farm.mission.id}/animals/{animal_id}",
        json={
            "destination_kind": "shelter",
            "destination_name": "Paju",
            "arrived_at": "2030-06-01T15:00:00+09:00",
        },
    )
    assert done.status_code == 200 and done.json["destination_name"] == "Paju"
    listed = api.get(f"/missions/{farm.mission.id}/animals")
    assert [a["tag"] for a in listed.json["items"]] == ["B7-1"]
    full = api.post(
        f"/missions/{farm.mission.id}/animals",
        json={
            "tag": "B7-2",
            "species": "dog",
            "crate": "1",
            "vehicle_id": farm.mission.vehicles[1].id,
        },
    )
    assert full.status_code == 201
    again = api.post(
        f"/missions/{farm.mission.id}/animals",
        json={
            "tag": "B7-3",
            "species": "dog",
            "crate": "2",
            "vehicle_id": farm.mission.vehicles[1].id,
        },
    )
    assert again.status_code == 409 and again.json["error"]["field"] == "vehicle_id"


def test_the_api_keeps_other_team_leads_out(app, api_as, farm):
    api = api_as(StaffRole.TEAM_LEAD)
    response = api.post(f"/missions/{farm.mission.id}/animals", json={"tag": "1", "species": "dog"})
    assert response.status_code == 403
    assert db.session.query(Animal).count() == 0


def test_the_manifest_counts_the_animals_recorded_once_there_are_any(app, farm):
    from coordinator.domain import vehicles

    van = farm.mission.vehicles[0]
    vehicles.record_animals_moved(van, 9)  # typed before anyone recorded animals one by one
    assert vehicles.manifest(farm.mission).animals_moved == 9
    animals.record_animal(farm.mission, dog("1", crate="1", vehicle_id=van.id), by=farm.lead)
    animals.record_animal(farm.mission, dog("2"), by=farm.lead)
    db.session.commit()
    manifest = vehicles.manifest(farm.mission)
    assert (manifest.animals_moved, manifest.animals_recorded) == (2, True)
    assert [load.animals_recorded for load in manifest.loads] == [1, 0]
