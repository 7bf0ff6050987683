"""Demo data modelled on real operations; loading it twice changes nothing the second time."""

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import (
    ExpectedAnimals,
    Mission,
    MissionKind,
    MissionStatus,
    Position,
    Role,
    Shift,
    StaffRole,
    StaffUser,
    Vehicle,
    Volunteer,
)
from coordinator.timeutil import local_to_utc, local_zone, now_utc

DEMO_EMAIL = "coordinator@demo.rescue"
DEMO_LEAD_EMAIL = "lead@demo.rescue"
DEMO_PASSWORD = "rescue-demo-2026"  # a local demo login, printed by `make run`

SURNAMES = "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 홍".split()
GIVEN = (
    "민준 서연 도윤 지우 하준 서윤 시우 하은 지호 민서 준서 지민 예준 수아 현우 채원 "
    "건우 지유 우진 다은 선우 은서 연우 예은 유준 소율 정우 윤서 승현 하린"
).split()
REGIONS = ["서울", "경기 남부", "경기 북부", "인천", "충남", "제주"]
SKILL_SETS = [
    ["handler"],
    ["handler", "driver"],
    ["driver"],
    ["handler", "first-aid"],
    ["large-animal", "handler"],
    ["photo"],
    ["vet-tech", "handler"],
    ["vet"],
    ["team-lead", "handler"],
]


def _volunteers() -> list[dict]:
    rng = random.Random(2026)  # the same people every time
    people = []
    for i in range(40):
        skills = SKILL_SETS[i % len(SKILL_SETS)]
        has_van = "driver" in skills and i % 2 == 0
        people.append(
            {
                "phone": f"+8210{5550000 + i * 37:08d}",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "language": "en" if i % 10 == 7 else "ko",
                "region": REGIONS[i % len(REGIONS)],
                "skills": skills,
                "vehicle": ("van", 2, 6) if has_van else (("car", 4, 2) if i % 7 == 3 else None),
            }
        )
    people[7]["name"] = "Emily Carter"
    people[17]["name"] = "Daniel Brooks"
    return people


def _ensure_staff(email: str, name: str, role: StaffRole) -> StaffUser:
    user = db.session.scalar(select(StaffUser).filter_by(email=email))
    if user is None:
        user = StaffUser(email=email, name=name, role=role, language="ko")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    return user


def _ensure_volunteer(person: dict) -> bool:
    if db.session.scalar(select(Volunteer).filter_by(phone=person["phone"])):
        return False
    volunteer = Volunteer(
        phone=person["phone"],
        name=person["name"],
        language=person["language"],
        region=person["region"],
    )
    volunteer.set_skills(person["skills"])
    if person["vehicle"]:
        volunteer.vehicle_kind, volunteer.vehicle_seats, volunteer.vehicle_crates = person[
            "vehicle"
        ]
    db.session.add(volunteer)
    return True


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime.combine(day.date(), time(hour, minute)))


def _mission(spec: dict, lead: StaffUser, creator: StaffUser) -> bool:
    if db.session.scalar(select(Mission).filter_by(title=spec["title"])):
        return False
    mission = Mission(
        title=spec["title"],
        code=spec["code"],
        kind=spec["kind"],
        status=MissionStatus.RECRUITING,
        area=spec["area"],
        address=spec["address"],
        meeting_point=spec["meeting_point"],
        meeting_lat=spec["meeting_at"][0],
        meeting_lng=spec["meeting_at"][1],
        parking_notes=spec["parking"],
        is_address_confidential=spec["confidential"],
        starts_at=spec["shifts"][0][2],
        ends_at=spec["shifts"][-1][3],
        briefing=spec["briefing"],
        what_to_bring=spec["bring"],
        created_by=creator,
        team_leads=[lead],
    )
    for species, count, crate in spec["animals"]:
        mission.animals.append(ExpectedAnimals(species=species, count=count, needs_crate=crate))
    roles = [
        Role(name=name, sms_key=key, required_skill=skill, sort_order=i)
        for i, (name, key, skill, _caps) in enumerate(spec["roles"])
    ]
    shifts = [Shift(name=n, sms_key=k, starts_at=s, ends_at=e) for n, k, s, e in spec["shifts"]]
    mission.roles.extend(roles)
    mission.shifts.extend(shifts)
    for role, (_n, _k, _s, caps) in zip(roles, spec["roles"], strict=True):
        for shift, capacity in zip(shifts, caps, strict=True):
            mission.positions.append(Position(role=role, shift=shift, capacity=capacity))
    for label, kind, seats, crates in spec["vehicles"]:
        mission.vehicles.append(Vehicle(label=label, kind=kind, seats=seats, crate_slots=crates))
    db.session.add(mission)
    return True


