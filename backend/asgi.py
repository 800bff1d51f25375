"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

# Imported after Django is set up: routing pulls in consumers and models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from api.websocket_auth import HeaderAuthMiddleware  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402
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


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return ["localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": NativeOrBrowserOriginValidator(
            AuthMiddlewareStack(HeaderAuthMiddleware(URLRouter(websocket_urlpatterns))), _allowed_hosts()
        ),
    }
)
