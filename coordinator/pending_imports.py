"""A previewed CSV import waits on the server, not in the page, until it is confirmed.

The preview page carries only a random key; the file itself is kept under PENDING_IMPORTS_DIR
(in instance/, shared by every web process of an installation), named by the staff user who
uploaded it, so nobody else's key opens it. Bounded: each file is at most the import limit,
a user has at most MAX_PER_USER waiting (older ones are dropped), the folder at most
MAX_FILES, and a file older than MAX_AGE_SECONDS is gone.
"""

import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from coordinator.errors import ValidationError

MAX_PER_USER = 3
MAX_FILES = 50
MAX_AGE_SECONDS = 3600
KEY = re.compile(r"^[A-Za-z0-9_-]{24}$")


def _folder() -> Path:
    folder = Path(current_app.config["PENDING_IMPORTS_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _waiting(folder: Path) -> list[tuple[float, Path]]:
    """(modified time, path) of the files waiting, oldest first."""
    dated = []
    for path in folder.glob("*.csv"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # removed meanwhile by another process
            continue
    return sorted(dated)


def _tidy(folder: Path, user_id: int) -> None:
    """Expire old files and make room for one more, for this user and in all."""
    too_old = time.time() - MAX_AGE_SECONDS
    waiting = []
    for modified, path in _waiting(folder):
        if modified < too_old:
            path.unlink(missing_ok=True)
        else:
            waiting.append(path)
    mine = [p for p in waiting if p.name.startswith(f"{user_id}-")]
    dropped = mine[: max(0, len(mine) - MAX_PER_USER + 1)]
    others = [p for p in waiting if p not in dropped]
    dropped += others[: max(0, len(others) - MAX_FILES + 1)]
    for path in dropped:
        path.unlink(missing_ok=True)


def keep(user_id: int, content: bytes) -> str:
    """Keep an uploaded file for `user_id`; the key that names it on the preview page."""
    folder = _folder()
    _tidy(folder, user_id)
    key = secrets.token_urlsafe(18)
    path = folder / f"{user_id}-{key}.csv"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    return key


def _path(user_id: int, key: str) -> Path:
    if not KEY.match(key or ""):
        raise ValidationError(_("The previewed file was not found: upload it again."), field="file")
    return _folder() / f"{user_id}-{key}.csv"


def read(user_id: int, key: str) -> bytes:
    """The file `user_id` uploaded under `key`, if it is theirs and has not expired."""
    path = _path(user_id, key)
    try:
        if path.stat().st_mtime >= time.time() - MAX_AGE_SECONDS:
            return path.read_bytes()
    except FileNotFoundError:
        pass
    path.unlink(missing_ok=True)
    raise ValidationError(_("The previewed file was not found: upload it again."), field="file")


def forget(user_id: int, key: str) -> None:
    """Drop the file once it is imported."""
    _path(user_id, key).unlink(missing_ok=True)
