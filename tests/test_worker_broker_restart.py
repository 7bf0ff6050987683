"""A Celery worker survives its Redis broker restarting in the middle of a send.

Found by the whole-system scenario (bench/scenario.py): with acks_late tasks in hand, Celery
5.7 closed the lost connection after collecting its transport, restoring the unacked
messages then dereferenced the collected client, and the worker died ("Unrecoverable
error: AttributeError"), leaving nobody to send. See tasks/broker.py.
"""

import os
import shutil

import pytest
from kombu import Connection, Exchange, Producer, Queue

from coordinator.extensions import db
from coordinator.models import Message, MessageStatus
from tasks.broker import survive_lost_connections
from tasks.sms import sweep_outbox
from tests.support import services
from tests.support.callouts import twilio_settings
from tests.support.celery_worker import CeleryWorker
from tests.support.helpers import wait_until
from tests.support.scenario import RedisServer
from tests.support.twilio_stub import TwilioStub

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path):
    services.need("redis")
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed to restart a private broker")
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_closing_a_lost_redis_connection_with_tasks_in_hand_raises_nothing(broker):
    survive_lost_connections()
    connection = Connection(broker.url)
    channel = connection.default_channel
    queue = Queue("sms", Exchange("sms"), "sms")
    Producer(channel).publish(
        {"ids": [1]}, exchange=queue.exchange, routing_key="sms", declare=[queue]
    )
    assert queue(channel).get(no_ack=False) is not None  # in hand, unacknowledged
    broker.stop()

    # On a lost connection Celery 5.7 collects the transport, which can leave the channel
    # open with its client gone, and then closes the connection.
    connection._do_close_transport()
    connection.close()

    assert channel.closed


@pytest.mark.app_config(
    OUTBOX_DISPATCH="celery", SMS_BATCH_SIZE=1, SMS_RATE_PER_SECOND=0, OUTBOX_QUEUED_STALE_SECONDS=0
)
def test_a_worker_keeps_sending_after_redis_restarts_under_it(
    app, broker, tmp_path, create_volunteer, queue_message
):
    with TwilioStub() as stub:
        # Slow answers and 429s: tasks in hand and retries waiting their countdown, all of them
        # unacknowledged when the broker goes (acks_late).
        stub.set_latency(0.3)
        stub.fail_with_429(6)
        settings = {**twilio_settings(stub.url), "CELERY_BROKER_URL": broker.url}
        app.config.update(settings)
        app.extensions["celery"].conf.broker_url = broker.url
        env = {
            **os.environ,
            **{k: str(v) for k, v in settings.items()},
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "APP_ENV": "development",
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SMS_RATE_PER_SECOND": "0",
        }
        worker = CeleryWorker(env, tmp_path / "worker.log", concurrency=2)
        try:
            people = [create_volunteer(f"v{i}") for i in range(12)]
            for volunteer in people:
                queue_message(volunteer)
            wait_until(lambda: len(stub.messages) >= 3, 30, "the worker to be sending")

            broker.restart()

            def resent_and_done() -> bool:
                sweep_outbox.run()  # hands the rows the broker lost to the worker again
                db.session.commit()
                db.session.expire_all()
                # The stub records a message when it arrives, before it answers: wait for
                # the worker to record the answer too.
                statuses = db.session.scalars(db.select(Message.status)).all()
                return len({m["to"] for m in stub.messages}) == len(people) and all(
                    status == MessageStatus.SENT for status in statuses
                )

            wait_until(resent_and_done, 60, "every message to reach the provider")
            log = worker.log_path.read_text()
            assert worker.process.poll() is None, log[-3000:]
            assert "Unrecoverable error" not in log
            db.session.expire_all()
            assert all(
                m.status == MessageStatus.SENT for m in db.session.scalars(db.select(Message))
            )
        finally:
            if worker.process.poll() is None:
                worker.stop()
