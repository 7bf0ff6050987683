"""Staff tools for readiness and consent on a volunteer's page: paper consent, paper waiver,
verified qualifications with an expiry date; admins publish the waiver text."""

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from coordinator.domain import consents, readiness
from coordinator.errors import DomainError, ValidationError
from coordinator.extensions import db
from coordinator.forms import show_error
from coordinator.forms.translations import AppForm
from coordinator.models import ConsentChannel, Skill, StaffRole, Volunteer
from coordinator.security import role_required
from coordinator.timeutil import local_zone, now_utc
from coordinator.web import add_nav_link

bp = Blueprint("readiness", __name__)
add_nav_link("readiness.waiver_text", _l("Waiver"), StaffRole.ADMIN)
COORDINATOR = StaffRole.COORDINATOR


class WaiverForm(AppForm):
    text_ko = TextAreaField(
        _l("Waiver text in Korean"), validators=[DataRequired(), Length(max=20000)]
    )
    text_en = TextAreaField(
        _l("Waiver text in English"), validators=[DataRequired(), Length(max=20000)]
    )


@bp.app_template_global("readiness_of")
def readiness_of(volunteer: Volunteer) -> dict:
    """What the volunteer page shows staff: consent records, latest waiver, qualifications."""
    return {
        "consents": consents.records_of(volunteer),
        "waiver": readiness.latest_acceptance(volunteer),
        "waiver_valid": readiness.waiver_valid_on(volunteer, now_utc()),
        "now": now_utc(),
        "skills": [s.value for s in Skill],
        "form": AppForm(formdata=None),
    }


def _volunteer(volunteer_id: int) -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.erased_at is not None:
        abort(404)
    if not AppForm().validate_on_submit():
        abort(400)
    return volunteer


def _back(volunteer: Volunteer, action, success: str):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(success, "info")
    return redirect(url_for("volunteers.show", volunteer_id=volunteer.id) + "#readiness", 303)


@bp.post("/volunteers/<int:volunteer_id>/consents")
@role_required(COORDINATOR)
def paper_consent(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    chosen = [i for i in request.form.getlist("optional_items") if i in consents.OPTIONAL_ITEMS]
    return _back(
        volunteer,
        lambda: consents.record_consent(
            volunteer,
            channel=ConsentChannel.PAPER,
            optional_items=chosen,
            by_guardian=request.form.get("by_guardian") == "y",
            staff_user_id=current_user.id,
        ),
        _("The paper consent is recorded."),
    )


@bp.post("/volunteers/<int:volunteer_id>/waiver")
@role_required(COORDINATOR)
def paper_waiver(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    return _back(
        volunteer,
        lambda: readiness.accept_waiver(volunteer, channel="paper", staff_user_id=current_user.id),
        _("The paper waiver is recorded."),
    )


def _expiry(raw: str) -> datetime | None:
    """The end of the given local day, or None for a qualification that does not expire."""
    if not raw:
        return None
    try:
        day = datetime.strptime(raw[:10], "%Y-%m-%d").date()
    except ValueError:
        raise ValidationError(
            _("%(value)r is not a date (year-month-day)", value=raw[:20]), field="expires_on"
        ) from None
    return datetime.combine(day, time(23, 59), tzinfo=local_zone())


@bp.post("/volunteers/<int:volunteer_id>/qualifications")
@role_required(COORDINATOR)
def verify_qualification(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    skill = request.form.get("skill", "")

    def verify() -> None:
        if skill not in set(Skill):
            raise ValidationError(_("unknown skill %(value)s", value=skill[:30]), field="skill")
        readiness.set_qualification(
            volunteer,
            skill,
            expires_at=_expiry(request.form.get("expires_on", "")),
            verified_by=current_user,
        )

    return _back(volunteer, verify, _("The qualification is verified."))


@bp.route("/admin/waiver", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def waiver_text():
    current = readiness.current_waiver()
    form = WaiverForm(obj=current) if request.method == "GET" else WaiverForm()
    if form.validate_on_submit():
        try:
            readiness.publish_waiver(
                form.text_ko.data, form.text_en.data, staff_user_id=current_user.id
            )
        except DomainError as error:
            db.session.rollback()
            status = show_error(form, error)  # before rendering: it puts the error on the form
            return render_template("admin/waiver.html", form=form, current=current), status
        db.session.commit()
        flash(
            _("A new version of the waiver is published; volunteers are asked to accept it."),
            "info",
        )
        return redirect(url_for(".waiver_text"), 303)
    return render_template("admin/waiver.html", form=form, current=current), (
        400 if form.errors else 200
    )
