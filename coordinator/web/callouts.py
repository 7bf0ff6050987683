"""Call-outs: audience, preview, send, progress, cancel."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import NumberRange, Optional

from coordinator.domain import audience as audiences
from coordinator.domain import callouts
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.i18n import format_money, label
from coordinator.models import CallOut, Mission, Skill, StaffRole
from coordinator.security import role_required
from coordinator.sms import outbox
from coordinator.sms.delivery import describe_error
from coordinator.timeutil import now_utc
from coordinator.web import add_nav_link

bp = Blueprint("callouts", __name__)
add_nav_link("callouts.index", _l("Call-outs"), StaffRole.COORDINATOR)

RUN_WAVE_TASK = "tasks.callouts.run_wave"


class CallOutForm(FlaskForm):
    skills = SelectMultipleField(
        _l("Skills"), choices=[(s.value, label(s.value)) for s in Skill],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput(),
        description=_l("Anyone with one of these; none ticked means anyone."),
    )
    region = StringField(_l("Region"), validators=[Optional()])
    # Unknown values are refused by audience.parse_audience, naming the field.
    has_vehicle = SelectField(_l("Own vehicle"), validate_choice=False, choices=[
        ("", _l("Any")), ("yes", _l("Has a vehicle")), ("no", _l("No vehicle"))])
    language = SelectField(_l("Language"), validate_choice=False, choices=[
        ("", _l("Any")), ("ko", "한국어"), ("en", "English")])
    note = TextAreaField(_l("Extra line (optional)"), validators=[Optional()],
                         description=_l("Every character is paid for in every message."))
    wave_size = IntegerField(_l("Volunteers per wave"), default=50,
                             validators=[NumberRange(1, callouts.MAX_WAVE_SIZE)])
    wave_interval_minutes = IntegerField(_l("Minutes between waves"), default=15,
                                         validators=[NumberRange(0, callouts.MAX_INTERVAL_MINUTES)])
    is_urgent = BooleanField(_l("Urgent: send during quiet hours too"))


def _mission(mission_id: int) -> Mission:
    return db.session.get(Mission, mission_id) or abort(404)


def _callout(callout_id: int) -> CallOut:
    return db.session.get(CallOut, callout_id) or abort(404)


def _audience_from(values: dict) -> audiences.Audience:
    return audiences.parse_audience({
        "skills": values.get("skills") or [], "region": values.get("region"),
        "has_vehicle": values.get("has_vehicle"), "language": values.get("language"),
    })


@bp.get("/callouts/")
@role_required(StaffRole.COORDINATOR)
def index():
    recent = db.session.scalars(
        select(CallOut).options(selectinload(CallOut.mission))
        .order_by(CallOut.created_at.desc()).limit(50)
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
                mission, audience=_audience_from(form.data), note=form.note.data or "",
                wave_size=form.wave_size.data,
                wave_interval_minutes=form.wave_interval_minutes.data,
                is_urgent=form.is_urgent.data, created_by=current_user,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            outbox.enqueue(RUN_WAVE_TASK, callout.id)
            return redirect(url_for("callouts.show", callout_id=callout.id))
    status = 400 if request.method == "POST" else 200
    return _new_page(mission, form), status


def _new_page(mission: Mission, form: CallOutForm) -> str:
    try:
        audience = _audience_from(form.data)
    except DomainError:
        audience = audiences.Audience()
    previews = callouts.preview(mission, audience, form.note.data or "", now_utc())
    return render_template("callouts/new.html", mission=mission, form=form, previews=previews,
                           regions=audiences.regions(), open_roles=audiences.open_roles(mission))


@bp.get("/missions/<int:mission_id>/callouts/preview.json")
@role_required(StaffRole.COORDINATOR)
def preview(mission_id: int):
    mission = _mission(mission_id)
    values = {**request.args.to_dict(), "skills": request.args.getlist("skills")}
    try:
        previews = callouts.preview(mission, _audience_from(values),
                                    request.args.get("note", "")[:200], now_utc())
    except DomainError as error:
        return jsonify(error={"message": error.message, "field": error.field}), 400
    return jsonify(
        total=sum(p.recipients for p in previews),
        previews=[{"language": p.language, "text": p.text, "encoding": p.encoding,
                   "segments": p.segments, "recipients": p.recipients,
                   "cost": format_money(p.cost), "amount": str(p.cost),
                   "routes": [{"route": r.route, "type": r.message_type, "size": r.size,
                               "unit": r.unit, "recipients": r.recipients,
                               "cost": format_money(r.cost)} for r in p.routes],
                   "routes_html": render_template("callouts/_routes.html", preview=p)}
                  for p in previews],
    )


@bp.get("/callouts/<int:callout_id>")
@role_required(StaffRole.COORDINATOR)
def show(callout_id: int):
    callout = _callout(callout_id)
    return render_template("callouts/show.html", callout=callout,
                           progress=callouts.progress(callout),
                           failures=callouts.failures(callout), describe_error=describe_error)


@bp.get("/callouts/<int:callout_id>/progress.json")
@role_required(StaffRole.COORDINATOR)
def progress(callout_id: int):
    callout = _callout(callout_id)
    return jsonify(status=callout.status, status_label=str(label(callout.status)),
                   stopped_reason=callout.stopped_reason, waves_sent=callout.waves_sent,
                   **callouts.progress(callout))


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
