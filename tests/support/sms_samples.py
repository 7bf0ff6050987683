"""Realistic values to render every SMS template with, in Korean and in English.

Objects are built in memory (never added to the session), with ids like a busy year's, so
personal links are as long as real ones. Every template gets what its callers pass:
`volunteer`, `mission` and `contact` always (as the SMS conversation does), and its own extras.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from coordinator.domain.reminders import reminder_context
from coordinator.i18n import format_local
from coordinator.links import personal_url
from coordinator.models import Mission, Position, Role, Shift, Signup, StaffUser, Vehicle, Volunteer

# 07:00 in Seoul, a weekday in late November.
STARTS = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
NOW = STARTS - timedelta(hours=20)


@dataclass(frozen=True)
class Values:
    title: str
    area: str
    address: str
    meeting_point: str
    name: str
    lead: str
    roles: tuple[tuple[str, int], ...]  # (role name, places still needed)
    bring: str
    note: str
    contact: str = "010-2345-6789"
    team_text: str = ""
    inbox_text: str = ""
    code: str = "B7"


KOREAN_TYPICAL = Values(
    title="화성 개농장 폐쇄 구조",
    area="경기 화성시 남양읍",
    address="화성시 남양읍 남양성지로 123-45",
    meeting_point="수원역 4번 출구",
    name="김민준",
    lead="박서연",
    roles=(("핸들러", 6), ("운전", 2), ("수의사", 1)),
    bring="장화, 목장갑",
    note="",
    team_text="집결 장소가 4번 출구로 바뀌었어요",
    inbox_text="네, 내일 7시에 봬요. 장화 꼭 챙기세요.",
)
KOREAN_LONG = Values(
    title="화성시 남양읍 불법 개농장 폐쇄 구조: 진돗개와 믹스견 87마리 전원 이송",
    area="경기도 화성시 남양읍 신남리",
    address="경기도 화성시 남양읍 남양성지로 123-45 (비닐하우스 뒤편 농장)",
    meeting_point="수원역 4번 출구 앞 버스정류장 (흰색 승합차)",
    name="남궁하늘별",
    lead="제갈현우진",
    roles=(("구조 핸들러", 12), ("운전 (승합차)", 4), ("수의사", 2), ("촬영", 1)),
    bring="장화, 목장갑, 우비, 여벌옷, 물",
    note="장화 필수, 점심 제공",
    team_text=(
        "집결 장소가 수원역 4번 출구 앞 버스정류장으로 바뀌었어요. 늦으면 팀장에게 전화 주세요."
    ),
    inbox_text="네, 확인했어요. 내일 7시에 수원역 4번 출구에서 봬요. 장화와 목장갑 꼭 챙기세요.",
)
ENGLISH_TYPICAL = Values(
    title="Hwaseong dog farm closure",
    area="Namyang, Hwaseong",
    address="123-45 Namyangseongji-ro, Hwaseong",
    meeting_point="Suwon Station exit 4",
    name="Emma Clarke",
    lead="Park Seo-yeon",
    roles=(("Handler", 6), ("Driver", 2), ("Vet", 1)),
    bring="boots, gloves",
    note="",
    team_text="Meeting point moved to exit 4",
    inbox_text="Yes, see you at 7 tomorrow. Bring boots.",
)
ENGLISH_LONG = Values(
    title="Hwaseong illegal dog meat farm closure: 87 Jindo and mixed dogs to move",
    area="Sinnam-ri, Namyang-eup, Hwaseong, Gyeonggi",
    address="123-45 Namyangseongji-ro, Namyang-eup, Hwaseong (farm behind the greenhouses)",
    meeting_point="Suwon Station exit 4, bus stop by the white van",
    name="Alexandra Clarke-Whitfield",
    lead="Jegal Hyun-woo",
    roles=(("Handler", 12), ("Driver (van)", 4), ("Vet", 2), ("Photos", 1)),
    bring="boots, work gloves, rain jacket, spare clothes, water",
    note="Boots required, lunch provided",
    team_text="Meeting point moved to the bus stop at Suwon Station exit 4. Late? Call your lead.",
    inbox_text=(
        "Yes, got it. See you at 7 tomorrow at Suwon Station exit 4. Bring boots and gloves."
    ),
)


# A mission set up in a hurry: no meeting point, no address, no area, no lead, nothing to
# bring, no note, no contact. Every SMS must still read as a sentence, with no empty labels.
KOREAN_SPARSE = Values(
    title="긴급 구조",
    area="",
    address="",
    meeting_point="",
    name="김민준",
    lead="",
    roles=(("핸들러", 2), ("운전", 1)),
    bring="",
    note="",
    contact="",
    team_text="지금 출발해요",
    inbox_text="네",
)
ENGLISH_SPARSE = Values(
    title="Urgent rescue",
    area="",
    address="",
    meeting_point="",
    name="Emma Clarke",
    lead="",
    roles=(("Handler", 2), ("Driver", 1)),
    bring="",
    note="",
    contact="",
    team_text="Leaving now",
    inbox_text="Yes",
)


def build_world(values: Values, language: str) -> dict:
    """A mission with roles, a shift, a vehicle, a volunteer and their signup, in memory."""
    mission = Mission(
        id=1234,
        code=values.code,
        title=values.title,
        area=values.area,
        address=values.address,
        meeting_point=values.meeting_point,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=9),
        what_to_bring=values.bring,
        team_leads=[StaffUser(name=values.lead)] if values.lead else [],
    )
    shift = Shift(
        id=501,
        name="AM",
        sms_key="AM",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=5),
        mission=mission,
    )
    roles = [
        Role(id=700 + i, name=name, sms_key=name[0], mission=mission)
        for i, (name, _places) in enumerate(values.roles)
    ]
    positions = [
        Position(id=900 + i, role=role, shift=shift, capacity=places + 2, filled=2, mission=mission)
        for i, (role, (_n, places)) in enumerate(zip(roles, values.roles, strict=True))
    ]
    volunteer = Volunteer(
        id=48213, link_version=3, name=values.name, language=language, phone="+821098765432"
    )
    vehicle = Vehicle(id=77, label="Van 1", kind="van", seats=8, crate_slots=12, mission=mission)
    signup = Signup(
        id=120456,
        volunteer=volunteer,
        position=positions[0],
        mission=mission,
        status="confirmed",
        vehicle=vehicle,
        offer_expires_at=NOW + timedelta(hours=1),
    )
    return {
        "mission": mission,
        "positions": positions,
        "volunteer": volunteer,
        "vehicle": vehicle,
        "signup": signup,
    }


def contexts(values: Values, language: str) -> dict[str, dict]:
    """{case: context} for every template; a template with variants has a case for each.

    Call-out and reminders get exactly what their senders build (reminder_context, and the
    call-out's when/needs/note/link); the rest get what the SMS conversation passes.
    """
    world = build_world(values, language)
    mission, volunteer, signup = world["mission"], world["volunteer"], world["signup"]
    position = world["positions"][0]
    others = [
        Mission(id=1235 + i, code=f"C{i + 1}", starts_at=STARTS + timedelta(days=i + 1))
        for i in range(2)
    ]
    waitlisted = Signup(
        id=120457,
        volunteer=volunteer,
        position=world["positions"][1],
        mission=mission,
        status="waitlisted",
    )
    reminder = reminder_context(signup, NOW)
    cases = {
        "booking_confirmed": {
            "position": position,
            "vehicle": world["vehicle"],
            "lead": values.lead,
        },
        "booking_confirmed[directions]": {
            "position": position,
            "vehicle": world["vehicle"],
            "lead": values.lead,
            "link": "https://rescue.example.org/v/AbCdEfGh",
        },
        "booking_confirmed[no vehicle]": {
            "position": position,
            "vehicle": None,
            "lead": values.lead,
        },
        "booking_refused[skill]": {"reason": "skill", "position": position},
        "booking_refused[overlap]": {"reason": "overlap", "position": position},
        "booking_refused[closed]": {"reason": "closed", "position": position},
        "booking_refused[approval]": {"reason": "approval", "position": position},
        "booking_refused[age]": {"reason": "age", "position": position},
        "booking_refused[waiver]": {"reason": "waiver", "position": position},
        "booking_waitlisted": {"position": position, "place": 3},
        "callout": {
            "when": format_local(mission.starts_at, "datetime", language),
            "needs": ", ".join(f"{name} {places}" for name, places in values.roles),
            "note": values.note,
            "link": personal_url(volunteer, mission.id),
        },
        "cancel_done": {"position": position},
        "cancel_nothing": {},
        "checked_in": {"signup": signup},
        "checkin_refused": {},
        "choose_again[two]": {"count": 2},
        "choose_again[four]": {"count": 4},
        "decline_booked": {},
        "decline_done": {},
        "decline_which": {"missions": [mission, *others]},
        "help": {},
        "inbox_reply": {"text": values.inbox_text},
        "late_cancel_alert": {"signup": signup, "position": position},
        "link": {"url": personal_url(volunteer)},
        "menu_cancel": {"options": list(enumerate([signup, waitlisted], start=1))},
        "menu_missions": {"missions": [mission, *others]},
        "menu_positions": {"options": list(enumerate(world["positions"], start=1))},
        "mission_cancelled": {},
        "mission_unknown": {"code": "Q9"},
        "no_callout": {},
        "not_qualified": {},
        "offer_expired": {},
        "offer_gone": {},
        "opted_in": {},
        "opted_out": {},
        "reminder_day_before": reminder,
        "reminder_same_day": {**reminder, "days_ahead": 0},
        "reminder_waitlisted": reminder,
        "status_empty": {},
        "status_list": {"signups": [signup, waitlisted], "more": 2},
        "team_message": {"body": values.team_text, "sender": values.lead},
        "thank_you": {"animals": 87},
        "question_received": {},
        "travel_noted[on the way]": {
            "signup": signup,
            "late": False,
            "expected": STARTS - timedelta(minutes=10),
        },
        "travel_noted[late]": {
            "signup": signup,
            "late": True,
            "expected": STARTS + timedelta(minutes=25),
        },
        "travel_no_place": {},
        "walk_in_confirm": {
            "position": position,
            "signup": signup,
            "link": personal_url(volunteer, mission.id),
        },
        "unknown": {},
        "unknown_number": {"org": "동물구조단" if language == "ko" else "Animal Rescue Korea"},
        "waitlist_offer": {"position": position, "signup": signup},
        # Joining, consent and readiness (issue 17).
        "join_code": {"code": "482913"},
        "guardian_code": {"code": "482913", "child": values.name},
        "join_existing": {"url": personal_url(volunteer)},
        "join_waiting": {},
        "join_approved": {"url": personal_url(volunteer)},
        "consent_withdrawn": {},
        "retention_warning": {
            "day": format_local(STARTS, "date", language),
            "url": personal_url(volunteer),
        },
        "qualification_expiring": {
            "skill": "large-animal",
            "day": format_local(STARTS, "date", language),
        },
        "staff_qualification_expiring": {
            "person": values.name,
            "skill": "large-animal",
            "day": format_local(STARTS, "date", language),
        },
        "waiver_renewal": {
            "day": format_local(STARTS, "date", language),
            "url": personal_url(volunteer),
        },
    }
    base = {"volunteer": volunteer, "mission": mission, "contact": values.contact}
    return {case: {**base, **extra} for case, extra in cases.items()}
