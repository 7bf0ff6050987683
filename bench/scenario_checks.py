"""What must hold after the scenario, whatever the timing: each check is a sentence and a count.

Inputs are what the volunteers' side sent and got back (bench.scenario_people), what the
Twilio stub received, and the database. "Willing" is defined from the texts sent: a volunteer
who asked for a place (a code and number, a code with role/shift keys, or a menu number after
YES; or a bare YES that the system booked at once into the only place that fitted) and did
not text a cancellation afterwards. Their asks land on positions; each position must then
hold min(capacity, asks) people and waitlist the rest, in the position they named.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from bench.scenario_people import Exchange, Option, Persona
from coordinator.domain.consent import CONFIRMATION_KIND
from coordinator.extensions import db
from coordinator.models import (
    CallOut,
    Direction,
    Message,
    MessageStatus,
    Mission,
    MissionStatus,
    Position,
    Signup,
    SignupStatus,
    Volunteer,
)
from coordinator.models.signups import HOLDS_PLACE

LIVE = (*HOLDS_PLACE, SignupStatus.WAITLISTED)
PROVIDER_HELD = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _sample(items: list, n: int = 3) -> str:
    return "; ".join(str(i) for i in items[:n]) + (" …" if len(items) > n else "")


def places_and_overbooking(
    mission_id: int, personas: list[Persona], options: list[Option]
) -> tuple[list[Check], int, int]:
    """Filled = Σ min(capacity, willing) per position; nobody over capacity; nobody lost."""
    positions = {
        p.id: p
        for p in db.session.scalars(select(Position).where(Position.mission_id == mission_id))
    }
    signups = db.session.scalars(
        select(Signup).where(Signup.mission_id == mission_id, Signup.status.in_(LIVE))
    ).all()
    live_by_volunteer: dict[int, list[Signup]] = defaultdict(list)
    for signup in signups:
        live_by_volunteer[signup.volunteer_id].append(signup)
    by_number = {o.number: o.position_id for o in options}
    asks: Counter = Counter()
    lost, misplaced, strays = [], [], []
    willing_ids = set()
    for persona in personas:
        live = live_by_volunteer.get(persona.volunteer_id, [])
        if not persona.willing:
            if live:
                strays.append(f"{persona.phone} ({persona.kind}) holds {live[0].status}")
            continue
        willing_ids.add(persona.volunteer_id)
        if len(live) != 1:
            lost.append(f"{persona.phone} has {len(live)} live signups")
            continue
        wanted = by_number.get(persona.named) if persona.named else live[0].position_id
        if live[0].position_id != wanted:
            misplaced.append(f"{persona.phone} asked #{persona.named}, got {live[0].position_id}")
        asks[wanted] += 1
    strays += [
        f"volunteer {v} was never willing"
        for v in live_by_volunteer
        if v not in willing_ids and v not in {p.volunteer_id for p in personas}
    ]
    holding = Counter(s.position_id for s in signups if s.status in HOLDS_PLACE)
    waiting = Counter(s.position_id for s in signups if s.status == SignupStatus.WAITLISTED)
    expected = {pid: min(p.capacity, asks[pid]) for pid, p in positions.items()}
    wrong_fill = [
        f"position {pid}: {holding[pid]} held, {waiting[pid]} waiting, "
        f"{asks[pid]} asked, capacity {p.capacity}"
        for pid, p in positions.items()
        if holding[pid] != expected[pid] or waiting[pid] != asks[pid] - expected[pid]
    ]
    over = [
        f"position {pid}: {holding[pid]} held, filled={p.filled}, capacity {p.capacity}"
        for pid, p in positions.items()
        if holding[pid] > p.capacity or p.filled != holding[pid] or p.filled > p.capacity
    ]
    filled, want = sum(holding.values()), sum(expected.values())
    capacity = sum(p.capacity for p in positions.values())
    willing = sum(asks.values())
    return (
        [
            Check(
                "places filled = Σ min(capacity, willing) per position",
                filled == want and not wrong_fill,
                f"{filled} filled of {capacity}; {willing} willing; expected {want}. "
                + _sample(wrong_fill),
            ),
            Check(
                "zero overbooking (confirmed + offered ≤ capacity = filled column)",
                not over,
                _sample(over) or f"{len(positions)} positions within capacity",
            ),
            Check(
                "every willing volunteer holds exactly one place or waitlist spot, as named",
                not (lost or misplaced or strays),
                _sample(lost + misplaced + strays) or f"{willing} willing, all placed",
            ),
        ],
        filled,
        capacity,
    )


def sent_once(stub_messages: list[dict]) -> list[Check]:
    """The provider got each outbox row once, and every row we call sent is at the provider."""
    by_row: dict[int, list[dict]] = defaultdict(list)
    unnamed = []
    for message in stub_messages:
        query = parse_qs(urlsplit(message["params"].get("StatusCallback", "")).query)
        if "m" in query:
            by_row[int(query["m"][0])].append(message)
        else:
            unnamed.append(message["sid"])
    doubles = [f"row {m} sent {len(found)}×" for m, found in by_row.items() if len(found) > 1]
    pairs = Counter((m["to"], m["body"]) for m in stub_messages)
    same_text = [f"{to} got the same text {n}×" for (to, _b), n in pairs.items() if n > 1]
    rows = {
        m.id: m
        for m in db.session.scalars(
            # Answers go back inside the webhook's TwiML, the STOP confirmation among them.
            select(Message).where(
                Message.direction == Direction.OUTBOUND,
                Message.kind.not_in(("answer", CONFIRMATION_KIND)),
            )
        )
    }
    wrong_sid = [
        f"row {m}: stub {found[0]['sid']}, ours {rows[m].provider_sid}"
        for m, found in by_row.items()
        if m in rows and rows[m].provider_sid != found[0]["sid"]
    ]
    phantom = [
        f"row {m.id} is {m.status} but never reached the provider"
        for m in rows.values()
        if m.status in PROVIDER_HELD and m.id not in by_row
    ]
    stuck = [
        f"row {m.id} {m.status} {m.error_message[:60]}"
        for m in rows.values()
        if m.status in (MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.FAILED)
    ]
    statuses = Counter(m.status for m in rows.values())
    return [
        Check(
            "zero double-sent messages (one provider message per outbox row and text)",
            not (doubles or same_text or unnamed or wrong_sid),
            _sample(doubles + same_text + wrong_sid + unnamed)
            or f"{len(stub_messages)} at the provider, each once",
        ),
        Check(
            "no outbound message lost or stuck (every row settled; sent ones at the provider)",
            not (phantom or stuck),
            _sample(phantom + stuck) or ", ".join(f"{s} {n}" for s, n in statuses.items()),
        ),
    ]


def opt_outs(personas: list[Persona], stub_messages: list[dict]) -> Check:
    """Nothing reached a number after its STOP was answered, and STOP stuck in the database."""
    stopped = {p.phone: p.stopped_at for p in personas if p.stopped_at is not None}
    late = [
        f"{m['to']} got {m['body'][:30]!r} after STOP"
        for m in stub_messages
        if m["to"] in stopped and m["received_at"] > stopped[m["to"]]
    ]
    opted = set(
        db.session.scalars(
            select(Volunteer.phone).where(
                Volunteer.phone.in_(list(stopped)), Volunteer.opted_out_at.is_not(None)
            )
        )
    )
    missing = [f"{phone} not opted out" for phone in stopped if phone not in opted]
    return Check(
        "zero messages to opted-out numbers after their STOP",
        not (late or missing),
        _sample(late + missing) or f"{len(stopped)} STOPs, none texted after",
    )


def inbound_once(exchanges: list[Exchange]) -> Check:
    """Every MessageSid posted is one inbound row; duplicates stored nothing more."""
    sids = {e.sid for e in exchanges}
    stored = Counter(
        db.session.scalars(
            select(Message.provider_sid).where(Message.direction == Direction.INBOUND)
        )
    )
    missing = [s for s in sids if stored[s] == 0]
    twice = [s for s, n in stored.items() if n > 1]
    extra = [s for s in stored if s not in sids]
    answers = db.session.execute(
        select(Message.in_reply_to_id, func.count())
        .where(Message.kind == "answer")
        .group_by(Message.in_reply_to_id)
        .having(func.count() > 1)
    ).all()
    return Check(
        "every inbound message stored exactly once (rows = distinct MessageSids)",
        not (missing or twice or extra or answers),
        _sample(
            [f"missing {s}" for s in missing]
            + [f"twice {s}" for s in twice]
            + [f"unknown {s}" for s in extra]
            + [f"{n} answers to row {r}" for r, n in answers]
        )
        or f"{len(sids)} SIDs, {sum(stored.values())} rows",
    )


def replies(exchanges: list[Exchange]) -> Check:
    """Every text got a 200 with an answer (none after STOP); a re-send got the same answer."""
    bad = []
    for e in exchanges:
        who = f"{e.body!r} ({e.sid[:10]})"
        if e.status != 200:
            bad.append(f"{who}: {e.status or e.error}")
        elif e.expect_answer and not e.answer:
            bad.append(f"{who}: no <Message>")
        elif not e.expect_answer and e.answer:
            bad.append(f"{who}: answered after STOP")
        elif (
            e.duplicate_of is not None
            and e.duplicate_of.status == 200
            and e.answer != e.duplicate_of.answer
        ):
            bad.append(f"{who}: re-send answered differently")
    dups = sum(e.duplicate_of is not None for e in exchanges)
    return Check(
        "every volunteer who asked got a reply (200 + TwiML <Message>, same for re-sends)",
        not bad,
        _sample(bad) or f"{len(exchanges)} webhooks ({dups} re-sends) answered",
    )


def no_server_errors(
    exchanges: list[Exchange], poll_statuses: list, callbacks: list[dict], access_log_5xx: list[str]
) -> Check:
    """No 5xx (or no answer at all) to a webhook, a roster poll or a status callback."""
    bad = [f"webhook {e.status or e.error}" for e in exchanges if not e.status or e.status >= 500]
    bad += [f"roster {s}" for s in poll_statuses if not isinstance(s, int) or s >= 500]
    bad += [
        f"callback {c.get('status') or c.get('error')}"
        for c in callbacks
        if not 200 <= (c.get("status") or 0) < 300
    ]
    bad += [f"access log: {line}" for line in access_log_5xx]
    kinds = Counter(item.split(" ")[0] for item in bad)
    return Check(
        "no 5xx anywhere (webhooks, roster polls, status callbacks, access log)",
        not bad,
        (", ".join(f"{n} {k}" for k, n in kinds.items()) + ": " + _sample(bad))
        if bad
        else f"{len(callbacks)} status callbacks all 2xx",
    )


def mission_state(mission_id: int) -> Check:
    """A full mission is `staffed` and its call-out stopped; one with a gap is `recruiting`."""
    mission = db.session.get(Mission, mission_id)
    full = all(p.filled >= p.capacity for p in mission.positions)
    callouts = db.session.scalars(select(CallOut).where(CallOut.mission_id == mission_id)).all()
    wrong = []
    if full != (mission.status == MissionStatus.STAFFED):
        wrong.append(f"mission is {mission.status} while {'full' if full else 'not full'}")
    if full:
        wrong += [f"call-out {c.id} still {c.status}" for c in callouts if c.status == "sending"]
    return Check(
        "mission status matches its places (staffed iff full; call-out stopped)",
        not wrong,
        _sample(wrong)
        or f"{mission.status}, call-outs "
        + ", ".join(f"{c.status}/{c.stopped_reason or '-'}" for c in callouts),
    )
