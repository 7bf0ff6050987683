"""The audit log as sentences: "Kim (Coordinator) changed the capacity of the place Handler ·
07:00 from 4 to 6", in the reader's language and the organisation's time.

The log stores table and column names (coordinator/audit.py); this module is the only place
that turns them into words. Objects still in the database are named as they are now; a
deleted one by what the entry itself recorded.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.labels import label
from coordinator.models import (
    Attendance,
    AuditEntry,
    CallOut,
    ExpectedAnimals,
    Mission,
    Position,
    Role,
    Shift,
    Signup,
    StaffUser,
    Vehicle,
    Volunteer,
)
from coordinator.phones import display_phone

# What each audited table holds, as a noun.
OBJECTS: dict[str, tuple[object, type | None]] = {
    "missions": (_l("the mission"), Mission),
    "roles": (_l("the role"), Role),
    "shifts": (_l("the shift"), Shift),
    "positions": (_l("the place"), Position),
    "vehicles": (_l("the vehicle"), Vehicle),
    "expected_animals": (_l("the expected animals"), ExpectedAnimals),
    "callouts": (_l("the call-out"), CallOut),
    "invitations": (_l("a call-out invitation"), None),
    "signups": (_l("the sign-up of"), Signup),
    "attendance": (_l("the attendance of"), Attendance),
    "attendance_events": (_l("an attendance mark"), None),
    "volunteers": (_l("the volunteer"), Volunteer),
    "volunteer_skills": (_l("a skill"), None),
    "staff_users": (_l("the staff account"), StaffUser),
    "sms_rate_buckets": (_l("the sending rate"), None),
    "api_tokens": (_l("the API token"), None),
}

# Columns people care about, as nouns; bookkeeping columns are left out of the sentences.
FIELDS: dict[str, object] = {
    "title": _l("title"),
    "code": _l("SMS code"),
    "kind": _l("kind"),
    "status": _l("status"),
    "area": _l("area"),
    "address": _l("address"),
    "meeting_point": _l("meeting point"),
    "is_address_confidential": _l("confidential address"),
    "starts_at": _l("start"),
    "ends_at": _l("end"),
    "briefing": _l("briefing"),
    "what_to_bring": _l("what to bring"),
    "species": _l("species"),
    "count": _l("number"),
    "needs_crate": _l("crate"),
    "name": _l("name"),
    "sms_key": _l("SMS key"),
    "required_skill": _l("required skill"),
    "description": _l("description"),
    "capacity": _l("capacity"),
    "label": _l("label"),
    "seats": _l("seats"),
    "crate_slots": _l("crate slots"),
    "animals_moved": _l("animals moved"),
    "notes": _l("notes"),
    "driver_id": _l("driver"),
    "vehicle_id": _l("vehicle"),
    "position_id": _l("place"),
    "cancel_reason": _l("reason"),
    "checked_in_at": _l("check-in"),
    "checked_out_at": _l("check-out"),
    "email": _l("email"),
    "role": _l("role"),
    "language": _l("language"),
    "phone": _l("phone number"),
    "is_active_user": _l("access"),
    "region": _l("region"),
    "vehicle_kind": _l("vehicle"),
    "vehicle_seats": _l("seats"),
    "vehicle_crates": _l("crate slots"),
    "opted_out_at": _l("opt-out"),
    "paused_until": _l("pause"),
    "password_hash": _l("password"),
    "is_urgent": _l("urgency"),
    "note": _l("note"),
    "wave_size": _l("wave size"),
    "wave_interval_minutes": _l("minutes between waves"),
    "locked_until": _l("lock"),
}
VALUE_KINDS = {
    "status": None,
    "kind": None,
    "role": "staff_role",
    "language": "language",
    "required_skill": "skill",
    "vehicle_kind": "vehicle_kind",
}
LINKED = {"driver_id": Volunteer, "vehicle_id": Vehicle, "position_id": Position}
NAME_FIELDS = ("title", "name", "label", "species")


# Whole-object actions; "update" gets a sentence per changed field instead.
ACTIONS = {
    "create": _l("%(who)s added %(what)s %(via)s."),
    "delete": _l("%(who)s removed %(what)s %(via)s."),
    "export": _l("%(who)s exported the data of %(what)s %(via)s."),
    "erase": _l("%(who)s erased the personal data of %(what)s %(via)s."),
    "revoke": _l("%(who)s revoked %(what)s %(via)s."),
    "call": _l("%(who)s called %(what)s from the mission day page %(via)s."),
}


@dataclass
class AuditLine:
    when: str
    sentences: list[str] = field(default_factory=list)


def who(entry: AuditEntry) -> str:
    if entry.staff_user is None:
        return gettext("Someone")
    user = entry.staff_user
    return gettext(
        "%(name)s (%(role)s)", name=user.name or user.email, role=label(user.role, "staff_role")
    )


def object_name(entry: AuditEntry) -> str:
    """ "the role Handler": the object as it is now, or as the entry last saw it."""
    noun, model = OBJECTS.get(entry.object_type, (_l("a record"), None))
    name = ""
    obj = db.session.get(model, entry.object_id) if model and entry.object_id else None
    if obj is not None:
        name = _name_of(obj)
    else:
        for key in NAME_FIELDS:
            pair = entry.changes.get(key)
            if pair and (pair[0] or pair[1]):
                name = str(pair[0] or pair[1])
                break
    return f"{noun} {name}".strip()


def _name_of(obj: object) -> str:
    if isinstance(obj, Position):
        return f"{obj.role.name} · {obj.shift.name or format_local(obj.shift.starts_at, 'time')}"
    if isinstance(obj, Shift):
        return obj.name or format_local(obj.starts_at, "datetime")
    if isinstance(obj, Mission):
        return f"{obj.code} {obj.title}"
    if isinstance(obj, Signup | Attendance):
        signup = obj if isinstance(obj, Signup) else obj.signup
        return signup.volunteer.name
    if isinstance(obj, CallOut):
        return obj.mission.code
    if isinstance(obj, Volunteer) and obj.erased_at is not None:
        return gettext("(deleted)")
    if isinstance(obj, StaffUser):
        return obj.name or obj.email
    for key in NAME_FIELDS:
        if getattr(obj, key, None):
            return str(getattr(obj, key))
    return ""


def show_value(key: str, value: object) -> str:
    """A value the way the page shows it elsewhere."""
    if value is None or value == "":
        return gettext("nothing")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key in LINKED and isinstance(value, int):
        linked = db.session.get(LINKED[key], value)
        return _name_of(linked) if linked is not None else gettext("nothing")
    if key in VALUE_KINDS:
        return str(label(value, VALUE_KINDS[key]))
    if key == "phone" and isinstance(value, str):
        return display_phone(value)
    if key.endswith("_at") or key.endswith("_until"):
        try:
            return format_local(datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def describe(entry: AuditEntry) -> AuditLine:
    """One log entry as sentences in the reader's language."""
    actor, what = who(entry), object_name(entry)
    via = label(entry.via, "via")
    line = AuditLine(when=format_local(entry.created_at))
    if entry.action in ACTIONS:
        line.sentences.append(str(ACTIONS[entry.action]) % {"who": actor, "what": what, "via": via})
    else:
        changed = [key for key in entry.changes if key in FIELDS]
        for key in changed:
            before, after = entry.changes[key]
            line.sentences.append(
                gettext(
                    "%(who)s changed the %(field)s of %(what)s from %(before)s to %(after)s "
                    "%(via)s.",
                    who=actor,
                    field=FIELDS[key],
                    what=what,
                    before=show_value(key, before),
                    after=show_value(key, after),
                    via=via,
                )
            )
        if not changed:
            line.sentences.append(
                gettext("%(who)s changed %(what)s %(via)s.", who=actor, what=what, via=via)
            )
    return line


# The log's filter: what a reader may ask to see, by the name they know.
FILTERS = {
    "missions": _l("Missions"),
    "roles": _l("Roles"),
    "shifts": _l("Shifts"),
    "positions": _l("Places (role and shift)"),
    "vehicles": _l("Vehicles"),
    "callouts": _l("Call-outs"),
    "signups": _l("Sign-ups"),
    "attendance": _l("Attendance"),
    "volunteers": _l("Volunteers"),
    "staff_users": _l("Staff accounts"),
    "api_tokens": _l("API tokens"),
}


def object_type_choices() -> list[tuple[str, str]]:
    return [(table, str(name)) for table, name in FILTERS.items()]
