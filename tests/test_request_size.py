"""Bounded requests: a body past its route's limit is a 413 with a clear message, refused
before anything reads it, and nothing is stored. The volunteer imports take more."""

import io
import json

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Message, StaffRole, Volunteer
from tests.support.api import ApiCaller
from tests.support.conversation import inbound_form, signed_headers

LIMIT = 256 * 1024
IMPORT_LIMIT = 8 * 1024 * 1024
CSV_HEADER = "이름,전화번호,기술\n"


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes that remembers how much of it anyone read."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client measures the body by seeking to its end

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[
            whence
        ] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"a" * n
        self.position += n
        self.read_bytes += n
        return n


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def csv_of(size: int) -> bytes:
    """A valid volunteer CSV of about `size` bytes."""
    rows = [
        f"봉사자{i},010-{2000 + i // 10000:04d}-{i % 10000:04d},handler\n"
        for i in range(size // 30 + 1)
    ]
    return (CSV_HEADER + "".join(rows)).encode()[:size].rsplit(b"\n", 1)[0] + b"\n"


def test_a_200_mb_unsigned_inbound_sms_is_refused_unread_in_twiml(app, client):
    body = CountingStream(200 * 1024 * 1024)
    response = client.post(
        "/sms/inbound",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Content-Length": str(body.size)},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True).endswith("<Response />")
    assert body.read_bytes == 0
    assert count(Message) == 0


def test_a_large_inbound_sms_without_a_length_is_cut_off_at_the_limit(app, client):
    form = inbound_form("+821012345678", "네" * (LIMIT // 3))
    encoded = "&".join(f"{k}={v}" for k, v in form.items()).encode()
    response = client.post(
        "/sms/inbound",
        input_stream=io.BytesIO(encoded),
        content_type="application/x-www-form-urlencoded",
        headers=signed_headers(app, form),
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert count(Message) == 0


def test_an_ordinary_signed_sms_still_goes_through(app, client, create_volunteer):
    volunteer = create_volunteer()
    form = inbound_form(volunteer.phone, "도움말")
    response = client.post("/sms/inbound", data=form, headers=signed_headers(app, form))
    assert response.status_code == 200 and count(Message) >= 1


def test_a_huge_form_is_refused_with_a_page_that_says_so(app, client, create_staff, login):
    login(create_staff(StaffRole.COORDINATOR))
    response = client.post(
        "/volunteers/new",
        data={"name": "김민준", "phone": "010-1234-5678", "notes": "x" * (LIMIT + 1)},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The request is too large: at most 256 kB is accepted here." in page
    assert "Traceback" not in page and count(Volunteer) == 0


def test_a_huge_form_page_is_in_korean_for_a_korean_reader(app, client, create_staff, login):
    login(create_staff(StaffRole.COORDINATOR))
    response = client.post(
        "/volunteers/new", data={"notes": "x" * (LIMIT + 1)}, headers={"Accept-Language": "ko"}
    )
    assert response.status_code == 413
    assert "256 kB" in response.get_data(as_text=True)
    assert "The request is too large" not in response.get_data(as_text=True)


def test_a_huge_api_body_is_a_json_413_even_with_a_token(app, client, create_staff):
    api = ApiCaller(client, create_staff(StaffRole.COORDINATOR))
    body = json.dumps({"name": "김민준", "phone": "010-1234-5678", "notes": "x" * LIMIT})
    response = client.post(
        "/api/v1/volunteers", data=body, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "request_entity_too_large" and "256 kB" in error["message"]
    assert count(Volunteer) == 0


def test_the_csv_upload_takes_a_file_past_the_form_limit_but_not_past_its_own(
    app, client, create_staff, login, csrf_token
):
    login(create_staff(StaffRole.COORDINATOR))
    token = csrf_token(client.get("/volunteers/import"))

    def upload(content: bytes):
        return client.post(
            "/volunteers/import",
            content_type="multipart/form-data",
            data={"csrf_token": token, "file": (io.BytesIO(content), "people.csv")},
        )

    assert "Files up to 8 MB" in client.get("/volunteers/import").get_data(as_text=True)
    big_enough = upload(csv_of(LIMIT * 2))
    assert big_enough.status_code == 200, big_enough.get_data(as_text=True)[:500]
    too_big = upload(csv_of(IMPORT_LIMIT + 1024))
    assert too_big.status_code == 413
    assert "at most 8 MB is accepted here" in too_big.get_data(as_text=True)
    assert count(Volunteer) == 0


def test_a_stranger_gets_the_small_limit_on_the_upload_route(app, client):
    body = CountingStream(LIMIT * 2)
    response = client.post(
        "/volunteers/import",
        input_stream=body,
        content_type="multipart/form-data; boundary=x",
        headers={"Content-Length": str(body.size)},
    )
    assert response.status_code == 413 and body.read_bytes == 0


def test_the_api_bulk_import_takes_more_than_a_form(app, client, create_staff):
    api = ApiCaller(client, create_staff(StaffRole.COORDINATOR))
    rows = [
        {"name": f"봉사자{i}", "phone": f"010-3000-{i:04d}", "notes": "x" * 200}
        for i in range(1500)
    ]
    response = api.post("/volunteers/import", json={"rows": rows, "dry_run": True})
    assert len(json.dumps(rows)) > LIMIT
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024)
def test_the_limit_is_a_setting(app, client):
    response = client.post("/login", data={"email": "a@b.c", "password": "x" * 2000})
    assert response.status_code == 413
    assert "at most 1 kB" in response.get_data(as_text=True)


def test_a_team_lead_gets_the_small_limit_on_the_upload_route(app, client, create_staff, login):
    login(create_staff(StaffRole.TEAM_LEAD))
    body = CountingStream(LIMIT * 2)
    response = client.post(
        "/volunteers/import",
        input_stream=body,
        content_type="multipart/form-data; boundary=x",
        headers={"Content-Length": str(body.size)},
    )
    assert response.status_code == 413 and body.read_bytes == 0
