"""A Twilio-compatible HTTP server for tests and benchmarks, standard library only.

It answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` the way Twilio does (same JSON
for messages and errors, basic auth), lists them on ``GET`` (filtered by ``To``, one page),
records what it accepted, and fails on demand (429 bursts,
500s, permanent error codes per number, latency). Control it in-process or over HTTP:

    GET  /_stub/messages   accepted messages and request timestamps
    GET  /_stub/stats      counts, messages per second, busiest one-second window
    GET  /_stub/callbacks  status callbacks posted (when enabled)
    POST /_stub/reset      forget messages, timestamps and failure modes
    POST /_stub/mode       JSON, e.g. {"fail_429_count": 5, "fail_numbers": {"+8210...": 21610}}

Run it alone with ``python -m tests.support.twilio_stub --port 0``: it prints the port it bound.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import json
import logging
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

logger = logging.getLogger("tests.twilio_stub")

DEFAULT_ACCOUNT_SID = "AC" + "5" * 32
DEFAULT_AUTH_TOKEN = "stub-auth-token"
API_VERSION = "2010-04-01"
POOL_SENDER = "+15005550006"  # the "From" a messaging service picks from its sender pool
CALLBACK_THREADS = 4
TWILIO_WEBHOOK_TIMEOUT = 15  # seconds Twilio waits for a status callback to be answered

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Twilio error code -> (HTTP status, message), wording as in Twilio's error dictionary.
ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource {path} was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    21211: (400, "Invalid 'To' Phone Number: {to}"),
    21408: (
        400,
        "Permission to send an SMS has not been enabled for the region indicated by "
        "the 'To' number: {to}",
    ),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"),
    21604: (400, "A 'To' phone number is required."),
    21606: (
        400,
        "The 'From' phone number provided is not a valid message-capable Twilio phone "
        "number for this destination.",
    ),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (
        400,
        "The 'To' phone number: {to}, is not currently reachable using the 'From' "
        "phone number via SMS.",
    ),
    21614: (400, "'To' number {to} is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """Count SMS segments as Twilio bills them: GSM-7 160/153, else UCS-2 70/67."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        units, single, part = len(body) + sum(ch in GSM7_EXTENDED for ch in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // part)


