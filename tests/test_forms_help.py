"""Forms that help: every error at once, above the form and at each field, in the reader's
language (WTForms' own messages too); what was typed stays; nothing too long is cut."""

import inspect
import re

from flask_wtf import FlaskForm
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.forms.translations import AppForm
from coordinator.models import Mission, StaffRole
from tests.support.raw_values import visible_text

KOREAN = {"Accept-Language": "ko"}


def _new_mission(client, csrf_token, headers=None, **fields):
    page = client.get("/missions/new", headers=headers or {})
    data = {
        "title": "개농장 구조",
        "kind": "farm_closure",
        "starts_at": "2030-06-01T07:00",
        "ends_at": "2030-06-01T18:00",
        "csrf_token": csrf_token(page),
        **fields,
    }
    return client.post("/missions/new", data=data, headers=headers or {})


def test_a_korean_page_shows_wtforms_own_messages_in_korean(
    client, login, csrf_token, create_staff
):
    login(create_staff(StaffRole.COORDINATOR, language="ko"))

    response = _new_mission(
        client, csrf_token, KOREAN, **{"animals-0-species": "개", "animals-0-count": "20000"}
    )

    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "마릿수: 0에서 10000 사이여야 해요." in text
    assert "Number must be" not in text


def test_every_error_is_listed_above_the_form_each_linking_to_its_field(
    client, login, csrf_token, create_staff
):
    login(create_staff(StaffRole.COORDINATOR))

    response = _new_mission(
        client, csrf_token, title="", starts_at="not a time", **{"animals-0-count": "-1"}
    )

    html = response.get_data(as_text=True)
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "Please fix these 3 things" in summary
    for field_id in ("title", "starts_at", "animals-0-count"):
        assert f'href="#{field_id}"' in summary
        assert re.search(
            rf'<input[^>]*aria-invalid="true"[^>]*id="{field_id}"|'
            rf'<input[^>]*id="{field_id}"[^>]*aria-invalid="true"',
            html,
        )
    assert db.session.scalar(select(func.count()).select_from(Mission)) == 0


def test_what_was_typed_is_kept_after_an_error(client, login, csrf_token, create_staff):
    login(create_staff(StaffRole.COORDINATOR))

    response = _new_mission(
        client,
        csrf_token,
        title="",
        area="경기 남부",
        meeting_point="수원역 4번 출구",
        **{"animals-0-species": "고양이"},
    )

    html = response.get_data(as_text=True)
    for typed in ("경기 남부", "수원역 4번 출구", "고양이", "2030-06-01T07:00"):
        assert f'value="{typed}"' in html


def test_a_too_long_title_is_refused_with_its_limit_not_cut(
    client, login, csrf_token, create_staff
):
    login(create_staff(StaffRole.COORDINATOR, language="ko"))

    response = _new_mission(client, csrf_token, KOREAN, title="가" * 201)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "200자까지 입력할 수 있어요." in visible_text(html)
    assert 'value="' + "가" * 201 + '"' in html  # kept whole, to be shortened by its author
    assert re.search(
        r'class="counter over" id="title-count"><span class="used">201</span>/200', html
    )
    assert db.session.scalar(select(func.count()).select_from(Mission)) == 0


def test_fields_with_a_limit_show_a_counter_and_no_maxlength_that_would_cut_a_paste(
    client, login, create_staff
):
    login(create_staff(StaffRole.COORDINATOR))

    html = client.get("/missions/new").get_data(as_text=True)

    title = re.search(r'<input[^>]*id="title"[^>]*>', html).group(0)
    assert 'data-max="200"' in title and "maxlength" not in title
    assert 'aria-describedby="title-count"' in title


def test_every_form_in_the_app_speaks_the_readers_language(app):
    """A form class deriving from FlaskForm directly would show WTForms' English."""
    import coordinator.web  # noqa: F401  (imports every form)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("coordinator")]
    assert len(ours) > 10
    strays = [
        f"{c.__module__}.{c.__name__}"
        for c in ours
        if not issubclass(c, AppForm) and inspect.isclass(c)
    ]
    assert strays == []


