"""Places left (Position.places_left / has_room, one definition) through every door.

One volunteer holds places in two shifts, another one place: three places held by two
people, two places left. The board, the roster, the SMS menu, the call-out audience, the API
and the cancel page must all say so, and the cancel page must count people, not places.
"""

import pytest

from coordinator.domain import audience, signups
from coordinator.extensions import db
from coordinator.models import SignupSource, StaffRole
from tests.support.api import api_as_fixture  # noqa: F401
from tests.support.conversation import invite_fixture, text_in_fixture  # noqa: F401


@pytest.fixture
def half_full(create_mission, create_volunteer):
    """Handler 07-12 (3 places) and 13-17 (2): Kim in both, Lee in the first; 2 places left."""
    mission = create_mission(
        code="B7", shifts=[(7, 12), (13, 17)], capacity={("Handler", 0): 3, ("Handler", 1): 2}
    )
    morning, afternoon = sorted(mission.positions, key=lambda p: p.shift.starts_at)
    kim, lee = create_volunteer("Kim"), create_volunteer("Lee")
    for volunteer, position in ((kim, morning), (kim, afternoon), (lee, morning)):
        signups.sign_up(volunteer, position, source=SignupSource.STAFF)
    db.session.commit()
    return mission


@pytest.fixture
def staff(client, create_staff, login):
    user = create_staff(StaffRole.COORDINATOR, language="en")
    login(user)
    return user


def test_the_model_and_the_audience_agree_on_places_left(app, half_full):
    assert sorted(p.places_left for p in half_full.positions) == [1, 1]
    [(role, places)] = audience.open_roles(half_full)
    assert (role.name, places) == ("Handler", 2)


def test_the_board_and_the_roster_say_two_places_are_open(app, client, staff, half_full):
    assert "2 places open" in client.get("/").get_data(as_text=True)
    roster = client.get(f"/missions/{half_full.id}/roster").get_data(as_text=True)
    assert "2 places still open" in roster


def test_the_api_says_three_places_held_and_two_left(app, api_as, staff, half_full):
    api = api_as(user=staff)
    one = api.get(f"/missions/{half_full.id}").get_json()
    [listed] = api.get("/missions").get_json()["items"]
    for body in (one, listed):
        assert (body["places_filled"], body["places_left"], body["places_total"]) == (3, 2, 5)


def test_the_sms_menu_shows_the_places_left_of_each_shift(
    app, half_full, create_volunteer, invite, text_in
):
    park = create_volunteer("Park", language="en")
    invite(half_full, park)
    menu = text_in(park.phone, "B7 YES").get_data(as_text=True)
    assert menu.count("1 left") == 2, menu


def test_the_cancel_page_and_the_api_count_people_holding_a_place_not_places(
    app, client, staff, api_as, half_full
):
    page = client.get(f"/missions/{half_full.id}/cancel").get_data(as_text=True)
    assert "2 people hold a place" in page
    cancelled = api_as(user=staff).post(f"/missions/{half_full.id}/cancel").get_json()
    assert cancelled["notified"] == 2
