"""Missions: list, create, get (with the whole plan), update, change status, cancel."""

from flask import g

from coordinator.api import bp, requires, spec
from coordinator.api.doors import (
    CREATE,
    ID,
    READ,
    WRITE,
    answers,
    mission_for_reading,
    paginate,
)
from coordinator.api.schemas.missions import (
    CancelledMission,
    MissionIn,
    MissionOut,
    MissionPage,
    MissionPatch,
    MissionQuery,
    MissionSummary,
    StatusIn,
)
from coordinator.domain import missions as mission_rules
from coordinator.domain import places, roster
from coordinator.extensions import db
from coordinator.models import Mission, StaffRole

TAGS = ["missions"]
COORDINATOR = StaffRole.COORDINATOR
DETAIL_FIELDS = (
    "title",
    "kind",
    "code",
    "starts_at",
    "ends_at",
    "area",
    "address",
    "meeting_point",
    "is_address_confidential",
    "briefing",
    "what_to_bring",
)


def mission_out(mission_id: int) -> MissionOut:
    """The mission as the API shows it, its plan loaded in a fixed number of queries."""
    mission = roster.load_mission(mission_id)
    positions = sorted(mission.positions, key=lambda p: p.id)
    return MissionOut.of(
        mission,
        positions=positions,
        places_filled=sum(p.filled for p in positions),
        places_total=sum(p.capacity for p in positions),
        places_left=sum(p.places_left for p in positions),
    )


@bp.get("/missions")
@requires(StaffRole.TEAM_LEAD)
@spec.validate(resp=answers(200, MissionPage, 422), tags=TAGS)
def list_missions(query: MissionQuery):
    """Missions by start time; team leads see the missions they lead."""
    search = mission_rules.MissionSearch(
        statuses=tuple(query.status),
        kind=query.kind,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    page = paginate(mission_rules.search_missions(g.api_user, search), query.page, query.per_page)
    fills = places.fill_summaries(page.items)
    items = [
        MissionSummary.of(
            m,
            places_filled=fills[m.id].places_filled,
            places_total=fills[m.id].places_total,
            places_left=fills[m.id].places_left,
        )
        for m in page.items
    ]
    return MissionPage(
        items=items, total=page.total, page=page.page, per_page=page.per_page, pages=page.pages
    )


@bp.post("/missions")
@requires(COORDINATOR)
@spec.validate(resp=answers(201, MissionOut, *CREATE), tags=TAGS)
def create_mission(json: MissionIn):
    """A new draft mission; add roles, shifts and vehicles next, then open it."""
    mission = mission_rules.create_mission(_details(json.model_dump()), created_by=g.api_user)
    db.session.commit()
    return mission_out(mission.id), 201


@bp.get(f"/missions/<{ID}:mission_id>")
@requires(StaffRole.TEAM_LEAD)
@spec.validate(resp=answers(200, MissionOut, *READ), tags=TAGS)
def get_mission(mission_id: int):
    """A mission with its roles, shifts, positions, vehicles, animals and team leads."""
    return mission_out(mission_for_reading(mission_id).id)


@bp.patch(f"/missions/<{ID}:mission_id>")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, MissionOut, *WRITE), tags=TAGS)
def update_mission(mission_id: int, json: MissionPatch):
    """Change the fields sent; with move_shifts (default) shifts follow a new start time."""
    mission = roster.load_mission(mission_id)
    values = {**_current(mission), **json.model_dump(exclude={"move_shifts"})}
    mission_rules.update_mission(mission, _details(values), move_shifts=json.move_shifts)
    db.session.commit()
    return mission_out(mission.id)


def _current(mission: Mission) -> dict:
    return {
        **{name: getattr(mission, name) for name in DETAIL_FIELDS},
        "animals": [
            {"species": a.species, "count": a.count, "needs_crate": a.needs_crate}
            for a in mission.animals
        ],
        "team_lead_ids": [user.id for user in mission.team_leads],
    }


def _details(values: dict) -> mission_rules.MissionDetails:
    animals = [(a["species"], a["count"], a["needs_crate"]) for a in values["animals"]]
    return mission_rules.MissionDetails(
        **{name: values[name] for name in DETAIL_FIELDS},
        animals=animals,
        team_lead_ids=list(values["team_lead_ids"]),
    )


@bp.post(f"/missions/<{ID}:mission_id>/status")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, MissionOut, *WRITE), tags=TAGS)
def change_status(mission_id: int, json: StatusIn):
    """Open a draft for sign-ups (recruiting), start the day (underway), finish it (done)."""
    mission_rules.change_status(roster.load_mission(mission_id), json.status.value)
    db.session.commit()
    return mission_out(mission_id)


@bp.post(f"/missions/<{ID}:mission_id>/cancel")
@requires(COORDINATOR)
@spec.validate(resp=answers(200, CancelledMission, *WRITE), tags=TAGS)
def cancel_mission(mission_id: int):
    """Cancel the mission: call-outs stop and everyone holding a place gets a text."""
    notified = mission_rules.cancel_mission(roster.load_mission(mission_id))
    db.session.commit()
    return CancelledMission(mission=mission_out(mission_id), notified=notified)
