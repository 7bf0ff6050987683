
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.sms.parsing import Intent, Reply, parse_reply

YES, NO, CHOOSE, CANCEL = Intent.YES, Intent.NO, Intent.CHOOSE, Intent.CANCEL
STATUS, STOP, START, HELP = Intent.STATUS, Intent.STOP, Intent.START, Intent.HELP
HERE, LINK, UNKNOWN = Intent.HERE, Intent.LINK, Intent.UNKNOWN

FIELDS = (
    "mission_code", "option", "role_key", "shift_key",
    "vehicle_kind", "vehicle_crates", "vehicle_seats",
)

# (reply as typed, expected intent, the optional fields that must be set; all others are None)
REPLIES = [
    # plain yes, English and Korean, with noise
    ("YES", YES, {}),
    ("yes", YES, {}),
    ("Y", YES, {}),
    ("ok", YES, {}),
    ("Okay!", YES, {}),
    ("yes!! 👍", YES, {}),
    ("YESSSS", YES, {}),
    ("yse", YES, {}),
    ("Sure, count me in", YES, {}),
    ("No problem, see you there", YES, {}),
    ("I'm in!", YES, {}),
    ("ＹＥＳ", YES, {}),
    ("  yes  ", YES, {}),
    ("yes\n", YES, {}),
    ("ye\u200bs", YES, {}),
    ("네", YES, {}),
    ("네!", YES, {}),
    ("네네", YES, {}),
    ("예", YES, {}),
    ("응", YES, {}),
    ("넵", YES, {}),
    ("ㅇㅇ", YES, {}),
    ("ㅇㅋ", YES, {}),
    ("갈게요", YES, {}),
    ("갈께요~", YES, {}),
    ("참여", YES, {}),
    ("참여합니다", YES, {}),
    ("네 참석하겠습니다 😊", YES, {}),
    ("운전할게요", YES, {}),
    ("👍", YES, {}),
    ("⭕", YES, {}),
    # yes with a mission code or a vehicle
    ("YES B7", YES, {"mission_code": "B7"}),
    ("b7 yes", YES, {"mission_code": "B7"}),
    ("B7 네", YES, {"mission_code": "B7"}),
    ("B-7 ok", YES, {"mission_code": "B7"}),
    ("Yes I can drive my van", YES, {"vehicle_kind": "van"}),
    ("yes, I have a car with 5 seats", YES, {"vehicle_kind": "car", "vehicle_seats": 5}),
    ("승합차로 갈게요 크레이트 4개", YES, {"vehicle_kind": "van", "vehicle_crates": 4}),
    ("네 트럭 있어요", YES, {"vehicle_kind": "truck"}),
    ("B7 VAN 4", YES, {"mission_code": "B7", "vehicle_kind": "van", "vehicle_crates": 4}),
    ("yes trailer", YES, {"vehicle_kind": "trailer"}),
    ("yes, but no car", YES, {}),
    ("Yes! I don't have a van though", YES, {}),
    ("네 근데 차는 없어요", YES, {}),
    ("참석합니다 자차없어요", YES, {}),
    ("I can bring 2 crates", YES, {"vehicle_crates": 2}),
    ("Yes, I'll be there by 7", YES, {}),
    ("ok see you at 9:30", YES, {}),
    # no
    ("NO", NO, {}),
    ("n", NO, {}),
    ("nope", NO, {}),
    ("nooo", NO, {}),
    ("no thanks, can't make it", NO, {}),
    ("Sorry I can’t this time", NO, {}),
    ("yes but I cannot come", NO, {}),
    ("B7 no", NO, {"mission_code": "B7"}),
    ("아니요", NO, {}),
    ("아니오", NO, {}),
    ("아뇨 ㅠㅠ", NO, {}),
    ("못가요", NO, {}),
    ("못 가요 죄송해요", NO, {}),
    ("불참", NO, {}),
    ("이번엔 어렵습니다", NO, {}),
    ("갈 수 없어요", NO, {}),
    ("다음에 갈게요", NO, {}),
    ("ㄴㄴ", NO, {}),
    ("👎", NO, {}),
    # choose: a menu number, a code with a number, the role/shift shortcut
    ("2", CHOOSE, {"option": 2}),
    ("1.", CHOOSE, {"option": 1}),
    ("#3", CHOOSE, {"option": 3}),
    ("2번", CHOOSE, {"option": 2}),
    ("2번이요", CHOOSE, {"option": 2}),
    ("네 3번", CHOOSE, {"option": 3}),
    ("option 4 please", CHOOSE, {"option": 4}),
    ("No. 2", CHOOSE, {"option": 2}),
    ("99", CHOOSE, {"option": 99}),
    ("２", CHOOSE, {"option": 2}),
    ("B7 2", CHOOSE, {"mission_code": "B7", "option": 2}),
    ("ｂ７　２", CHOOSE, {"mission_code": "B7", "option": 2}),
    ("f12 1", CHOOSE, {"mission_code": "F12", "option": 1}),
    ("yes B7 2", CHOOSE, {"mission_code": "B7", "option": 2}),
    ("B7 2 VAN 4", CHOOSE,
     {"mission_code": "B7", "option": 2, "vehicle_kind": "van", "vehicle_crates": 4}),
    ("b7 2 van 4 crates 7 seats", CHOOSE, {"mission_code": "B7", "option": 2,
     "vehicle_kind": "van", "vehicle_crates": 4, "vehicle_seats": 7}),
    ("B7 2번 승합차 크레이트 4", CHOOSE,
     {"mission_code": "B7", "option": 2, "vehicle_kind": "van", "vehicle_crates": 4}),
    ("2 밴 켄넬 3개", CHOOSE, {"option": 2, "vehicle_kind": "van", "vehicle_crates": 3}),
    ("1 승용차 5인승", CHOOSE, {"option": 1, "vehicle_kind": "car", "vehicle_seats": 5}),
    ("B7 H AM", CHOOSE, {"mission_code": "B7", "role_key": "H", "shift_key": "AM"}),
    ("b7 h am", CHOOSE, {"mission_code": "B7", "role_key": "H", "shift_key": "AM"}),
    ("HX3 TL PM", CHOOSE, {"mission_code": "HX3", "role_key": "TL", "shift_key": "PM"}),
    ("B7 D", CHOOSE, {"mission_code": "B7", "role_key": "D"}),
    ("B7 PM", CHOOSE, {"mission_code": "B7", "shift_key": "PM"}),
    ("B7 D AM TRUCK 6", CHOOSE, {"mission_code": "B7", "role_key": "D", "shift_key": "AM",
     "vehicle_kind": "truck", "vehicle_crates": 6}),
    # numbers that are not a usable menu answer
    ("0", UNKNOWN, {}),
    ("100", UNKNOWN, {}),
    ("B7 150", UNKNOWN, {"mission_code": "B7"}),
    ("02", UNKNOWN, {}),
    ("2 or 3", UNKNOWN, {}),
    ("010-1234-5678", UNKNOWN, {}),
    ("maybe 2", UNKNOWN, {}),
    # cancel
    ("CANCEL", CANCEL, {}),
    ("cancel B7", CANCEL, {"mission_code": "B7"}),
    ("B7 취소", CANCEL, {"mission_code": "B7"}),
    ("취소할게요", CANCEL, {}),
    ("Sorry, need to cancel, can't come", CANCEL, {}),
    # status, link, help, check-in
    ("STATUS", STATUS, {}),
    ("status?", STATUS, {}),
    ("내 일정", STATUS, {}),
    ("내일정", STATUS, {}),
    ("일정", STATUS, {}),
    ("what's my schedule", STATUS, {}),
    ("LINK", LINK, {}),
    ("링크 보내주세요", LINK, {}),
    ("lost the link", LINK, {}),
    ("HELP", HELP, {}),
    ("info", HELP, {}),
    ("?", HELP, {}),
    ("??", HELP, {}),
    ("도움", HELP, {}),
    ("도움말", HELP, {}),
    ("B7 help", HELP, {"mission_code": "B7"}),
    ("HERE", HERE, {}),
    ("here!", HERE, {}),
    ("I'm here", HERE, {}),
    ("arrived", HERE, {}),
    ("B7 here", HERE, {"mission_code": "B7"}),
    ("도착", HERE, {}),
    ("도착했어요", HERE, {}),
    ("왔어요", HERE, {}),
    # opt-out and opt-in
    ("STOP", STOP, {}),
    ("stop", STOP, {}),
    ("Stop!", STOP, {}),
    ("STOPALL", STOP, {}),
    ("unsubscribe", STOP, {}),
    ("END", STOP, {}),
    ("quit", STOP, {}),
    ("REVOKE", STOP, {}),
    ("End.", STOP, {}),
    ("OPTOUT", STOP, {}),
    ("stop please", STOP, {}),
    ("중지", STOP, {}),
    ("수신거부", STOP, {}),
    ("문자 수신 거부합니다", STOP, {}),
    ("그만", STOP, {}),
    ("START", START, {}),
    ("unstop", START, {}),
    ("시작", START, {}),
    ("재개", START, {}),
    ("수신 재개", START, {}),
    # things that must not be over-read
    ("", UNKNOWN, {}),
    ("     ", UNKNOWN, {}),
    ("\t\n", UNKNOWN, {}),
    ("B7", UNKNOWN, {"mission_code": "B7"}),
    ("maybe", UNKNOWN, {}),
    ("not sure yet", UNKNOWN, {}),
    ("잘 모르겠어요", UNKNOWN, {}),
    ("running late, 10 min", UNKNOWN, {}),
    ("my car broke down", UNKNOWN, {"vehicle_kind": "car"}),
    ("When does it end tomorrow? Where do we meet?", UNKNOWN, {}),
    ("start time?", UNKNOWN, {}),
    ("the end?", UNKNOWN, {}),
    ("B7 2 3", UNKNOWN, {"mission_code": "B7"}),
    ("yes 2, I have 3 kids", YES, {}),
    ("취소됐나요?", UNKNOWN, {}),
    ("도착 시간이 언제예요?", UNKNOWN, {}),
    ("10시 도착 예정", UNKNOWN, {}),
    ("안녕하세요", UNKNOWN, {}),
    ("😂😂", UNKNOWN, {}),
    ("lol", UNKNOWN, {}),
    ("asdf " * 320, UNKNOWN, {}),
    ("yes " * 400, UNKNOWN, {}),
    ("x" * 1600, UNKNOWN, {}),
    ("\ud800\x00\x1b", UNKNOWN, {}),
]


