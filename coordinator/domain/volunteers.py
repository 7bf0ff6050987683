"""Volunteers: adding and editing them, the directory search, opt-out, CSV import and export."""

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Message,
    Position,
    Signup,
    Skill,
    VehicleKind,
    Volunteer,
    VolunteerSkill,
)
from coordinator.models.volunteers import LANGUAGES
from coordinator.phones import normalise_phone

MAX_NAME = 100
MAX_COUNT = 60


@dataclass
class VolunteerDetails:
    """What staff type for a volunteer; the phone as typed, normalised here."""

    name: str
    phone: str
    language: str = "ko"
    region: str = ""
    skills: list[str] = field(default_factory=list)
    vehicle_kind: str = ""
    vehicle_seats: int | None = None
    vehicle_crates: int | None = None
    notes: str = ""


def check_details(details: VolunteerDetails) -> VolunteerDetails:
    """The details tidied (E.164 phone, trimmed text); ValidationError names the first fault."""
    name = " ".join(details.name.split())
    if not name:
        raise ValidationError(gettext("a name is required"), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(
            gettext("the name is longer than %(max_name)s characters", max_name=MAX_NAME),
            field="name",
        )
    phone = normalise_phone(details.phone)
    if details.language not in LANGUAGES:
        raise ValidationError(
            gettext("language must be ko or en, not %(language)r", language=details.language),
            field="language",
        )
    unknown = sorted(set(details.skills) - set(Skill))
    if unknown:
        raise ValidationError(
            gettext("unknown skill %(value)s", value=", ".join(unknown)), field="skills"
        )
    if details.vehicle_kind and details.vehicle_kind not in set(VehicleKind):
        raise ValidationError(
            gettext("unknown vehicle kind %(kind)r", kind=details.vehicle_kind),
            field="vehicle_kind",
        )
    for name_, value in (
        ("vehicle_seats", details.vehicle_seats),
        ("vehicle_crates", details.vehicle_crates),
    ):
        if value is not None and not 0 <= value <= MAX_COUNT:
            raise ValidationError(
                gettext("must be 0 to %(max_count)s", max_count=MAX_COUNT), field=name_
            )
    return VolunteerDetails(
        name=name,
        phone=phone,
        language=details.language,
        region=details.region.strip(),
        skills=sorted(set(details.skills)),
        vehicle_kind=details.vehicle_kind,
        vehicle_seats=details.vehicle_seats,
        vehicle_crates=details.vehicle_crates,
        notes=details.notes.strip(),
    )


def _check_phone_free(phone: str, volunteer: Volunteer | None = None) -> None:
    other = db.session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    if other is not None and other is not volunteer:
        raise Conflict(
            gettext(
                "%(name)s already has the phone number %(phone)s", name=other.name, phone=phone
            ),
            field="phone",
        )


def apply_details(volunteer: Volunteer, details: VolunteerDetails) -> None:
    """Copy checked details onto a volunteer row (skills replaced, vehicle only with a kind)."""
    volunteer.name, volunteer.phone = details.name, details.phone
    volunteer.language, volunteer.region = details.language, details.region or None
    volunteer.vehicle_kind = details.vehicle_kind or None
    volunteer.vehicle_seats = details.vehicle_seats if details.vehicle_kind else None
    volunteer.vehicle_crates = details.vehicle_crates if details.vehicle_kind else None
    volunteer.notes = details.notes
    volunteer.set_skills(details.skills)


def create_volunteer(details: VolunteerDetails) -> Volunteer:
    """Add a volunteer; a phone number already on file is refused."""
    details = check_details(details)
    _check_phone_free(details.phone)
    volunteer = Volunteer()
    apply_details(volunteer, details)
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


def update_volunteer(volunteer: Volunteer, details: VolunteerDetails) -> Volunteer:
    """Change a volunteer's details (opt-out has its own function)."""
    details = check_details(details)
    _check_phone_free(details.phone, volunteer)
    apply_details(volunteer, details)
    db.session.flush()
    return volunteer


# --- The directory ------------------------------------------------------------------------


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _search_filter(query: str) -> ColumnElement[bool] | None:
    query = query.strip()
    if not query:
        return None
    digits = "".join(ch for ch in query if ch.isdigit())
    conditions = [func.lower(Volunteer.name).contains(query.lower(), autoescape=True)]
    if len(digits) >= 3:
        # Stored E.164 drops the national 0: 010-1234 is found as +8210 1234…
        conditions.append(Volunteer.phone.contains(digits.lstrip("0"), autoescape=True))
    return or_(*conditions)


def search(
    query: str = "",
    *,
    skill: str = "",
    region: str = "",
    language: str = "",
    opted_out: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """One page of the directory, by name or phone, skill, region, language and opt-out.

    Volunteers whose data was erased on request are left out: nobody can contact them.
    """
    where = [c for c in (_search_filter(query),) if c is not None]
    where.append(Volunteer.erased_at.is_(None))
    if language:
        where.append(Volunteer.language == language)
    if opted_out is not None:
        where.append(
            Volunteer.opted_out_at.is_not(None) if opted_out else Volunteer.opted_out_at.is_(None)
        )
    if skill:
        where.append(
            Volunteer.id.in_(
                select(VolunteerSkill.volunteer_id).where(VolunteerSkill.skill == skill)
            )
        )
    if region:
        where.append(Volunteer.region == region)
    total = db.session.scalar(select(func.count()).select_from(Volunteer).where(*where)) or 0
    page = max(1, min(page, max((total + per_page - 1) // per_page, 1)))
    items = db.session.scalars(
        select(Volunteer)
        .where(*where)
        .order_by(Volunteer.name, Volunteer.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def regions() -> list[str]:
    """The regions volunteers are in, for the directory's filter."""
    return list(
        db.session.scalars(
            select(Volunteer.region)
            .where(Volunteer.region.is_not(None))
            .distinct()
            .order_by(Volunteer.region)
        )
    )


def history(volunteer: Volunteer, *, limit: int = 100) -> list[Signup]:
    """The volunteer's sign-ups, newest first, with mission, role, shift and attendance."""
    return list(
        db.session.scalars(
            select(Signup)
            .where(Signup.volunteer_id == volunteer.id)
            .options(
                joinedload(Signup.mission),
                selectinload(Signup.attendance),
                joinedload(Signup.position).joinedload(Position.role),
                joinedload(Signup.position).joinedload(Position.shift),
            )
            .order_by(Signup.created_at.desc())
            .limit(limit)
        )
    )


def messages(volunteer: Volunteer, *, limit: int = 50) -> list[Message]:
    """The latest SMS to and from the volunteer."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.volunteer_id == volunteer.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )


class NumberOnFile(Conflict):
    """A number typed by staff is someone's on file: say whose, and ask before using it."""

    code = "number_on_file"

    def __init__(self, volunteer: Volunteer, message: str) -> None:
        super().__init__(message, field="phone")
        self.volunteer = volunteer


def is_phone_text(text: str) -> bool:
    """Typed text that staff meant as a phone number rather than a name."""
    return sum(ch.isdigit() for ch in text) >= 7


def find_one(text: str) -> Volunteer:
    """The one volunteer a phone number or an exact name points to, for picking by hand."""
    text = text.strip()
    if not text:
        raise ValidationError(gettext("type a phone number or a name"), field="volunteer")
    if is_phone_text(text):
        phone = normalise_phone(text, field="volunteer")
        found = db.session.scalars(select(Volunteer).where(Volunteer.phone == phone)).all()
    else:
        found = db.session.scalars(
            select(Volunteer).where(func.lower(Volunteer.name) == text.lower()).limit(2)
        ).all()
    if not found:
        raise ValidationError(
            gettext("no volunteer %(text)r on file", text=text), field="volunteer"
        )
    if len(found) > 1:
        raise ValidationError(
            gettext("several volunteers are called %(text)s: use the phone number", text=text),
            field="volunteer",
        )
    return found[0]


def lookup(text: str, *, limit: int = 10) -> list[Volunteer]:
    """A few volunteers matching a name or phone fragment, for suggestions as staff type."""
    condition = _search_filter(text)
    if condition is None or len(text.strip()) < 2:
        return []
    return list(
        db.session.scalars(select(Volunteer).where(condition).order_by(Volunteer.name).limit(limit))
    )
