"""Personal data: one volunteer's data exported or deleted on request, phones masked by role.

Deleting keeps the rows that statistics count (the volunteer, their signups, attendance,
invitations and messages) but strips everything that could identify the person: name,
phone, notes, skills, vehicle, message bodies and numbers, free-text reasons, and the
values earlier audit entries recorded about them. The deletion itself is audited (who and
when), never what was deleted.
"""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from coordinator import audit
from coordinator.database import rowcount
from coordinator.domain import consents as consent_records
from coordinator.domain import signups
from coordinator.errors import Conflict
from coordinator.extensions import db
from coordinator.links import revoke_links
from coordinator.models import (
    AttendanceEvent,
    AuditEntry,
    ConversationState,
    Direction,
    Invitation,
    Message,
    MessageStatus,
    Position,
    Shift,
    Signup,
    SignupStatus,
    StaffRole,
    StaffUser,
    Vehicle,
    Volunteer,
)
from coordinator.phones import display_phone, mask_phone
from coordinator.timeutil import now_utc

ERASED_BODY = "[deleted on request]"
ERASED_REASON = "volunteer data deleted on request"
LIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITLISTED)
HIDDEN = "…"
# Columns of earlier audit entries that hold what we must forget, per audited table.
PERSONAL_AUDIT_FIELDS = {
    "volunteers": {
        "name",
        "phone",
        "region",
        "notes",
        "opt_out_note",
        "vehicle_kind",
        "vehicle_seats",
        "vehicle_crates",
        "birth_date",
        "emergency_name",
        "emergency_phone",
        "guardian_name",
        "guardian_phone",
    },
    "volunteer_skills": {"skill"},
    "signups": {"cancel_reason"},
    "vehicles": {"label", "notes"},
}


def placeholder_phone(volunteer_id: int) -> str:
    """A stand-in number no one can reach or type: country code 0 does not exist in E.164.

    normalise_phone refuses it, so no form, import or SMS can ever match it, and the id
    keeps it unique.
    """
    return f"+000{volunteer_id:012d}"


def can_see_full_phones(viewer: StaffUser | None) -> bool:
    """Coordinators and admins see whole numbers; team leads see them masked."""
    return viewer is not None and viewer.can(StaffRole.COORDINATOR)


def phone_for(e164: str | None, viewer: StaffUser | None, *, display: bool = True) -> str:
    """A volunteer's number as this staff user may see it (masked for team leads)."""
    if not e164:
        return ""
    if not can_see_full_phones(viewer):
        return mask_phone(e164)
    return display_phone(e164) if display else e164


def phone_formatter(viewer: StaffUser | None, *, display: bool = True) -> Callable[[str], str]:
    """phone_for bound to one viewer, for exports that format many rows."""
    return lambda e164: phone_for(e164, viewer, display=display)


# -- export ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(volunteer: Volunteer) -> dict:
    return {
        "id": volunteer.id,
        "name": volunteer.name,
        "phone": volunteer.phone,
        "language": volunteer.language,
        "region": volunteer.region,
        "notes": volunteer.notes,
        "skills": [{"skill": s.skill, "is_verified": s.is_verified} for s in volunteer.skills],
        "vehicle": {
            "kind": volunteer.vehicle_kind,
            "seats": volunteer.vehicle_seats,
            "crates": volunteer.vehicle_crates,
        }
        if volunteer.vehicle_kind
        else None,
        "opted_out_at": _iso(volunteer.opted_out_at),
        "opt_out_note": volunteer.opt_out_note,
        "paused_until": _iso(volunteer.paused_until),
        "last_called_at": _iso(volunteer.last_called_at),
        "created_at": _iso(volunteer.created_at),
        "updated_at": _iso(volunteer.updated_at),
        "erased_at": _iso(volunteer.erased_at),
        "approval": volunteer.approval,
        "birth_date": volunteer.birth_date.isoformat() if volunteer.birth_date else None,
        "emergency_contact": {"name": volunteer.emergency_name, "phone": volunteer.emergency_phone},
        "guardian": {
            "name": volunteer.guardian_name,
            "phone": volunteer.guardian_phone,
            "verified_at": _iso(volunteer.guardian_verified_at),
        },
    }


