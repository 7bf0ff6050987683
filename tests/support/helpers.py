"""The small helpers every kind of test needs once: a free port, waiting, a page's CSRF token.

Plain functions, so the benchmarks under bench/ use them too.
"""

import re
import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# A form's hidden input, or the <meta> tag the pages' scripts read.
CSRF_TOKEN = re.compile(
    r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"'
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll `check` until it returns something truthy, and return that.

    Raises TimeoutError naming `what` after `timeout` seconds. Wait on a condition, never on
    a fixed sleep: a busy machine is slow, not wrong.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def csrf_token_in(html: str) -> str:
    """The CSRF token a page gives its forms."""
    found = CSRF_TOKEN.search(html)
    if found is None:
        raise LookupError("no CSRF token in the page")
    return found.group(1) or found.group(2)
