"""Volunteer lists as CSV: import with a row-by-row preview, and export.

Headers may be Korean or English; files may be UTF-8 with or without a BOM (and CP949,
which Korean Excel writes by default). An import adds every valid row in one transaction,
or nothing: rows with errors are listed, never half-imported.
"""

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coordinator.domain.volunteers import VolunteerDetails, apply_details, check_details
from coordinator.errors import Conflict, DomainError, ValidationError
from coordinator.extensions import db
from coordinator.models import Skill, Volunteer
from coordinator.numbers import is_whole_number
from coordinator.spreadsheets import safe_cell
from coordinator.timeutil import now_utc

MAX_ROWS = 50_000
HEADERS = {
    "name": ("name", "full name", "이름", "성명"),
    "phone": (
        "phone",
        "mobile",
        "phone number",
        "전화",
        "전화번호",
        "휴대폰",
        "휴대전화",
        "핸드폰",
        "연락처",
    ),
    "language": ("language", "lang", "언어"),
    "region": ("region", "area", "지역"),
    "skills": ("skills", "skill", "기술", "역량", "스킬", "능력"),
    "vehicle_kind": ("vehicle", "vehicle kind", "차량", "차종"),
    "vehicle_seats": ("seats", "vehicle seats", "좌석", "좌석수"),
    "vehicle_crates": ("crates", "crate slots", "vehicle crates", "케이지", "크레이트", "켄넬"),
    "notes": ("notes", "note", "메모", "비고"),
    "opted_out": ("opted out", "opt out", "수신거부"),
}
ALIASES = {alias: key for key, names in HEADERS.items() for alias in names}
SKILL_WORDS = {
    "운전": "driver",
    "핸들러": "handler",
    "대동물": "large-animal",
    "수의사": "vet",
    "수의테크니션": "vet-tech",
    "응급처치": "first-aid",
    "사진": "photo",
    "촬영": "photo",
    "팀장": "team-lead",
}
LANGUAGE_WORDS = {
    "": "ko",
    "ko": "ko",
    "한국어": "ko",
    "korean": "ko",
    "en": "en",
    "영어": "en",
    "english": "en",
}
VEHICLE_WORDS = {"승합차": "van", "승용차": "car", "트럭": "truck", "트레일러": "trailer"}
NO_WORDS = {"", "no", "false", "0", "n", "아니오"}
EXPORT_HEADER = [
    "name",
    "phone",
    "language",
    "region",
    "skills",
    "vehicle",
    "seats",
    "crates",
    "notes",
    "opted out",
]


