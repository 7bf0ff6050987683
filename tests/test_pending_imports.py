"""The CSV import's confirm step takes a key, never a file: the previewed file waits on the
server, for the coordinator who uploaded it, bounded in size, number and age."""

import base64
import io
import os
import re
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator import pending_imports
from coordinator.extensions import db
from coordinator.models import StaffRole, Volunteer

PEOPLE = "이름,전화번호,기술\n김민준,010-1234-5678,handler\n"
KEY_FIELD = re.compile(r'name="pending" type="hidden" value="([^"]+)"')


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Volunteer))


@pytest.fixture(autouse=True)
def own_folder(app, tmp_path):
    app.config["PENDING_IMPORTS_DIR"] = str(tmp_path / "pending-imports")


@pytest.fixture
def upload(client, csrf_token):
    """Upload a CSV as the logged-in user; (key of the previewed file, CSRF token)."""

    def send(content: str = PEOPLE) -> tuple[str, str]:
        token = csrf_token(client.get("/volunteers/import"))
        page = client.post(
            "/volunteers/import",
            content_type="multipart/form-data",
            data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "people.csv")},
        )
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
        return KEY_FIELD.search(page.get_data(as_text=True)).group(1), token

    return send


@pytest.fixture
def coordinator(create_staff, login):
    user = create_staff(StaffRole.COORDINATOR)
    login(user)
    return user


def waiting_files(app) -> list[Path]:
    return sorted(Path(app.config["PENDING_IMPORTS_DIR"]).glob("*.csv"))


def test_the_preview_page_carries_a_short_key_and_no_file(app, client, coordinator, upload):
    key, _ = upload(PEOPLE * 50)
    assert len(key) <= 64
    assert "김민준" not in key and waiting_files(app)
    assert oct(waiting_files(app)[0].stat().st_mode)[-3:] == "600"


def test_a_compressed_blob_sent_as_the_file_is_not_decompressed(
    app, client, coordinator, csrf_token
):
    bomb = base64.b64encode(zlib.compress(b"a" * 50_000_000, 9)).decode()
    token = csrf_token(client.get("/volunteers/import"))
    response = client.post(
        "/volunteers/import/commit",
        data={"csrf_token": token, "content": bomb, "pending": bomb[:64]},
    )
    assert response.status_code == 400
    assert "upload it again" in response.get_data(as_text=True)
    assert count() == 0


def test_the_confirmed_import_adds_the_rows_once(app, client, coordinator, upload):
    key, token = upload()
    done = client.post("/volunteers/import/commit", data={"csrf_token": token, "pending": key})
    again = client.post("/volunteers/import/commit", data={"csrf_token": token, "pending": key})
    assert done.status_code == 303 and again.status_code == 400
    assert count() == 1 and waiting_files(app) == []


def test_another_coordinators_key_opens_nothing(app, client, coordinator, upload, create_staff):
    other = create_staff(StaffRole.COORDINATOR, email="other@example.org")
    theirs = pending_imports.keep(other.id, PEOPLE.encode())
    _, token = upload("이름,전화번호\n이서연,010-2222-3333\n")
    response = client.post(
        "/volunteers/import/commit", data={"csrf_token": token, "pending": theirs}
    )
    assert response.status_code == 400 and count() == 0


def test_an_expired_preview_cannot_be_confirmed(app, client, coordinator, upload):
    key, token = upload()
    old = time.time() - pending_imports.MAX_AGE_SECONDS - 60
    for path in waiting_files(app):
        os.utime(path, (old, old))
    response = client.post("/volunteers/import/commit", data={"csrf_token": token, "pending": key})
    assert response.status_code == 400 and count() == 0


def test_waiting_files_are_bounded_per_user_and_in_all(
    app, client, coordinator, upload, monkeypatch
):
    keys = [upload()[0] for _ in range(pending_imports.MAX_PER_USER + 2)]
    assert len(waiting_files(app)) == pending_imports.MAX_PER_USER
    assert not any(keys[0] in p.name for p in waiting_files(app)), "the oldest is dropped"
    monkeypatch.setattr(pending_imports, "MAX_FILES", 2)
    upload()
    assert len(waiting_files(app)) == 2
