"""Volunteers: directory, profile, add and edit, opt-out, CSV import and export."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coordinator import pending_imports
from coordinator.domain import consent, volunteer_csv
from coordinator.domain import volunteers as volunteer_rules
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import show_error, status_of
from coordinator.forms.volunteers import ImportCommitForm, ImportForm, OptOutForm, VolunteerForm
from coordinator.models import Skill, StaffRole, Volunteer
from coordinator.phones import display_phone
from coordinator.request_limits import accepts_upload
from coordinator.security import role_required
from coordinator.web import add_nav_link

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")
add_nav_link("volunteers.index", _l("Volunteers"), StaffRole.COORDINATOR)


@bp.app_template_filter("phone")
def phone_filter(value: str | None) -> str:
    """A stored E.164 number as people write it (010-1234-5678)."""
    return display_phone(value) if value else ""


@bp.before_request
@role_required(StaffRole.COORDINATOR)
def _coordinators_only() -> None:
    """Phone numbers and notes are personal data: the whole directory is for coordinators."""


def _volunteer(volunteer_id: int) -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        abort(404)
    return volunteer


@bp.get("/")
def index():
    args = request.args
    page = volunteer_rules.search(
        args.get("q", "")[:100],
        skill=args.get("skill", ""),
        region=args.get("region", ""),
        page=args.get("page", 1, type=int) or 1,
    )
    return render_template(
        "volunteers/index.html",
        page=page,
        skills=list(Skill),
        regions=volunteer_rules.regions(),
        args=args,
    )


@bp.get("/lookup.json")
def lookup():
    people = volunteer_rules.lookup(request.args.get("q", "")[:100])
    return {
        "volunteers": [
            {"id": v.id, "value": display_phone(v.phone), "label": f"{v.name} · {v.region or ''}"}
            for v in people
        ]
    }


@bp.get("/<int:volunteer_id>")
def show(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    return render_template(
        "volunteers/show.html",
        volunteer=volunteer,
        opt_out_form=OptOutForm(formdata=None),
        history=volunteer_rules.history(volunteer),
        messages=volunteer_rules.messages(volunteer),
    )


def _save(form: VolunteerForm, volunteer: Volunteer | None) -> ResponseReturnValue:
    template = "volunteers/form.html"
    if not form.validate_on_submit():
        return render_template(template, form=form, volunteer=volunteer), (
            400 if form.errors else 200
        )
    try:
        if volunteer is None:
            volunteer = volunteer_rules.create_volunteer(form.details())
        else:
            volunteer_rules.update_volunteer(volunteer, form.details())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        status = show_error(form, error)
        return render_template(template, form=form, volunteer=volunteer), status
    flash(_("Saved %(name)s.", name=volunteer.name), "info")
    return redirect(url_for(".show", volunteer_id=volunteer.id), 303)


@bp.route("/new", methods=["GET", "POST"])
def new():
    return _save(VolunteerForm(), None)


@bp.route("/<int:volunteer_id>/edit", methods=["GET", "POST"])
def edit(volunteer_id: int):
    volunteer = _volunteer(volunteer_id)
    form = VolunteerForm()
    if not form.is_submitted():
        form.fill_from(volunteer)
    return _save(form, volunteer)


@bp.post("/<int:volunteer_id>/opt-out")
def opt_out(volunteer_id: int):
    volunteer, form = _volunteer(volunteer_id), OptOutForm()
    if form.validate_on_submit():
        try:
            change = consent.opt_out if form.action.data == "opt_out" else consent.opt_in
            change(volunteer, source=consent.Source.STAFF, note=form.note.data or "")
            db.session.commit()
            flash(_("Opt-out updated."), "info")
            return redirect(url_for(".show", volunteer_id=volunteer.id), 303)
        except DomainError as error:
            db.session.rollback()
            status = show_error(form, error)
    else:
        if form.action.errors:  # a hidden field: say so, or the page shows no reason
            flash(_("Choose whether to record or clear the opt-out."), "error")
        status = 400
    return render_template(
        "volunteers/show.html",
        volunteer=volunteer,
        opt_out_form=form,
        history=volunteer_rules.history(volunteer),
        messages=volunteer_rules.messages(volunteer),
    ), status


@bp.route("/import", methods=["GET", "POST"])
@accepts_upload
def import_csv():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("volunteers/import.html", form=form), 400 if form.errors else 200
    content = form.file.data.read()
    try:
        preview = volunteer_csv.preview_import(content)
    except DomainError as error:
        status = show_error(form, error)
        return render_template("volunteers/import.html", form=form), status
    key = pending_imports.keep(current_user.id, content)
    commit_form = ImportCommitForm(formdata=None, pending=key)
    return render_template("volunteers/import_preview.html", preview=preview, form=commit_form)


@bp.post("/import/commit")
def import_commit():
    form = ImportCommitForm()
    if not form.validate_on_submit():
        flash(_("Nothing to import: upload the file again."), "error")
        return redirect(url_for(".import_csv"), 303)
    try:
        content = pending_imports.read(current_user.id, form.pending.data)
        preview = volunteer_csv.preview_import(content)
        added = volunteer_csv.commit_import(preview)
        db.session.commit()
        pending_imports.forget(current_user.id, form.pending.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("volunteers/import.html", form=ImportForm(formdata=None)), (
            status_of(error)
        )
    flash(
        _(
            "Imported %(n)d volunteers; %(skipped)d rows with errors were left out.",
            n=added,
            skipped=len(preview.invalid),
        ),
        "info",
    )
    return redirect(url_for(".index"), 303)


@bp.get("/export.csv")
def export():
    # Built whole (a few MB for 50,000 people) so the database work ends with the request.
    return Response(
        "".join(volunteer_csv.export_lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=volunteers.csv"},
    )
