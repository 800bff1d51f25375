"""The maps tests' shared set-up: the category taxonomy, as seed_demo and the migrations leave it."""

from __future__ import annotations

import pytest

from reports.taxonomy import taxonomy_sync


@pytest.fixture(autouse=True)
def _taxonomy(request: pytest.FixtureRequest) -> None:
    # A transactional test elsewhere may have flushed the categories the migration created.
    if "django_db_setup" in request.fixturenames:
        taxonomy_sync()
