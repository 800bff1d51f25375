"""``/ws/alerts/``: live public alerts for the map areas a device watches, and the device's own news.

Protocol (JSON text frames):

* client → ``{"action": "subscribe", "cells": ["8928308280fffff", …]}``: H3 cells of resolution 7 or finer,
  replacing any earlier subscription (``[]`` stops the feed). The server answers
  ``{"event": "snapshot", "cells": […], "alerts": {GeoJSON FeatureCollection}}`` with the active alerts;
* server → ``{"event": "alert.new" | "alert.updated", "alert": Feature}``, ``{"event": "alert.expired",
  "alert": {"id", "cell"}}`` for alerts in the subscribed cells, and ``{"event": "report.updated",
  "report": {"report_id", "event", "status"}}`` about the device's own reports;
* server → ``{"event": "error", "code", "detail"}`` for a message it cannot use; past
  ``RATE_LIMITS["live_message_device"]`` messages (all the device's sockets together) an error with code
  ``rate-limited`` and ``retry_after`` (seconds), then the socket is closed with 4429.

Only devices (``Authorization: Bearer <device token>``) connect: without a valid device token the handshake
is accepted and the socket closed at once with 4401, signed-in staff get 4403, so that an app can tell
"register again" from a network failure (a refused HTTP handshake reaches apps as an anonymous 1006).
Groups are named by resolution-7 cells through ``alerts.events``, never from raw input: every cell is
validated with h3 first.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

import h3
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from alerts.events import FEED_RESOLUTION, alert_group, device_group
from alerts.public import alert_feature, alert_public, language_of
from alerts.selectors import alerts_in_feed_cells
from reports.models import Device

logger = logging.getLogger(__name__)

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
RATE_LIMITED = 4429


def _message_count(device_id: Any) -> int:
    """Count one message of the device in ``live_message_device``; answers the seconds to wait when it is one
    too many, else 0. Like the HTTP limits, it fails open when Redis is down."""
    rate = settings.RATE_LIMITS.get("live_message_device")
    if not rate:
        return 0
    try:
        usage = get_usage(None, group="lantern.live_message_device", key=lambda group, request: f"Device:{device_id}",
                          rate=rate, increment=True)
    except (RedisError, OSError) as exc:
        logger.warning("rate limit live_message_device not checked, cache unavailable: %s", exc)
        return 0
    if usage and usage["should_limit"] and usage["limit"] > 0:
        return max(int(usage["time_left"]), 1)
    return 0


def cells_parse(cells: Any, *, limit: int) -> list[str] | None:
    """Valid, distinct H3 cell ids of resolution ≥ 7 (at most ``limit``), or None when anything is wrong."""
    if not isinstance(cells, list) or len(cells) > limit:
        return None
    parsed: list[str] = []
    for cell in cells:
        if not isinstance(cell, str) or len(cell) > 16:
            return None
        cell = cell.lower()
        try:
            valid = h3.is_valid_cell(cell)
        except (ValueError, TypeError):
            valid = False
        if not valid or h3.get_resolution(cell) < FEED_RESOLUTION:
            return None
        if cell not in parsed:
            parsed.append(cell)
    return parsed


def _covered(alert_cell: str, cells: set[str]) -> bool:
    """Whether the alert's cell overlaps a subscribed cell (contains it, or lies inside it)."""
    resolution = h3.get_resolution(alert_cell)
    for cell in cells:
        cell_resolution = h3.get_resolution(cell)
        if cell_resolution <= resolution and h3.cell_to_parent(alert_cell, cell_resolution) == cell:
            return True
        if cell_resolution > resolution and h3.cell_to_parent(cell, resolution) == alert_cell:
            return True
    return False


# One broadcast reaches every socket of a cell; most of them share a language and a time zone. Rendering
# and encoding once per (event, alert version, language, time zone) instead of once per socket is what keeps
# a broadcast to a thousand sockets cheap (benchmarks/websocket.py).
_RENDERED: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_RENDERED_MAX = 512