@dataclass
class ImportRow:
    line: int
    name: str
    phone: str
    details: VolunteerDetails | None = None
    opted_out: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    ignored_columns: list[str]

    @property
    def valid(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.errors]

    @property
    def invalid(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(gettext("the file is not UTF-8 text: save it as CSV UTF-8"), field="file")


def _header_key(text: str) -> str:
    return ALIASES.get(re.sub(r"[\s_\-]+", " ", text.strip().lower()), "")


def _cell(value: str) -> str:
    return value.strip().removeprefix("'")  # our export guards cells against Excel formulas


def _number(raw: str, label: str, errors: list[str]) -> int | None:
    if not raw:
        return None
    if not is_whole_number(raw):
        errors.append(
            gettext("%(label)s must be a whole number, not %(raw)r", label=label, raw=raw)
        )
        return None
    return int(raw)


def _skills(raw: str, errors: list[str]) -> list[str]:
    words = [w for w in re.split(r"[;,/|\s]+", raw.lower()) if w]
    skills = [SKILL_WORDS.get(w, w) for w in words]
    unknown = [w for w, s in zip(words, skills, strict=True) if s not in set(Skill)]
    if unknown:
        errors.append(
            gettext(
                "unknown skill %(skills)s (known: %(known)s)",
                skills=", ".join(unknown),
                known=", ".join(Skill),
            )
        )
    return [s for s in skills if s in set(Skill)]


def _row(line: int, values: dict[str, str]) -> ImportRow:
    errors: list[str] = []
    row = ImportRow(line, values.get("name", ""), values.get("phone", ""), errors=errors)
    language = LANGUAGE_WORDS.get(values.get("language", "").lower())
    if language is None:
        errors.append(
            gettext("language must be ko or en, not %(language)r", language=values["language"])
        )
    vehicle = values.get("vehicle_kind", "").lower()
    details = VolunteerDetails(
        name=row.name,
        phone=row.phone,
        language=language or "ko",
        region=values.get("region", ""),
        skills=_skills(values.get("skills", ""), errors),
        vehicle_kind=VEHICLE_WORDS.get(vehicle, vehicle),
        vehicle_seats=_number(values.get("vehicle_seats", ""), "seats", errors),
        vehicle_crates=_number(values.get("vehicle_crates", ""), "crates", errors),
        notes=values.get("notes", ""),
    )
    row.opted_out = values.get("opted_out", "").lower() not in NO_WORDS
    if not row.name:
        errors.append(gettext("the name is missing"))
    try:
        row.details = check_details(details)
    except DomainError as error:
        if not (error.field == "name" and not row.name):
            errors.append(error.message)
    return row


def _read(content: bytes) -> tuple[list[dict[str, str]], list[str]]:
    reader = csv.reader(io.StringIO(_decode(content)))
    try:
        lines = list(reader)
    except csv.Error:
        # A cell past csv.field_size_limit() (128 kB): no volunteer detail is that long.
        raise ValidationError(
            gettext(
                "line %(line)d of the file cannot be read: a cell is too long or malformed",
                line=reader.line_num,
            ),
            field="file",
        ) from None
    if not lines:
        raise ValidationError(gettext("the file is empty"), field="file")
    keys = [_header_key(h) for h in lines[0]]
    missing = [k for k in ("name", "phone") if k not in keys]
    if missing:
        raise ValidationError(
            gettext(
                "the first row must name the columns; missing: %(missing)s "
                "(e.g. name,phone,skills or 이름,전화번호,기술)",
                missing=", ".join(missing),
            ),
            field="file",
        )
    if len(lines) - 1 > MAX_ROWS:
        raise ValidationError(
            gettext("at most %(max_rows)s rows per file", max_rows=MAX_ROWS), field="file"
        )
    ignored = [h for h, k in zip(lines[0], keys, strict=True) if not k and h.strip()]
    rows = [{k: _cell(v) for k, v in zip(keys, values, strict=False) if k} for values in lines[1:]]
    return rows, ignored


def preview_import(content: bytes) -> ImportPreview:
    """Every row of the file checked, with its errors; nothing is written."""
    values, ignored = _read(content)
    return preview_rows(values, ignored=ignored)


def preview_rows(
    values: list[dict[str, str]], *, ignored: list[str] | None = None, start: int = 2
) -> ImportPreview:
    """Rows as {column: text}, numbered from `start`, checked as a file's (the JSON API's too)."""
    rows = [_row(i, v) for i, v in enumerate(values, start=start) if any(v.values())]
    first_line: dict[str, int] = {}
    for row in rows:
        if row.details is not None:
            seen = first_line.setdefault(row.details.phone, row.line)
            if seen != row.line:
                row.errors.append(gettext("the same phone as row %(row)s", row=seen))
    known = _phones_on_file(list(first_line))
    for row in rows:
        phone = row.details.phone if row.details else None
        if phone in known and first_line[phone] == row.line:
            row.errors.append(
                gettext("%(phone)s is already on file (%(name)s)", phone=phone, name=known[phone])
            )
    return ImportPreview(rows, ignored or [])


def _phones_on_file(phones: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(phones), 500):
        chunk = phones[start : start + 500]
        found.update(
            (phone, name)
            for phone, name in db.session.execute(
                select(Volunteer.phone, Volunteer.name).where(Volunteer.phone.in_(chunk))
            )
        )
    return found


def commit_import(preview: ImportPreview) -> int:
    """Add every valid row of a preview; raises (and adds nothing) if none is valid."""
    valid = preview.valid
    if not valid:
        raise ValidationError(gettext("no row of the file can be imported"), field="file")
    now = now_utc()
    people = []
    for row in valid:
        assert row.details is not None  # what makes a row valid
        volunteer = Volunteer(skills=[])
        apply_details(volunteer, row.details)
        if row.opted_out:
            volunteer.opted_out_at, volunteer.opt_out_note = now, "opted out (imported)"
        people.append(volunteer)
    try:
        with db.session.begin_nested():
            db.session.add_all(people)
    except IntegrityError:
        raise Conflict(
            gettext("someone added one of these phones meanwhile: preview again")
        ) from None
    return len(people)


def export_lines() -> Iterator[str]:
    """The whole directory as CSV lines (UTF-8 BOM first, so Excel shows Korean), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Sequence[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line(EXPORT_HEADER)
    people = db.session.scalars(
        select(Volunteer).order_by(Volunteer.id).execution_options(yield_per=1000)
    )
    for v in people:
        yield line(
            [
                v.name,
                v.phone,
                v.language,
                v.region,
                ";".join(v.skill_names),
                v.vehicle_kind,
                v.vehicle_seats,
                v.vehicle_crates,
                v.notes,
                v.opted_out_at.date().isoformat() if v.opted_out_at else "",
            ]
        )
