"""Turn a volunteer's SMS reply into an intent. Pure: no Flask, no database, no I/O.

Precedence, first match wins (a refusal beats an acceptance because a false YES puts someone on
the roster who will not come, while a false NO only costs one more call-out):

    STOP > START > question (HELP, STATUS or LINK if it asks for one, else QUESTION) > CANCEL
    > HELP > HERE > NO > STATUS > LINK > unsure (UNKNOWN) > menu number (CHOOSE)
    > role/shift keys (CHOOSE) > YES > code + vehicle (YES) > emoji > UNKNOWN

A question is not an answer: "몇 시에 끝나요? 주차 가능한가요?" holds 가능 ("can") but asks,
so it goes to a person (QUESTION), never books and never cancels. A message asks when it has
a "?", a Korean question word or ending (언제, 어디, 몇, 혹시, -나요, -까요, -ㄴ가요, -ㅂ니까)
or starts with an English question word (when, where, can I…).

English opt-out words (STOP, END, QUIT…) count in a message of up to three words ("stop please"),
a little wider than Twilio's whole-body rule so we never keep texting someone who asked us to stop.
CANCEL is ours, not an opt-out (take it off Twilio's opt-out keyword list).

A number is a menu option only where a menu answer goes (first word, after the mission code or a
yes word; followed by nothing, 번, a vehicle or a politeness). An option of 0, above 99 or beside a
stray second number is UNKNOWN, so the conversation asks again. A mission code alone ("B7") and a
vehicle without a yes ("my car broke down") are UNKNOWN with their fields filled in; a code with a
vehicle ("B7 VAN 4") is YES. Messages over 40 words are UNKNOWN: a person should read them.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What a reply asks for; the values are safe to store as they are."""

    YES = "yes"
    NO = "no"
    CHOOSE = "choose"
    CANCEL = "cancel"
    STATUS = "status"
    STOP = "stop"
    START = "start"
    HELP = "help"
    HERE = "here"
    LINK = "link"
    ON_MY_WAY = "on_my_way"
    RUNNING_LATE = "running_late"
    QUESTION = "question"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reply:
    """A parsed reply: the intent, the fields found in it, and the normalised text."""

    intent: Intent
    text: str = ""
    mission_code: str | None = None
    option: int | None = None
    role_key: str | None = None
    shift_key: str | None = None
    vehicle_kind: str | None = None
    vehicle_crates: int | None = None
    vehicle_seats: int | None = None
    minutes: int | None = None  # "10분", "ETA 20": minutes until they arrive


_NOT_JAMO = re.compile("[^\u3131-\u318e]+")


def _fold(text: str) -> str:
    # NFKC turns full-width ＹＥＳ into YES, but would also turn Korean jamo typed alone (ㅇㅇ)
    # into conjoining jamo that render as broken syllables, so those runs are left alone.
    return _NOT_JAMO.sub(lambda run: unicodedata.normalize("NFKC", run.group()), text)


_MAX_CHARS = 1600  # Twilio's longest body; beyond it is not a reply we could have received
_MAX_WORDS = 40  # longer messages are letters for a human to read, not commands
_OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT"}
_OPT_IN = {"START", "UNSTOP"}
_YES_EMOJI = set("👍👌🙆✅⭕🆗🙋💪✔☑✓")
_NO_EMOJI = set("👎🙅❌🚫✖")

_SURROGATES = re.compile("[\ud800-\udfff]")
# Controls become spaces; zero-width characters vanish so "YES\u200b" is still YES.
_INVISIBLE: dict[int, str | None] = {c: " " for c in [*range(0x20), *range(0x7F, 0xA0)]}
_INVISIBLE |= dict.fromkeys([0x00AD, 0x200B, 0x2060, 0xFEFF])
# A mission code is 1-2 letters glued to 1-3 digits; ordinary words never carry digits.
_TOKEN = re.compile(r"(?<![A-Z0-9])[A-Z]{1,2}[0-9]{1,3}(?![A-Z0-9])|[A-Z]+|[0-9]+|[^\W\d_A-Z]+")
_CODE = re.compile(r"[A-Z]{1,2}[0-9]{1,3}")
_CODE_HYPHEN = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2})-([0-9]{1,3})(?![A-Z0-9])")
_NO_DOT = re.compile(r"\bNO\.\s*(?=[0-9])")  # "No. 2" is option 2, not a refusal
_CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}")  # "10:30" is a time, not two numbers
_NUMBER = re.compile(r"[0-9]+")
_OPTION = re.compile(r"[1-9][0-9]?")
_KEY = re.compile(r"[A-Z]{1,3}")
_REPEATS = re.compile(r"(.)\1+")
_KO_YES_RUN = re.compile("[네넵넹예응ㅇ]+요?")

