"""Who may see and manage what, beyond the role ladder (StaffUser.can and role_required).

Coordinators and admins see and manage every mission; a team lead only the missions they
lead. can_manage answers for one mission, visible_missions is the same rule as SQL for
lists (the board, the API's mission list); the web pages, the roster, attendance and the
API all ask here.
"""

from sqlalchemy import ColumnElement

from coordinator.models import Mission, StaffRole, StaffUser


def can_manage(user: StaffUser, mission: Mission) -> bool:
    """Coordinators and admins manage every mission's day; team leads only the ones they lead."""
    if user.can(StaffRole.COORDINATOR):
        return True
    return user.can(StaffRole.TEAM_LEAD) and any(lead.id == user.id for lead in mission.team_leads)


def visible_missions(user: StaffUser) -> list[ColumnElement[bool]]:
    """SQL conditions for the missions `user` may see, as can_manage decides for one mission."""
    if user.can(StaffRole.COORDINATOR):
        return []
    return [Mission.team_leads.any(StaffUser.id == user.id)]
