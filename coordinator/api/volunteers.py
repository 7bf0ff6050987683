"""Volunteers: list, get, create, update, bulk import, and their messages (coordinators)."""

from flask import g
from sqlalchemy import select

from coordinator.api import bp, requires, spec
from coordinator.api.doors import CREATE, ID, READ, WRITE, answers, found, paginate
from coordinator.api.schemas.common import ErrorDetail, PageQuery
from coordinator.api.schemas.volunteers import (
    ApprovalIn,
    ConsentIn,
    ConsentOut,
    EmergencyIn,
    ImportIn,
    ImportOut,
    ImportRefused,
    ImportRowIn,
    ImportRowOut,
    MessageOut,
    MessagePage,
    OptOutIn,
    QualificationIn,
    QualificationOut,
    VolunteerIn,
    VolunteerOut,
    VolunteerPage,
    VolunteerPatch,
    VolunteerQuery,
)
from coordinator.domain import consent, consents, joining, readiness, volunteer_csv
from coordinator.domain import volunteers as volunteer_rules
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Message, Skill, StaffRole, Volunteer
from coordinator.request_limits import accepts_upload
from coordinator.timeutil import now_utc

TAGS = ["volunteers"]
# Phone numbers and notes are personal data: the directory is for coordinators.
COORDINATOR = StaffRole.COORDINATOR


@bp.get("/volunteers")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerPage, 422), tags=TAGS)
def list_volunteers(query: VolunteerQuery):
    """The directory: search by name or phone, filter by skill, region, language, opt-out."""
    page = volunteer_rules.search(
        query.q,
        skill=query.skill or "",
        region=query.region,
        language=query.language or "",
        opted_out=query.opted_out,
        page=query.page,
        per_page=query.per_page,
    )
    return VolunteerPage(
        items=volunteers_out(page.items),
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages,
    )


@bp.post("/volunteers")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, VolunteerOut, *CREATE), tags=TAGS)
def create_volunteer(json: VolunteerIn):
    """Add a volunteer; a phone number already on file is a 409."""
    volunteer = volunteer_rules.create_volunteer(_details(json.model_dump()))
    db.session.commit()
    return volunteer_out(volunteer), 201


