"""Consent and waiver on the volunteer's personal page: agree again, withdraw, accept a waiver.

The same signed link as the rest of the page (personal.link_view); each POST calls one
domain function and commits.
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coordinator import links
from coordinator.domain import consents, readiness
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.models import ConsentChannel, Volunteer
from coordinator.timeutil import now_utc
from coordinator.web.personal import link_view

bp = Blueprint("personal_consent", __name__)


@bp.app_template_global("privacy_asks")
def privacy_asks(volunteer: Volunteer) -> dict:
    """What the personal page must ask this volunteer: consent again, a waiver renewal."""
    return {
        "consent": consents.needs_consent(volunteer),
        "waiver": readiness.needs_waiver_renewal(volunteer, now_utc()),
        "retention": volunteer.retention_warned_at is not None,
    }


def _done(message: str):
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("personal.page", token=g.token), 303)


def _refused(error: DomainError):
    db.session.rollback()
    return render_template("personal/refused.html", message=error.message), 409


@bp.route("/v/<token>/consent", methods=["GET", "POST"])
@link_view
def consent(link: links.LinkTarget):
    volunteer = link.volunteer
    if request.method == "GET":
        current = consents.current_consent(volunteer)
        return render_template(
            "personal/consent.html",
            volunteer=volunteer,
            current=current,
            optional=consents.OPTIONAL_ITEMS,
        )
    if request.form.get("agree") != "yes":
        return render_template(
            "personal/refused.html",
            message=_("Tick the box to agree, or withdraw your consent below."),
        ), 400
    chosen = [i for i in request.form.getlist("optional_items") if i in consents.OPTIONAL_ITEMS]
    try:
        consents.record_consent(volunteer, channel=ConsentChannel.PERSONAL, optional_items=chosen)
        volunteer.retention_warned_at = None  # they are still with us
    except DomainError as error:
        return _refused(error)
    return _done(_("Thank you: your consent is recorded."))


@bp.post("/v/<token>/withdraw")
@link_view
def withdraw(link: links.LinkTarget):
    consents.withdraw(link.volunteer)
    return _done(
        _(
            "Your consent is withdrawn. You will receive no more messages from us, "
            "except the confirmation."
        )
    )


@bp.route("/v/<token>/waiver", methods=["GET", "POST"])
@link_view
def waiver(link: links.LinkTarget):
    volunteer = link.volunteer
    text = readiness.current_waiver()
    if request.method == "GET":
        return render_template(
            "personal/waiver.html",
            volunteer=volunteer,
            waiver=text,
            accepted=readiness.latest_acceptance(volunteer),
        )
    if request.form.get("accept") != "yes":
        return render_template(
            "personal/refused.html", message=_("Tick the box to accept the waiver.")
        ), 400
    try:
        readiness.accept_waiver(volunteer, channel="personal")
    except DomainError as error:
        return _refused(error)
    return _done(_("Thank you: the waiver is accepted for 12 months."))
