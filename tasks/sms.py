"""Celery tasks that hand outbox rows to the SMS provider, exactly once.

How a message is sent exactly once
----------------------------------
1. A message is a database row first (`queued`, with a unique idempotency key such as
   `callout:12:volunteer:345`), written in the same transaction as the business change that
   caused it. Only after that transaction commits are row ids given to Celery; if the broker
   is down, the rows wait and the sweeper hands them over later. A rolled-back request sends
   nothing; a request retried by the user queues nothing new (the key is unique).
2. Tasks carry ids, never bodies, and run with `acks_late` and `reject_on_worker_lost`: a
   task whose worker is killed is delivered again rather than lost.
3. Before the provider calls the worker takes slots from the global rate limit, then
   claims the rows with one conditional UPDATE (`queued` > `sending`) and commits the claim.
   A task delivered twice, a sweeper's re-dispatch or a second worker finds the rows no longer
   `queued` and skips them. Rows are claimed in chunks just before their calls: as many as
   the rate limit lets out within 50 ms (one at a time at 20/s, four at 100/s), and when it
   does not bind, CLAIM_CHUNK (50) or the task's batch (SMS_BATCH_SIZE), whichever is less.
   So a cancelled call-out or a mission that just filled stops everything not in flight.
4. The provider's answers are recorded when the chunk ends, in one UPDATE for the chunk
   (SID and `sent`, or `failed` with the code; claimed rows never handed over go back to
   `queued`).
   429, 5xx and connection failures put the row back to `queued` and retry the rest of the
   batch with exponential backoff and jitter (honouring Retry-After); SMS_MAX_ATTEMPTS ends it.
   Each row carries its route (SMS_ROUTES, chosen when it was queued). A provider that takes
   many messages per request (Solapi's send-many) gets the same steps per chunk of
   SOLAPI_BATCH_SIZE rows: claim and commit, one request, every message's answer recorded in
   one go (accepted with its id, or refused with its code). A refused request (429, 5xx) puts
   the chunk back and retries with backoff; one that may have been accepted (timeout, dropped
   connection) leaves the chunk claimed and in doubt, like a single message below. The global
   rate limit (SMS_RATE_PER_SECOND) paces Twilio's one-request-per-message route only.
5. The sweeper (beat, every OUTBOX_SWEEP_SECONDS) re-dispatches `queued` rows nobody has
   carried for OUTBOX_QUEUED_STALE_SECONDS (lost broker message, killed worker) and returns to
   the queue claims older than OUTBOX_SENDING_STALE_SECONDS that never got an answer.

The one unavoidable window, and how it is narrowed
--------------------------------------------------
Neither Twilio nor Solapi has an idempotency key for creating a message. If the provider
accepts a message and the worker dies (SIGKILL, power loss) before it records the answer, the
row is left `sending` with no SID: we cannot know from our side whether it left. The window is one
chunk per worker process (the messages of 50 ms of rate-limit slots; at most CLAIM_CHUNK,
about 0.15 s of provider calls, when the limit does not bind) and lasts until the chunk's
results are committed. It is narrowed further:

* (Solapi) every message carries its row id in `customFields`, which Solapi echoes in its
  delivery report to /sms/solapi/status/<secret>, and the sweeper's look-up reads Solapi's
  message list (`/messages/v4/list-old`) for the number;
* every message is sent with its own status-callback URL (`/sms/status?m=<row id>`), so the
  provider's first status report (`queued`/`sent`, normally within a second or two) names
  the row, records its SID and settles it as sent; the sweeper never re-sends a row that has
  a SID;
* a failure where the request cannot have reached the provider (refused connection, 429,
  5xx) is retried at once; one where it may have (read timeout, connection dropped after
  sending: `TransientSendError.maybe_accepted`) leaves the row claimed, for the callback to
  settle, instead of sending again blindly;
* a claim that got neither an answer nor a callback for OUTBOX_SENDING_STALE_SECONDS
  (default 2 minutes, far beyond the 10 s HTTP timeout) is first looked for at the
  provider: the latest messages to that number (Twilio's Messages list) with the same
  body, created since the claim. Found, it is recorded as sent with the provider's SID;
  not found (or the provider cannot be asked), it is sent again. A duplicate then needs
  the provider to accept a message, its status callback to be lost, the worker to die in
  the same instant, *and* the lookup to miss it; we prefer that rare duplicate to a
  volunteer never hearing about a rescue. (Two identical texts to one number within the
  window would look like one: a call-out's text carries the volunteer's own link.)
"""

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import shared_task
from celery.signals import worker_process_init
from flask import current_app

