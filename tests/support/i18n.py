"""The Korean catalogue as the app reads it: compiled from the committed .po for the tests.

A clean clone has no .mo (build output, gitignored), and pages would silently fall back to
English; several test runs may start at once, so each writes a temporary file and renames it.
"""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"


def read_catalogue(po_path: Path):
    with po_path.open("rb") as handle:
        return read_po(handle)


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every .po whose .mo is missing or older; returns the .mo files written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalogue = read_catalogue(po_path)
        handle, temp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)
        os.replace(temp, mo_path)
        written.append(mo_path)
    return written
