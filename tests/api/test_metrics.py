"""``GET /metrics``: what it counts after real requests, what it reads from the database, who may read it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from moderation.models import Case
from tests import factories
from tests.metrics_scrape import metrics_scrape, sample

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_it_counts_a_report_by_outcome_and_rule_family(citizen, django_capture_on_commit_callbacks):
    before = metrics_scrape()
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 201
    after = metrics_scrape()
    # A new device's first report waits for a moderator (trust.new_device).
    assert sample(after, "lantern_reports_total", outcome="held") == sample(
        before, "lantern_reports_total", outcome="held") + 1
    assert sample(after, "lantern_report_rule_families_total", family="trust", outcome="held") == sample(
        before, "lantern_report_rule_families_total", family="trust", outcome="held") + 1
    assert sample(after, "lantern_reports_total", outcome="published") == sample(
        before, "lantern_reports_total", outcome="published")


def test_it_does_not_count_a_report_whose_transaction_rolled_back(citizen, django_capture_on_commit_callbacks):
    before = metrics_scrape()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert callbacks  # the count waits for the commit, which never comes here
    assert sample(metrics_scrape(), "lantern_reports_total", outcome="held") == sample(
        before, "lantern_reports_total", outcome="held")


def test_it_counts_requests_by_url_pattern_and_status_never_by_raw_path(citizen):
    report = factories.report_create(device=citizen.device)
    route = "api/v1/reports/<str:report_id>/"
    before = metrics_scrape()
    assert citizen.client.get(f"/api/v1/reports/{report.pk}/").status_code == 200
    assert citizen.client.get(f"/api/v1/reports/{uuid.uuid4()}/").status_code == 404
    after = metrics_scrape()
    for status in ("200", "404"):
        assert sample(after, "lantern_http_requests_total", route=route, method="GET", status=status) == sample(
            before, "lantern_http_requests_total", route=route, method="GET", status=status) + 1
    assert sample(after, "lantern_http_request_duration_seconds_count", route=route, method="GET") == sample(
        before, "lantern_http_request_duration_seconds_count", route=route, method="GET") + 2
    assert not any(str(report.pk) in value for _, labels in after for _, value in labels)


def test_it_counts_unknown_paths_under_one_label(anonymous):
    before = metrics_scrape()
    anonymous.get("/api/v1/no-such-thing/")
    anonymous.get("/api/v1/nor-this/")
    after = metrics_scrape()
    labels = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert sample(after, "lantern_http_requests_total", **labels) == sample(
        before, "lantern_http_requests_total", **labels) + 2
    assert not any("no-such-thing" in value for _, labels in after for _, value in labels)


def test_it_reads_the_moderation_queue_and_its_oldest_case_from_the_database(citizen):
    assert sample(metrics_scrape(), "lantern_moderation_queue_depth", state="open") == 0
    held = factories.report_held(device=citizen.device)
    factories.report_held(device=citizen.device)
    Case.objects.filter(report=held).update(opened_at=timezone.now() - timedelta(minutes=30))
    scraped = metrics_scrape()
    assert sample(scraped, "lantern_moderation_queue_depth", state="open") == 2
    assert 30 * 60 <= sample(scraped, "lantern_moderation_oldest_case_age_seconds", state="open") < 31 * 60
    assert sample(scraped, "lantern_moderation_queue_depth", state="escalated") == 0


def test_it_reads_the_job_queue_depth_and_its_oldest_due_job(service_area):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, scheduled_at) VALUES "
            "('referrals', 'referrals.deliver', '{}', 'todo', statement_timestamp() - interval '10 minutes'), "
            "('referrals', 'referrals.deliver', '{}', 'todo', NULL), "
            "('referrals', 'referrals.deliver', '{}', 'todo', statement_timestamp() + interval '1 hour'), "
            "('alerts', 'alerts.fanout.alert_publish', '{}', 'doing', NULL)"
        )
    scraped = metrics_scrape()
    assert sample(scraped, "lantern_jobs_due", queue="referrals") == 2
    assert sample(scraped, "lantern_jobs_scheduled", queue="referrals") == 1
    assert sample(scraped, "lantern_jobs_running", queue="alerts") == 1
    assert 600 <= sample(scraped, "lantern_jobs_oldest_due_age_seconds", queue="referrals") < 660
    # A queue with nothing in it still reads 0 rather than vanishing from the graphs.
    assert ("lantern_jobs_due", frozenset({("queue", "maintenance")})) in scraped


def test_it_adds_up_the_counts_of_every_process_in_multiprocess_mode(tmp_path, monkeypatch):
    # Two separate processes (as uvicorn workers and the job worker are) record into one directory.
    script = textwrap.dedent("""
        from kernel.metrics import referral_delivery_attempted
        referral_delivery_attempted(partner="East police", outcome="temporary")
    """)
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    scraped = metrics_scrape()
    assert sample(scraped, "lantern_referral_deliveries_total", partner="East police", outcome="temporary") == 2
    assert sample(scraped, "lantern_metrics_database_up") == 1


# --- who may read it ------------------------------------------------------------------------------------


def test_it_answers_loopback_without_a_token():
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"lantern_http_requests_total" in response.content


def test_it_tells_other_addresses_there_is_nothing_here():
    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:lantern:problem:not-found"


def test_a_forged_forwarding_header_does_not_make_a_client_local():
    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


def test_it_answers_a_scraper_from_an_allowed_network(settings):
    import ipaddress

    settings.METRICS_ALLOWED_NETWORKS = (ipaddress.ip_network("10.20.0.0/16"),)
    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404


def test_it_answers_anyone_with_the_token_and_refuses_a_wrong_one(settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    refused = outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:lantern:problem:forbidden"


def test_a_token_is_refused_when_none_is_configured(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 200  # no token offered: loopback
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403


def test_it_answers_over_plain_http_inside_the_network_when_https_is_enforced(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/api/v1/categories/").status_code == 301
    assert Client().get("/metrics").status_code == 200


def test_an_empty_multiprocess_directory_means_counting_in_process(tmp_path):
    # prometheus-client alone would take an empty PROMETHEUS_MULTIPROC_DIR for the working directory.
    script = "from kernel.metrics import pushes_sent; pushes_sent(kind='alert', outcomes=['sent'])"
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": ""}
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {script}"],
                   cwd=tmp_path, env=environment, check=True)
    assert list(tmp_path.iterdir()) == []
