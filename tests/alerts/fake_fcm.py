"""A fake Firebase Cloud Messaging server on 127.0.0.1, so that the real firebase-admin code runs in tests.

It answers Google's OAuth token endpoint (``POST /token``: a service-account JWT for an access token) and
FCM HTTP v1 (``POST /v1/projects/{project}/messages:send``), checks the bearer token, and records each
message. Behaviours, by token prefix or for the whole server:

* token ``unregistered-…`` → 404 ``UNREGISTERED``; ``invalid-…`` → 400 ``INVALID_ARGUMENT``;
* ``server.fail_next(n, status)`` → the next ``n`` sends answer 503 ``UNAVAILABLE`` (with ``Retry-After: 0``)
  or 500 ``INTERNAL``; ``server.delay = s`` → every send answers after ``s`` seconds;
* ``server.token_down = True`` → the token endpoint answers 503; ``server.revoke_tokens()`` → the access
  tokens handed out so far answer 401 ``UNAUTHENTICATED`` (as when Google revokes or expires one early);
* ``server.hang_up_next(n)`` → the next ``n`` sends get their connection closed without an answer (as a
  server does to a keep-alive connection it has just timed out).

``send_connections`` counts the connections that carried sends, ``headers`` keeps the headers of the last send. With
``tls`` (an ``ssl.SSLContext``) it serves HTTPS.

An asyncio server with keep-alive, fast enough for ``benchmarks/fanout.py`` (``python -m
tests.alerts.fake_fcm --port N`` runs it alone). Tests start it in a thread with ``FakeFcm.start()``. It
speaks HTTP/1.1, and HTTP/2 to a client that opens with HTTP/2's preface (h2c with prior knowledge, what
``benchmarks/push_client.py`` uses to measure firebase-admin's async client as FCM would be spoken to).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def _error_body(status: int, code: str, message: str, fcm_code: str | None = None) -> bytes:
    error: dict[str, Any] = {"code": status, "message": message, "status": code}
    if fcm_code:
        error["details"] = [{"@type": _FCM_ERROR, "errorCode": fcm_code}]
    return json.dumps({"error": error}).encode()


@dataclass
class FakeFcm:
    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0
    token_down: bool = False
    record: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    send_requests: int = 0
    send_connections: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    tls: Any = None
    _hang_up: int = 0
    _fail: list[int] = field(default_factory=list)
    _access_tokens: set[str] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- controls --------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._fail.extend([status] * count)

    def revoke_tokens(self) -> None:
        with self._lock:
            self._access_tokens.clear()

    def hang_up_next(self, count: int) -> None:
        with self._lock:
            self._hang_up += count

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def send_url_template(self) -> str:
        """What ``firebase_admin.messaging._MessagingService.FCM_URL`` should be ({0}: the project)."""
        return self.url + "/v1/projects/{0}/messages:send"

    def service_account(self, path: Path, project_id: str = "lantern-test") -> Path:
        """Write a service-account JSON whose ``token_uri`` is this server; answers the path."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        path.write_text(json.dumps({
            "type": "service_account", "project_id": project_id, "private_key_id": secrets.token_hex(8),
            "private_key": pem, "client_email": f"push@{project_id}.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": f"{self.url}/token",
        }))
        return path

    def tokens_sent(self) -> list[str]:
        return [message["message"].get("token", "") for message in self.messages]

    # --- HTTP --------------------------------------------------------------------------------------

    async def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        if method == "POST" and path == "/token":
            self.token_requests += 1
            if self.token_down:
                return 503, {}, b'{"error": "unavailable"}'
            form = dict(pair.split("=", 1) for pair in body.decode().split("&") if "=" in pair)
            if "assertion" not in form or form["assertion"].count(".") != 2:
                return 400, {}, b'{"error": "invalid_grant"}'
            token = "ya29.fake-" + secrets.token_urlsafe(16)
            self._access_tokens.add(token)
            return 200, {}, json.dumps({"access_token": token, "expires_in": 3600, "token_type": "Bearer"}).encode()
        if method == "POST" and path.startswith("/v1/projects/") and path.endswith("/messages:send"):
            self.send_requests += 1
            self.headers = dict(headers)
            if self.delay:
                await asyncio.sleep(self.delay)
            with self._lock:
                hang_up, self._hang_up = self._hang_up > 0, max(self._hang_up - 1, 0)
            if hang_up:
                raise ConnectionResetError("hung up on purpose")
            authorization = headers.get("authorization", "")
            if not authorization.startswith("Bearer ") or authorization[7:] not in self._access_tokens:
                return 401, {}, _error_body(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
            with self._lock:
                failure = self._fail.pop(0) if self._fail else None
            if failure == 503:
                return 503, {"Retry-After": "0"}, _error_body(503, "UNAVAILABLE", "The service is unavailable.",
                                                              "UNAVAILABLE")
            if failure:
                return failure, {}, _error_body(failure, "INTERNAL", "Internal error.", "INTERNAL")
            payload = json.loads(body)
            token = payload["message"].get("token", "")
            if token.startswith("unregistered-"):
                return 404, {}, _error_body(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
            if token.startswith("invalid-"):
                return 400, {}, _error_body(400, "INVALID_ARGUMENT",
                                            "The registration token is not a valid FCM registration token",
                                            "INVALID_ARGUMENT")
            if self.record:
                self.messages.append(payload)
            project = path.split("/")[3]
            return 200, {}, json.dumps({"name": f"projects/{project}/messages/{secrets.token_hex(8)}"}).encode()
        if method == "GET" and path == "/stats":
            stats = {"send_requests": self.send_requests, "token_requests": self.token_requests}
            return 200, {}, json.dumps(stats).encode()
        return 404, {}, b'{"error": "not found"}'

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counted = False
        try:
            first = await reader.readuntil(b"\r\n\r\n")
            if first == _H2_PREFACE[:len(first)]:
                await self._serve_h2(reader, writer, first)
                return
            head: bytes | None = first
            while True:
                head = head or await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                if not counted and target.endswith("/messages:send"):
                    counted, self.send_connections = True, self.send_connections + 1
                status, extra, payload = await self._answer(method, target.split("?")[0], headers, body)
                response_headers = {"Content-Type": "application/json", "Content-Length": str(len(payload)), **extra}
                if headers.get("connection", "").lower() == "close":
                    response_headers["Connection"] = "close"
                head_out = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response_headers.items())
                writer.write(head_out.encode() + b"\r\n" + payload)
                await writer.drain()
                if response_headers.get("Connection") == "close":
                    break
                head = None
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _serve_h2(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, received: bytes) -> None:
        """HTTP/2 without TLS, for a client that knows beforehand (h2c "prior knowledge"): FCM speaks HTTP/2,
        and firebase-admin's async client multiplexes a batch's requests over one connection."""
        import h2.config
        import h2.connection
        import h2.events
        import h2.settings

        connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        connection.initiate_connection()
        connection.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000})
        streams: dict[int, tuple[dict[str, str], bytearray]] = {}
        answering: set[asyncio.Task] = set()

        async def answer(stream_id: int, headers: dict[str, str], body: bytes) -> None:
            status, extra, payload = await self._answer(headers[":method"], headers[":path"].split("?")[0], headers,
                                                        body)
            response = [(":status", str(status)), ("content-type", "application/json"),
                        ("content-length", str(len(payload)))] + [(k.lower(), v) for k, v in extra.items()]
            try:
                connection.send_headers(stream_id, response)
                connection.send_data(stream_id, payload, end_stream=True)
                writer.write(connection.data_to_send())
            except Exception:
                return

        try:
            data = received
            while data:
                for event in connection.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = (dict(event.headers), bytearray())
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id][1].extend(event.data)
                        connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        headers, body = streams.pop(event.stream_id)
                        task = asyncio.ensure_future(answer(event.stream_id, headers, bytes(body)))
                        answering.add(task)
                        task.add_done_callback(answering.discard)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                writer.write(connection.data_to_send())
                await writer.drain()
                data = await reader.read(65536)
        finally:
            for task in answering:
                task.cancel()

    async def serve_forever(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, backlog=4096, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        async with self._server:
            await self._server.serve_forever()

    def start(self) -> FakeFcm:
        """Serve from a daemon thread; answers once the port is known."""
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._listen())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="fake-fcm")
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self.port and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, backlog=4096, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Close the listener and every open connection, then the loop: nothing is left half-served."""
        if self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)


def tls_contexts(directory: Path) -> tuple[Any, Any]:
    """A self-signed certificate for 127.0.0.1: the server's TLS context, and a client's that trusts only it."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-fcm")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fake-fcm.pem", directory / "fake-fcm.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


def google_auth_stays_local(monkeypatch: Any = None) -> None:
    """Stop google-auth's background "regional access boundary" lookup at iamcredentials.googleapis.com.

    Real credentials make that call to Google after each token refresh; against the fake it could only
    fail (no network here) and retry in the background. Nothing of FCM's protocol depends on it.
    """
    from google.auth import credentials

    target = credentials.CredentialsWithRegionalAccessBoundary
    if monkeypatch is not None:
        monkeypatch.setattr(target, "_is_regional_access_boundary_lookup_required", lambda self: False)
    else:
        target._is_regional_access_boundary_lookup_required = lambda self: False


def fake_fcm_wait(port: int, *, seconds: float = 5.0) -> None:
    """Wait until a fake FCM started as a separate process (``python -m tests.alerts.fake_fcm``) answers."""
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    server = FakeFcm(port=args.port, delay=args.delay, record=False)
    asyncio.run(server.serve_forever())


if __name__ == "__main__":
    main()
