"""A guard for the worker's broker connection: survive Redis going away with tasks in hand.

Celery 5.7 handles a lost Redis connection by collecting the transport (its `client` becomes
None) and then closing the connection; closing the channel restores the unacknowledged
messages (our tasks are acks_late, so there always are some), which builds a Redis client
from the collected transport and raises AttributeError. Celery does not expect that error,
and the worker dies ("Unrecoverable error") instead of reconnecting: found by
bench/scenario.py restarting Redis under load. With the transport gone there is nothing to
restore through; the messages stay in Redis' unacked set, which the next consumer restores
after the visibility timeout, and the outbox sweeper re-dispatches the rows anyway.
"""

import functools
import logging

from kombu.transport import redis as kombu_redis

log = logging.getLogger(__name__)


def survive_lost_connections() -> None:
    """Make restoring unacked messages through a collected Redis transport a no-op."""
    restore = kombu_redis.QoS.restore_unacked
    if getattr(restore, "survives_lost_connections", False):
        return

    @functools.wraps(restore)
    def restore_unless_collected(self, client=None):
        transport = getattr(self.channel, "connection", None)
        if client is None and getattr(transport, "client", None) is None:
            log.warning(
                "broker connection lost: %d unacknowledged task(s) left for Redis to redeliver",
                len(self._delivered),
            )
            self._delivered.clear()
            return None
        return restore(self, client)

    restore_unless_collected.survives_lost_connections = True  # type: ignore[attr-defined]
    kombu_redis.QoS.restore_unacked = restore_unless_collected  # type: ignore[method-assign]
