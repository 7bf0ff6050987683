"""Joining by themselves: the public join form, the phone proven by a one-time code, approval.

Nothing about the person is stored until their number is proven: the form's answers wait
in the signed session cookie, and only the code's hash is kept. A number already on file
gets the personal link by SMS instead of a code, and the page says the same thing either
way, so the form tells no one who is registered. A new volunteer waits (PENDING) until
staff approve them; only approved volunteers are called out.
"""

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select, update

from coordinator import links, ratelimit
from coordinator.domain import consents, privacy
from coordinator.domain.readiness import age_on
from coordinator.errors import Conflict, ValidationError
from coordinator.extensions import db
from coordinator.models import (
    Approval,
    ConsentChannel,
    Message,
    MessageStatus,
    PhoneCode,
    Skill,
    VehicleKind,
    Volunteer,
)
from coordinator.models.volunteers import LANGUAGES
from coordinator.phones import normalise_phone
from coordinator.sms.outbox import queue_sms, queue_sms_to_phone
from coordinator.timeutil import now_utc

MAX_TEXT = 100
MAX_COUNT = 60
AGE_GROUPS = ("14plus", "under14")
SPENT_CODE_BODY = "[one-time code, used]"


class CodeRejected(ValidationError):
    """A wrong, expired or used-up code: the try was counted, so the door commits."""


@dataclass
class JoinDetails:
    """What a person types on the join page (numbers as typed; check_join tidies them)."""

    name: str
    phone: str
    language: str = "ko"
    region: str = ""
    skills: list[str] = field(default_factory=list)
    emergency_name: str = ""
    emergency_phone: str = ""
    age_group: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    consent_required: bool = False
    optional_items: list[str] = field(default_factory=list)
    vehicle_kind: str = ""
    vehicle_seats: int | None = None
    vehicle_crates: int | None = None
    birth_date: str = ""  # ISO yyyy-mm-dd, only with consent to the optional item

    def as_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict) -> "JoinDetails":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def is_under_14(self) -> bool:
        return self.age_group == "under14"


def _text(value: str, field_name: str, label: str, *, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValidationError(
            gettext("%(what)s contains characters that cannot be stored", what=label),
            field=field_name,
        )
    if required and not text:
        raise ValidationError(gettext("%(what)s is required", what=label), field=field_name)
    if len(text) > MAX_TEXT:
        raise ValidationError(
            gettext("%(what)s is longer than %(n)d characters", what=label, n=MAX_TEXT),
            field=field_name,
        )
    return text


def _birth_date(raw: str, today: date) -> date | None:
    if not raw:
        return None
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            gettext("%(value)r is not a date (year-month-day)", value=raw[:20]), field="birth_date"
        ) from None
    if born >= today or born.year < 1900:
        raise ValidationError(gettext("the date of birth must be a past date"), field="birth_date")
    return born


def check_join(details: JoinDetails, today: date) -> JoinDetails:
    """The form's answers tidied; ValidationError names the first thing to fix."""
    d = JoinDetails.from_session(details.as_session())
    d.name = _text(d.name, "name", gettext("Your name"))
    d.phone = normalise_phone(d.phone)
    if d.language not in LANGUAGES:
        raise ValidationError(
            gettext("language must be ko or en, not %(language)r", language=d.language[:10]),
            field="language",
        )
    d.region = _text(d.region, "region", gettext("Your region"))
    unknown = sorted(set(d.skills) - set(Skill))
    if unknown:
        raise ValidationError(
            gettext("unknown skill %(value)s", value=unknown[0][:30]), field="skills"
        )
    d.emergency_name = _text(
        d.emergency_name, "emergency_name", gettext("An emergency contact's name")
    )
    d.emergency_phone = normalise_phone(d.emergency_phone, field="emergency_phone")
    if d.emergency_phone == d.phone:
        raise ValidationError(
            gettext("the emergency contact needs a number other than yours"),
            field="emergency_phone",
        )
    _check_age(d, today)
    _check_optional(d, today)
    if not d.consent_required:
        raise ValidationError(
            gettext(
                "we can only register you if you agree to the required items; you may "
                "refuse, but then we cannot call you out"
            ),
            field="consent_required",
        )
    return d


def _check_age(d: JoinDetails, today: date) -> None:
    if d.age_group not in AGE_GROUPS:
        raise ValidationError(gettext("say whether you are 14 or older"), field="age_group")
    if d.is_under_14:
        d.guardian_name = _text(d.guardian_name, "guardian_name", gettext("A guardian's name"))
        d.guardian_phone = normalise_phone(d.guardian_phone, field="guardian_phone")
        if d.guardian_phone == d.phone:
            raise ValidationError(
                gettext("the guardian needs a number other than yours"), field="guardian_phone"
            )
    else:
        d.guardian_name, d.guardian_phone = "", ""