def _signups(volunteer: Volunteer) -> list[dict]:
    rows = (
        db.session.scalars(
            select(Signup)
            .where(Signup.volunteer_id == volunteer.id)
            .options(
                joinedload(Signup.mission),
                selectinload(Signup.attendance),
                joinedload(Signup.position).joinedload(Position.role),
                joinedload(Signup.position).joinedload(Position.shift),
                joinedload(Signup.vehicle),
            )
            .order_by(Signup.created_at, Signup.id)
        )
        .unique()
        .all()
    )
    events: dict[int, list[dict]] = {}
    for event in db.session.scalars(
        select(AttendanceEvent)
        .where(AttendanceEvent.signup_id.in_([s.id for s in rows]))
        .order_by(AttendanceEvent.created_at, AttendanceEvent.id)
    ):
        events.setdefault(event.signup_id, []).append(
            {
                "action": event.action,
                "status": event.status,
                "at": _iso(event.at),
                "marked_via": event.marked_via,
            }
        )
    return [_signup(s, events.get(s.id, [])) for s in rows]


def _signup(signup: Signup, events: list[dict]) -> dict:
    shift, att = signup.position.shift, signup.attendance
    return {
        "id": signup.id,
        "mission": {
            "id": signup.mission.id,
            "code": signup.mission.code,
            "title": signup.mission.title,
        },
        "role": signup.position.role.name,
        "shift_starts_at": _iso(shift.starts_at),
        "shift_ends_at": _iso(shift.ends_at),
        "status": signup.status,
        "source": signup.source,
        "vehicle": signup.vehicle.label if signup.vehicle else None,
        "is_late_cancel": signup.is_late_cancel,
        "cancel_reason": signup.cancel_reason,
        "created_at": _iso(signup.created_at),
        "confirmed_at": _iso(signup.confirmed_at),
        "cancelled_at": _iso(signup.cancelled_at),
        "attendance": None
        if att is None
        else {
            "status": att.status,
            "checked_in_at": _iso(att.checked_in_at),
            "checked_out_at": _iso(att.checked_out_at),
            "marked_via": att.marked_via,
            "events": events,
        },
    }


def _invitations(volunteer: Volunteer) -> list[dict]:
    rows = db.session.scalars(
        select(Invitation)
        .where(Invitation.volunteer_id == volunteer.id)
        .order_by(Invitation.created_at, Invitation.id)
    )
    return [
        {
            "callout_id": i.callout_id,
            "mission_id": i.mission_id,
            "wave": i.wave,
            "response": i.response,
            "responded_at": _iso(i.responded_at),
            "created_at": _iso(i.created_at),
        }
        for i in rows
    ]


def _vehicles(volunteer: Volunteer) -> list[dict]:
    rows = db.session.scalars(
        select(Vehicle)
        .where(or_(Vehicle.offered_by_id == volunteer.id, Vehicle.driver_id == volunteer.id))
        .order_by(Vehicle.id)
    )
    return [
        {
            "mission_id": v.mission_id,
            "label": v.label,
            "kind": v.kind,
            "seats": v.seats,
            "crate_slots": v.crate_slots,
            "offered": v.offered_by_id == volunteer.id,
            "driver": v.driver_id == volunteer.id,
        }
        for v in rows
    ]


def _messages(volunteer: Volunteer) -> list[dict]:
    rows = db.session.scalars(
        select(Message)
        .where(_messages_of(volunteer, volunteer.phone))
        .order_by(Message.created_at, Message.id)
    )
    return [
        {
            "id": m.id,
            "direction": m.direction,
            "phone": m.phone,
            "body": m.body,
            "kind": m.kind,
            "status": m.status,
            "segments": m.segments,
            "error_code": m.error_code,
            "mission_id": m.mission_id,
            "created_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
        }
        for m in rows
    ]


def export_volunteer(volunteer: Volunteer, *, staff_user_id: int | None, via: str) -> dict:
    """Everything we hold about one volunteer, as JSON-ready data; the export is audited."""
    state = db.session.get(ConversationState, volunteer.id)
    data = {
        "exported_at": _iso(now_utc()),
        "volunteer": _profile(volunteer),
        "signups": _signups(volunteer),
        "invitations": _invitations(volunteer),
        "vehicles": _vehicles(volunteer),
        "messages": _messages(volunteer),
        "consents": consent_records.export_records(volunteer),
        "conversation": None
        if state is None
        else {"kind": state.kind, "payload": state.payload, "expires_at": _iso(state.expires_at)},
    }
    _audit("export", volunteer, staff_user_id, via, {})
    return data


# -- delete ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    volunteer: Volunteer
    signups_cancelled: int
    messages_anonymised: int


def _messages_of(volunteer: Volunteer, phone: str) -> ColumnElement[bool]:
    # Texts from their number before it was on file carry no volunteer id, only the number.
    return or_(
        Message.volunteer_id == volunteer.id,
        (Message.volunteer_id.is_(None))
        & (Message.direction == Direction.INBOUND)
        & (Message.phone == phone),
    )


@contextlib.contextmanager
def _unaudited() -> Iterator[None]:
    """Changes made inside are not logged value by value: the log must not keep the data."""
    actor = db.session.info.pop(audit.ACTOR_KEY, None)
    try:
        yield
        db.session.flush()
    finally:
        if actor is not None:
            db.session.info[audit.ACTOR_KEY] = actor