def _event_text(event: str, public: dict[str, Any], locale: str, time_zone: str) -> str:
    key = (event, public["id"], public.get("report_count"), public.get("details"), public.get("expires_at"),
           language_of(locale), time_zone)
    text = _RENDERED.get(key)
    if text is None:
        if event == "alert.expired":
            body: dict[str, Any] = {"event": event, "alert": {"id": public["id"], "cell": public["cell"]}}
        else:
            body = {"event": event, "alert": alert_feature(public, language=locale, time_zone=time_zone)}
        text = json.dumps(body)
        _RENDERED[key] = text
        if len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    else:
        _RENDERED.move_to_end(key)
    return text


@database_sync_to_async
def _snapshot(feed_cells: list[str]) -> list[dict[str, Any]]:
    return [alert_public(alert) for alert in alerts_in_feed_cells(feed_cells=feed_cells)]


class AlertFeedConsumer(AsyncJsonWebsocketConsumer):
    device: Device
    cells: set[str]
    groups_joined: set[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, Device):
            # Accepted first: a close before accepting is an HTTP 403, which apps cannot tell from any other.
            await self.accept()
            await self.close(code=FORBIDDEN if getattr(user, "is_authenticated", False) else UNAUTHENTICATED)
            return
        self.device, self.cells, self.groups_joined = user, set(), set()
        await self.channel_layer.group_add(device_group(user.pk), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "device"):
            return
        for group in [device_group(self.device.pk), *self.groups_joined]:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Each subscribe joins and leaves channel-layer groups and reads the database: counted before anything.
        retry_after = await sync_to_async(_message_count, thread_sensitive=False)(self.device.pk)
        if retry_after:
            with translation.override(language_of(self.device.locale)):
                detail = ngettext(
                    "Too many requests. Try again in %(seconds)d second.",
                    "Too many requests. Try again in %(seconds)d seconds.",
                    retry_after,
                ) % {"seconds": retry_after}
                await self.send_json({"event": "error", "code": "rate-limited", "retry_after": retry_after,
                                      "detail": detail})
            await self.close(code=RATE_LIMITED)
            return
        if not isinstance(content, dict) or content.get("action") != "subscribe":
            await self._error("unknown-action", _('Send {"action": "subscribe", "cells": [H3 cell ids]}.'))
            return
        cells = cells_parse(content.get("cells"), limit=settings.ALERT_LIVE_MAX_CELLS)
        if cells is None:
            await self._error(
                "invalid-cells",
                _("cells must be a list of at most %(count)d H3 cell ids of resolution 7 or finer."),
                count=settings.ALERT_LIVE_MAX_CELLS,
            )
            return
        wanted = {alert_group(cell) for cell in cells}
        for group in self.groups_joined - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in wanted - self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined, self.cells = wanted, set(cells)
        feed_cells = sorted({cell if h3.get_resolution(cell) == FEED_RESOLUTION
                             else h3.cell_to_parent(cell, FEED_RESOLUTION) for cell in cells})
        alerts = [public for public in await _snapshot(feed_cells) if _covered(public["cell"], self.cells)]
        await self.send_json({
            "event": "snapshot",
            "cells": sorted(self.cells),
            "alerts": {"type": "FeatureCollection", "features": [self._feature(public) for public in alerts]},
        })

    async def _error(self, code: str, detail: Any, **values: Any) -> None:
        # Formatted here, inside the device's language: ``lazy % values`` would translate at once, in English.
        with translation.override(language_of(self.device.locale)):
            text = str(detail) % values if values else str(detail)
            await self.send_json({"event": "error", "code": code, "detail": text})

    def _feature(self, public: dict[str, Any]) -> dict[str, Any]:
        return alert_feature(public, language=self.device.locale, time_zone=self.device.time_zone)

    async def alert_event(self, message: dict[str, Any]) -> None:
        public = message["alert"]
        if not _covered(public["cell"], self.cells):
            return  # the resolution-7 group is wider than the cells this client watches
        await self.send(text_data=_event_text(message["event"], public, self.device.locale, self.device.time_zone))

    async def report_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "report": message["report"]})