# Phrases are rewritten to a single word before tagging, on the space-joined upper-case words.
_PHRASES = [
    (re.compile(pattern), word)
    for pattern, word in [
        (r"\bNOT? (A )?(PROBLEM|PROB|WORRIES)\b", "YES"),
        (r"\b(NOT SURE|DONT KNOW|DUNNO|NO IDEA|NOT (HERE|THERE) YET)\b", "MAYBE"),
        (r"\b(COUNT ME IN|SIGN ME UP|I CAN|CAN DO|ILL BE THERE|HAPPY TO)\b|\bIM IN$", "YES"),
        (r"\b(IM|I AM|WE ARE|WERE) HERE\b|\bCHECK IN\b", "ARRIVED"),
        # "yes but no car" is a yes without a vehicle, not a refusal and not a car offer
        (r"\b(NO|WITHOUT|DONT HAVE)( A| MY)? (VAN|CAR|TRUCK|TRAILER|VEHICLE)S?\b", "NOVEHICLE"),
        # (here the Korean "no vehicle" words are joined by _no_vehicle, a scan, not a pattern)
        (r"\bOPT OUT\b", "OPTOUT"),
        (r"\bSTOP ALL\b", "STOPALL"),
        (r"\bMY (SCHEDULE|SHIFTS?|SIGNUPS?)\b", "STATUS"),
        (r"내 일정", "내일정"),
        (r"수신 거부", "수신거부"),
        (r"(다시|수신|문자) (시작|재개)", r"\2"),
        # "갈 수 없어요", "갈수없어요", "할 수가 없어요": cannot, a refusal
        (r"수(가|는|도)? ?없", " 못"),
        # "갈 수도 있어요": I might, not yet a yes
        (r"수도 ?있", " 아마"),
        # "갈 수 있으면", "가능하면": if I can, not yet a yes
        (r"수(가|는|도)? ?있으면", " 있으면"),
        # "갈 수 있어요", "참여할수있습니다", "갈 수 있을 것 같아요": can, a yes
        (r"수(가|는|도)? ?있", " 가능"),
        (r"도착 ?예정", "예정"),  # "10시 도착 예정" announces an arrival, it is not one
    ]
]

_KO_NO_VEHICLE_AT = 5  # the place of the Korean "no vehicle" step among the phrases
_VEHICLE_STEMS = ("차", "밴", "트럭", "트레일러")

