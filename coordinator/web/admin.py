"""Admin pages: staff accounts and the audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from coordinator import audit_sentences
from coordinator.domain import staff
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms.translations import AppForm
from coordinator.models import AuditEntry, StaffRole, StaffUser
from coordinator.security import role_required
from coordinator.web import add_nav_link

bp = Blueprint("admin", __name__, url_prefix="/admin")
add_nav_link("admin.staff_users", _l("Staff"), StaffRole.ADMIN)
add_nav_link("admin.audit_log", _l("Audit log"), StaffRole.ADMIN)

ROLE_CHOICES = [
    SelectChoice(StaffRole.TEAM_LEAD.value, _l("Team lead")),
    SelectChoice(StaffRole.COORDINATOR.value, _l("Coordinator")),
    SelectChoice(StaffRole.ADMIN.value, _l("Admin")),
]
PAGE_SIZE = 50


class StaffForm(AppForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=100)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class RoleForm(AppForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


@bp.route("/staff", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def staff_users():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            staff.create_user(
                form.email.data,
                role=form.role.data,
                password=form.password.data,
                name=form.name.data,
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Staff account created."), "info")
            return redirect(url_for("admin.staff_users"))
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    status = 400 if form.errors else 200
    return render_template("admin/staff.html", form=form, users=users, role_form=RoleForm()), status


@bp.post("/staff/<int:user_id>/role")
@role_required(StaffRole.ADMIN)
def change_role(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        user.role = form.role.data
        db.session.commit()
        flash(_("Role changed."), "info")
    return redirect(url_for("admin.staff_users"))


@bp.post("/staff/<int:user_id>/active")
@role_required(StaffRole.ADMIN)
def toggle_active(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    if AppForm().validate_on_submit():
        staff.set_active(user, not user.is_active_user)
        db.session.commit()
    return redirect(url_for("admin.staff_users"))


@bp.get("/audit")
@role_required(StaffRole.ADMIN)
def audit_log():
    page = request.args.get("page", 1, type=int) or 1
    query = select(AuditEntry).options(selectinload(AuditEntry.staff_user))
    object_type = request.args.get("object_type", "").strip()
    if object_type in audit_sentences.FILTERS:
        query = query.where(AuditEntry.object_type == object_type)
    entries = db.paginate(
        query.order_by(AuditEntry.id.desc()),
        page=max(page, 1),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "admin/audit.html",
        entries=entries,
        object_type=object_type,
        lines=[audit_sentences.describe(entry) for entry in entries.items],
        object_types=audit_sentences.object_type_choices(),
    )
