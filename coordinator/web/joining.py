"""Joining: the public join page (/join, /j), the staff queue of sign-ups, the join QR code.

The form's answers wait in the signed session until the code proves the number; then one
domain call stores the volunteer and their consent, and the view commits once.
"""

import io

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from coordinator import ratelimit
from coordinator.domain import joining
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.forms import WholeNumberField, show_error
from coordinator.forms.translations import AppForm
from coordinator.models import Approval, StaffRole, Volunteer
from coordinator.models.volunteers import LANGUAGES
from coordinator.phones import display_phone
from coordinator.security import public, role_required
from coordinator.timeutil import local_zone, now_utc
from coordinator.web import add_nav_link
from coordinator.web.personal_forms import SKILL_LABELS, CheckboxesField, _kind_choices

bp = Blueprint("joining", __name__)
add_nav_link("joining.queue", _l("Sign-ups"), StaffRole.COORDINATOR)
SESSION_KEY = "join_details"
OPTIONAL_CHOICES = [
    SelectChoice("vehicle", _l("my vehicle (kind, seats, crate slots)")),
    SelectChoice("birth_date", _l("my date of birth")),
]


class JoinForm(AppForm):
    name = StringField(_l("Your name"))
    phone = StringField(_l("Mobile number"), render_kw={"inputmode": "tel", "autocomplete": "tel"})
    language = RadioField(
        _l("Messages in"),
        default="ko",
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
    )
    region = StringField(_l("Your region (city or district)"))
    skills = CheckboxesField(
        _l("What I can do (the team checks it before it counts)"),
        choices=[SelectChoice(s, label) for s, label in SKILL_LABELS.items()],
    )
    emergency_name = StringField(_l("Emergency contact: name"))
    emergency_phone = StringField(_l("Emergency contact: phone"), render_kw={"inputmode": "tel"})
    age_group = RadioField(
        _l("Your age"),
        choices=[
            SelectChoice("14plus", _l("14 or older")),
            SelectChoice("under14", _l("Under 14")),
        ],
    )
    guardian_name = StringField(_l("Guardian's name"))
    guardian_phone = StringField(_l("Guardian's mobile number"), render_kw={"inputmode": "tel"})
    consent_required = BooleanField(
        _l("I agree to the collection and use of the required items above")
    )
    optional_items = CheckboxesField(
        _l("I also agree that you keep (optional):"), choices=OPTIONAL_CHOICES
    )
    vehicle_kind = SelectField(_l("My vehicle"), choices=_kind_choices(), default="")
    vehicle_seats = WholeNumberField(_l("Free seats"), validators=[Optional(), NumberRange(0, 60)])
    vehicle_crates = WholeNumberField(
        _l("Crate slots"), validators=[Optional(), NumberRange(0, 60)]
    )
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    # A honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this empty"))

    def details(self) -> joining.JoinDetails:
        return joining.JoinDetails(
            name=self.name.data or "",
            phone=self.phone.data or "",
            language=self.language.data or "",
            region=self.region.data or "",
            skills=list(self.skills.data or []),
            emergency_name=self.emergency_name.data or "",
            emergency_phone=self.emergency_phone.data or "",
            age_group=self.age_group.data or "",
            guardian_name=self.guardian_name.data or "",
            guardian_phone=self.guardian_phone.data or "",
            consent_required=bool(self.consent_required.data),
            optional_items=list(self.optional_items.data or []),
            vehicle_kind=self.vehicle_kind.data or "",
            vehicle_seats=self.vehicle_seats.data,
            vehicle_crates=self.vehicle_crates.data,
            birth_date=self.birth_date.data.isoformat() if self.birth_date.data else "",
        )


class CodeForm(AppForm):
    code = StringField(
        _l("The code from the SMS"),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12},
    )
    guardian_code = StringField(
        _l("The code sent to your guardian"), render_kw={"inputmode": "numeric", "maxlength": 12}
    )


def _public_language() -> None:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["volunteer_lang"] = asked
    chosen = session.get("volunteer_lang")
    if chosen in LANGUAGES:
        g.locale = chosen
        refresh()


def _client() -> str:
    return request.remote_addr or "unknown"


def _form_page(form: JoinForm, status: int = 200):
    return render_template("join/form.html", form=form), status


@bp.get("/j")
@public
def short():
    """The short join link printed under the QR code."""
    return redirect(url_for(".join"), 302)


