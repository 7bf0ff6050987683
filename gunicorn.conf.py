"""gunicorn's settings, read by scripts/run.sh and the Dockerfile (`gunicorn -c gunicorn.conf.py`).

Personal links (/v/<token>) and calendar feeds (/ical/<token>.ics) carry bearer keys in their
path: the access log and gunicorn's own messages show them masked (/v/***), as the app's logs do.
Workers, threads and the bind address stay on the command line.
"""

import gc
import logging
import os
import signal

from gunicorn.glogging import Logger

from coordinator.logs import mask_tokens


def _masked(value: object) -> object:
    return mask_tokens(value) if isinstance(value, str) else value


class TokenMaskingLogger(Logger):
    """gunicorn's logger, with tokens masked in every access-log field and error message."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: _masked(value) for key, value in atoms.items()}

    def error(self, msg, *args, **kwargs):
        super().error(_masked(msg), *map(_masked, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(_masked(msg), *map(_masked, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(_masked(msg), *map(_masked, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(_masked(msg), *map(_masked, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(_masked(msg), *map(_masked, args), **kwargs)


logger_class = TokenMaskingLogger
# No control socket (gunicorn 27): it is one path per user (~/.gunicorn/gunicorn.ctl), shared
# by every gunicorn the user runs, and stopping its thread held up Ctrl-C for seconds.
control_socket_disable = True
# A stop waits at most this long for a worker (gunicorn's default is 30 s): requests here take
# milliseconds (Twilio itself gives up at 15 s), and Ctrl-C on `make run` must end in seconds
# even when a worker hangs in the quit-signal deadlock below.
graceful_timeout = 8


def post_worker_init(worker) -> None:
    """Quit once, however many quit signals arrive.

    Ctrl-C sends SIGINT to every process of the terminal's group, and the master then sends
    each worker SIGQUIT: the gthread worker's handler, entered a second time while the first
    is shutting down its thread pool, deadlocks on the pool's lock until the master kills it
    30 s later (gunicorn 27). `make run` must stop within seconds.
    """
    quit_now = worker.handle_quit
    quitting = []

    def handle_quit_once(sig, frame) -> None:
        quitting.append(sig)  # first, and atomic: a signal arriving meanwhile sees it
        if len(quitting) == 1:
            quit_now(sig, frame)

    signal.signal(signal.SIGQUIT, handle_quit_once)
    signal.signal(signal.SIGINT, handle_quit_once)


def worker_int(worker) -> None:
    """A quit (SIGINT, SIGQUIT) is an immediate shutdown: leave now, without the interpreter's
    final garbage collection, which took seconds per worker on a busy machine."""
    logging.shutdown()
    os._exit(0)


def on_exit(server) -> None:
    """The master's last step: nothing is left to collect, so skip the final collection."""
    gc.freeze()
