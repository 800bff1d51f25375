"""Partners' webhooks as real HTTP servers on 127.0.0.1, for tests and benchmarks.

A ``Receiver`` records every request (path, headers, body, time) and answers according to a script of
behaviours, one per request, repeating the last: ``ok`` (200), ``error`` (500), ``gone`` (410),
``throttle`` (429), ``redirect`` (307), ``hang`` (answer nothing until released or the hang runs out),
``verify`` (200 when the signature checks with ``secret``, 401 otherwise) or ``open311`` (201 with a
GeoReport service_request_id).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from referrals.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureInvalid, signature_verify


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int | None = None

    @property
    def event_id(self) -> str | None:
        return self.headers.get("x-lantern-event-id")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    behaviours: tuple[str, ...] = ("ok",)
    secret: str = ""
    hang_seconds: float = 30.0
    requests: list[Received] = field(default_factory=list)
    # 0 picks a free port; a given port lets a partner that went down come back at the same address.
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.released = threading.Event()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                record = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                with receiver._lock:
                    index = len(receiver.requests)
                    receiver.requests.append(record)
                behaviour = receiver.behaviours[min(index, len(receiver.behaviours) - 1)]
                receiver.arrived.set()
                status, answer = receiver._answer(behaviour, record)
                if status is None:
                    return
                record.answered = status
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    if status == 307:
                        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    # The client gave up (timeout) or was killed: nothing to answer to.
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _answer(self, behaviour: str, record: Received) -> tuple[int | None, Any]:
        if behaviour == "ok":
            return 200, {"received": True}
        if behaviour == "error":
            return 500, {"error": "partner down"}
        if behaviour == "gone":
            return 410, {"error": "endpoint retired"}
        if behaviour == "throttle":
            return 429, {"error": "slow down"}
        if behaviour == "redirect":
            return 307, {}
        if behaviour == "open311":
            return 201, [{"service_request_id": f"city-{len(self.requests)}", "service_notice": ""}]
        if behaviour == "hang":
            self.released.wait(self.hang_seconds)
            return None, None
        if behaviour == "verify":
            try:
                signature_verify(
                    secret=self.secret, timestamp=record.headers.get(TIMESTAMP_HEADER.lower()),
                    signature=record.headers.get(SIGNATURE_HEADER.lower()), body=record.body, now=time.time(),
                )
            except SignatureInvalid as refusal:
                return 401, {"error": str(refusal)}
            return 200, {"received": True}
        raise ValueError(f"unknown behaviour {behaviour!r}")

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/webhook"

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/open311/v2/"

    def event_ids(self) -> list[str | None]:
        with self._lock:
            return [record.event_id for record in self.requests]

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhook"