_EN_WORDS = {
    "yes": "YES Y YA YE YEA YEAH YEP YUP YAS YSE YESSIR OK OKAY OKE K KK O SURE ABSOLUTELY "
    "DEFINITELY CONFIRM CONFIRMED ACCEPT GOOD FINE COOL GREAT AVAILABLE GLADLY",
    "no": "NO N NOPE NAH NOT CANT CANNOT UNABLE UNAVAILABLE BUSY DECLINE WONT DONT PASS X",
    "unsure": "MAYBE PERHAPS PROBABLY POSSIBLY UNSURE LATE",
    "cancel": "CANCEL CANCLE CANCELL WITHDRAW",
    "status": "STATUS",
    "link": "LINK URL",
    "here": "ARRIVED CHECKIN",
    "vehicle:van": "VAN VANS MINIVAN",
    "vehicle:car": "CAR CARS SUV SEDAN",
    "vehicle:truck": "TRUCK TRUCKS PICKUP LORRY",
    "vehicle:trailer": "TRAILER TRAILERS",
    "crates": "CRATE CRATES KENNEL KENNELS CAGE CAGES CARRIER CARRIERS SLOT SLOTS",
    "seats": "SEAT SEATS SEATER SEATERS",
    "time": "AM PM OCLOCK HR HRS HOUR HOURS MIN MINS MINUTES",
    "optword": "OPTION OPT NUMBER NUM NR CHOOSE PICK TAKE CHOICE",
    "filler": "PLEASE PLS PLZ THANKS THANK THX TY",
    # Common short words, so "B7 I CAN" is not read as role I, shift CAN.
    "common": "I A AN THE AND OR BUT FOR TO OF IN ON AT BY IT IS BE ME MY WE US YOU U HI HEY "
    "CAN WILL ILL IM GO DO GET GOT HAS HAD ALL ANY SEE SO TOO AS IF UP SIR LOL",
}
_EN = {word: tag for tag, words in _EN_WORDS.items() for word in words.split()}
# A message that starts with one of these asks (first word, or the first two).
_EN_ASKING = {"WHEN", "WHERE", "WHAT", "WHATS", "WHY", "HOW", "WHO", "WHOS", "WHICH", "QUESTION"}
_EN_ASKING_PAIRS = {
    (first, second)
    for first in "IS ARE DO DOES DID CAN COULD SHOULD WILL WOULD MAY".split()
    for second in "I WE THERE IT YOU THEY THE MY ANYONE SOMEONE".split()
}
# Korean question words (a word starting with one asks, unless it goes on as "any-": 언제든,
# 뭐든, 어디나) and question endings (a word ending in one asks).
_KO_ASKING_WORDS = (
    "언제",
    "어디",
    "몇",
    "무엇",
    "뭐",
    "뭘",
    "뭔",
    "무슨",
    "어떻게",
    "어떤",
    "어때",
    "어땠",
    "왜",
    "누구",
    "누가",
    "얼마",
    "혹시",
    "궁금",
    "문의",
    "질문",
)
_KO_ANY = ("든", "나", "라도", "냐하면", "냐면")
_KO_ASKING_ENDINGS = (
    "나요",
    "나여",
    "까요",
    "까여",
    "인가요",
    "한가요",
    "는가요",
    "은가요",
    "된가요",
    "건가요",
    "던가요",
    "는지요",
    "은지요",
    "을지요",
)
_KO_NOT_ASKING = ("만나요", "니까요")  # "내일 만나요": see you tomorrow; "-니까요": because

# Korean stems: "=" whole word, "<" prefix, "<!" prefix unless the message asks ("취소됐나요?"),
# ">" suffix, "~" stem plus a particle ("차로", "밴으로"). Korean glues endings to the stem.
_KO_WORDS = [
    ("stop", "<", "수신거부"),
    ("stop", "<!", "중지"),
    ("stop", "=", "그만"),
    ("stop", "<!", "그만하 그만해 그만보내"),
    ("start", "<!", "시작 재개"),
    ("cancel", "=", "취소"),
    ("cancel", "<!", "취소"),
    ("help", "<", "도움말"),
    ("here", "=!", "도착 도착이요"),
    ("here", "<!", "도착했 도착함 도착완료"),
    ("here", "=", "왔어요 왔습니다 왔어 왔음"),
    ("no", "=", "아니 노 안 ㄴㄴ 싫어요 패스"),
    (
        "no",
        "<",
        "아니 아뇨 아녀 못 불참 불가 안돼 안되 안됩 안가 안갈 어렵 어려 힘들 다음에 다음기회 곤란",
    ),
    ("unsure", "<", "모르 글쎄 아마 고민 늦 있으면 가능하면 가능하다면 되면"),
    ("status", "<", "일정 내일정"),
    ("link", "<", "링크"),
    ("vehicle:van", "<", "승합차 봉고"),
    ("vehicle:van", "~", "밴"),
    ("vehicle:car", "<", "승용차 자차 자가용 차량"),
    ("vehicle:car", "~", "차"),
    ("vehicle:truck", "<", "트럭 화물차"),
    ("vehicle:trailer", "<", "트레일러"),
    ("crates", "<", "크레이트 켄넬 케이지 이동장"),
    ("seats", "<", "좌석 인승 자리"),
    ("time", "<", "시 분"),
    ("ordinal", "<", "번"),
    ("optword", "=", "옵션 선택"),
    ("filler", "=", "요 이요 으로 로 주세요"),
    ("filler", "<", "감사 부탁"),
    (
        "yes",
        "=",
        "예스 오키 오케이 ㅇㅋ 콜 좋아요 좋습니다 물론 물론이죠 당연 당연하죠 가요 갑니다 "
        "알겠습니다 됩니다 돼요 되요",
    ),
    ("yes", "<", "갈게 갈께 참여 참석 참가 동참 가능 좋아 할게 할께 함께할 함께하 그럼요"),
    ("yes", ">", "게요 께요 게용 께용 겠습니다 겠어요 겠음 겠습니당"),
]
_KO = [(tag, how, stem) for tag, how, stems in _KO_WORDS for stem in stems.split()]
_PARTICLES = {"", *"로 으로 가 이 는 은 도 를 을 있어요 있습니다 있음".split()}