def _missions(today: datetime) -> list[dict]:
    farm_day = today + timedelta(days=3)
    beach_day = today + timedelta(days=6)
    return [
        {
            "title": "개농장 폐쇄 구조 (Dog-meat farm closure)",
            "code": "F1",
            "kind": MissionKind.FARM_CLOSURE,
            "area": "경기 남부",
            "address": "경기도 화성시 (확정 후 안내)",
            "meeting_point": "수원역 4번 출구 앞 (Suwon Stn. exit 4)",
            "meeting_at": (37.26634, 127.00072),
            "parking": "수원역 환승주차장 이용, 승합차는 4번 출구 앞 정차 / vans stop at exit 4",
            "confidential": True,
            "briefing": "60마리 구조, 목줄과 켄넬 이동. 장화 필수. 60 dogs to crate and move.",
            "bring": "장화, 장갑, 물 / boots, gloves, water",
            "animals": [("dog", 60, True)],
            "roles": [
                ("핸들러 Handler", "H", "handler", [8, 6]),
                ("운전 Driver", "D", "driver", [3, 3]),
                ("수의사 Vet", "V", "vet", [1, 1]),
                ("팀장 Team lead", "L", "team-lead", [1, 1]),
                ("기록 Photo", "P", "photo", [1, 0]),
            ],
            "shifts": [
                ("오전 AM", "AM", _local(farm_day, 7), _local(farm_day, 12)),
                ("오후 PM", "PM", _local(farm_day, 12), _local(farm_day, 18)),
            ],
            "vehicles": [
                ("단체 승합차 1 (org van 1)", "van", 3, 12),
                ("단체 승합차 2 (org van 2)", "van", 3, 12),
            ],
        },
        {
            "title": "해변 마차 말 구조 (Carriage horse rescue)",
            "code": "H2",
            "kind": MissionKind.LARGE_ANIMAL,
            "area": "제주",
            "address": "제주특별자치도 제주시 해변 마차 체험장",
            "meeting_point": "제주시 해변 주차장",
            "meeting_at": (33.51624, 126.51998),
            "parking": "",
            "confidential": False,
            "briefing": "다리를 저는 마차 말 1마리 이송. A lame carriage horse to move by trailer.",
            "bring": "장화, 방수복 / boots, rain gear",
            "animals": [("horse", 1, False)],
            "roles": [
                ("대동물 핸들러 Large-animal handler", "H", "large-animal", [3]),
                ("트레일러 운전 Trailer driver", "D", "driver", [1]),
                ("수의사 Vet", "V", "vet", [1]),
            ],
            "shifts": [("하루 Day", "DAY", _local(beach_day, 9), _local(beach_day, 15))],
            "vehicles": [("말 트레일러 (horse trailer)", "trailer", 2, 0)],
        },
    ]


def load() -> str:
    """Create the demo staff, volunteers and missions that do not exist yet; flush only."""
    creator = _ensure_staff(DEMO_EMAIL, "데모 코디네이터", StaffRole.COORDINATOR)
    lead = _ensure_staff(DEMO_LEAD_EMAIL, "박팀장", StaffRole.TEAM_LEAD)
    added_people = sum(_ensure_volunteer(p) for p in _volunteers())
    today = now_utc().astimezone(local_zone())
    added_missions = sum(_mission(spec, lead, creator) for spec in _missions(today))
    db.session.flush()
    return (
        f"Demo: {added_people} volunteers and {added_missions} missions added. "
        f"Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"
    )
