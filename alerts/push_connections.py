"""Keep-alive HTTP/1.1 connections to FCM, driven by one event loop thread per process.

firebase-admin's ``send_each`` sends a batch with one thread and one ``requests`` call per message: about
2.3 ms of CPU per push on the development machine, so 20,000 pushes took more than 40 CPU-seconds. What it
puts on the wire is simple: one HTTP POST of the message's JSON to FCM's ``messages:send`` URL per message,
over a pool of keep-alive connections. This module does the same with the ``h11`` state machine over asyncio
protocols, on a small pool of connections that live as long as the process: no thread per message, no
connection pool bookkeeping per request. Messages are still built and encoded by firebase-admin, and its
credentials still sign every request (``alerts.push``).

The pool is used from any thread (procrastinate runs synchronous jobs in threads): ``post_all`` hands the
requests to the loop thread and waits for every answer. A connection that the server closed while it sat
idle is noticed on its next request and that request is sent once more on a fresh connection, as
``urllib3`` does; any other failure is answered as ``FcmAnswer`` with status 0, for the caller to retry later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

logger = logging.getLogger(__name__)

# h11 refuses a response head larger than this; FCM's are about 1 KB.
_MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FcmAnswer:
    """FCM's answer to one request: ``status`` 0 when none came (connection failed, timed out)."""

    status: int
    body: bytes = b""
    retry_after: str = ""
    error: str = ""


