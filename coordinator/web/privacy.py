"""Personal data and access: a volunteer's data exported or deleted, API tokens, masked phones."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from coordinator.domain import api_tokens, consents, privacy
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import show_error
from coordinator.forms.translations import AppForm
from coordinator.models import StaffRole, Volunteer
from coordinator.security import role_required
from coordinator.web import add_nav_link

bp = Blueprint("privacy", __name__)
add_nav_link("privacy.my_tokens", _l("API tokens"), StaffRole.TEAM_LEAD)
ADMIN = StaffRole.ADMIN


class EraseForm(AppForm):
    confirm = BooleanField(
        _l("The volunteer asked us to delete their data"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class TokenForm(AppForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=100)])


@bp.app_template_filter("reader_phone")
def reader_phone(e164: str | None) -> str:
    """A volunteer's number as the signed-in reader may see it (masked for team leads)."""
    return privacy.phone_for(e164, current_user)


@bp.app_template_global("sees_full_phones")
def sees_full_phones() -> bool:
    return privacy.can_see_full_phones(current_user)


@bp.app_template_global("staff_api_tokens")
def staff_api_tokens() -> list:
    return api_tokens.all_tokens() if current_user.can(ADMIN) else []


def _volunteer(volunteer_id: int) -> Volunteer:
    return db.session.get(Volunteer, volunteer_id) or abort(404)


@bp.post("/privacy/volunteers/<int:volunteer_id>/export")
@role_required(ADMIN)
def export(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    if not AppForm().validate_on_submit():
        abort(400)
    data = privacy.export_volunteer(volunteer, staff_user_id=current_user.id, via="web")
    db.session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f"attachment; filename=volunteer-{volunteer_id}.json",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/privacy/volunteers/<int:volunteer_id>/consents")
@role_required(ADMIN)
def export_consents(volunteer_id: int):
    """One volunteer's consent records, for showing what they agreed to (issue 17)."""
    volunteer = _volunteer(volunteer_id)
    if not AppForm().validate_on_submit():
        abort(400)
    data = {
        "volunteer_id": volunteer.id,
        "name": volunteer.name,
        "consents": consents.export_records(volunteer),
    }
    db.session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f"attachment; filename=volunteer-{volunteer_id}-consents.json",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/privacy/volunteers/<int:volunteer_id>/delete", methods=["GET", "POST"])
@role_required(ADMIN)
def erase(volunteer_id: int):
    volunteer, form = _volunteer(volunteer_id), EraseForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            done = privacy.erase_volunteer(volunteer, staff_user_id=current_user.id, via="web")
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            status = show_error(form, error)
        else:
            flash(
                _(
                    "Personal data deleted; %(n)d future places were cancelled.",
                    n=done.signups_cancelled,
                ),
                "info",
            )
            return redirect(url_for("volunteers.show", volunteer_id=volunteer_id), 303)
    return render_template("privacy/erase.html", volunteer=volunteer, form=form), status


def _tokens_page(form: TokenForm, *, new_token: str | None = None, status: int = 200):
    response = Response(
        render_template(
            "privacy/tokens.html",
            form=form,
            tokens=api_tokens.tokens_of(current_user),
            new_token=new_token,
            revoke_form=AppForm(formdata=None),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # the new token must not stay in a cache
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@role_required(StaffRole.TEAM_LEAD)
def my_tokens():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=400 if form.is_submitted() else 200)
    try:
        _token, clear = api_tokens.issue_token(current_user, form.name.data, via="web")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _tokens_page(form, status=show_error(form, error))
    return _tokens_page(TokenForm(formdata=None), new_token=clear, status=201)


def _revoke(token_id: int, back: str):
    if not AppForm().validate_on_submit():
        abort(400)
    try:
        token = api_tokens.token_for(token_id, current_user)
        api_tokens.revoke_token(token, current_user, via="web")
        db.session.commit()
    except DomainError:
        db.session.rollback()
        abort(404)
    flash(_("Token %(name)s revoked.", name=token.name), "info")
    return redirect(url_for(back), 303)


@bp.post("/account/tokens/<int:token_id>/revoke")
@role_required(StaffRole.TEAM_LEAD)
def revoke_my_token(token_id: int):
    return _revoke(token_id, "privacy.my_tokens")


@bp.post("/admin/tokens/<int:token_id>/revoke")
@role_required(ADMIN)
def revoke_any_token(token_id: int):
    return _revoke(token_id, "admin.staff_users")