def parse_reply(body: str) -> Reply:
    """Parse one SMS reply into a Reply; never raises, and takes time linear in the body."""
    text = _normalise(body[:_MAX_CHARS])
    words = _words(text)
    if not words:
        return Reply(_without_words(text), text=text)
    if len(words) > _MAX_WORDS:
        return Reply(Intent.UNKNOWN, text=text)
    travel = _travel(words, text)
    if travel is not None:
        return travel
    return _classify(words, text)


# On the day: "출발", "10분", "늦어요", "ETA 20", "on my way" (issue: who is on the way).
_KO_ON_THE_WAY = ("출발", "가는중", "가는 중", "이동중", "이동 중")
_KO_LATE = ("늦어", "늦을", "늦습", "늦겠", "늦는", "지각")
_EN_ON_THE_WAY = {"OMW", "ETA", "ONMYWAY"}
_MINUTES = re.compile(r"([0-9]{1,3}) ?(?:분|MINS?|MINUTES?|M)\b|^ETA ([0-9]{1,3})\b")


def _travel(words: list[str], text: str) -> Reply | None:
    """A short note on the day that they are on the way or late, with minutes if given.

    Checked before anything else, but never for a question ("10분 늦어도 돼요?") nor for a
    longer message, which a person reads.
    """
    if "?" in text or len(words) > 8:
        return None
    upper = text.upper()
    spaced = " ".join(words)
    found = _MINUTES.search(upper.replace("분", "분 "))
    minutes = int(next(g for g in found.groups() if g)) if found else None
    late = any(stem in text for stem in _KO_LATE) or "LATE" in words
    going = (
        any(stem in text for stem in _KO_ON_THE_WAY)
        or bool(_EN_ON_THE_WAY & set(words))
        or "ON MY WAY" in spaced
    )
    if late and not any(word in ("NOT", "안", "안늦어요") for word in words):
        return Reply(Intent.RUNNING_LATE, text=text, minutes=minutes)
    soon = (
        found is not None
        and "분" in text
        and (
            len(words) <= 3
            or any(w in ("후", "뒤", "안에", "도착", "도착해요", "도착합니다") for w in words)
        )
    )
    if going or soon:
        return Reply(Intent.ON_MY_WAY, text=text, minutes=minutes)
    return None


def _normalise(body: str) -> str:
    body = _fold(_SURROGATES.sub("\ufffd", body)).translate(_INVISIBLE)
    return " ".join(body.split())


def _words(text: str) -> list[str]:
    upper = text.upper().replace("'", "").replace("\u2019", "")  # CAN'T -> CANT
    upper = _CLOCK.sub(" ", _NO_DOT.sub(" ", upper))
    joined = " ".join(_TOKEN.findall(_CODE_HYPHEN.sub(r"\1\2", upper)))
    for pattern, word in _PHRASES[:_KO_NO_VEHICLE_AT]:
        joined = pattern.sub(word, joined)
    joined = " ".join(_no_vehicle(joined.split()))
    for pattern, word in _PHRASES[_KO_NO_VEHICLE_AT:]:
        joined = pattern.sub(word, joined)
    return joined.split()