@pytest.mark.parametrize(("body", "intent", "fields"), REPLIES, ids=[r[0][:40] for r in REPLIES])
def test_a_real_reply_is_read_as_the_intent_a_coordinator_would_expect(
    body: str, intent: Intent, fields: dict[str, object]
) -> None:
    reply = parse_reply(body)

    assert reply.intent is intent
    assert {name: getattr(reply, name) for name in FIELDS} == dict.fromkeys(FIELDS) | fields


def test_the_table_covers_at_least_ninety_replies() -> None:
    assert len(REPLIES) >= 90


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("  Yes\t\tB7  ", "Yes B7"),
        ("ｂ７　２", "b7 2"),
        ("ㅇㅇ", "ㅇㅇ"),
        ("ye\u200bs", "yes"),
        ("\ud800ok", "\ufffdok"),
    ],
)
def test_the_text_keeps_what_was_written_with_spacing_and_width_normalised(
    body: str, text: str
) -> None:
    assert parse_reply(body).text == text


def test_a_reply_cannot_be_changed_after_parsing() -> None:
    reply = parse_reply("YES")

    with pytest.raises(AttributeError):
        reply.intent = Intent.NO  # type: ignore[misc]


def test_intents_are_strings_that_can_be_stored_as_they_are() -> None:
    assert parse_reply("yes").intent == "yes"
    assert Intent("choose") is Intent.CHOOSE


def test_a_full_length_reply_is_kept_whole_for_a_person_to_read() -> None:
    # How fast such a reply parses is bench/parsing.py's question, not a test's.
    body = ("네 B7 2 VAN 4 " + "가나다 abc 123 " * 120)[:1600]

    reply = parse_reply(body)

    assert reply.intent == Intent.UNKNOWN and reply.mission_code is None
    assert reply.text == " ".join(body.split())


WORDS = [
    "YES", "no", "B7", "2", "0", "100", "VAN", "4", "crates", "네", "못", "취소", "CANCEL", "STOP",
    "?", "👍", "ㅇㅇ", "ｂ７", "H", "AM", "도착", "일정", "링크", "승합차", "크레이트", "번", "-",
]


@settings(max_examples=500, database=None)
@given(
    st.one_of(
        st.text(st.characters(exclude_categories=[])),
        st.lists(st.sampled_from(WORDS)).map(" ".join),
    )
)
def test_any_text_parses_to_a_reply_without_raising(body: str) -> None:
    reply = parse_reply(body)

    assert isinstance(reply, Reply)
    assert isinstance(reply.intent, Intent)
    assert reply.option is None or 1 <= reply.option <= 99
    assert reply.mission_code is None or reply.mission_code.isupper()