def _audit(
    action: str, volunteer: Volunteer, staff_user_id: int | None, via: str, changes: dict
) -> None:
    db.session.add(
        AuditEntry(
            staff_user_id=staff_user_id,
            via=via,
            action=action,
            object_type="volunteers",
            object_id=volunteer.id,
            changes=changes,
        )
    )


def _anonymise_profile(volunteer: Volunteer, now: datetime) -> None:
    volunteer.name = f"Deleted volunteer {volunteer.id}"
    volunteer.phone = placeholder_phone(volunteer.id)
    volunteer.region = None
    volunteer.notes = volunteer.opt_out_note = ""
    volunteer.vehicle_kind = volunteer.vehicle_seats = volunteer.vehicle_crates = None
    volunteer.birth_date = volunteer.emergency_phone = volunteer.guardian_phone = None
    volunteer.emergency_name = volunteer.guardian_name = ""
    volunteer.skills = []
    volunteer.paused_until = None
    volunteer.opted_out_at = volunteer.opted_out_at or now  # nothing is ever sent again
    volunteer.erased_at = now


def _anonymise_messages(volunteer: Volunteer, old_phone: str, now: datetime) -> int:
    which = _messages_of(volunteer, old_phone)
    db.session.execute(  # never handed to the provider: not billed, so no count changes
        update(Message)
        .where(which, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.CANCELLED, status_updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(
        db.session.execute(
            update(Message)
            .where(which)
            .values(body=ERASED_BODY, phone=placeholder_phone(volunteer.id), error_message="")
            .execution_options(synchronize_session=False)
        )
    )


def _anonymise_around(volunteer: Volunteer) -> None:
    vehicle_ids = list(
        db.session.scalars(select(Vehicle.id).where(Vehicle.offered_by_id == volunteer.id))
    )
    db.session.execute(
        update(Vehicle)
        .where(Vehicle.id.in_(vehicle_ids))
        .values(label=f"Deleted volunteer {volunteer.id}", notes="")
        .execution_options(synchronize_session=False)
    )
    signup_ids = list(
        db.session.scalars(select(Signup.id).where(Signup.volunteer_id == volunteer.id))
    )
    db.session.execute(
        update(Signup)
        .where(Signup.id.in_(signup_ids), Signup.cancel_reason != "")
        .values(cancel_reason=ERASED_REASON)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(ConversationState).where(ConversationState.volunteer_id == volunteer.id)
    )
    _scrub_audit(
        {
            "volunteers": [volunteer.id],
            "volunteer_skills": [volunteer.id],
            "signups": signup_ids,
            "vehicles": vehicle_ids,
        }
    )


def _scrub_audit(ids_by_table: dict[str, list[int]]) -> None:
    """Hide the values earlier audit entries recorded about the person; who/when/what stay."""
    for table, ids in ids_by_table.items():
        fields = PERSONAL_AUDIT_FIELDS[table]
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == table, AuditEntry.object_id.in_(ids))
        )
        for entry in entries:
            entry.changes = {
                key: [HIDDEN if v is not None else None for v in pair] if key in fields else pair
                for key, pair in entry.changes.items()
            }


def _future_signups(volunteer: Volunteer, now: datetime) -> list[Signup]:
    return list(
        db.session.scalars(
            select(Signup)
            .join(Signup.position)
            .join(Position.shift)
            .where(Signup.volunteer_id == volunteer.id, Signup.status.in_(LIVE))
            .where(Shift.starts_at > now)
            .order_by(Signup.id)
        )
    )


def erase_volunteer(
    volunteer: Volunteer, *, staff_user_id: int | None, via: str, now: datetime | None = None
) -> Erasure:
    """Delete a volunteer's personal data on request, keeping anonymous rows for the counts.

    Their future places are cancelled (the waitlist moves up) and their links revoked.
    """
    if volunteer.erased_at is not None:
        raise Conflict(gettext("this volunteer's data was already deleted"), field="volunteer")
    now = now or now_utc()
    old_phone = volunteer.phone
    with _unaudited():
        _anonymise_profile(volunteer, now)
        anonymised = _anonymise_messages(volunteer, old_phone, now)
        _anonymise_around(volunteer)
        revoke_links(volunteer)
    # After the profile is anonymous, so a late-cancel alert to staff names no one.
    future = _future_signups(volunteer, now)
    for signup in future:
        signups.cancel(signup, reason=ERASED_REASON)
    _audit("erase", volunteer, staff_user_id, via, {"erased_at": [None, _iso(now)]})
    db.session.flush()
    return Erasure(volunteer, len(future), anonymised)
