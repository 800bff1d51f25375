"""``/maps/``: the analysts' map page. It renders a shell; the figures come from the maps API (session
authenticated, so every tile read is rate limited and logged like any other), drawn by MapLibre GL JS
served from this server. There is no basemap from the internet: the page draws the service area and
its districts itself."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from maps.layers import LAYER_LABELS, LAYER_UNITS, LAYERS, SLICE_LABELS
from maps.selectors import user_is_analyst
from reports.models import District
from reports.selectors import service_area_active

# Lower bounds of the colour classes of shown counts, fixed so that months compare at a glance; the
# first class starts at the threshold, and anything under it is hatched instead.
CLASS_BREAKS = (10, 20, 40, 80)


def _classes() -> list[int]:
    threshold = settings.MAPS_SHOW_THRESHOLD
    return [threshold, *[low for low in CLASS_BREAKS if low > threshold]]


def _area_config() -> dict[str, Any] | None:
    area = service_area_active()
    if area is None:
        return None
    districts = District.objects.filter(service_area=area).order_by("name")
    return {
        "name": area.name,
        "bbox": list(area.boundary.extent),
        "outline": json.loads(area.boundary.json),
        "districts": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": json.loads(district.boundary.simplify(0.0001, preserve_topology=True).json),
                    "properties": {"name": district.name, "label": list(district.boundary.point_on_surface.coords)},
                }
                for district in districts
            ],
        },
    }


def _page_config() -> dict[str, Any]:
    tile = reverse("api:map-tile", kwargs={"layer": "LAYER", "month": "MONTH", "z": "0", "x": "0", "y": "0"})
    return {
        "urls": {
            "releases": reverse("api:map-releases"),
            "tiles": tile.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt"),
        },
        "area": _area_config(),
        "threshold": settings.MAPS_SHOW_THRESHOLD,
        "classes": _classes(),
        "layers": {
            layer: {"label": str(LAYER_LABELS[layer]), "unit": str(LAYER_UNITS[layer]), "slices": list(spec.slices),
                    "perception": spec.perception}
            for layer, spec in LAYERS.items()
        },
        "sliceLabels": {name: str(label) for name, label in SLICE_LABELS.items()},
        "text": {
            "noReleases": _("No month has been published yet."),
            "loadFailed": _("The releases could not be loaded."),
            "under": _("under %(threshold)s") % {"threshold": settings.MAPS_SHOW_THRESHOLD},
            "cell": _("Cell"),
            "perception": _("How unsafe, on average (1–5)"),
            "notPublished": _("not published: too few reports"),
            "clickCell": _("Click a cell to see its figures."),
            "epsilon": _("ε = %(epsilon)s for this month"),
            "published": _("published %(date)s"),
        },
    }


@never_cache
@login_required(login_url="admin:login")
def map_page(request: HttpRequest) -> HttpResponse:
    """The map for staff with the analyst (or admin) role; other staff get 403."""
    if not user_is_analyst(request.user):
        raise PermissionDenied
    classes = _classes()
    legend = [f"{low}–{high - 1}" for low, high in itertools.pairwise(classes)] + [f"{classes[-1]}+"]
    return render(request, "maps/map.html", {"config": _page_config(), "legend": legend,
                                             "threshold": settings.MAPS_SHOW_THRESHOLD})
