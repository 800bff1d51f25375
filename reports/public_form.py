"""A report's one public form: the redacted text and the one public place every public output shows.

It is made when a report is published (at intake, by a moderator, on appeal) and stored on the report.
Alerts, their live feed, Open311 and what municipal services receive read ``public_description`` and
``public_location`` only; ``description`` and ``location`` stay between the reporter, moderators and the
partners the reporter chose.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point

from privacy.geo import epsilon_for, public_point

PUBLIC_RESOLUTION = 9
# What no public output reads of a report (its public form stands in for the first two): public querysets
# defer them, so that reading one would even cost a query of its own.
REPORT_PRIVATE_FIELDS = ("description", "location", "contact", "accuracy_m")


def public_location_draw(location: Point) -> Point:
    """A new public place for a true one: planar Laplace of ε = ln(ALERT_NOISE_ODDS)/ALERT_NOISE_RADIUS_M,
    snapped to the centre of its H3 resolution-9 cell."""
    epsilon = epsilon_for(math.log(settings.ALERT_NOISE_ODDS), settings.ALERT_NOISE_RADIUS_M)
    lng, lat = public_point(location.x, location.y, epsilon=epsilon, resolution=PUBLIC_RESOLUTION)
    return Point(lng, lat, srid=4326)


def public_form_make(*, report: Any, redacted_text: str) -> list[str]:
    """Give a report being published its public form; answers the fields it set, for a caller's save.

    The text is always the redacted one (every personal-data hit removed), whatever a moderator chose: a
    moderator may judge a hit harmless, never publish someone's phone number. The place is drawn only if
    the report has none yet: published again after an appeal, it keeps the place it had."""
    report.public_description = redacted_text
    fields = ["public_description"]
    if report.public_location is None and report.location is not None:
        report.public_location = public_location_draw(report.location)
        fields.append("public_location")
    return fields
