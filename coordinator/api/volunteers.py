"""Volunteers: list, get, create, update, bulk import, and their messages (coordinators)."""

from sqlalchemy import select

from coordinator.api import bp, requires, spec
from coordinator.api.doors import CREATE, ID, READ, WRITE, answers, found, paginate
from coordinator.api.schemas.common import ErrorDetail, PageQuery
from coordinator.api.schemas.volunteers import (
    ImportIn,
    ImportOut,
    ImportRefused,
    ImportRowIn,
    ImportRowOut,
    MessageOut,
    MessagePage,
    VolunteerIn,
    VolunteerOut,
    VolunteerPage,
    VolunteerPatch,
    VolunteerQuery,
)
from coordinator.domain import volunteer_csv
from coordinator.domain import volunteers as volunteer_rules
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Message, StaffRole, Volunteer
from coordinator.request_limits import accepts_upload

TAGS = ["volunteers"]
# Phone numbers and notes are personal data: the directory is for coordinators.
COORDINATOR = StaffRole.COORDINATOR


@bp.get("/volunteers")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerPage, 422), tags=TAGS)
def list_volunteers(query: VolunteerQuery):
    """The directory: search by name or phone, filter by skill, region, language, opt-out."""
    page = volunteer_rules.search(
        query.q, skill=query.skill or "", region=query.region, language=query.language or "",
        opted_out=query.opted_out, page=query.page, per_page=query.per_page,
    )
    return VolunteerPage(items=[VolunteerOut.model_validate(v) for v in page.items],
                         total=page.total, page=page.page, per_page=page.per_page,
                         pages=page.pages)


@bp.post("/volunteers")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, VolunteerOut, *CREATE), tags=TAGS)
def create_volunteer(json: VolunteerIn):
    """Add a volunteer; a phone number already on file is a 409."""
    volunteer = volunteer_rules.create_volunteer(_details(json.model_dump()))
    db.session.commit()
    return VolunteerOut.model_validate(volunteer), 201


@bp.get(f"/volunteers/<{ID}:volunteer_id>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *READ), tags=TAGS)
def get_volunteer(volunteer_id: int):
    """One volunteer."""
    return VolunteerOut.model_validate(found(Volunteer, volunteer_id, "volunteer"))


@bp.patch(f"/volunteers/<{ID}:volunteer_id>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def update_volunteer(volunteer_id: int, json: VolunteerPatch):
    """Change the fields sent; the others stay as they are. Opt-out is not changed here."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    values = {**_current(volunteer), **json.model_dump(exclude_unset=True)}
    volunteer_rules.update_volunteer(volunteer, _details(values))
    db.session.commit()
    return VolunteerOut.model_validate(volunteer)


def _current(volunteer: Volunteer) -> dict:
    names = ("name", "phone", "language", "region", "vehicle_kind", "vehicle_seats",
             "vehicle_crates", "notes")
    return {**{name: getattr(volunteer, name) for name in names},
            "skills": volunteer.skill_names}


def _details(values: dict) -> volunteer_rules.VolunteerDetails:
    """API values as the domain takes them: "no region" or "no vehicle" is an empty string."""
    blanks = ("name", "phone", "region", "vehicle_kind", "notes")
    return volunteer_rules.VolunteerDetails(**{
        **values, **{key: values.get(key) or "" for key in blanks},
        "language": values.get("language") or "ko", "skills": values.get("skills") or [],
    })


@bp.post("/volunteers/import")
@accepts_upload
@requires(COORDINATOR)
@spec.validate(resp=answers(200, ImportOut, 400, 409, 415, HTTP_422=ImportRefused), tags=TAGS)
def import_volunteers(json: ImportIn):
    """Add many volunteers, each row checked exactly as a row of the CSV import.

    As in the web import, rows with errors are reported and left out, and every valid row is
    added in one transaction, or none is (a phone added meanwhile by someone else: 409). With
    no valid row nothing is added: 422 with each row's errors. `dry_run` only checks.
    """
    preview = volunteer_csv.preview_rows([_cells(row) for row in json.rows], start=0)
    rows = [ImportRowOut(index=r.line, name=r.name, phone=r.phone, errors=r.errors)
            for r in preview.rows]
    imported = 0
    if not json.dry_run:
        try:
            imported = volunteer_csv.commit_import(preview)
        except ValidationError as error:
            db.session.rollback()
            detail = ErrorDetail(code="invalid", message=error.message, field="rows")
            return ImportRefused(error=detail, rows=rows), 422
        db.session.commit()
    return ImportOut(dry_run=json.dry_run, imported=imported, valid=len(preview.valid),
                     invalid=len(preview.invalid), rows=rows)


def _cells(row: ImportRowIn) -> dict[str, str]:
    """A JSON row as CSV cells, so both imports are checked by the very same code."""
    cells = {key: "" if value is None else str(value) for key, value in row.model_dump().items()}
    cells["skills"] = ";".join(row.skills)
    cells["opted_out"] = "yes" if row.opted_out else ""
    return cells


@bp.get(f"/volunteers/<{ID}:volunteer_id>/messages")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, MessagePage, 404, 422), tags=TAGS)
def volunteer_messages(volunteer_id: int, query: PageQuery):
    """Every SMS to and from the volunteer, newest first."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    page = paginate(
        select(Message).where(Message.volunteer_id == volunteer.id)
        .order_by(Message.created_at.desc(), Message.id.desc()),
        query.page, query.per_page,
    )
    return MessagePage(items=[MessageOut.model_validate(m) for m in page.items],
                       total=page.total, page=page.page, per_page=page.per_page,
                       pages=page.pages)
