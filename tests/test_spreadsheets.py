"""No export lets a volunteer's name run as a spreadsheet formula."""

import pytest

from coordinator.domain import signups
from coordinator.extensions import db
from coordinator.models import SignupSource, StaffRole
from coordinator.spreadsheets import csv_text, safe_cell

HOSTILE = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize("value", ["=1+1", "+82", "-3", "@SUM(A1)", "\t=1"])
def test_cells_that_start_like_a_formula_are_kept_as_text(value):
    assert safe_cell(value) == "'" + value


def test_plain_cells_and_korean_names_are_left_alone():
    assert csv_text([["김민준", 3, None]]) == "\ufeff김민준,3,\r\n"


def test_the_roster_export_keeps_a_hostile_name_as_text(
    client, create_staff, login, create_mission, create_volunteer
):
    mission = create_mission()
    signups.sign_up(create_volunteer(HOSTILE), mission.positions[0], source=SignupSource.SMS)
    db.session.commit()
    login(create_staff(StaffRole.COORDINATOR))
    export = client.get(f"/missions/{mission.id}/roster/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in export
    assert ',"=HYPERLINK' not in export and ",=HYPERLINK" not in export
