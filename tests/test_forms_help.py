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
    data = {"title": "개농장 구조", "kind": "farm_closure", "starts_at": "2030-06-01T07:00",
            "ends_at": "2030-06-01T18:00", "csrf_token": csrf_token(page), **fields}
    return client.post("/missions/new", data=data, headers=headers or {})


def test_a_korean_page_shows_wtforms_own_messages_in_korean(
    client, login, csrf_token, create_staff
):
    login(create_staff(StaffRole.COORDINATOR, language="ko"))

    response = _new_mission(client, csrf_token, KOREAN, **{"animals-0-species": "개",
                                                           "animals-0-count": "20000"})

    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "마릿수: 0에서 10000 사이여야 해요." in text
    assert "Number must be" not in text


def test_every_error_is_listed_above_the_form_each_linking_to_its_field(
    client, login, csrf_token, create_staff
):
    login(create_staff(StaffRole.COORDINATOR))

    response = _new_mission(client, csrf_token, title="", starts_at="not a time",
                            **{"animals-0-count": "-1"})

    html = response.get_data(as_text=True)
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "Please fix these 3 things" in summary
    for field_id in ("title", "starts_at", "animals-0-count"):
        assert f'href="#{field_id}"' in summary
        assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field_id}"|'
                         rf'<input[^>]*id="{field_id}"[^>]*aria-invalid="true"', html)
    assert db.session.scalar(select(func.count()).select_from(Mission)) == 0


def test_what_was_typed_is_kept_after_an_error(client, login, csrf_token, create_staff):
    login(create_staff(StaffRole.COORDINATOR))

    response = _new_mission(client, csrf_token, title="", area="경기 남부",
                            meeting_point="수원역 4번 출구", **{"animals-0-species": "고양이"})

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
    assert re.search(r'class="counter over" id="title-count"><span class="used">201</span>/200',
                     html)
    assert db.session.scalar(select(func.count()).select_from(Mission)) == 0


def test_fields_with_a_limit_show_their_limit_and_a_counter(
    client, login, create_staff
):
    login(create_staff(StaffRole.COORDINATOR))

    html = client.get("/missions/new").get_data(as_text=True)

    title = re.search(r'<input[^>]*id="title"[^>]*>', html).group(0)
    assert 'data-max="200"' in title and 'maxlength="200"' in title
    assert 'aria-describedby="title-count"' in title


def test_every_form_in_the_app_speaks_the_readers_language(app):
    """A form class deriving from FlaskForm directly would show WTForms' English."""
    import coordinator.web  # noqa: F401  (imports every form)

    def subclasses(cls):  # noqa: ANN001, ANN202
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("coordinator")]
    assert len(ours) > 10
    strays = [f"{c.__module__}.{c.__name__}" for c in ours
              if not issubclass(c, AppForm) and inspect.isclass(c)]
    assert strays == []
