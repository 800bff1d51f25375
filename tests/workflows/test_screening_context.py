"""What the behaviour rules are told about a report's surroundings and its reporter."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from workflows import screening as selectors
from workflows.screening import screening_context

# About 150 m and 1.5 km east of factories.INSIDE, at Ghent's latitude.
CLOSE = (factories.INSIDE[0] + 0.00214, factories.INSIDE[1])
FAR = (factories.INSIDE[0] + 0.0214, factories.INSIDE[1])


def test_nearby_activity_counts_recent_reports_within_300_metres_only(citizen, other_citizen):
    factories.report_create(device=citizen.device, location=factories.INSIDE)
    factories.report_create(device=other_citizen.device, location=CLOSE)
    factories.report_create(device=citizen.device, location=FAR)
    _, activity = screening_context(device=None, point=Point(*factories.INSIDE, srid=4326), now=timezone.now())
    assert (activity.reports, activity.distinct_devices) == (2, 2)


def test_a_flood_from_one_device_is_held(citizen):
    for _ in range(5):
        factories.report_create(device=citizen.device, location=CLOSE)
    response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert "flood.place" in [hit["code"] for hit in response.json()["hits"]]


def test_reporter_history_counts_reports_and_rejections(citizen):
    factories.report_held(device=citizen.device, verdict="reject")
    factories.report_create(device=citizen.device)
    history, nearby = screening_context(device=citizen.device, point=None, now=timezone.now())
    assert (history.reports_total, history.reports_rejected, history.reports_last_hour) == (2, 1, 2)
    assert nearby is None


def test_an_anonymous_reporter_has_no_history_and_the_place_is_still_counted(citizen):
    factories.report_create(device=citizen.device, location=factories.INSIDE)
    history, nearby = screening_context(device=None, point=Point(*factories.INSIDE, srid=4326), now=timezone.now())
    assert (history.reports_total, history.reports_rejected, history.reports_last_hour) == (0, 0, 0)
    assert (nearby.reports, nearby.distinct_devices) == (1, 1)


def test_reporter_history_looks_back_a_bounded_number_of_reports(citizen, monkeypatch):
    monkeypatch.setattr(selectors, "HISTORY_DEPTH", 2)
    factories.report_held(device=citizen.device, verdict="reject")
    factories.report_create(device=citizen.device)
    factories.report_create(device=citizen.device)
    history, _ = screening_context(device=citizen.device, point=None, now=timezone.now())
    assert (history.reports_total, history.reports_rejected) == (2, 0)


def _deallocate() -> None:
    """What a DISCARD on the connection would do to the statement (and to it alone: other tests' stay)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = 'lantern_screening_context'")
        if cursor.fetchone():
            cursor.execute("DEALLOCATE lantern_screening_context")


def _forget_prepared_statements() -> None:
    _deallocate()
    selectors._screening_prepared_on.discard(connection.connection)


def test_it_prepares_the_question_once_per_database_connection(citizen):
    _forget_prepared_statements()
    point = Point(*factories.INSIDE, srid=4326)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            screening_context(device=citizen.device, point=point, now=timezone.now())
    assert [query["sql"].split()[0] for query in queries] == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE"]


def test_the_prepared_question_outlives_the_rollback_of_the_transaction_that_prepared_it(citizen):
    _forget_prepared_statements()
    point = Point(*factories.INSIDE, srid=4326)
    with transaction.atomic():
        screening_context(device=citizen.device, point=point, now=timezone.now())
        transaction.set_rollback(True)
    factories.report_create(device=citizen.device, location=factories.INSIDE)
    history, nearby = screening_context(device=citizen.device, point=point, now=timezone.now())
    assert (history.reports_total, nearby.reports) == (1, 1)


def test_it_prepares_the_question_again_when_the_connection_forgot_it(citizen):
    _forget_prepared_statements()
    point = Point(*factories.INSIDE, srid=4326)
    screening_context(device=citizen.device, point=point, now=timezone.now())
    _deallocate()
    with pytest.raises(ProgrammingError), transaction.atomic():
        screening_context(device=citizen.device, point=point, now=timezone.now())
    history, _ = screening_context(device=citizen.device, point=point, now=timezone.now())
    assert history.reports_total == 0
