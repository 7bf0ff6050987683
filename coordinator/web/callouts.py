"""Call-outs: audience, preview, send, progress, cancel."""

from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import NumberRange, Optional

from coordinator.domain import audience as audiences
from coordinator.domain import callout_state, callouts
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import WholeNumberField
from coordinator.forms.translations import AppForm
from coordinator.i18n import format_money, label
from coordinator.models import CallOut, Mission, Skill, StaffRole
from coordinator.security import role_required
from coordinator.sms.delivery import describe_error
from coordinator.timeutil import now_utc
from coordinator.web import add_nav_link

bp = Blueprint("callouts", __name__)
add_nav_link("callouts.index", _l("Call-outs"), StaffRole.COORDINATOR)


class CallOutForm(AppForm):
    skills = SelectMultipleField(
        _l("Skills"),
        choices=[(s.value, label(s.value)) for s in Skill],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        description=_l("Anyone with one of these; none ticked means anyone."),
    )
    region = StringField(_l("Region"), validators=[Optional()])
    # Unknown values are refused by audience.parse_audience, naming the field.
    has_vehicle = SelectField(
        _l("Own vehicle"),
        validate_choice=False,
        choices=[("", _l("Any")), ("yes", _l("Has a vehicle")), ("no", _l("No vehicle"))],
    )
    language = SelectField(
        _l("Language"),
        validate_choice=False,
        choices=[("", _l("Any")), ("ko", "한국어"), ("en", "English")],
    )
    note = TextAreaField(
        _l("Extra line (optional)"),
        validators=[Optional()],
        description=_l("Every character is paid for in every message."),
    )
    wave_size = WholeNumberField(
        _l("Volunteers per wave"), default=50, validators=[NumberRange(1, callouts.MAX_WAVE_SIZE)]
    )
    wave_interval_minutes = WholeNumberField(
        _l("Minutes between waves"),
        default=15,
        validators=[NumberRange(0, callouts.MAX_INTERVAL_MINUTES)],
    )
    is_urgent = BooleanField(_l("Urgent: send during quiet hours too"))


def _mission(mission_id: int) -> Mission:
    return db.session.get(Mission, mission_id) or abort(404)


def _callout(callout_id: int) -> CallOut:
    return db.session.get(CallOut, callout_id) or abort(404)


def _audience_from(values: dict) -> audiences.Audience:
    return audiences.parse_audience(
        {
            "skills": values.get("skills") or [],
            "region": values.get("region"),
            "has_vehicle": values.get("has_vehicle"),
            "language": values.get("language"),
        }
    )


@bp.get("/callouts/")
@role_required(StaffRole.COORDINATOR)
def index():
    recent = db.session.scalars(
        select(CallOut)
        .options(selectinload(CallOut.mission))
        .order_by(CallOut.created_at.desc())
        .limit(50)
    ).all()
    return render_template("callouts/index.html", callouts=recent)


