"""``GET /metrics``: Prometheus's scrape, for the monitoring network only.

The figures say how busy Lantern is, which partners fail and how long moderators lag: nothing a citizen
needs, and a map of where to push. So the endpoint answers only ``METRICS_ALLOWED_IPS`` (loopback by
default) or a bearer ``METRICS_TOKEN``; anyone else is told there is nothing here (404), and a wrong token
is refused (403).
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from procrastinate.contrib.django import app

from api.client_address import client_ip
from api.problems import PROBLEM_CONTENT_TYPE, problem_body
from kernel.metrics import metrics_exposition


def _presented_token(request: HttpRequest) -> str | None:
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _refusal(request: HttpRequest, *, status_code: int) -> JsonResponse:
    if status_code == 403:
        body = problem_body(
            status_code=403, slug="forbidden", instance=request.path,
            detail=_("This token does not give access to the metrics."),
        )
    else:
        body = problem_body(
            status_code=404, slug="not-found", instance=request.path, detail=_("There is no such endpoint.")
        )
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = _presented_token(request)
    if token is not None:
        expected = settings.METRICS_TOKEN
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return _refusal(request, status_code=403)
    elif not any(ipaddress.ip_address(client_ip(request)) in net for net in settings.METRICS_ALLOWED_NETWORKS):
        return _refusal(request, status_code=404)
    body, content_type = metrics_exposition(queues={task.queue for task in app.tasks.values()})
    return HttpResponse(body, content_type=content_type)
