"""CSV for spreadsheets: every export goes through here so no cell can run as a formula."""

import csv
import io
from collections.abc import Iterable

BOM = "\ufeff"  # Excel then reads Korean names as UTF-8
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell as text; one that starts like a formula gets a leading ' so Excel keeps it text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text with a BOM, every cell made safe."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