def _check_optional(d: JoinDetails, today: date) -> None:
    unknown = sorted(set(d.optional_items) - set(consents.OPTIONAL_ITEMS))
    if unknown:
        raise ValidationError(
            gettext("unknown optional item %(value)r", value=unknown[0][:30]),
            field="optional_items",
        )
    has_vehicle = bool(d.vehicle_kind)
    if has_vehicle and "vehicle" not in d.optional_items:
        raise ValidationError(
            gettext("tick the box allowing us to keep your vehicle, or leave the vehicle empty"),
            field="optional_items",
        )
    if has_vehicle:
        if d.vehicle_kind not in set(VehicleKind):
            raise ValidationError(
                gettext("unknown vehicle kind %(kind)r", kind=d.vehicle_kind[:20]),
                field="vehicle_kind",
            )
        for name, value in (
            ("vehicle_seats", d.vehicle_seats),
            ("vehicle_crates", d.vehicle_crates),
        ):
            if value is not None and not 0 <= value <= MAX_COUNT:
                raise ValidationError(
                    gettext("must be 0 to %(max_count)s", max_count=MAX_COUNT), field=name
                )
    else:
        d.vehicle_seats = d.vehicle_crates = None
    if d.birth_date and "birth_date" not in d.optional_items:
        raise ValidationError(
            gettext("tick the box allowing us to keep your date of birth, or leave it empty"),
            field="optional_items",
        )
    born = _birth_date(d.birth_date, today)
    if born is not None and (age_on(born, today) < consents.GUARDIAN_AGE) != d.is_under_14:
        raise ValidationError(
            gettext("the date of birth and the age you chose do not agree"), field="birth_date"
        )
    d.optional_items = sorted(
        {
            i
            for i in d.optional_items
            if (i == "vehicle" and has_vehicle) or (i == "birth_date" and born is not None)
        }
    )


# -- one-time codes ---------------------------------------------------------------------------


