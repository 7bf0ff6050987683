import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.sms import parsing
from coordinator.sms.parsing import Intent, Reply, parse_reply
from tests.support.regex_shape import backtracking_shapes

YES, NO, CHOOSE, CANCEL = Intent.YES, Intent.NO, Intent.CHOOSE, Intent.CANCEL
STATUS, STOP, START, HELP = Intent.STATUS, Intent.STOP, Intent.START, Intent.HELP
HERE, LINK, UNKNOWN = Intent.HERE, Intent.LINK, Intent.UNKNOWN
QUESTION = Intent.QUESTION
ON_MY_WAY, LATE = Intent.ON_MY_WAY, Intent.RUNNING_LATE

FIELDS = (
    "mission_code",
    "option",
    "role_key",
    "shift_key",
    "vehicle_kind",
    "vehicle_crates",
    "vehicle_seats",
    "minutes",
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
    # Korean "can": 수 있다 with any verb, spaced or not, polite, formal or plain
    ("갈 수 있어요", YES, {}),
    ("갈수있어요", YES, {}),
    ("갈 수있어요", YES, {}),
    ("갈수 있습니다", YES, {}),
    ("할 수 있습니다", YES, {}),
    ("참여할 수 있어요", YES, {}),
    ("운전할 수 있어요!", YES, {}),
    ("도울 수 있음", YES, {}),
    ("네 갈 수 있을 것 같아요", YES, {}),
    ("B7 갈 수 있어요", YES, {"mission_code": "B7"}),
    ("저 갈수있어용", YES, {}),
    # Korean "possible", "will attend", "will go", honorific and spacing variants
    ("가능해요", YES, {}),
    ("가능합니다", YES, {}),
    ("가능합니당", YES, {}),
    ("참여 가능", YES, {}),
    ("참여가능합니다", YES, {}),
    ("참석 가능해요", YES, {}),
    ("참석할게요", YES, {}),
    ("참가하겠습니다", YES, {}),
    ("함께할게요", YES, {}),
    ("함께 하겠습니다", YES, {}),
    ("도와드릴게요", YES, {}),
    ("갈게요!", YES, {}),
    ("갈게용", YES, {}),
    ("가겠습니다", YES, {}),
    ("그럼요", YES, {}),
    ("운전 가능해요 승합차 있어요", YES, {"vehicle_kind": "van"}),
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
    # Korean refusals built like the yes forms above: never a yes
    ("못 가요", NO, {}),
    ("갈수없어요", NO, {}),
    ("갈 수가 없어요", NO, {}),
    ("참석할 수 없습니다", NO, {}),
    ("어려워요", NO, {}),
    ("참여가 어려울 것 같아요", NO, {}),
    ("안 돼요", NO, {}),
    ("안돼요 ㅠ", NO, {}),
    ("시간이 안 될 것 같아요", NO, {}),
    ("불가능해요", NO, {}),
    ("참석 불가", NO, {}),
    ("이번엔 힘들 것 같아요", NO, {}),
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
    (
        "B7 2 VAN 4",
        CHOOSE,
        {"mission_code": "B7", "option": 2, "vehicle_kind": "van", "vehicle_crates": 4},
    ),
    (
        "b7 2 van 4 crates 7 seats",
        CHOOSE,
        {
            "mission_code": "B7",
            "option": 2,
            "vehicle_kind": "van",
            "vehicle_crates": 4,
            "vehicle_seats": 7,
        },
    ),
    (
        "B7 2번 승합차 크레이트 4",
        CHOOSE,
        {"mission_code": "B7", "option": 2, "vehicle_kind": "van", "vehicle_crates": 4},
    ),
    ("2 밴 켄넬 3개", CHOOSE, {"option": 2, "vehicle_kind": "van", "vehicle_crates": 3}),
    ("1 승용차 5인승", CHOOSE, {"option": 1, "vehicle_kind": "car", "vehicle_seats": 5}),
    ("B7 H AM", CHOOSE, {"mission_code": "B7", "role_key": "H", "shift_key": "AM"}),
    ("b7 h am", CHOOSE, {"mission_code": "B7", "role_key": "H", "shift_key": "AM"}),
    ("HX3 TL PM", CHOOSE, {"mission_code": "HX3", "role_key": "TL", "shift_key": "PM"}),
    ("B7 D", CHOOSE, {"mission_code": "B7", "role_key": "D"}),
    ("B7 PM", CHOOSE, {"mission_code": "B7", "shift_key": "PM"}),
    (
        "B7 D AM TRUCK 6",
        CHOOSE,
        {
            "mission_code": "B7",
            "role_key": "D",
            "shift_key": "AM",
            "vehicle_kind": "truck",
            "vehicle_crates": 6,
        },
    ),
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
    ("running late, 10 min", LATE, {"minutes": 10}),  # the team lead hears it (travel.say)
    ("my car broke down", UNKNOWN, {"vehicle_kind": "car"}),
    ("갈 수도 있어요", UNKNOWN, {}),
    ("갈 수 있으면 갈게요", UNKNOWN, {}),
    ("가능하면 참석할게요", UNKNOWN, {}),
    # questions go to a person, whatever yes, no or cancel word they hold
    ("When does it end tomorrow? Where do we meet?", QUESTION, {}),
    ("start time?", QUESTION, {}),
    ("the end?", QUESTION, {}),
    ("몇 시에 끝나요? 주차 가능한가요?", QUESTION, {}),
    ("몇 시에 끝나요 주차 가능한가요", QUESTION, {}),
    ("주차 가능한가요", QUESTION, {}),
    ("몇시까지 가면 돼요", QUESTION, {}),
    ("점심 주나요", QUESTION, {}),
    ("장화 있어야 하나요", QUESTION, {}),
    ("혹시 B7 주차 되나요", QUESTION, {"mission_code": "B7"}),
    ("어디서 만나요", QUESTION, {}),
    ("집결 장소가 어디예요", QUESTION, {}),
    ("제가 운전할까요", QUESTION, {}),
    ("갈 수 있을까요?", QUESTION, {}),
    ("아이랑 같이 가도 되나요?", QUESTION, {}),
    ("참석 가능합니까", QUESTION, {}),
    ("네? 무슨 일이에요", QUESTION, {}),
    ("취소하려면 어떻게 해요", QUESTION, {}),
    ("Can I bring my dog?", QUESTION, {}),
    ("Is there parking", QUESTION, {}),
    ("what time do we finish", QUESTION, {}),
    ("how do I cancel", QUESTION, {}),
    ("yes? what is this", QUESTION, {}),
    ("B7 van ok?", QUESTION, {"mission_code": "B7", "vehicle_kind": "van"}),
    # and these stay what they are
    ("언제든 갈게요", YES, {}),
    ("뭐든 할게요", YES, {}),
    ("내일 만나요", UNKNOWN, {}),
    ("B7 2 3", UNKNOWN, {"mission_code": "B7"}),
    ("yes 2, I have 3 kids", YES, {}),
    ("취소됐나요?", QUESTION, {}),
    ("도착 시간이 언제예요?", QUESTION, {}),
    ("10시 도착 예정", UNKNOWN, {}),
    ("안녕하세요", UNKNOWN, {}),
    ("😂😂", UNKNOWN, {}),
    ("lol", UNKNOWN, {}),
    ("asdf " * 320, UNKNOWN, {}),
    ("yes " * 400, UNKNOWN, {}),
    ("x" * 1600, UNKNOWN, {}),
    ("\ud800\x00\x1b", UNKNOWN, {}),
    # on the day: on the way or late, with minutes when given
    ("출발", ON_MY_WAY, {}),
    ("출발했어요", ON_MY_WAY, {}),
    ("지금 가는 중", ON_MY_WAY, {}),
    ("10분", ON_MY_WAY, {"minutes": 10}),
    ("10분 후 도착", ON_MY_WAY, {"minutes": 10}),
    ("30분 안에 도착해요", ON_MY_WAY, {"minutes": 30}),
    ("ETA 20", ON_MY_WAY, {"minutes": 20}),
    ("omw 5 mins", ON_MY_WAY, {"minutes": 5}),
    ("on my way", ON_MY_WAY, {}),
    ("늦어요", LATE, {}),
    ("20분 늦을 것 같아요", LATE, {"minutes": 20}),
    ("죄송해요 좀 늦습니다", LATE, {}),
    ("running late", LATE, {}),
    ("I will be late 30 min", LATE, {"minutes": 30}),
    ("10분 늦어도 되나요?", QUESTION, {}),
    ("출발 몇시에 해요?", QUESTION, {}),
    ("도착했어요", HERE, {}),
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


def test_no_pattern_of_the_parser_can_backtrack_without_bound() -> None:
    patterns = [v for v in vars(parsing).values() if isinstance(v, re.Pattern)]
    patterns += [pattern for pattern, _word in parsing._PHRASES]

    shapes = {p.pattern: backtracking_shapes(p) for p in patterns}

    assert len(patterns) > 20
    assert {pattern: found for pattern, found in shapes.items() if found} == {}


def test_a_body_longer_than_an_sms_can_be_is_cut_before_it_is_read() -> None:
    reply = parse_reply("네" + "!" * 1700 + " 취소")

    assert reply.intent is YES  # the cancel lies beyond the 1,600 characters an SMS holds
    assert len(reply.text) <= 1600


def test_a_full_length_reply_is_kept_whole_for_a_person_to_read() -> None:
    # How fast such a reply parses is bench/parsing.py's question, not a test's.
    body = ("네 B7 2 VAN 4 " + "가나다 abc 123 " * 120)[:1600]

    reply = parse_reply(body)

    assert reply.intent == Intent.UNKNOWN and reply.mission_code is None
    assert reply.text == " ".join(body.split())


WORDS = [
    "YES",
    "no",
    "B7",
    "2",
    "0",
    "100",
    "VAN",
    "4",
    "crates",
    "네",
    "못",
    "취소",
    "CANCEL",
    "STOP",
    "?",
    "👍",
    "ㅇㅇ",
    "ｂ７",
    "H",
    "AM",
    "도착",
    "일정",
    "링크",
    "승합차",
    "크레이트",
    "번",
    "-",
]


# What an attacker sends: one word (a vehicle, a stem, a digit) repeated to the longest SMS
# and beyond, glued or spaced. Backtracking patterns took 10-20 s on one such body.
ADVERSARIAL = st.builds(
    lambda word, glue, times: (word + glue) * times,
    st.sampled_from([*WORDS, "차", "밴", "트럭", "없", "수", "a", "1", "NO.", "I CAN", "ㅇ"]),
    st.sampled_from(["", " ", "-", "\n", "?"]),
    st.integers(100, 2000),
)


# The deadline is 100 times what a 1,600-character body takes on a loaded machine: it only
# catches run-away backtracking, not ordinary slowness (bench/parsing.py measures that).
@settings(max_examples=500, database=None, deadline=timedelta(seconds=2))
@given(
    st.one_of(
        st.text(st.characters(exclude_categories=[])),
        st.lists(st.sampled_from(WORDS)).map(" ".join),
        ADVERSARIAL,
    )
)
def test_any_text_parses_to_a_reply_without_raising(body: str) -> None:
    reply = parse_reply(body)

    assert isinstance(reply, Reply)
    assert isinstance(reply.intent, Intent)
    assert reply.option is None or 1 <= reply.option <= 99
    assert reply.mission_code is None or reply.mission_code.isupper()
