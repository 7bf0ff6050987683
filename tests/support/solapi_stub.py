"""A Solapi-compatible HTTP server for tests and benchmarks, standard library only.

The shapes follow Solapi's public API reference (solapi/documents) and its Python SDK:

    POST /messages/v4/send-many/detail   a batch of messages; answers groupInfo, messageList
                                         (accepted, with messageId) and failedMessageList
    GET  /messages/v4/list-old           messages sent, filtered by `to` (one page)
    GET  /iam/v1/black                   numbers that called the 080 opt-out line (paged)

Every request must carry `Authorization: HMAC-SHA256 apiKey=…, date=…, salt=…, signature=…`
where signature = hex HMAC-SHA256(api secret, date + salt), the date within 15 minutes and the
salt never seen before (401 otherwise). Each message is checked as Solapi checks it: the sender
must be the registered one, the text must be EUC-KR (no emoji), an SMS at most 90 bytes and an
LMS at most 2,000, an Alimtalk needs its channel and template. A message failing a check goes to
failedMessageList with a status code; the others are accepted.

Faults on demand: 429 or 500 for the next n requests, a status code per recipient (a partly
failed batch), and "accept then drop the connection" or "accept then answer too late" for the
next n requests (the provider took the batch, the caller never heard). Delivery reports can be
posted to a URL as Solapi's webhook does (a JSON list of {eventDataId, data}).

Control it in-process or over HTTP: GET /_stub/messages, POST /_stub/reset, POST /_stub/mode,
POST /_stub/report (post delivery reports now). Run it alone with
``python -m tests.support.solapi_stub --port 0``: it prints the port it bound.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

logger = logging.getLogger("tests.solapi_stub")

DEFAULT_API_KEY = "NCSSTUBAPIKEY0001"
DEFAULT_API_SECRET = "stub-api-secret-0123456789abcdef"
DEFAULT_SENDER = "0212345678"
MAX_MESSAGES = 10_000
MAX_BODY = 15 * 1024 * 1024
AUTH_PATTERN = re.compile(r"^HMAC-SHA256 (?P<params>.+)$")
CLOCK_SKEW = timedelta(minutes=15)

# Status codes the stub answers with (Solapi's own for accepted: 2000).
ACCEPTED = "2000"
BAD_SENDER = "1062"
BAD_TEXT = "1023"
TOO_LONG = "1024"
NO_TEMPLATE = "3034"


def euc_kr_size(text: str) -> int | None:
    """Bytes in EUC-KR; None when it cannot be encoded in KS X 1001 (emoji, rare syllables)."""
    try:
        encoded = [char.encode("euc_kr") for char in text]
    except UnicodeEncodeError:
        return None
    if any(len(chunk) > 2 for chunk in encoded):
        return None
    return sum(len(chunk) for chunk in encoded)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class SolapiStub:
    """The server plus what it has seen; a context manager that starts and stops it."""

    MODE_KEYS = (
        "fail_429_count",
        "fail_500_count",
        "fail_numbers",
        "drop_after_accept_count",
        "late_after_accept_count",
        "late_seconds",
        "latency",
    )

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        sender: str = DEFAULT_SENDER,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key, self.api_secret, self.sender = api_key, api_secret, sender
        self._lock = threading.RLock()
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL to use as SOLAPI_API_BASE_URL."""
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> SolapiStub:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()

    def __enter__(self) -> SolapiStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what it has seen -------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Accepted messages, in order: to, from, text, type, subject, kakaoOptions, messageId…"""
        with self._lock:
            return [dict(m) for m in self._messages]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every send request: its time, how many messages, and the HTTP status answered."""
        with self._lock:
            return [dict(r) for r in self._requests]

    def duplicates(self) -> dict[str, int]:
        """Our row refs (customFields.ref) the stub accepted more than once."""
        refs = Counter(m.get("customFields", {}).get("ref") for m in self.messages)
        return {ref: n for ref, n in refs.items() if ref is not None and n > 1}

    def reset(self) -> None:
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._requests: list[dict[str, Any]] = []
            self._salts: set[str] = set()
            self._denials: list[dict[str, Any]] = []
            self._mode: dict[str, Any] = {
                "fail_429_count": 0,
                "fail_500_count": 0,
                "fail_numbers": {},
                "drop_after_accept_count": 0,
                "late_after_accept_count": 0,
                "late_seconds": 6.0,
                "latency": 0.0,
            }

    def set_mode(self, **changes: Any) -> dict[str, Any]:
        unknown = set(changes) - set(self.MODE_KEYS)
        if unknown:
            raise ValueError(f"unknown stub mode(s): {', '.join(sorted(unknown))}")
        with self._lock:
            self._mode.update(changes)
            return dict(self._mode)

    def fail_number(self, number: str, status_code: str) -> None:
        """Refuse every message to this (domestic) number with `status_code`."""
        with self._lock:
            self._mode["fail_numbers"] = {**self._mode["fail_numbers"], number: status_code}

    def deny(self, *numbers: str) -> None:
        """Record these (domestic) numbers as having called the 080 opt-out line."""
        with self._lock:
            for number in numbers:
                self._denials.append(
                    {
                        "handleKey": uuid.uuid4().hex,
                        "type": "DENIAL",
                        "senderNumber": self.sender,
                        "recipientNumber": number,
                        "dateCreated": _now_iso(),
                        "dateUpdated": _now_iso(),
                    }
                )

    def list_denials(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        """GET /iam/v1/black: the 080 denials, a page at a time (startKey, nextKey, limit)."""
        limit = max(1, min(int((query.get("limit") or ["20"])[0]), 1000))
        start = int((query.get("startKey") or ["0"])[0])
        sender = (query.get("senderNumber") or [None])[0]
        with self._lock:
            found = [d for d in self._denials if sender in (None, d["senderNumber"])]
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "startKey": str(start),
            "limit": limit,
            "nextKey": str(start + limit) if more else None,
            "blackList": {d["handleKey"]: d for d in page},
        }

    # -- delivery reports -------------------------------------------------------------------

    def report(self, url: str, results: Mapping[str, str] | None = None) -> int:
        """POST delivery reports for every accepted message to `url`, as Solapi's webhook.

        Returns the HTTP status the app answered.
        """
        return _post_json(url, self.reports(results))

    def reports(self, results: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Solapi's webhook body: a report for each accepted message, in the order sent.

        `results` maps a messageId to its final status code (default 4000, delivered).
        """
        events = []
        for message in self.messages:
            code = (results or {}).get(message["messageId"], "4000")
            events.append(
                {
                    "eventDataId": uuid.uuid4().hex,
                    "retryCount": 0,
                    "data": {
                        "messageId": message["messageId"],
                        "groupId": message["groupId"],
                        "type": message["type"],
                        "to": message["to"],
                        "from": message["from"],
                        "statusCode": code,
                        "statusMessage": "정상 수신" if code == "4000" else "수신 실패",
                        "customFields": message.get("customFields") or {},
                        "dateProcessed": _now_iso(),
                        "dateReported": _now_iso(),
                        "dateReceived": _now_iso(),
                        "networkCode": "SKT",
                    },
                }
            )
        return events

    # -- the API ----------------------------------------------------------------------------

    def check_auth(self, header: str | None) -> str | None:
        """None when the Authorization header is Solapi's HMAC for our key, else why not."""
        match = AUTH_PATTERN.match(header or "")
        if match is None:
            return "no HMAC-SHA256 Authorization header"
        params = {}
        for part in match["params"].split(","):
            name, _, value = part.strip().partition("=")
            params[name.lower()] = value
        if params.get("apikey") != self.api_key:
            return "unknown apiKey"
        date, salt = params.get("date", ""), params.get("salt", "")
        try:
            sent_at = datetime.fromisoformat(date.replace("Z", "+00:00"))
        except ValueError:
            return "bad date"
        if sent_at.tzinfo is None or abs(datetime.now(UTC) - sent_at) > CLOCK_SKEW:
            return "date too far from now"
        if not 12 <= len(salt) <= 64:
            return "bad salt"
        expected = hmac.new(
            self.api_secret.encode(), (date + salt).encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, params.get("signature", "")):
            return "signature does not match"
        with self._lock:
            if salt in self._salts:
                return "salt used twice"
            self._salts.add(salt)
        return None

    def send_many(self, payload: Any) -> tuple[int, Any, str | None]:
        """Answer a send-many request: (HTTP status, JSON body, then-what: None|drop|late)."""
        with self._lock:
            mode = self._mode
            latency = float(mode["latency"])
            if mode["fail_429_count"] > 0:
                mode["fail_429_count"] -= 1
                return self._refuse(429, "TooManyRequests", "too many requests")
            if mode["fail_500_count"] > 0:
                mode["fail_500_count"] -= 1
                self._requests.append({"at": time.time(), "count": 0, "status": 500})
                return 500, "Internal Server Error", None
        if latency:
            time.sleep(latency)
        messages = payload.get("messages") if isinstance(payload, dict) else None
        if not isinstance(messages, list) or not messages:
            return self._refuse(400, "ValidationError", "messages must be a non-empty list")
        if len(messages) > MAX_MESSAGES:
            return self._refuse(400, "ValidationError", f"at most {MAX_MESSAGES} messages")
        group_id = "G4V" + uuid.uuid4().hex[:29].upper()
        accepted, failed = [], []
        with self._lock:
            fail_numbers = dict(self._mode["fail_numbers"])
        for message in messages:
            record = self._message(message, group_id)
            code = fail_numbers.get(record["to"]) or self._check(record)
            if code:
                failed.append({**_failed(record, code), "accountId": "12925149"})
            else:
                accepted.append(record)
        then = None
        with self._lock:
            self._messages.extend(accepted)
            self._requests.append({"at": time.time(), "count": len(messages), "status": 200})
            if self._mode["drop_after_accept_count"] > 0:
                self._mode["drop_after_accept_count"] -= 1
                then = "drop"
            elif self._mode["late_after_accept_count"] > 0:
                self._mode["late_after_accept_count"] -= 1
                then = "late"
        body = {
            "groupInfo": _group_info(group_id, len(messages), len(accepted), len(failed)),
            "failedMessageList": failed,
            "messageList": [
                {
                    "messageId": m["messageId"],
                    "statusCode": ACCEPTED,
                    "statusMessage": "정상 접수",
                    "customFields": m.get("customFields") or {},
                    "to": m["to"],
                    "type": m["type"],
                }
                for m in accepted
            ]
            if payload.get("showMessageList")
            else None,
        }
        return 200, body, then

    def list_messages(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        to = (query.get("to") or [None])[0]
        limit = int((query.get("limit") or ["20"])[0])
        found = [m for m in reversed(self.messages) if to is None or m["to"] == to][:limit]
        return {
            "limit": limit,
            "startKey": None,
            "nextKey": None,
            "messageList": {m["messageId"]: m for m in found},
        }

    def _refuse(self, status: int, code: str, message: str) -> tuple[int, Any, None]:
        with self._lock:
            self._requests.append({"at": time.time(), "count": 0, "status": status})
        return status, {"errorCode": code, "errorMessage": message}, None

    def _message(self, message: Any, group_id: str) -> dict[str, Any]:
        message = message if isinstance(message, dict) else {}
        return {
            "messageId": "M4V" + uuid.uuid4().hex[:29].upper(),
            "groupId": group_id,
            "to": str(message.get("to") or ""),
            "from": str(message.get("from") or ""),
            "text": message.get("text"),
            "type": message.get("type") or "SMS",
            "subject": message.get("subject"),
            "country": str(message.get("country") or "82"),
            "kakaoOptions": message.get("kakaoOptions"),
            "customFields": message.get("customFields") or {},
            "dateCreated": _now_iso(),
            "dateUpdated": _now_iso(),
            "statusCode": ACCEPTED,
            "received_at": time.time(),
        }

    def _check(self, record: dict[str, Any]) -> str | None:
        if record["from"] != self.sender:
            return BAD_SENDER
        text = record["text"]
        if not isinstance(text, str) or not text or not record["to"].isdigit():
            return BAD_TEXT
        size = euc_kr_size(text)
        if size is None:
            return BAD_TEXT
        if record["type"] == "SMS" and size > 90 or size > 2000:
            return TOO_LONG
        if record["type"] == "ATA":
            options = record["kakaoOptions"] or {}
            if not options.get("pfId") or not options.get("templateId"):
                return NO_TEMPLATE
        return None


def _failed(record: dict[str, Any], code: str) -> dict[str, Any]:
    return {
        "to": record["to"],
        "from": record["from"],
        "type": record["type"],
        "statusMessage": f"refused ({code})",
        "country": record["country"],
        "messageId": record["messageId"],
        "statusCode": code,
        "customFields": record.get("customFields") or {},
    }


def _group_info(group_id: str, total: int, accepted: int, failed: int) -> dict[str, Any]:
    cash = {"requested": 0, "replacement": 0, "refund": 0, "sum": 0}
    now = _now_iso()
    return {
        "count": {
            "total": total,
            "sentTotal": 0,
            "sentSuccess": 0,
            "sentPending": accepted,
            "sentReplacement": 0,
            "refund": 0,
            "registeredFailed": failed,
            "registeredSuccess": accepted,
        },
        "countForCharge": {"sms": {}, "lms": {}, "ata": {}},
        "balance": cash,
        "point": cash,
        "app": {"profit": {}, "appId": None},
        "log": [],
        "status": "SENDING",
        "allowDuplicates": True,
        "isRefunded": False,
        "accountId": "12925149",
        "masterAccountId": None,
        "apiVersion": "4",
        "groupId": group_id,
        "price": {},
        "dateCreated": now,
        "dateUpdated": now,
    }


def _post_json(url: str, payload: Any) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, stub: SolapiStub) -> None:
        super().__init__(address, handler)
        self.stub = stub
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("stub connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def do_GET(self) -> None:
        stub = self.server.stub
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_stub/messages":
            return self._reply(
                200,
                {
                    "messages": stub.messages,
                    "requests": stub.requests,
                    "duplicates": stub.duplicates(),
                },
            )
        problem = stub.check_auth(self.headers.get("Authorization"))
        if problem:
            return self._reply(401, {"errorCode": "Unauthorized", "errorMessage": problem})
        if url.path == "/messages/v4/list-old":
            return self._reply(200, stub.list_messages(urllib.parse.parse_qs(url.query)))
        if url.path == "/iam/v1/black":
            return self._reply(200, stub.list_denials(urllib.parse.parse_qs(url.query)))
        return self._reply(404, {"errorCode": "NotFound", "errorMessage": url.path})

    def do_POST(self) -> None:
        stub = self.server.stub
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._reply(413, {"errorCode": "TooLarge", "errorMessage": "over 15 MB"})
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            return self._reply(400, {"errorCode": "ValidationError", "errorMessage": "not JSON"})
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_stub/reset":
            stub.reset()
            return self._reply(200, {})
        if path == "/_stub/mode":
            return self._reply(200, stub.set_mode(**payload))
        if path == "/_stub/report":
            return self._reply(200, {"status": stub.report(payload["url"], payload.get("results"))})
        problem = stub.check_auth(self.headers.get("Authorization"))
        if problem:
            return self._reply(401, {"errorCode": "Unauthorized", "errorMessage": problem})
        if path != "/messages/v4/send-many/detail":
            return self._reply(404, {"errorCode": "NotFound", "errorMessage": path})
        status, body, then = stub.send_many(payload)
        if then == "drop":  # accepted, but the caller never hears: the connection just ends
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if then == "late":  # accepted, answered after the caller's timeout
            time.sleep(float(stub.set_mode()["late_seconds"]))
        return self._reply(status, body)

    def _reply(self, status: int, payload: Any) -> None:
        body = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the caller gave up (its timeout): nothing to answer
            self.close_connection = True


class SolapiStubProcess:
    """The stub in a child process, controlled over HTTP (for benchmarks and real workers)."""

    def __init__(self, *args: str, port: int = 0) -> None:
        self.args = ["--port", str(port), *args]
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> SolapiStubProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.solapi_stub", *self.args],
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

    def seen(self) -> dict[str, Any]:
        """Accepted messages, requests and duplicate refs."""
        return self._call("GET", "/_stub/messages")

    def reset(self) -> None:
        self._call("POST", "/_stub/reset", {})

    def set_mode(self, **changes: Any) -> dict[str, Any]:
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
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with SolapiStub(host=args.host, port=args.port) as stub:
        stub.set_mode(latency=args.latency)
        print(stub.port, flush=True)
        while not done.wait(0.5):
            pass


if __name__ == "__main__":
    main()