def _ids_and_label_targets(html: str) -> tuple[list[str], list[str]]:
    return re.findall(r'\sid="([^"]+)"', html), re.findall(r'<label[^>]*\sfor="([^"]+)"', html)


def test_the_mission_page_has_no_two_elements_with_one_id_and_every_label_finds_its_input(
    client, login, create_staff, create_mission
):
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(status="draft", vehicles=[("승합차", 9, 12)])

    html = client.get(f"/missions/{mission.id}").get_data(as_text=True)

    ids, targets = _ids_and_label_targets(html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert [t for t in targets if t not in ids] == []
    shift_form = html.split('id="add-shift"')[1].split("</form>")[0]
    assert 'for="shift-name"' in shift_form and 'id="shift-name"' in shift_form


def test_adding_a_role_shift_or_vehicle_returns_to_that_part_of_the_page(
    client, login, csrf_token, create_staff, create_mission
):
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(status="draft", shifts=[(7, 12)])
    base = f"/missions/{mission.id}"
    token = csrf_token(client.get(base))

    role = client.post(
        f"{base}/roles", data={"name": "Vet", "required_skill": "", "csrf_token": token}
    )
    shift = client.post(
        f"{base}/shifts",
        data={
            "name": "오후",
            "starts_at": mission.ends_at.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": mission.ends_at.strftime("%Y-%m-%dT%H:%M"),
            "csrf_token": token,
        },
    )
    vehicle = client.post(
        f"{base}/vehicles", data={"label": "승합차", "kind": "van", "csrf_token": token}
    )
    capacities = client.post(
        f"{base}/capacities", data={f"cap-{mission.positions[0].id}": "3", "csrf_token": token}
    )

    assert role.status_code == 303, visible_text(role.get_data(as_text=True))[-600:]
    assert role.headers["Location"].endswith(f"{base}#add-role")
    assert vehicle.headers["Location"].endswith(f"{base}#vehicles")
    assert capacities.headers["Location"].endswith(f"{base}#plan")
    # A refused shift (it ends as it starts) comes back at its own form, typed values kept.
    assert shift.status_code == 400
    assert 'action="' + f"{base}/shifts#add-shift" + '"' in shift.get_data(as_text=True)
    assert 'value="오후"' in shift.get_data(as_text=True)


def test_the_capacity_hint_stays_until_every_place_has_a_number(
    client, login, csrf_token, create_staff, create_mission
):
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(status="draft", roles={"Handler": "handler", "Vet": "vet"}, capacity=0)
    base = f"/missions/{mission.id}"

    page = client.get(base).get_data(as_text=True)
    assert "2 places still need a number" in page
    client.post(
        f"{base}/capacities",
        data={f"cap-{mission.positions[0].id}": "4", "csrf_token": csrf_token(client.get(base))},
    )
    assert "1 place still needs a number" in client.get(base).get_data(as_text=True)
    client.post(
        f"{base}/capacities",
        data={f"cap-{mission.positions[1].id}": "1", "csrf_token": csrf_token(client.get(base))},
    )
    assert "still need" not in client.get(base).get_data(as_text=True)


def test_the_rosters_add_by_hand_keeps_what_was_typed_when_refused(
    client, login, csrf_token, create_staff, create_mission
):
    login(create_staff(StaffRole.COORDINATOR))
    mission = create_mission(roles={"Handler": "handler", "Vet": "vet"})
    url = f"/missions/{mission.id}/roster"
    vet = mission.positions[1]

    response = client.post(
        f"{url}/add",
        data={
            "volunteer": "010-9999-0000",
            "position_id": str(vet.id),
            "waitlist": "1",
            "csrf_token": csrf_token(client.get(url)),
        },
    )

    html = response.get_data(as_text=True)
    assert response.status_code >= 400
    assert 'value="010-9999-0000"' in html
    assert f'<option value="{vet.id}" selected>' in html
    assert 'name="waitlist" value="1" checked' in html