@bp.get(f"/volunteers/<{ID}:volunteer_id>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *READ), tags=TAGS)
def get_volunteer(volunteer_id: int):
    """One volunteer."""
    return volunteer_out(found(Volunteer, volunteer_id, "volunteer"))


@bp.patch(f"/volunteers/<{ID}:volunteer_id>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def update_volunteer(volunteer_id: int, json: VolunteerPatch):
    """Change the fields sent; the others stay as they are. Opt-out is not changed here."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    values = {**_current(volunteer), **json.model_dump(exclude_unset=True)}
    volunteer_rules.update_volunteer(volunteer, _details(values))
    db.session.commit()
    return volunteer_out(volunteer)


def volunteers_out(volunteers: list[Volunteer]) -> list[VolunteerOut]:
    """Volunteers with their qualifications and consent records (one query for all consents)."""
    by_volunteer = consents.records_of_many([v.id for v in volunteers])
    now = now_utc()
    return [
        VolunteerOut.of(
            v,
            consents=by_volunteer.get(v.id, []),
            qualifications=[QualificationOut.of(s, is_valid=s.is_valid(now)) for s in v.skills],
        )
        for v in volunteers
    ]


def volunteer_out(volunteer: Volunteer) -> VolunteerOut:
    return volunteers_out([volunteer])[0]


@bp.post(f"/volunteers/<{ID}:volunteer_id>/opt-out")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def opt_out(volunteer_id: int, json: OptOutIn):
    """Record that the volunteer wants no more SMS; everything queued for them is cancelled."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    consent.opt_out(volunteer, source=consent.Source.STAFF, note=json.note)
    db.session.commit()
    return volunteer_out(volunteer)


@bp.post(f"/volunteers/<{ID}:volunteer_id>/opt-in")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def opt_in(volunteer_id: int, json: OptOutIn):
    """Clear an opt-out the volunteer asked to end; `note` says who asked, and how."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    consent.opt_in(volunteer, source=consent.Source.STAFF, note=json.note)
    db.session.commit()
    return volunteer_out(volunteer)


def _current(volunteer: Volunteer) -> dict:
    names = (
        "name",
        "phone",
        "language",
        "region",
        "vehicle_kind",
        "vehicle_seats",
        "vehicle_crates",
        "notes",
    )
    return {**{name: getattr(volunteer, name) for name in names}, "skills": volunteer.skill_names}


def _details(values: dict) -> volunteer_rules.VolunteerDetails:
    """API values as the domain takes them: "no region" or "no vehicle" is an empty string."""
    blanks = ("name", "phone", "region", "vehicle_kind", "notes")
    return volunteer_rules.VolunteerDetails(
        **{
            **values,
            **{key: values.get(key) or "" for key in blanks},
            "language": values.get("language") or "ko",
            "skills": values.get("skills") or [],
        }
    )


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
    rows = [
        ImportRowOut(index=r.line, name=r.name, phone=r.phone, errors=r.errors)
        for r in preview.rows
    ]
    imported = 0
    if not json.dry_run:
        try:
            imported = volunteer_csv.commit_import(preview)
        except ValidationError as error:
            db.session.rollback()
            detail = ErrorDetail(code="invalid", message=error.message, field="rows")
            return ImportRefused(error=detail, rows=rows), 422
        db.session.commit()
    return ImportOut(
        dry_run=json.dry_run,
        imported=imported,
        valid=len(preview.valid),
        invalid=len(preview.invalid),
        rows=rows,
    )


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
        select(Message)
        .where(Message.volunteer_id == volunteer.id)
        .order_by(Message.created_at.desc(), Message.id.desc()),
        query.page,
        query.per_page,
    )
    return MessagePage(
        items=[MessageOut.model_validate(m) for m in page.items],
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages,
    )


@bp.post(f"/volunteers/<{ID}:volunteer_id>/consents")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, ConsentOut, *WRITE), tags=TAGS)
def add_consent(volunteer_id: int, json: ConsentIn):
    """Record a consent given on paper (or collected elsewhere) to the notice in force."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    record = consents.record_consent(
        volunteer,
        channel=json.channel,
        optional_items=list(json.optional_items),
        by_guardian=json.by_guardian,
        staff_user_id=g.api_user.id,
    )
    db.session.commit()
    return ConsentOut.model_validate(record), 201


@bp.put(f"/volunteers/<{ID}:volunteer_id>/qualifications/<skill>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def verify_qualification(volunteer_id: int, skill: str, json: QualificationIn):
    """Verify a qualification (a skill tag) and set when it expires."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    if skill not in set(Skill):
        raise ValidationError(f"unknown skill {skill[:30]!r}", field="skill")
    expires = json.expires_at
    if expires is not None and expires.tzinfo is None:
        raise ValidationError("expires_at needs a time zone (e.g. +09:00)", field="expires_at")
    readiness.set_qualification(volunteer, skill, expires_at=expires, verified_by=g.api_user)
    db.session.commit()
    return volunteer_out(volunteer)


@bp.post(f"/volunteers/<{ID}:volunteer_id>/approval")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def decide_sign_up(volunteer_id: int, json: ApprovalIn):
    """Approve a pending sign-up (they get their link) or turn it down (their data is erased)."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    if json.decision == "approve":
        joining.approve(volunteer)
    else:
        joining.reject(volunteer, staff_user_id=g.api_user.id)
    db.session.commit()
    return volunteer_out(volunteer)


@bp.put(f"/volunteers/<{ID}:volunteer_id>/emergency-contact")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, VolunteerOut, *WRITE), tags=TAGS)
def set_emergency_contact(volunteer_id: int, json: EmergencyIn):
    """Set the emergency contact and date of birth (from a paper form, say)."""
    volunteer = found(Volunteer, volunteer_id, "volunteer")
    readiness.set_emergency_details(
        volunteer, name=json.name, phone=json.phone, birth_date=json.birth_date
    )
    db.session.commit()
    return volunteer_out(volunteer)