def _no_vehicle(words: list[str]) -> list[str]:
    """Join "차 없어요", "자차없어요", "트럭은 없어서" into one word, 무차량 (a yes without a car).

    A word scan, not a pattern: the pattern it replaces (any run of non-spaces, a vehicle,
    any run, 없, any run) backtracked in time cubic in the length of one long word (1,600
    characters of 차 took 20 s).
    """
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        found = [at for stem in _VEHICLE_STEMS if (at := word.find(stem)) >= 0]
        if found and i + 1 < len(words) and words[i + 1].startswith("없"):
            out.append("무차량")
            i += 2
            continue
        out.append("무차량" if found and "없" in word[min(found) + 1 :] else word)
        i += 1
    return out


def _without_words(text: str) -> Intent:
    if "?" in text:
        return Intent.HELP
    if _YES_EMOJI.intersection(text):
        return Intent.YES
    if _NO_EMOJI.intersection(text):
        return Intent.NO
    return Intent.UNKNOWN


def _tag(word: str, asking: bool) -> str | None:
    if word.isascii():
        tag = _EN.get(word)
        if tag is None and 2 < len(word) <= 12:
            tag = _EN.get(_REPEATS.sub(r"\1", word))  # YESSS, NOOO, OKK
        return tag
    if _KO_YES_RUN.fullmatch(word):
        return "yes"
    for tag, how, stem in _KO:
        if how.endswith("!") and asking:
            continue
        if (
            (how in ("=", "=!") and word == stem)
            or (how in ("<", "<!") and word.startswith(stem))
            or (how == ">" and word.endswith(stem))
            or (how == "~" and word.startswith(stem) and word[len(stem) :] in _PARTICLES)
        ):
            return tag
    return None


def _asks(words: list[str], text: str) -> bool:
    """True if the message asks something (see the module docstring), whatever else it says."""
    if "?" in text:
        return True
    if words[0] in _EN_ASKING or tuple(words[:2]) in _EN_ASKING_PAIRS:
        return True
    return any(_korean_asks(word) for word in words if not word.isascii())


def _korean_asks(word: str) -> bool:
    for stem in _KO_ASKING_WORDS:
        if word.startswith(stem) and not word[len(stem) :].startswith(_KO_ANY):
            return True
    if word.endswith(_KO_NOT_ASKING):
        return False
    if word.endswith("니까"):  # -ㅂ니까 (됩니까, 있습니까) asks; -니까 alone means "because"
        return len(word) > 2 and _final_consonant(word[-3]) == _FINAL_B
    return word.endswith(_KO_ASKING_ENDINGS)


_FINAL_B = 17  # ㅂ as the final consonant of a Hangul syllable


def _final_consonant(syllable: str) -> int | None:
    code = ord(syllable) - 0xAC00
    return code % 28 if 0 <= code < 11172 else None


def _small(word: str) -> int | None:
    return int(word) if _OPTION.fullmatch(word) else None


def _counts(words: list[str], tags: list[str]) -> tuple[dict[str, int | None], set[int]]:
    """Read numbers sitting next to their noun: "4 crates", "크레이트 4", "VAN 4" (crate slots)."""
    counts: dict[str, int | None] = {}
    used: set[int] = set()
    claimed: set[int] = set()  # a noun counts one number, so "SEATS 5 CRATES 4" reads right
    for i, word in enumerate(words):
        if not _NUMBER.fullmatch(word):
            continue
        before = tags[i - 1] if i else ""
        after = tags[i + 1] if i + 1 < len(words) else ""
        if before in ("crates", "seats") and i - 1 not in claimed:
            noun = before
            claimed.add(i - 1)
        elif after in ("crates", "seats", "time") and i + 1 not in claimed:
            noun = after
            claimed.add(i + 1)
        elif before.startswith("vehicle:"):
            noun = "crates"
        else:
            continue
        used.add(i)
        counts.setdefault(noun, _small(word))
    return counts, used


