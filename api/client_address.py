"""The one place that decides a client's IP address.

A proxy header is trusted only when ``TRUSTED_PROXY_HEADER`` names it; then the address is the one the
outermost trusted proxy saw (``TRUSTED_PROXY_COUNT`` hops from the right), so a client cannot forge it
by sending the header itself.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - a placeholder, not a bind
    header = settings.TRUSTED_PROXY_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        hops = [part.strip() for part in request.META.get(meta_key, "").split(",") if part.strip()]
        if len(hops) >= settings.TRUSTED_PROXY_COUNT:
            address = hops[-settings.TRUSTED_PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"  # noqa: S104


def client_ip_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit ``key`` callable. IPv6 clients are counted per /64: one host owns a whole /64."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
