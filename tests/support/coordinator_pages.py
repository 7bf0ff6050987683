"""Helpers for the coordinator web tests: posting forms with their CSRF token."""

import pytest


@pytest.fixture(name="post_form")
def post_form_fixture(client, csrf_token):
    """POST to a page's URL with the CSRF token of `page` (default: the board)."""

    def post(url: str, data: dict | None = None, *, page: str = "/", **kwargs):
        token = csrf_token(client.get(page))
        return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)

    return post


def mission_form(**overrides: object) -> dict:
    """The mission form as a coordinator fills it in (local Seoul times)."""
    data = {
        "title": "개농장 구조",
        "kind": "farm_closure",
        "code": "",
        "starts_at": "2030-06-01T07:00",
        "ends_at": "2030-06-01T18:00",
        "area": "경기 남부",
        "address": "화성시 어딘가 1-2",
        "meeting_point": "수원역 4번 출구",
        "briefing": "장화 필수",
        "animals-0-species": "dog",
        "animals-0-count": "60",
        "animals-0-needs_crate": "y",
    }
    data.update({k: v for k, v in overrides.items() if k != "team_lead_ids"})
    if "team_lead_ids" in overrides:
        data["team_lead_ids"] = [str(i) for i in overrides["team_lead_ids"]]
    return data