def _is_option(i: int, tags: list[str], code_at: int | None) -> bool:
    """A number is a menu answer only where one goes: "2", "B7 2", "네 2번", "2 VAN 4"."""
    after = tags[i + 1] if i + 1 < len(tags) else "end"
    return (i == 0 or i - 1 == code_at or tags[i - 1] in ("yes", "optword")) and (
        after in ("end", "yes", "ordinal", "filler") or after.startswith("vehicle:")
    )


def _keys(words: list[str], tags: list[str], code_at: int | None) -> tuple[str | None, str | None]:
    """Read the "B7 H AM" shortcut: role key then shift key, short unknown words after the code."""
    if code_at is None:
        return None, None
    keys: list[str] = []
    for word, tag in zip(words[code_at + 1 :], tags[code_at + 1 :], strict=True):
        if len(keys) == 2 or not _KEY.fullmatch(word) or tag not in ("", "time"):
            break
        keys.append(word)
    if len(keys) == 1 and tags[code_at + 1] == "time":
        return None, keys[0]  # "B7 AM": a shift without a role
    padded = [*keys, None, None]
    return padded[0], padded[1]


def _classify(words: list[str], text: str) -> Reply:
    asking = "?" in text
    tags = [_tag(word, asking) or "" for word in words]
    code_at = next((i for i, word in enumerate(words) if _CODE.fullmatch(word)), None)
    head_at = 1 if code_at == 0 and len(words) > 1 else 0
    head = words[head_at]
    counts, used = _counts(words, tags)
    kind = next((tag.split(":")[1] for tag in tags if tag.startswith("vehicle:")), None)
    numbers = [i for i, word in enumerate(words) if _NUMBER.fullmatch(word) and i not in used]
    options = [i for i in numbers if _is_option(i, tags, code_at)]
    role_key, shift_key = _keys(words, tags, code_at)

    def reply(intent: Intent, option: int | None = None) -> Reply:
        chose = intent == Intent.CHOOSE
        return Reply(
            intent,
            text=text,
            mission_code=words[code_at] if code_at is not None else None,
            option=option,
            role_key=role_key if chose else None,
            shift_key=shift_key if chose else None,
            vehicle_kind=kind,
            vehicle_crates=counts.get("crates"),
            vehicle_seats=counts.get("seats"),
        )

    found = set(tags)
    short_opt_out = len(words) <= 3 and not asking and _OPT_OUT.intersection(words)
    if (len(words) == 1 and words[0] in _OPT_OUT) or short_opt_out or "stop" in found:
        return reply(Intent.STOP)
    if (len(words) == 1 and words[0] in _OPT_IN) or tags[0] == "start":
        return reply(Intent.START)
    if _asks(words, text):
        if head in ("HELP", "INFO") or tags[head_at] == "help" or words == ["도움"]:
            return reply(Intent.HELP)
        if "status" in found or head == "SCHEDULE":
            return reply(Intent.STATUS)
        if "link" in found:
            return reply(Intent.LINK)
        return reply(Intent.QUESTION)
    if "cancel" in found:
        return reply(Intent.CANCEL)
    if head in ("HELP", "INFO") or tags[head_at] == "help" or words == ["도움"]:
        return reply(Intent.HELP)
    if (head == "HERE" and len(words) <= 3) or "here" in found:
        return reply(Intent.HERE)
    if "no" in found:
        return reply(Intent.NO)
    if "status" in found or head == "SCHEDULE":
        return reply(Intent.STATUS)
    if "link" in found:
        return reply(Intent.LINK)
    if "unsure" in found:
        return reply(Intent.UNKNOWN)
    if options:
        option = _small(words[options[0]])
        if option is None or len(numbers) > 1:
            return reply(Intent.UNKNOWN)  # out of range or ambiguous: the conversation asks again
        return reply(Intent.CHOOSE, option=option)
    if role_key or shift_key:
        return reply(Intent.CHOOSE)
    if "yes" in found or _YES_EMOJI.intersection(text) or (code_at is not None and kind):
        return reply(Intent.YES)
    if _NO_EMOJI.intersection(text):
        return reply(Intent.NO)
    return reply(Intent.UNKNOWN)