from coordinator.domain.provider_opt_outs import apply_provider_opt_outs
from coordinator.extensions import db
from coordinator.sms import delivery, outbox
from coordinator.sms.gateway import (
    Gateway,
    Outgoing,
    PermanentSendError,
    SendResult,
    TransientSendError,
    get_gateway,
    status_callback_url,
)
from coordinator.sms.ratelimit import RateLimiter, get_limiter
from coordinator.sms.routing import parse_routes
from coordinator.timeutil import now_utc

log = logging.getLogger(__name__)

BACKOFF_BASE = 1.0  # seconds before the first retry
BACKOFF_CAP = 120.0
CLAIM_CHUNK = 50  # most rows claimed in one commit (fewer when the rate limit binds)
MAX_BATCH = 10_000  # most messages in one batch request (Solapi's documented limit)


def backoff(retries: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter (half fixed, half random), never under Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**retries)
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)


@dataclass(frozen=True)
class Outcome:
    accepted: int = 0
    retry: TransientSendError | None = None  # stop the batch and try again later
    unsent: list[int] = field(default_factory=list)  # back in the queue, to retry


@shared_task(
    bind=True,
    name=outbox.SEND_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def send_messages(self, message_ids: list[int]) -> int:
    """Send a batch of outbox rows, each by its route; returns how many the provider accepted."""
    config = current_app.config
    groups = delivery.queued_by_route(list(message_ids))
    db.session.rollback()  # no transaction held open while we wait for rate-limit slots
    accepted, retry, rest = 0, None, list[int]()
    for route, pending in groups.items():
        gateway = get_gateway(config, route)
        if gateway.sends_batches:
            outcome = _send_batches(pending, gateway, config)
        else:
            outcome = _send_singles(pending, gateway, get_limiter(config), config)
        accepted += outcome.accepted
        if outcome.retry is not None:
            retry, rest = outcome.retry, rest + outcome.unsent
    if retry is not None and rest:
        raise self.retry(args=[rest], countdown=backoff(self.request.retries, retry.retry_after))
    return accepted


def _send_singles(
    pending: list[int], gateway: Gateway, limiter: RateLimiter, config: Mapping
) -> Outcome:
    """One provider request per message (Twilio), paced by the global rate limit."""
    accepted = 0
    while pending:
        size = limiter.chunk(CLAIM_CHUNK)
        chunk, pending = pending[:size], pending[size:]
        outcome = _send_chunk(chunk, gateway, limiter, config)
        accepted += outcome.accepted
        if outcome.retry is not None:
            return Outcome(accepted, outcome.retry, outcome.unsent + pending)
    return Outcome(accepted)


def _send_batches(pending: list[int], gateway: Gateway, config: Mapping) -> Outcome:
    """A chunk per provider request (Solapi's send-many), SOLAPI_BATCH_SIZE messages at most."""
    size = max(1, min(int(config.get("SOLAPI_BATCH_SIZE") or 500), MAX_BATCH))
    accepted = 0
    while pending:
        chunk, pending = pending[:size], pending[size:]
        outcome = _send_batch(chunk, gateway, config)
        accepted += outcome.accepted
        if outcome.retry is not None:
            return Outcome(accepted, outcome.retry, outcome.unsent + pending)
    return Outcome(accepted)


def _send_batch(message_ids: list[int], gateway: Gateway, config: Mapping) -> Outcome:
    """Claim a chunk, hand it over in one request, record every message's answer.

    The same rules as one message at a time: the claim is committed first; a refused request
    puts the chunk back in the queue for a retry; a request that may have reached the provider
    (read timeout) leaves the chunk claimed and in doubt, for the provider's delivery report or
    the sweeper's look-up to settle, never sent again blindly. So is a message the provider's
    answer does not mention.
    """
    claimed = delivery.claim(message_ids, now_utc())
    db.session.commit()  # the claims must be durable before the provider hears of them
    if not claimed:
        return Outcome()
    items = [_outgoing(message) for message in claimed]
    try:
        answers = gateway.send_batch(items)
    except TransientSendError as error:
        now, attempts = now_utc(), config["SMS_MAX_ATTEMPTS"]
        requeued = [
            m.id
            for m in claimed
            if delivery.record_transient(m.id, error, now, max_attempts=attempts)
        ]
        db.session.commit()
        return Outcome(0, None if error.maybe_accepted else error, requeued)
    accepted = [(i, a) for i, a in answers.items() if isinstance(a, SendResult)]
    refused = [(i, a) for i, a in answers.items() if isinstance(a, PermanentSendError)]
    unanswered = [m.id for m in claimed if m.id not in answers]
    _record(accepted, refused)
    if unanswered:
        doubt = TransientSendError("the provider's answer did not mention it", maybe_accepted=True)
        for message_id in unanswered:
            delivery.record_transient(message_id, doubt, now_utc(), max_attempts=0)
    db.session.commit()
    return Outcome(len(accepted))


def _outgoing(message: delivery.Claimed) -> Outgoing:
    options = message.provider_options or {}
    return Outgoing(
        message.id,
        message.phone,
        message.body,
        message.message_type or "SMS",
        template_id=options.get("template_id"),
        variables=dict(options.get("variables") or {}),
    )


def _send_chunk(
    message_ids: list[int], gateway: Gateway, limiter: RateLimiter, config: Mapping
) -> Outcome:
    first_slot = time.monotonic() + limiter.reserve(len(message_ids))
    _sleep_until(first_slot)
    claimed = delivery.claim(message_ids, now_utc())
    db.session.commit()  # the claims must be durable before the provider hears of them
    callback = status_callback_url(config)
    accepted: list[tuple[int, SendResult]] = []
    refused: list[tuple[int, PermanentSendError]] = []
    for position, message in enumerate(claimed):
        _sleep_until(first_slot + position * limiter.interval)
        try:
            result = gateway.send(
                message.phone,
                message.body,
                status_callback=f"{callback}?m={message.id}" if callback else None,
                validity_period=message.validity_seconds,
            )
        except TransientSendError as error:
            _record(accepted, refused)
            requeued = delivery.record_transient(
                message.id, error, now_utc(), max_attempts=config["SMS_MAX_ATTEMPTS"]
            )
            unsent = [m.id for m in claimed[position + 1 :]]
            delivery.release(unsent, now_utc())
            db.session.commit()
            return Outcome(len(accepted), error, ([message.id] if requeued else []) + unsent)
        except PermanentSendError as error:
            refused.append((message.id, error))
        else:
            accepted.append((message.id, result))
    _record(accepted, refused)
    db.session.commit()
    return Outcome(len(accepted))


def _record(
    accepted: list[tuple[int, SendResult]], refused: list[tuple[int, PermanentSendError]]
) -> None:
    # After the chunk's calls, not between them: no transaction is open while we wait for
    # the provider, and the answers of the whole chunk are one UPDATE.
    now = now_utc()
    if accepted:
        delivery.record_accepted(accepted, now)
    for message_id, error in refused:
        delivery.record_refused(message_id, error, now)


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


@worker_process_init.connect
def _warm_up(**_kwargs: object) -> None:
    """A new pool process connects and builds the gateway before its first task, not in it.

    Otherwise the first call-out after a deploy waits for the database connection, the ORM's
    set-up and the twilio client in the first send, and again in the first wave.
    """
    from tasks.worker import flask_app  # only a worker process gets this signal

    try:
        with flask_app.app_context():
            delivery.still_queued([0])
            db.session.rollback()
            get_gateway(flask_app.config)
    except Exception:  # the first task will try again, and report what is wrong
        log.warning("could not warm up the worker process", exc_info=True)


@shared_task(name="tasks.sms.sweep_outbox")
def sweep_outbox() -> int:
    """Re-dispatch rows nobody carries; return stale claims to the queue. Returns how many."""
    config, now = current_app.config, now_utc()
    older_than = timedelta(seconds=config["OUTBOX_SENDING_STALE_SECONDS"])
    _settle_from_provider(delivery.stale_claims(now, older_than=older_than), now, config)
    delivery.release_stale_claims(
        now, older_than=older_than, max_attempts=config["SMS_MAX_ATTEMPTS"]
    )
    ids = delivery.due_for_dispatch(
        now, queued_after=timedelta(seconds=config["OUTBOX_QUEUED_STALE_SECONDS"])
    )
    db.session.commit()
    outbox.dispatch(ids)
    return len(ids)


def _settle_from_provider(claims: list, now: datetime, config: Mapping) -> None:
    """Stale claims the provider turns out to hold are recorded as sent, not sent again.

    Their worker died (or its connection dropped) after the provider accepted them, and
    their status callback was lost too: the last step of the window described above.
    """
    if not claims:
        return
    found = [
        (claim.id, result)
        for claim in claims
        if (
            result := get_gateway(config, claim.route).find_sent(
                claim.phone, claim.body, claim.claimed_at
            )
        )
    ]
    if found:
        delivery.record_accepted(found, now)


@shared_task(name="tasks.sms.sync_provider_opt_outs")
def sync_provider_opt_outs() -> int:
    """Beat: numbers that called Solapi's 080 opt-out line are opted out here too."""
    config = current_app.config
    if "solapi" not in parse_routes(config.get("SMS_ROUTES")).values() and (
        (config.get("SMS_BACKEND") or "").lower() != "solapi"
    ):
        return 0
    try:
        numbers = get_gateway(config, "solapi").opted_out_numbers()
    except TransientSendError:
        log.warning("could not read Solapi's 080 opt-out list; beat tries again", exc_info=True)
        return 0
    added = apply_provider_opt_outs(numbers, now_utc(), source="Solapi")
    db.session.commit()
    return added
