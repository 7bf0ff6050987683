"""The volunteers' side of the scenario: who answers the call-out, what they text, and when.

Each volunteer whose call-out reaches the Twilio stub may become a replier with a persona
drawn from a seeded generator: STOP (2%, half of them texting YES afterwards, which must go
unanswered), nonsense (5%), a refusal (5%), or taking part (88%) by a code and number
("F1 3", "네 F1 3번"), a code and role/shift keys ("F1 H AM"), or a plain YES/네 followed by
a number from the menu the system answers with. Some who took part cancel later; anyone
offered a freed place answers YES. 10% of webhook posts are sent again by the "provider"
with the same MessageSid, half at the same instant and half a moment later.
"""

import heapq
import html
import itertools
import random
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.support.conversation import inbound_form
from tests.support.scenario import signed_inbound

MENU_LINE = re.compile(r"^\s*(\d+)\) (.*)$", re.M)
TWIML_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.S)
WILLING = ("code", "keys", "yes")

WORDS = {
    "stop": {"ko": ["수신거부", "그만", "STOP"], "en": ["STOP", "stop please", "Stop"]},
    "nonsense": {
        "ko": ["ㅋㅋㅋ", "배고파", "날씨 좋네요", "누구세요", "🐶🐶"],
        "en": ["what is this", "asdf", "sorry wrong number", "hello there", "🐶"],
    },
    "decline": {
        "ko": ["못 가요", "다음에요", "아니요"],
        "en": ["NO", "sorry cant make it", "no thanks"],
    },
    "yes": {
        "ko": ["네", "넵", "네 갈게요", "참석 가능합니다", "가능해요", "YES"],
        "en": ["YES", "yes", "Yes I can", "OK", "sure", "Count me in"],
    },
    "code": {
        "ko": ["{code} {n}", "{code} {n}번", "네 {code} {n}", "{low} {n}"],
        "en": ["{code} {n}", "yes {code} {n}", "{low} {n}"],
    },
    "keys": {"ko": ["{code} {role} {shift}"], "en": ["{code} {role} {shift}", "{low} {rl} {sl}"]},
    "number": {"ko": ["{n}", "{n}번", "{n}번이요"], "en": ["{n}", "{n}"]},
    "cancel": {"ko": ["취소", "취소 {code}"], "en": ["CANCEL", "cancel {code}"]},
    "accept": {"ko": ["네"], "en": ["YES"]},
}


@dataclass(frozen=True)
class Option:
    """One numbered position as SMS menus and codes name it."""

    number: int
    position_id: int
    role_key: str
    shift_key: str
    skill: str | None
    capacity: int
    label: str = ""  # how a menu line starts: "Handler 07:00"


@dataclass
class Persona:
    volunteer_id: int
    phone: str
    language: str
    kind: str  # stop, nonsense, decline, code, keys, yes
    target: Option | None
    cancels: bool = False
    then_yes: bool = False  # a STOP followed by a YES, which must get no answer
    named: int | None = None  # the position number they asked for, once they asked
    asked: bool = False
    stopped_at: float | None = None  # when the STOP was answered
    cancel_sent: bool = False
    offers: int = 0

    @property
    def willing(self) -> bool:
        """Asked for a place (a code, keys or a menu number after YES) and did not cancel."""
        return self.kind in WILLING and self.asked and not self.cancel_sent


@dataclass
class Exchange:
    """One webhook post and the TwiML answer to it."""

    persona: Persona | None
    body: str
    sid: str
    expect_answer: bool
    duplicate_of: "Exchange | None" = None
    status: int | None = None
    answer: str | None = None
    error: str = ""
    latency: float = 0.0
    answered_at: float = 0.0


def persona_for(
    volunteer_id: int, phone: str, language: str, skills: set[str], options: list[Option], seed: int
) -> Persona:
    """The deterministic persona of one volunteer (the same seed gives the same crowd)."""
    rng = random.Random(seed * 1_000_003 + volunteer_id)
    draw = rng.random()
    kind = (
        "stop"
        if draw < 0.02
        else "nonsense"
        if draw < 0.07
        else "decline"
        if draw < 0.12
        else rng.choices(WILLING, weights=(35, 20, 45))[0]
    )
    skilled = [o for o in options if o.skill and o.skill in skills]
    anyone = [o for o in options if o.skill is None]
    pool = skilled if skilled and (rng.random() < 0.8 or not anyone) else anyone
    return Persona(
        volunteer_id,
        phone,
        language,
        kind,
        rng.choice(pool) if pool else None,
        cancels=rng.random() < 0.06,
        then_yes=rng.random() < 0.5,
    )


def answer_text(twiml: str) -> str:
    found = TWIML_MESSAGE.search(twiml or "")
    return html.unescape(found.group(1)).strip() if found else ""


