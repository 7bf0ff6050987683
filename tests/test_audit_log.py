"""The audit log reads as sentences in the reader's language and local time."""

import re

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import AuditEntry, StaffRole
from coordinator.timeutil import to_local
from tests.support.raw_values import visible_text


def _change_capacity(client, csrf_token, mission, value):
    page = client.get(f"/missions/{mission.id}")
    position = mission.positions[0]
    return client.post(
        f"/missions/{mission.id}/capacities",
        data={f"cap-{position.id}": str(value), "csrf_token": csrf_token(page)},
    )


def test_a_capacity_change_reads_as_a_sentence_naming_who_what_and_both_values(
    client, login, csrf_token, create_staff, create_mission
):
    mission = create_mission(roles={"Handler": "handler"}, shifts=[(7, 12)], capacity=4)
    login(create_staff(StaffRole.COORDINATOR, name="김"))
    _change_capacity(client, csrf_token, mission, 6)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/"))})
    login(create_staff(StaffRole.ADMIN, name="관리자"))

    page = visible_text(client.get("/admin/audit").get_data(as_text=True))

    assert (
        "김 (Coordinator) changed the capacity of the place Handler · 07-12 from 4 to 6 on the web."
    ) in page
    for raw in ("positions", "#None", "update", "(web)"):
        assert raw not in page


def test_the_korean_audit_log_is_in_korean_and_in_seoul_time(
    client, login, csrf_token, create_staff, create_mission
):
    mission = create_mission(roles={"Handler": "handler"}, shifts=[(7, 12)], capacity=4)
    login(create_staff(StaffRole.ADMIN, name="김", language="ko"))
    _change_capacity(client, csrf_token, mission, 6)

    html = client.get("/admin/audit", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    page = visible_text(html)

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "positions"))
    sentence = "김(관리자) 님이 웹에서 자리 Handler · 07-12의 정원을(를) 4에서 6(으)로 바꿨어요."
    assert sentence in page
    local = to_local(entry.created_at)
    assert f"{local.hour:02d}:{local.minute:02d}" in page
    assert not re.search(r"\b(positions|capacity|update|web|None)\b", page)


def test_the_filter_offers_things_by_name_and_shows_only_them(
    client, login, csrf_token, create_staff, create_mission
):
    mission = create_mission(roles={"Handler": "handler"}, shifts=[(7, 12)], capacity=4)
    login(create_staff(StaffRole.ADMIN, name="김"))
    _change_capacity(client, csrf_token, mission, 6)

    everything = client.get("/admin/audit").get_data(as_text=True)
    places = client.get("/admin/audit?object_type=positions").get_data(as_text=True)
    unknown = client.get("/admin/audit?object_type=nonsense").get_data(as_text=True)

    assert '<option value="positions">Places (role and shift)</option>' in everything
    assert "the place Handler" in places and "the mission" not in places.split("</select>")[1]
    assert unknown.count("<li><time>") == everything.count("<li><time>")