def twilio_error(code: int, **fields: str) -> tuple[int, dict[str, Any]]:
    """Return the HTTP status and Twilio's JSON error body for a code."""
    status, message = ERRORS.get(code, (400, "Error {code}"))
    return status, {
        "code": code,
        "message": message.format_map(defaultdict(str, fields, code=code)),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class TwilioStub:
    """The server plus what it has seen; a context manager that starts and stops it."""

    MODE_KEYS = (
        "fail_429_count",
        "fail_429_seconds",
        "fail_500_count",
        "fail_numbers",
        "undeliverable",
        "latency",
        "callbacks",
    )

    def __init__(
        self,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        callbacks: bool = False,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._expected_auth = (
            "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        )
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None
        self._callback_queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._callback_threads: list[threading.Thread] = []
        self._callbacks_done = threading.Condition(self._lock)
        self._default_callbacks = callbacks
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the server is bound to."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL to use as TWILIO_API_BASE_URL."""
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> TwilioStub:
        """Serve in background threads."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        for _ in range(CALLBACK_THREADS):
            thread = threading.Thread(target=self._deliver_callbacks, daemon=True)
            thread.start()
            self._callback_threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections, so later requests are refused."""
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        for _ in self._callback_threads:
            self._callback_queue.put(None)
        self._callback_threads.clear()

    def __enter__(self) -> TwilioStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what it has seen -------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Accepted messages: Twilio's JSON plus ``params`` (the form) and ``received_at``."""
        with self._lock:
            return list(self._messages)

    @property
    def request_times(self) -> list[float]:
        """Arrival time (epoch seconds) of every Messages create request, accepted or not."""
        with self._lock:
            return list(self._request_times)

    @property
    def callbacks(self) -> list[dict[str, Any]]:
        """Status callbacks posted: url, params, signature, HTTP status or error."""
        with self._lock:
            return list(self._callbacks)

    def per_second(self, *, accepted_only: bool = False) -> dict[int, int]:
        """Requests (or accepted messages) per whole epoch second."""
        return dict(sorted(Counter(int(t) for t in self._times(accepted_only)).items()))

    def max_per_window(self, window: float = 1.0, *, accepted_only: bool = False) -> int:
        """Most requests seen in any sliding window of ``window`` seconds."""
        times = sorted(self._times(accepted_only))
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def stats(self) -> dict[str, Any]:
        """Counts and rates, as served on ``GET /_stub/stats``."""
        with self._lock:
            requests, accepted = len(self._request_times), len(self._messages)
        return {
            "requests": requests,
            "accepted": accepted,
            "per_second": self.per_second(),
            "max_per_second": self.max_per_window(),
            "accepted_max_per_second": self.max_per_window(accepted_only=True),
            "connections": self._server.opened,
            "mode": self.mode(),
        }

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` status callbacks were posted; return them all."""
        with self._callbacks_done:
            self._callbacks_done.wait_for(lambda: len(self._callbacks) >= count, timeout)
            return list(self._callbacks)

    def _times(self, accepted_only: bool) -> list[float]:
        with self._lock:
            if accepted_only:
                return [m["received_at"] for m in self._messages]
            return list(self._request_times)

    # -- failure modes ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget messages, timestamps, callbacks and failure modes."""
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._request_times: list[float] = []
            self._callbacks: list[dict[str, Any]] = []
            self._fail_429_count = 0
            self._fail_429_until = 0.0
            self._fail_500_count = 0
            self._fail_numbers: dict[str, int] = {}
            self._undeliverable: dict[str, int] = {}
            self._latency = 0.0
            self._send_callbacks = self._default_callbacks

    def set_mode(self, **changes: Any) -> dict[str, Any]:
        """Change failure modes (keys of ``MODE_KEYS``); return the resulting mode."""
        unknown = set(changes) - set(self.MODE_KEYS)
        if unknown:
            raise ValueError(f"unknown stub mode {sorted(unknown)}; use {self.MODE_KEYS}")
        with self._lock:
            if "fail_429_count" in changes:
                self._fail_429_count = int(changes["fail_429_count"])
            if "fail_429_seconds" in changes:
                self._fail_429_until = time.time() + float(changes["fail_429_seconds"])
            if "fail_500_count" in changes:
                self._fail_500_count = int(changes["fail_500_count"])
            if "fail_numbers" in changes:
                self._fail_numbers = {k: int(v) for k, v in changes["fail_numbers"].items()}
            if "undeliverable" in changes:
                self._undeliverable = {k: int(v) for k, v in changes["undeliverable"].items()}
            if "latency" in changes:
                self._latency = float(changes["latency"])
            if "callbacks" in changes:
                self._send_callbacks = bool(changes["callbacks"])
        return self.mode()

    def mode(self) -> dict[str, Any]:
        """The failure modes in force."""
        with self._lock:
            return {
                "fail_429_count": self._fail_429_count,
                "fail_429_seconds": max(0.0, self._fail_429_until - time.time()),
                "fail_500_count": self._fail_500_count,
                "fail_numbers": dict(self._fail_numbers),
                "undeliverable": dict(self._undeliverable),
                "latency": self._latency,
                "callbacks": self._send_callbacks,
            }

    def fail_with_429(self, count: int | None = None, *, seconds: float | None = None) -> None:
        """Answer 429 (code 20429) to the next ``count`` requests and/or for ``seconds``."""
        if count is not None:
            self.set_mode(fail_429_count=count)
        if seconds is not None:
            self.set_mode(fail_429_seconds=seconds)

    def fail_with_500(self, count: int) -> None:
        """Answer 500 to the next ``count`` requests."""
        self.set_mode(fail_500_count=count)

    def fail_number(self, number: str, code: int) -> None:
        """Refuse every message to ``number`` with a permanent Twilio error code."""
        with self._lock:
            self._fail_numbers[number] = code

    def set_latency(self, seconds: float) -> None:
        """Wait this long before answering each Messages request."""
        self.set_mode(latency=seconds)

    # -- the Messages endpoint --------------------------------------------------------------

    def create_message(
        self, account: str, authorization: str | None, form: Mapping[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Handle a Messages create request; return status, JSON body and extra headers."""
        arrived = time.time()
        if self._latency:
            time.sleep(self._latency)
        if authorization != self._expected_auth:
            return (*twilio_error(20003), {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if account != self.account_sid:
            return (*twilio_error(20404, path=f"/{API_VERSION}/Accounts/{account}"), {})
        with self._lock:
            self._request_times.append(arrived)
            if self._fail_429_count > 0:
                self._fail_429_count -= 1
                return (*twilio_error(20429), {"Retry-After": "1"})
            if arrived < self._fail_429_until:
                retry_after = str(max(1, round(self._fail_429_until - arrived)))
                return (*twilio_error(20429), {"Retry-After": retry_after})
            if self._fail_500_count > 0:
                self._fail_500_count -= 1
                return (*twilio_error(20500), {})
            refusal = self._fail_numbers.get(form.get("To", ""))
        to = form.get("To", "")
        code = _invalid_request(form) or refusal
        if code:
            return (*twilio_error(code, to=to), {})
        message = self._message_json(account, form, arrived)
        with self._lock:
            self._messages.append({**message, "params": dict(form), "received_at": arrived})
            send_callbacks = self._send_callbacks and bool(form.get("StatusCallback"))
            final_error = self._undeliverable.get(to)
        if send_callbacks:
            self._callback_queue.put(
                {**message, "callback": form["StatusCallback"], "final_error": final_error}
            )
        return 201, message, {}

    def list_messages(
        self, account: str, authorization: str | None, query: Mapping[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Handle a Messages list request (filtered by To), newest first, as one page."""
        if authorization != self._expected_auth:
            return (*twilio_error(20003), {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if account != self.account_sid:
            return (*twilio_error(20404, path=f"/{API_VERSION}/Accounts/{account}"), {})
        size = int(query.get("PageSize") or 50)
        with self._lock:
            found = [
                {k: v for k, v in m.items() if k not in ("params", "received_at")}
                for m in reversed(self._messages)
                if not query.get("To") or m["to"] == query["To"]
            ][:size]
        uri = f"/{API_VERSION}/Accounts/{account}/Messages.json?PageSize={size}&Page=0"
        return (
            200,
            {
                "messages": found,
                "page": 0,
                "page_size": size,
                "start": 0,
                "end": max(len(found) - 1, 0),
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
            },
            {},
        )

    def _message_json(self, account: str, form: Mapping[str, str], at: float) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        date = email.utils.format_datetime(datetime.fromtimestamp(at, UTC))
        service = form.get("MessagingServiceSid") or None
        return {
            "account_sid": account,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": date,
            "date_sent": None,
            "date_updated": date,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(count_segments(form["Body"])),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Like Twilio: a message left to a service to pick the sender starts "accepted".
            "status": "accepted" if service and not form.get("From") else "queued",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media.json"
            },
            "to": form["To"],
            "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json",
        }

    # -- status callbacks -------------------------------------------------------------------

    def _deliver_callbacks(self) -> None:
        # Imported here so the server itself needs only the standard library; the signature
        # must be the real one for the app's webhook check to accept it.
        from twilio.request_validator import RequestValidator

        validator = RequestValidator(self.auth_token)
        while (message := self._callback_queue.get()) is not None:
            final = "undelivered" if message["final_error"] else "delivered"
            for status in ("sent", final):
                params = {
                    "AccountSid": message["account_sid"],
                    "ApiVersion": API_VERSION,
                    "From": message["from"] or POOL_SENDER,
                    "MessageSid": message["sid"],
                    "MessageStatus": status,
                    "SmsSid": message["sid"],
                    "SmsStatus": status,
                    "To": message["to"],
                }
                if message["messaging_service_sid"]:
                    params["MessagingServiceSid"] = message["messaging_service_sid"]
                if status == "undelivered":
                    params["ErrorCode"] = str(message["final_error"])
                self._post_callback(validator, message["callback"], params)

    def _post_callback(self, validator: Any, url: str, params: dict[str, str]) -> None:
        signature = validator.compute_signature(url, params)
        record: dict[str, Any] = {"url": url, "params": params, "signature": signature}
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"},
        )
        try:
            # Twilio waits 15 s for a webhook to answer before it gives up.
            with urllib.request.urlopen(request, timeout=TWILIO_WEBHOOK_TIMEOUT) as response:
                record["status"] = response.status
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
        except OSError as exc:
            record["status"], record["error"] = None, str(exc)
        with self._callbacks_done:
            self._callbacks.append(record)
            self._callbacks_done.notify_all()


def _invalid_request(form: Mapping[str, str]) -> int | None:
    to, body = form.get("To", ""), form.get("Body", "")
    if not to:
        return 21604
    if not body:
        return 21602
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return 21603
    if not E164.match(to):
        return 21211
    if len(body) > 1600:
        return 21617
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type, stub: TwilioStub) -> None:
        self.stub = stub
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.opened = 0  # connections accepted so far: a client that reuses its keeps this low
        super().__init__(address, handler)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)
            self.opened += open_

    def close_connections(self) -> None:
        # Keep-alive connections outlive shutdown(); close them so a stopped stub refuses all.
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout test, killed benchmark) is normal here, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            logger.exception("twilio stub failed to answer %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per client, not per message
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, open_=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        stub = self.server.stub
        path, _, query = self.path.partition("?")
        match = MESSAGES_PATH.match(path)
        if match:
            params = dict(urllib.parse.parse_qsl(query))
            self._reply(
                *stub.list_messages(match["account"], self.headers["Authorization"], params)
            )
        elif self.path == "/_stub/messages":
            self._reply(200, {"messages": stub.messages, "request_times": stub.request_times})
        elif self.path == "/_stub/stats":
            self._reply(200, stub.stats())
        elif self.path == "/_stub/callbacks":
            self._reply(200, {"callbacks": stub.callbacks})
        else:
            self._reply(*twilio_error(20404, path=self.path))

    def do_POST(self) -> None:
        stub = self.server.stub
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        match = MESSAGES_PATH.match(self.path)
        if match:
            form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
            self._reply(*stub.create_message(match["account"], self.headers["Authorization"], form))
        elif self.path == "/_stub/reset":
            stub.reset()
            self._reply(200, {"ok": True})
        elif self.path == "/_stub/mode":
            try:
                self._reply(200, stub.set_mode(**json.loads(raw or "{}")))
            except (ValueError, TypeError, AttributeError) as exc:
                self._reply(400, {"error": str(exc)})
        else:
            self._reply(*twilio_error(20404, path=self.path))

    def _reply(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class StubProcess:
    """The stub in a child process, controlled over HTTP (for benchmarks and real workers)."""

    def __init__(self, *args: str, port: int = 0) -> None:
        self.args = ["--port", str(port), *args]
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> StubProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.twilio_stub", *self.args],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def messages(self) -> list[dict[str, Any]]:
        """Accepted messages."""
        return self._call("GET", "/_stub/messages")["messages"]

    def stats(self) -> dict[str, Any]:
        """Counts and rates."""
        return self._call("GET", "/_stub/stats")

    def reset(self) -> None:
        """Forget messages and failure modes."""
        self._call("POST", "/_stub/reset", {})

    def set_mode(self, **changes: Any) -> dict[str, Any]:
        """Change failure modes, as ``TwilioStub.set_mode``."""
        return self._call("POST", "/_stub/mode", changes)

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, printing the bound port on the first line of stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--callbacks", action="store_true", help="post status callbacks")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    stub = TwilioStub(
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        host=args.host,
        port=args.port,
        callbacks=args.callbacks,
    )
    with stub:
        stub.set_latency(args.latency)
        print(stub.port, flush=True)
        while not done.wait(0.5):
            pass


if __name__ == "__main__":
    main()