@bp.route("/join", methods=["GET", "POST"])
@public
def join():
    _public_language()
    form = JoinForm()
    if request.method == "GET":
        form.language.data = str(g.get("locale") or "ko")
        return _form_page(form)
    if not ratelimit.allow(f"join-post:{_client()}", 30, 600):
        flash(_("Too many tries. Wait a few minutes."), "error")
        return _form_page(form, 429)
    if not form.validate_on_submit():
        return _form_page(form, 400)
    if form.website.data:  # a bot: answer as if all went well, send nothing
        session[SESSION_KEY] = {"phone": "", "bot": True}
        return redirect(url_for(".verify"), 303)
    try:
        details = joining.check_join(form.details(), now_utc().astimezone(local_zone()).date())
        joining.start_join(details, client=_client())
    except DomainError as error:
        db.session.rollback()
        return _form_page(form, show_error(form, error))
    db.session.commit()
    session[SESSION_KEY] = details.as_session()
    return redirect(url_for(".verify"), 303)


@bp.route("/join/verify", methods=["GET", "POST"])
@public
def verify():
    _public_language()
    data = session.get(SESSION_KEY)
    if not data:
        return redirect(url_for(".join"), 303)
    details = joining.JoinDetails.from_session(data)
    form = CodeForm()
    shown = display_phone(details.phone) if details.phone else ""

    def page(status: int = 200) -> tuple[str, int]:
        html = render_template(
            "join/verify.html", form=form, phone=shown, under_14=details.is_under_14
        )
        return html, status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit() or data.get("bot"):
        return page(400)
    if request.form.get("resend"):
        return _resend(details, page)
    try:
        joining.confirm_join(details, form.code.data or "", form.guardian_code.data or "")
    except joining.CodeRejected as error:
        db.session.commit()  # the wrong try is counted
        return page(show_error(form, error))
    except DomainError as error:
        db.session.rollback()
        return page(show_error(form, error))
    db.session.commit()
    session.pop(SESSION_KEY, None)
    return redirect(url_for(".done"), 303)


def _resend(details: joining.JoinDetails, page):
    try:
        joining.start_join(details, client=_client())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return page(429)
    db.session.commit()
    flash(_("A new code is on its way."), "info")
    return page()


@bp.get("/join/done")
@public
def done():
    _public_language()
    return render_template("join/done.html")


# -- staff ------------------------------------------------------------------------------------


def _volunteer(volunteer_id: int) -> Volunteer:
    return db.session.get(Volunteer, volunteer_id) or abort(404)


@bp.get("/volunteers/sign-ups")
@role_required(StaffRole.COORDINATOR)
def queue():
    today = now_utc().astimezone(local_zone()).date()
    return render_template(
        "join/queue.html",
        volunteers=joining.pending(),
        today=today,
        needs_guardian=joining.needs_guardian,
        age_on=joining.age_on,
        form=AppForm(),
    )


@bp.post("/volunteers/sign-ups/<int:volunteer_id>/approve")
@role_required(StaffRole.COORDINATOR)
def approve(volunteer_id: int):
    return _decide(volunteer_id, "approve")


@bp.post("/volunteers/sign-ups/<int:volunteer_id>/reject")
@role_required(StaffRole.COORDINATOR)
def reject(volunteer_id: int):
    return _decide(volunteer_id, "reject")


def _decide(volunteer_id: int, decision: str):
    volunteer = _volunteer(volunteer_id)
    if not AppForm().validate_on_submit():
        abort(400)
    name = volunteer.name
    try:
        if decision == "approve":
            joining.approve(volunteer)
        else:
            joining.reject(volunteer, staff_user_id=current_user.id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".queue"), 303)
    db.session.commit()
    flash(
        _("%(name)s is approved and will receive call-outs.", name=name)
        if volunteer.approval == Approval.APPROVED
        else _("%(name)s's sign-up was turned down and their data deleted.", name=name),
        "info",
    )
    return redirect(url_for(".queue"), 303)


def _join_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/j" if base else url_for(".short", _external=True)


@bp.get("/admin/join-link")
@role_required(StaffRole.COORDINATOR)
def join_link():
    return render_template("join/link.html", url=_join_url())


@bp.get("/admin/join-link/qr.svg")
@role_required(StaffRole.COORDINATOR)
def join_qr():
    out = io.BytesIO()
    segno.make(_join_url(), error="m").save(out, kind="svg", scale=8, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.get("/privacy")
@public
def privacy_notice():
    _public_language()
    return render_template("privacy/notice.html")
