"""Background jobs of the maps part (procrastinate, on the same PostgreSQL)."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from maps.services import releases_publish_due, transparency_release_publish_due

logger = logging.getLogger(__name__)


# The 3rd of each month, 04:30 UTC: after MAPS_LATE_REPORT_DAYS (2 by default) of late reports have
# come in for the month that ended, so the release counts them. Publishing is idempotent: a month
# already published is left alone, so a missed or repeated run is harmless.
@app.periodic(cron="30 4 3 * *")
@app.task(queue="maintenance", queueing_lock="maps_release_publish")
def maps_release_publish(timestamp: int) -> int:
    published = releases_publish_due(published_by="scheduled job")
    logger.info("maps: %d releases of last month are published", len(published))
    return len(published)


# After the map releases of the same month, so that a budget too small for everything goes to the maps
# first; like them, idempotent.
@app.periodic(cron="45 4 3 * *")
@app.task(queue="maintenance", queueing_lock="transparency_release_publish")
def transparency_release_publish(timestamp: int) -> bool:
    release = transparency_release_publish_due(published_by="scheduled job")
    logger.info("transparency: last month's report is %s", "published" if release else "not published")
    return release is not None
