"""After-action reports: the page, a CSV, a printable view, and the optional thank-you SMS."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordinator.domain import animals, reports, volunteer_hours
from coordinator.errors import DomainError
from coordinator.extensions import db
from coordinator.i18n import format_local
from coordinator.models import Mission, MissionStatus, StaffRole
from coordinator.security import role_required
from coordinator.spreadsheets import csv_text
from coordinator.web import add_nav_link
from coordinator.web.attendance import managed_mission

bp = Blueprint("reports", __name__, url_prefix="/reports")
add_nav_link("reports.index", _l("Reports"), StaffRole.COORDINATOR)
CSV_HEADER = [
    "shift",
    "role",
    "volunteer",
    "source",
    "status",
    "checked_in",
    "checked_out",
    "hours",
]


@bp.get("/")
@role_required(StaffRole.COORDINATOR)
def index():
    missions = db.session.scalars(
        select(Mission)
        .where(Mission.status != MissionStatus.DRAFT)
        .order_by(Mission.starts_at.desc())
        .limit(100)
    ).all()
    return render_template(
        "reports/index.html", missions=missions, hours_due=volunteer_hours.hours_to_enter()
    )


@bp.get("/missions/<int:mission_id>")
def mission(mission_id: int):
    report = reports.mission_report(managed_mission(mission_id))
    return render_template(
        "reports/report.html",
        report=report,
        printable=False,
        hours_deadline=volunteer_hours.entry_deadline(report.mission),
    )


@bp.get("/missions/<int:mission_id>/print")
def printable(mission_id: int):
    report = reports.mission_report(managed_mission(mission_id))
    return render_template(
        "reports/report.html",
        report=report,
        printable=True,
        hours_deadline=volunteer_hours.entry_deadline(report.mission),
    )


@bp.get("/missions/<int:mission_id>.csv")
def mission_csv(mission_id: int):
    report = reports.mission_report(managed_mission(mission_id))
    rows: list[list[object]] = [list(CSV_HEADER)]
    for group in report.groups:
        for row in group.rows:
            att = row.signup.attendance
            rows.append(
                [
                    format_local(group.shift.starts_at, "datetime"),
                    group.role.name,
                    row.signup.volunteer.name,
                    row.signup.source,
                    row.status,
                    format_local(att.checked_in_at) if att else "",
                    format_local(att.checked_out_at) if att else "",
                    row.hours,
                ]
            )
    filename = f"report-{report.mission.code}-{report.mission.id}.csv"
    return csv_text(rows), {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }


def _csv(rows: list, filename: str):
    return csv_text(rows), {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }


@bp.get("/missions/<int:mission_id>/animals.csv")
def animals_csv(mission_id: int):
    """One row per animal, in Animal Shelter Manager's import columns."""
    mission = managed_mission(mission_id)
    rows = animals.shelter_rows(mission, animals.animals_of(mission))
    return _csv(rows, f"animals-{mission.code}-{mission.id}.csv")


@bp.get("/missions/<int:mission_id>/1365.csv")
@role_required(StaffRole.COORDINATOR)
def portal_hours_csv(mission_id: int):
    """Volunteer hours as the 1365 portal takes them: a row per volunteer per day."""
    mission = managed_mission(mission_id)
    return _csv(volunteer_hours.portal_rows(mission), f"1365-{mission.code}-{mission.id}.csv")


@bp.post("/missions/<int:mission_id>/hours-entered")
@role_required(StaffRole.COORDINATOR)
def hours_entered(mission_id: int):
    mission = managed_mission(mission_id)
    volunteer_hours.mark_hours_entered(mission)
    db.session.commit()
    flash(_("Marked as entered on the 1365 portal."), "info")
    return redirect(url_for(".mission", mission_id=mission.id))


@bp.post("/missions/<int:mission_id>/thank-you")
@role_required(StaffRole.COORDINATOR)
def thank_you(mission_id: int):
    mission = managed_mission(mission_id)
    try:
        sent = reports.send_thank_yous(mission)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".mission", mission_id=mission.id))
    db.session.commit()
    flash(_("Thank-you SMS queued for %(count)d people.", count=sent), "info")
    return redirect(url_for(".mission", mission_id=mission.id))
