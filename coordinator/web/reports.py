"""After-action reports: the page, a CSV, a printable view, and the optional thank-you SMS."""


from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordinator.domain import reports
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
    "shift", "role", "volunteer", "source", "status", "checked_in", "checked_out", "hours",
]


@bp.get("/")
@role_required(StaffRole.COORDINATOR)
def index():
    missions = db.session.scalars(
        select(Mission).where(Mission.status != MissionStatus.DRAFT)
        .order_by(Mission.starts_at.desc()).limit(100)
    ).all()
    return render_template("reports/index.html", missions=missions)


@bp.get("/missions/<int:mission_id>")
def mission(mission_id: int):
    report = reports.mission_report(managed_mission(mission_id))
    return render_template("reports/report.html", report=report, printable=False)


@bp.get("/missions/<int:mission_id>/print")
def printable(mission_id: int):
    report = reports.mission_report(managed_mission(mission_id))
    return render_template("reports/report.html", report=report, printable=True)


@bp.get("/missions/<int:mission_id>.csv")
def mission_csv(mission_id: int):
    report = reports.mission_report(managed_mission(mission_id))
    rows: list[list[object]] = [list(CSV_HEADER)]
    for group in report.groups:
        for row in group.rows:
            att = row.signup.attendance
            rows.append([
                format_local(group.shift.starts_at, "datetime"), group.role.name,
                row.signup.volunteer.name, row.signup.source, row.status,
                format_local(att.checked_in_at) if att else "",
                format_local(att.checked_out_at) if att else "", row.hours,
            ])
    filename = f"report-{report.mission.code}-{report.mission.id}.csv"
    return csv_text(rows), {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }


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
