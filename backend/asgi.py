"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

# Imported after Django is set up: routing pulls in consumers and models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from api.websocket_auth import HeaderAuthMiddleware  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402
from moderation.engine import warm_up  # noqa: E402

# Compile the moderation lexicons now, not while the first citizen waits for an answer.
warm_up()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(HeaderAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