class Crowd:
    """Sends every volunteer's texts on time, follows the conversation, records everything."""

    def __init__(
        self, base_url: str, code: str, options: list[Option], seed: int, concurrency: int = 48
    ) -> None:
        self.base_url, self.code, self.options = base_url, code, options
        self.by_number = {o.number: o for o in options}
        self.rng = random.Random(seed)
        self.exchanges: list[Exchange] = []
        self.personas: dict[str, Persona] = {}  # by phone
        self._heap: list[tuple[float, int, object, tuple]] = []
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._in_flight = 0
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="sms")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dispatch, daemon=True)
        self._thread.start()

    # -- scheduling ------------------------------------------------------------------------

    def at(self, when: float, action, *args: object) -> None:
        with self._lock:
            heapq.heappush(self._heap, (when, next(self._order), action, args))
            self._lock.notify()

    def idle(self) -> bool:
        with self._lock:
            return not self._heap and self._in_flight == 0

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify()
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _dispatch(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wait = self._heap[0][0] - time.time() if self._heap else 0.5
                if wait > 0:
                    self._lock.wait(min(wait, 0.5))
                    continue
                _when, _n, action, args = heapq.heappop(self._heap)
                self._in_flight += 1
            self._pool.submit(self._run, action, args)

    def _run(self, action, args: tuple) -> None:
        try:
            action(*args)
        finally:
            with self._lock:
                self._in_flight -= 1

    # -- the volunteers --------------------------------------------------------------------

    def join(self, persona: Persona, when: float) -> None:
        """A volunteer who got the call-out texts back at `when`."""
        self.personas[persona.phone] = persona
        self.at(when, self._first_text, persona)

    def offered(self, phone: str) -> None:
        """Another SMS reached a replier after their call-out: a held place; they take it."""
        persona = self.personas.get(phone)
        if persona is None or persona.stopped_at is not None:
            return
        persona.offers += 1
        self.at(
            time.time() + self.rng.uniform(1, 3),
            self._text,
            persona,
            self._words(persona, "accept"),
            None,
        )

    def _first_text(self, persona: Persona) -> None:
        target = persona.target
        if persona.kind in ("code", "keys") and target is not None:
            persona.named, persona.asked = target.number, True
        self._text(persona, self._words(persona, persona.kind), self._after_first)

    def _after_first(self, persona: Persona, answer: str) -> None:
        if persona.kind == "stop":
            persona.stopped_at = time.time()
            if persona.then_yes:
                self._later(persona, self._words(persona, "yes"), None)
        elif persona.kind == "yes":
            # A menu numbers what it shows from 1: find their target among its lines.
            shown = {int(n): self._option_of(line) for n, line in MENU_LINE.findall(answer)}
            if shown:
                number = next(
                    (n for n, o in shown.items() if o and o == persona.target), next(iter(shown))
                )
                chosen = shown[number]
                persona.named = chosen.number if chosen else None
                persona.asked = True
                self._later(persona, self._words(persona, "number", n=number), self._after_booking)
            elif answer:
                persona.asked = True  # booked at once: the only place that fitted
                self._after_booking(persona, answer)
        elif persona.kind in ("code", "keys"):
            self._after_booking(persona, answer)

    def _option_of(self, menu_line: str) -> Option | None:
        return next(
            (o for o in self.options if o.label and menu_line.startswith(o.label + " ")), None
        )

    def _after_booking(self, persona: Persona, answer: str) -> None:
        if persona.cancels:
            persona.cancel_sent = True
            self.at(
                time.time() + self.rng.uniform(3, 12),
                self._text,
                persona,
                self._words(persona, "cancel"),
                None,
            )

    def _later(self, persona: Persona, body: str, then) -> None:
        self.at(time.time() + self.rng.uniform(1, 4), self._text, persona, body, then)

    def _words(self, persona: Persona, kind: str, n: int | None = None) -> str:
        choices = WORDS[kind][persona.language]
        target = persona.target
        return self.rng.choice(choices).format(
            code=self.code,
            low=self.code.lower(),
            n=n if n is not None else (target.number if target else 1),
            role=target.role_key if target else "",
            shift=target.shift_key if target else "",
            rl=(target.role_key if target else "").lower(),
            sl=(target.shift_key if target else "").lower(),
        )

    # -- the provider's side ---------------------------------------------------------------

    def _text(self, persona: Persona | None, body: str, then) -> Exchange:
        phone = persona.phone if persona else ""
        exchange = Exchange(
            persona,
            body,
            "SM" + uuid.uuid4().hex,
            expect_answer=persona is None or persona.stopped_at is None,
        )
        form = inbound_form(phone, body, exchange.sid)
        draw = self.rng.random()
        if draw < 0.05:  # the provider re-sends at the same instant
            self.at(time.time(), self._resend, exchange, form)
        self._post(exchange, form)
        if 0.05 <= draw < 0.10:
            self.at(time.time() + self.rng.uniform(0.2, 3), self._resend, exchange, form)
        if then is not None and exchange.status == 200:
            then(persona, exchange.answer)
        return exchange

    def _resend(self, original: Exchange, form: dict[str, str]) -> None:
        again = Exchange(
            original.persona,
            original.body,
            original.sid,
            original.expect_answer,
            duplicate_of=original,
        )
        self._post(again, form)

    def _post(self, exchange: Exchange, form: dict[str, str]) -> None:
        started = time.perf_counter()
        try:
            response = signed_inbound(self.base_url, form)
            exchange.status, exchange.answer = response.status_code, answer_text(response.text)
        except Exception as error:
            exchange.error = f"{type(error).__name__}: {error}"
        exchange.latency = time.perf_counter() - started
        exchange.answered_at = time.time()
        with self._lock:
            self.exchanges.append(exchange)

    def quiet_text(self, phone: str, body: str) -> Exchange:
        """One text outside the storm (the quiet baseline), from a volunteer with no persona."""
        exchange = Exchange(None, body, "SM" + uuid.uuid4().hex, expect_answer=True)
        self._post(exchange, inbound_form(phone, body, exchange.sid))
        return exchange


@dataclass
class Recorder:
    """Latencies and statuses of the roster pollers."""

    latencies: list[float] = field(default_factory=list)
    statuses: list[int | str] = field(default_factory=list)
    retried: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int | str, latency: float) -> None:
        with self.lock:
            self.statuses.append(status)
            self.latencies.append(latency)