@bp.route("/missions/<int:mission_id>/callouts/new", methods=["GET", "POST"])
@role_required(StaffRole.COORDINATOR)
def new(mission_id: int):
    mission = _mission(mission_id)
    form = CallOutForm()
    if form.validate_on_submit():
        try:
            callout = callouts.create_callout(
                mission,
                audience=_audience_from(form.data),
                note=form.note.data or "",
                wave_size=form.wave_size.data or 50,
                wave_interval_minutes=form.wave_interval_minutes.data or 15,
                is_urgent=form.is_urgent.data,
                created_by=current_user,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            return redirect(url_for("callouts.show", callout_id=callout.id))
    status = 400 if request.method == "POST" else 200
    return _new_page(mission, form), status


def _new_page(mission: Mission, form: CallOutForm) -> str:
    try:
        audience = _audience_from(form.data)
    except DomainError:
        audience = audiences.Audience()
    now = now_utc()
    previews = callouts.preview(mission, audience, form.note.data or "", now)
    return render_template(
        "callouts/new.html",
        mission=mission,
        form=form,
        previews=previews,
        plan=_plan(mission, previews, form.data, now),
        regions=audiences.regions(),
        open_roles=audiences.open_roles(mission),
    )


def _plan(mission: Mission, previews: list, values: dict, now: datetime) -> callout_state.Plan:
    """The confirmation sentence for these previews and the form's wave settings."""

    def number(name: str, default: int, low: int, high: int) -> int:
        try:  # what is typed so far; the form itself refuses a bad value on Send
            return min(max(int(str(values.get(name) or default)), low), high)
        except (TypeError, ValueError):
            return default

    urgent = str(values.get("is_urgent") or "").lower() in ("y", "1", "true", "on")
    return callout_state.plan_of(
        mission,
        sum(p.recipients for p in previews),
        sum(p.cost for p in previews),
        wave_size=number("wave_size", 50, 1, callouts.MAX_WAVE_SIZE),
        interval_minutes=number("wave_interval_minutes", 15, 0, callouts.MAX_INTERVAL_MINUTES),
        is_urgent=urgent,
        now=now,
    )


@bp.get("/missions/<int:mission_id>/callouts/preview.json")
@role_required(StaffRole.COORDINATOR)
def preview(mission_id: int):
    mission = _mission(mission_id)
    values = {**request.args.to_dict(), "skills": request.args.getlist("skills")}
    try:
        previews = callouts.preview(
            mission, _audience_from(values), request.args.get("note", "")[:200], now_utc()
        )
    except DomainError as error:
        return jsonify(error={"message": error.message, "field": error.field}), 400
    plan = _plan(mission, previews, request.args.to_dict(), now_utc())
    return jsonify(
        total=sum(p.recipients for p in previews),
        plan=plan.summary,
        waves=plan.waves,
        previews=[
            {
                "language": p.language,
                "text": p.text,
                "encoding": p.encoding,
                "segments": p.segments,
                "recipients": p.recipients,
                "cost": format_money(p.cost),
                "amount": str(p.cost),
                "routes": [
                    {
                        "route": r.route,
                        "type": r.message_type,
                        "size": r.size,
                        "unit": r.unit,
                        "recipients": r.recipients,
                        "cost": format_money(r.cost),
                    }
                    for r in p.routes
                ],
                "routes_html": render_template("callouts/_routes.html", preview=p),
            }
            for p in previews
        ],
    )


@bp.get("/callouts/<int:callout_id>")
@role_required(StaffRole.COORDINATOR)
def show(callout_id: int):
    callout = _callout(callout_id)
    return render_template(
        "callouts/show.html",
        callout=callout,
        state=callout_state.state_of(callout, now_utc()),
        failures=callouts.failures(callout),
        describe_error=describe_error,
    )


@bp.get("/callouts/<int:callout_id>/progress")
@role_required(StaffRole.COORDINATOR)
def progress_part(callout_id: int):
    """The state and bars alone, for the page's script to swap in while the call-out runs."""
    callout = _callout(callout_id)
    return render_template(
        "callouts/_progress.html", callout=callout, state=callout_state.state_of(callout, now_utc())
    )


@bp.get("/callouts/<int:callout_id>/progress.json")
@role_required(StaffRole.COORDINATOR)
def progress(callout_id: int):
    callout = _callout(callout_id)
    state = callout_state.state_of(callout, now_utc())
    return jsonify(
        status=callout.status,
        status_label=str(label(callout.status)),
        stopped_reason=callout.stopped_reason,
        waves_sent=callout.waves_sent,
        phase=state.phase,
        headline=state.headline,
        detail=state.detail,
        wave=state.wave,
        waves=state.waves,
        can_cancel=state.can_cancel,
        next_at=state.next_at.isoformat() if state.next_at else None,
        outcomes={b.key: b.count for b in [*state.messages, *state.answers]},
        **callouts.progress(callout),
    )


@bp.post("/callouts/<int:callout_id>/cancel")
@role_required(StaffRole.COORDINATOR)
def cancel(callout_id: int):
    callout = _callout(callout_id)
    try:
        cancelled = callouts.cancel_callout(callout)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Call-out cancelled: %(n)d messages will not be sent.", n=cancelled))
    return redirect(url_for("callouts.show", callout_id=callout_id))
