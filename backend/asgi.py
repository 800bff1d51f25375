"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import asyncio
import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponseBase

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402  (after set-up)


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler, serving each request's middleware and view in one of a few reused threads.

    Every view of Lantern is synchronous (DRF), and so is most middleware. Django's own handler, loaded in
    async mode, runs each synchronous middleware's ``process_request``/``process_response`` through its own
    ``sync_to_async`` (about ten crossings between the event loop and a thread per request), and gives every
    request a thread of its own (asgiref's ``ThreadSensitiveContext``). Under load, dozens of request
    threads then share the two cores a few milliseconds at a time, and every request takes as long as all
    of them together. Here the chain is loaded synchronously and runs in one crossing, on a pool of
    ``REQUEST_THREADS`` threads (2 by default): requests queue in arrival order and each runs nearly
    uninterrupted, while a second thread keeps the CPU busy when the first waits for PostgreSQL.

    Measured with ``benchmarks/intake.py`` on 2 cores (docs/performance.md): intake p95 at 50 reports a
    second 212 → 34 ms; saturation throughput 70 → 83 reports a second (the bare endpoint 124 → 172).

    Each request thread keeps Django's connection handling: connections are checked, and returned to the
    pool, before and after each request, as the ``request_started``/``request_finished`` signals would do
    in the request's own thread (those signals now run in asgiref's process-wide sync thread).
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_REQUEST_THREADS, contextvars.copy_context().run, self._respond, request)

    def _respond(self, request: HttpRequest) -> HttpResponseBase:
        close_old_connections()
        try:
            return self.get_response(request)
        finally:
            close_old_connections()


_REQUEST_THREADS = ThreadPoolExecutor(max_workers=settings.REQUEST_THREADS, thread_name_prefix="lantern-request")
django_asgi_app = SyncChainASGIHandler()

# Imported after Django is set up: routing pulls in consumers and models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402

from api.websocket_auth import HeaderAuthMiddleware  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402
from kernel.metrics import UNMATCHED_ROUTE, WEBSOCKET_CONNECTIONS  # noqa: E402
from moderation.engine import warm_up  # noqa: E402

# Compile the moderation lexicons now, not while the first citizen waits for an answer.
warm_up()


class NativeOrBrowserOriginValidator(OriginValidator):
    """Websockets from browsers must come from one of ALLOWED_HOSTS; native apps may send no Origin.

    Browsers always send an Origin on a websocket handshake and a page cannot remove it, so a request
    without one is not a cross-site page riding on someone's session cookie (the attack Channels' origin
    check prevents). Mobile apps and scripts often send none; they authenticate with a header anyway.
    ``Origin: null`` (sandboxed frames, file: pages) is a browser's and is refused.
    """

    async def __call__(self, scope: dict, receive: object, send: object) -> object:
        if scope["type"] == "websocket" and not any(name == b"origin" for name, _ in scope.get("headers", [])):
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)


class WebsocketConnectionsGauge:
    """Keeps ``lantern_websocket_connections`` right: a socket counts from its accept until its end, whichever
    way it ends (the client leaves, the server closes it, the consumer crashes)."""

    def __init__(self, application: Any, routes: list[str]) -> None:
        self.application = application
        self.routes = set(routes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        # The pattern, or one label for every unknown path: a label per raw path would grow without bound.
        path = scope.get("path", "").lstrip("/")
        route = path if path in self.routes else UNMATCHED_ROUTE
        accepted = False

        async def counting_send(message: dict) -> None:
            nonlocal accepted
            await send(message)
            if message.get("type") == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKET_CONNECTIONS.labels(route=route).inc()

        try:
            return await self.application(scope, receive, counting_send)
        finally:
            if accepted:
                WEBSOCKET_CONNECTIONS.labels(route=route).dec()


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return ["localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketConnectionsGauge(
            NativeOrBrowserOriginValidator(
                AuthMiddlewareStack(HeaderAuthMiddleware(URLRouter(websocket_urlpatterns))), _allowed_hosts()
            ),
            routes=[str(pattern.pattern) for pattern in websocket_urlpatterns],
        ),
    }
)