class _Stale(Exception):
    """The server had closed this idle connection before our request reached it: send it again."""


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, kept alive between requests."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._http = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD_BYTES)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[FcmAnswer] | None = None
        self._status = 0
        self._retry_after = ""
        self._body: list[bytes] = []
        self._received_any = False
        self.served = 0
        self.closed = False

    # --- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._received_any = True
        try:
            self._http.receive_data(data)
            self._events()
        except h11.RemoteProtocolError as exc:
            self._fail(ConnectionError(f"FCM answered something that is not HTTP/1.1: {exc}"))

    def eof_received(self) -> bool:
        if self._answer is not None and not self._received_any:
            self._lost("closed")
            return False
        try:
            self._http.receive_data(b"")
            self._events()
        except h11.RemoteProtocolError as exc:
            self._fail(ConnectionError(f"FCM closed the connection mid-answer: {exc}"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._lost(str(exc or "closed"))

    def _lost(self, reason: str) -> None:
        if self._answer is None or self._answer.done():
            return
        if not self._received_any and self.served:
            # A keep-alive connection the server had already given up on: nothing of ours was answered.
            self._fail(_Stale())
        else:
            self._fail(ConnectionError(f"the connection to FCM was lost: {reason}"))

    # --- the exchange -----------------------------------------------------------------------------

    def _events(self) -> None:
        while True:
            event = self._http.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Response):
                self._status = event.status_code
                for name, value in event.headers:
                    if name == b"retry-after":
                        self._retry_after = value.decode("latin-1")
            elif isinstance(event, h11.Data):
                self._body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                answer = FcmAnswer(self._status, b"".join(self._body), self._retry_after)
                if self._answer is not None and not self._answer.done():
                    self._answer.set_result(answer)
                return
            elif isinstance(event, h11.ConnectionClosed):
                self._fail(ConnectionError("FCM closed the connection before answering"))
                return

    def _fail(self, exc: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(exc)
        self.close()

    def _timed_out(self) -> None:
        self._fail(TimeoutError("FCM did not answer in time"))

    async def exchange(self, request: h11.Request, body: bytes, timeout: float) -> FcmAnswer:
        self._answer = self._loop.create_future()
        self._status, self._retry_after, self._body, self._received_any = 0, "", [], False
        http = self._http
        assert self._transport is not None
        self._transport.write(http.send(request) + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage()))
        # One timer instead of asyncio.wait_for: no task per request.
        timer = self._loop.call_later(timeout, self._timed_out)
        try:
            answer = await self._answer
        finally:
            timer.cancel()
            self._answer = None
        self.served += 1
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
        else:  # the server said "Connection: close", or the answer was cut short
            self.close()
        return answer

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class FcmConnections:
    """A pool of at most ``size`` keep-alive connections to the origin of ``url``, shared by every thread."""

    def __init__(self, *, url: str, size: int, timeout: float, tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.authority = parts.netloc.encode("ascii")
        self.path = (parts.path or "/").encode("ascii") + (b"?" + parts.query.encode("ascii") if parts.query else b"")
        self.size = max(1, size)
        self.timeout = timeout
        self._tls = (tls or self._tls_context()) if parts.scheme == "https" else None
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._idle: list[_Connection] = []
        self._slots: asyncio.Semaphore | None = None

    @staticmethod
    def _tls_context() -> ssl.SSLContext:
        try:  # the same certificate authorities as requests, which firebase-admin uses
            import certifi

            context = ssl.create_default_context(cafile=certifi.where())
        except ImportError:  # pragma: no cover - certifi comes with requests
            context = ssl.create_default_context()
        context.set_alpn_protocols(["http/1.1"])
        return context

    def proxied(self) -> bool:
        """Whether the environment asks for an HTTP proxy to this host (which this pool does not use)."""
        import urllib.request

        proxies = urllib.request.getproxies()
        scheme = "https" if self._tls else "http"
        return bool(proxies.get(scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(self.host)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The pool's event loop thread, started on first use (and again in a forked child, which has none)."""
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="fcm-connections", daemon=True)
                thread.start()
                self._loop, self._pid, self._idle, self._slots = loop, os.getpid(), [], None
            return self._loop

    def post_all(self, bodies: Sequence[bytes], headers: Sequence[tuple[bytes, bytes]]) -> list[FcmAnswer]:
        """POST each body to the URL with these headers (plus Host and Content-Length); one answer per body,
        in order. Never raises for the network's or FCM's failures: those are answers with status 0."""
        if not bodies:
            return []
        loop = self._running_loop()
        future = asyncio.run_coroutine_threadsafe(self._post_all(bodies, headers), loop)
        # Every request has its own timeout; this one only guards against a loop that died.
        return future.result(timeout=self.timeout * (2 + len(bodies) / self.size) + 30)

    async def _post_all(self, bodies: Sequence[bytes], headers: Sequence[tuple[bytes, bytes]]) -> list[FcmAnswer]:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        answers: list[FcmAnswer] = [FcmAnswer(0)] * len(bodies)
        base = [(b"host", self.authority), *headers]
        order = iter(range(len(bodies)))

        async def work() -> None:
            for index in order:  # the workers share one iterator: each takes the next message when free
                body = bodies[index]
                request = h11.Request(
                    method=b"POST", target=self.path, headers=[*base, (b"content-length", b"%d" % len(body))]
                )
                answers[index] = await self._post(request, body)

        await asyncio.gather(*(work() for _ in range(min(self.size, len(bodies)))))
        return answers

    async def _post(self, request: h11.Request, body: bytes) -> FcmAnswer:
        assert self._slots is not None
        async with self._slots:
            for _ in range(2):
                connection = None
                try:
                    connection = await self._connection()
                    answer = await connection.exchange(request, body, self.timeout)
                except _Stale:
                    continue
                except (OSError, TimeoutError, h11.LocalProtocolError) as exc:
                    if connection is not None:
                        connection.close()
                    return FcmAnswer(0, error=f"{type(exc).__name__}: {exc}")
                if not connection.closed:
                    self._idle.append(connection)
                return answer
            return FcmAnswer(0, error="ConnectionError: FCM closed two connections in a row")

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        _, connection = await asyncio.wait_for(
            loop.create_connection(
                lambda: _Connection(loop), self.host, self.port, ssl=self._tls,
                server_hostname=self.host if self._tls else None,
            ),
            self.timeout,
        )
        return connection

    def close(self) -> None:
        """Close every connection and stop the loop thread."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is None or loop.is_closed() or self._pid != os.getpid():
            return

        def shut() -> None:
            for connection in self._idle:
                connection.close()
            self._idle = []
            loop.stop()

        loop.call_soon_threadsafe(shut)