def _hash(phone: str, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(phone: str, purpose: str, now: datetime) -> str:
    """A fresh 6-digit code for this number; earlier unused ones stop working."""
    for old in db.session.scalars(
        select(PhoneCode).where(
            PhoneCode.phone == phone, PhoneCode.purpose == purpose, PhoneCode.used_at.is_(None)
        )
    ):
        old.used_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = current_app.config["JOIN_CODE_MINUTES"]
    db.session.add(
        PhoneCode(
            phone=phone,
            purpose=purpose,
            code_hash=_hash(phone, purpose, code),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    return code


def _use_code(phone: str, purpose: str, code: str, now: datetime) -> bool:
    """True if `code` is this number's live code (then it is spent); a wrong try is counted."""
    row = db.session.scalar(
        select(PhoneCode)
        .where(
            PhoneCode.phone == phone,
            PhoneCode.purpose == purpose,
            PhoneCode.used_at.is_(None),
            PhoneCode.expires_at > now,
        )
        .order_by(PhoneCode.id.desc())
        .limit(1)
    )
    if row is None or row.attempts >= current_app.config["JOIN_CODE_ATTEMPTS"]:
        return False
    if hmac.compare_digest(row.code_hash, _hash(phone, purpose, (code or "").strip()[:12])):
        row.used_at = now
        return True
    row.attempts += 1
    return False


def _allowed_to_send(phone: str, client: str) -> None:
    hour = 3600
    config = current_app.config
    if not ratelimit.allow(
        f"join-send-address:{client}", config["JOIN_SENDS_PER_ADDRESS_HOUR"], hour
    ) or not ratelimit.allow(f"join-send-phone:{phone}", config["JOIN_SENDS_PER_PHONE_HOUR"], hour):
        raise Conflict(
            gettext("too many codes were asked for; wait an hour and try again"), field="phone"
        )


def start_join(details: JoinDetails, *, client: str, now: datetime | None = None) -> None:
    """Send the code that proves the number (and the guardian's), or the link if on file.

    Callers show the same page whatever happens here, so nobody learns who is registered.
    """
    now = now or now_utc()
    _allowed_to_send(details.phone, client)
    existing = db.session.scalar(select(Volunteer).where(Volunteer.phone == details.phone))
    stamp = now.isoformat()
    if existing is not None:
        if existing.is_approved:
            queue_sms(
                existing,
                "join_existing",
                kind="join",
                url=links.personal_url(existing),
                idempotency_key=f"join-existing:{existing.id}:{stamp}",
            )
        else:
            queue_sms(
                existing,
                "join_waiting",
                kind="join",
                idempotency_key=f"join-waiting:{existing.id}:{stamp}",
            )
        return
    code = _new_code(details.phone, "join", now)
    queue_sms_to_phone(
        details.phone,
        details.language,
        "join_code",
        kind="join",
        code=code,
        idempotency_key=f"join-code:{details.phone}:{stamp}",
    )
    if details.is_under_14:
        guardian_code = _new_code(details.guardian_phone, "guardian", now)
        queue_sms_to_phone(
            details.guardian_phone,
            details.language,
            "guardian_code",
            kind="join",
            code=guardian_code,
            child=details.name,
            idempotency_key=f"guardian-code:{details.guardian_phone}:{stamp}",
        )
    db.session.flush()


def confirm_join(
    details: JoinDetails, code: str, guardian_code: str = "", *, now: datetime | None = None
) -> Volunteer:
    """Register the person as a PENDING volunteer once their code (and guardian's) is right.

    Stores the volunteer, their consent record and, under 14, the guardian's verification,
    all in one flush. A wrong code raises CodeRejected (only the try is counted).
    """
    now = now or now_utc()
    if not _use_code(details.phone, "join", code, now):
        db.session.flush()
        raise CodeRejected(
            gettext("the code is wrong or has expired; ask for a new one"), field="code"
        )
    if details.is_under_14 and not _use_code(
        details.guardian_phone, "guardian", guardian_code, now
    ):
        db.session.flush()
        raise CodeRejected(
            gettext("the guardian's code is wrong or has expired; ask for a new one"),
            field="guardian_code",
        )
    if db.session.scalar(select(Volunteer.id).where(Volunteer.phone == details.phone)):
        raise Conflict(
            gettext("this number is already registered; we sent its page by SMS"), field="phone"
        )
    volunteer = _new_volunteer(details, now)
    _forget_code_texts(details.phone, "join-code")
    if details.is_under_14:
        _forget_code_texts(details.guardian_phone, "guardian-code")
    consents.record_consent(
        volunteer,
        channel=ConsentChannel.JOIN,
        optional_items=details.optional_items,
        by_guardian=details.is_under_14,
        now=now,
    )
    db.session.flush()
    return volunteer


def _forget_code_texts(phone: str, key_prefix: str) -> None:
    """Once a code is spent, the texts that carried it keep no readable code in the outbox."""
    db.session.execute(
        update(Message)
        .where(
            Message.phone == phone,
            Message.idempotency_key.like(f"{key_prefix}:{phone}:%"),
            Message.status.not_in([MessageStatus.QUEUED, MessageStatus.SENDING]),
        )
        .values(body=SPENT_CODE_BODY)
        .execution_options(synchronize_session=False)
    )


def _new_volunteer(d: JoinDetails, now: datetime) -> Volunteer:
    volunteer = Volunteer(
        name=d.name,
        phone=d.phone,
        language=d.language,
        region=d.region or None,
        vehicle_kind=d.vehicle_kind or None,
        vehicle_seats=d.vehicle_seats,
        vehicle_crates=d.vehicle_crates,
        birth_date=date.fromisoformat(d.birth_date) if d.birth_date else None,
        emergency_name=d.emergency_name,
        emergency_phone=d.emergency_phone,
        guardian_name=d.guardian_name,
        guardian_phone=d.guardian_phone or None,
        guardian_verified_at=now if d.is_under_14 else None,
        approval=Approval.PENDING,
        joined_via="join",
        created_at=now,
    )
    volunteer.set_skills(d.skills, is_verified=False)  # self-declared: staff verify
    db.session.add(volunteer)
    return volunteer


# -- the staff queue --------------------------------------------------------------------------


def pending() -> list[Volunteer]:
    """Sign-ups waiting for staff, oldest first."""
    return list(
        db.session.scalars(
            select(Volunteer)
            .where(Volunteer.approval == Approval.PENDING)
            .order_by(Volunteer.created_at, Volunteer.id)
        )
    )


def needs_guardian(volunteer: Volunteer, today: date) -> bool:
    """Under 14 (by the date of birth, or a guardian named at joining)."""
    young = volunteer.birth_date is not None and (
        age_on(volunteer.birth_date, today) < consents.GUARDIAN_AGE
    )
    return young or bool(volunteer.guardian_name)


def approve(volunteer: Volunteer, *, now: datetime | None = None) -> None:
    """Let a pending volunteer receive call-outs, and send them their personal link."""
    now = now or now_utc()
    if volunteer.approval != Approval.PENDING:
        raise Conflict(gettext("this sign-up was already decided"), field="volunteer")
    if needs_guardian(volunteer, now.date()) and volunteer.guardian_verified_at is None:
        raise Conflict(
            gettext("under 14: a guardian's verified consent is needed first"), field="volunteer"
        )
    volunteer.approval, volunteer.approval_decided_at = Approval.APPROVED, now
    queue_sms(
        volunteer,
        "join_approved",
        kind="join",
        url=links.personal_url(volunteer),
        idempotency_key=f"join-approved:{volunteer.id}",
    )
    db.session.flush()


def reject(volunteer: Volunteer, *, staff_user_id: int | None) -> None:
    """Turn a sign-up down: nothing of the person is kept (the anonymous row stays)."""
    if volunteer.approval != Approval.PENDING:
        raise Conflict(gettext("this sign-up was already decided"), field="volunteer")
    volunteer.approval, volunteer.approval_decided_at = Approval.REJECTED, now_utc()
    privacy.erase_volunteer(volunteer, staff_user_id=staff_user_id, via="web")
