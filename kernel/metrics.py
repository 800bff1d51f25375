"""Prometheus metrics: what operators watch to see Lantern failing before citizens do.

Two kinds of figures:

- **Events** (requests, screened reports, delivery attempts, pushes, open websockets) are counted in the
  process where they happen, with ``prometheus_client``. Under several uvicorn workers and a job worker,
  set ``PROMETHEUS_MULTIPROC_DIR`` (``scripts/run.sh`` does, and empties it at start): every process then
  writes its figures to files there, and ``GET /metrics`` in any web worker sums them all.
- **State** (the moderation queue, dead letters, the job queue) is read from PostgreSQL when Prometheus
  scrapes, by ``DatabaseCollector``: the database is the truth, and a figure kept in one process's memory
  would be wrong in every other and lost at each restart.

It sits in the kernel and imports nothing of Lantern's parts, so every part may record into it; its queries
name tables, not models, for the same reason.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Iterator

from django.db import DatabaseError, connection
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

logger = logging.getLogger(__name__)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_HOST = socket.gethostname()


def _process_identifier() -> str:
    # Each process's files are named after it. The host name joins the pid because containers (the web and
    # the worker of docker-compose.yml) share one directory through a volume while numbering their processes
    # from 1 each: two processes writing one file would corrupt both figures.
    return f"{_HOST}-{os.getpid()}"


# Before any metric below is made: each reads the value class when it is created.
if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identifier)
elif MULTIPROCESS_DIR_VARIABLE in os.environ:
    # Set but empty: prometheus-client would write its files into the working directory. Empty means unset.
    values.ValueClass = values.MutexValue

# Requests are labelled by the URL pattern that answered (``api/v1/reports/<str:report_id>/``), never by
# the raw path: one series per endpoint, and no report id or tile coordinate in any label.
UNMATCHED_ROUTE = "<unmatched>"

HTTP_REQUESTS = Counter(
    "lantern_http_requests", "HTTP requests answered, by URL pattern, method and status", ["route", "method", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "lantern_http_request_duration_seconds", "Time to answer an HTTP request, by URL pattern and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REPORTS = Counter("lantern_reports", "Reports stored, by what screening made of them", ["outcome"])
REPORT_RULE_FAMILIES = Counter(
    "lantern_report_rule_families",
    "Reports stored that a rule family hit (a report counts once per family), by family and outcome",
    ["family", "outcome"],
)
REFERRAL_DELIVERIES = Counter(
    "lantern_referral_deliveries",
    "Referral delivery attempts, by partner and outcome (delivered, temporary, permanent)",
    ["partner", "outcome"],
)
PUSHES = Counter(
    "lantern_pushes", "Pushes handed to FCM, by kind (alert, notice) and outcome", ["kind", "outcome"]
)
# livesum: a worker that died takes its connections with it (scripts/run.sh empties the directory at start).
WEBSOCKET_CONNECTIONS = Gauge(
    "lantern_websocket_connections", "Websocket connections open now, by route", ["route"], multiprocess_mode="livesum"
)

_OUTCOME_OF_VERDICT = {"allow": "published", "redact": "published", "hold": "held", "reject": "rejected"}


def report_screened(*, verdict: str, families: Iterable[str]) -> None:
    """Count a stored report under its outcome (published, held, rejected) and each rule family that hit it."""
    outcome = _OUTCOME_OF_VERDICT.get(verdict, verdict)
    REPORTS.labels(outcome=outcome).inc()
    for family in sorted(set(families)):
        REPORT_RULE_FAMILIES.labels(family=family, outcome=outcome).inc()


def referral_delivery_attempted(*, partner: str, outcome: str) -> None:
    REFERRAL_DELIVERIES.labels(partner=partner, outcome=outcome).inc()


def pushes_sent(*, kind: str, outcomes: Iterable[str]) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    for outcome, count in counts.items():
        PUSHES.labels(kind=kind, outcome=outcome).inc(count)


def request_answered(*, route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    HTTP_REQUEST_SECONDS.labels(route=route, method=method).observe(seconds)


# --- figures read from the database at scrape time --------------------------------------------------

# Cases a moderator still has to look at. Table names rather than models: see the module's docstring.
_MODERATION_QUEUE_SQL = """
    SELECT state, count(*), extract(epoch FROM statement_timestamp() - min(opened_at))
    FROM moderation_case WHERE state IN ('open', 'escalated', 'appealed') GROUP BY state
"""
_MODERATION_STATES = ("open", "escalated", "appealed")
_DEAD_LETTERS_SQL = """
    SELECT partner.name, count(*) FROM referrals_referral referral
    JOIN referrals_partner partner ON partner.id = referral.partner_id
    WHERE referral.state IN ('failed', 'dead') GROUP BY partner.name
"""
_REFERRALS_WAITING_SQL = """
    SELECT partner.name, count(*) FROM referrals_referral referral
    JOIN referrals_partner partner ON partner.id = referral.partner_id
    WHERE referral.state IN ('pending', 'sending') GROUP BY partner.name
"""
# A job is waiting from the time it became due: its schedule, or else when it was deferred. The statement's
# own time, not the transaction's (a scrape inside a longer transaction would see jobs from the future).
_JOBS_SQL = """
    WITH job AS (
        SELECT id, queue_name, status, scheduled_at,
               status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= statement_timestamp()) AS due
        FROM procrastinate_jobs WHERE status IN ('todo', 'doing')
    )
    SELECT job.queue_name,
           count(*) FILTER (WHERE job.due),
           count(*) FILTER (WHERE job.status = 'todo' AND NOT job.due),
           count(*) FILTER (WHERE job.status = 'doing'),
           extract(epoch FROM statement_timestamp()
                              - min(coalesce(job.scheduled_at, deferred.at)) FILTER (WHERE job.due))
    FROM job
    LEFT JOIN LATERAL (
        SELECT min(event.at) AS at FROM procrastinate_events event
        WHERE event.job_id = job.id AND event.type = 'deferred'
    ) deferred ON job.scheduled_at IS NULL
    GROUP BY job.queue_name
"""


class DatabaseCollector:
    """Gauges computed from PostgreSQL at each scrape. A database that does not answer gives
    ``lantern_metrics_database_up 0`` and no other database figure, instead of failing the whole scrape."""

    def __init__(self, queues: Iterable[str] = ()) -> None:
        # Known queues are always listed, so an empty queue reads 0 rather than disappearing.
        self.queues = sorted(set(queues))

    def collect(self) -> Iterator[Metric]:
        try:
            with connection.cursor() as cursor:
                cursor.execute(_MODERATION_QUEUE_SQL)
                queue = cursor.fetchall()
                cursor.execute(_DEAD_LETTERS_SQL)
                dead = cursor.fetchall()
                cursor.execute(_REFERRALS_WAITING_SQL)
                waiting = cursor.fetchall()
                cursor.execute(_JOBS_SQL)
                jobs = cursor.fetchall()
        except DatabaseError:
            logger.warning("metrics: the database did not answer; database figures left out", exc_info=True)
            yield GaugeMetricFamily("lantern_metrics_database_up", "1 when the database figures could be read", 0)
            return
        yield GaugeMetricFamily("lantern_metrics_database_up", "1 when the database figures could be read", 1)
        yield from _moderation_families(queue)
        yield _by_label(
            "lantern_referral_dead_letters", "Referrals given up on or refused (dead letters), by partner",
            "partner", dead,
        )
        yield _by_label(
            "lantern_referrals_waiting", "Referrals not yet delivered (pending or being sent), by partner",
            "partner", waiting,
        )
        yield from self._job_families(jobs)

    def _job_families(self, rows: list[tuple]) -> Iterator[Metric]:
        by_queue = {row[0]: row for row in rows}
        families = {
            "due": GaugeMetricFamily(
                "lantern_jobs_due", "Jobs due and waiting for a worker, by queue", labels=["queue"]
            ),
            "scheduled": GaugeMetricFamily(
                "lantern_jobs_scheduled", "Jobs scheduled for later (retries, delays), by queue", labels=["queue"]
            ),
            "running": GaugeMetricFamily(
                "lantern_jobs_running", "Jobs a worker is running, by queue", labels=["queue"]
            ),
            "oldest": GaugeMetricFamily(
                "lantern_jobs_oldest_due_age_seconds",
                "How long the longest-waiting due job has waited, by queue (0 when none waits)", labels=["queue"],
            ),
        }
        for name in sorted(set(self.queues) | set(by_queue)):
            _, due, scheduled, running, oldest = by_queue.get(name, (name, 0, 0, 0, None))
            families["due"].add_metric([name], due)
            families["scheduled"].add_metric([name], scheduled)
            families["running"].add_metric([name], running)
            families["oldest"].add_metric([name], max(float(oldest or 0), 0.0))
        yield from families.values()


def _moderation_families(rows: list[tuple]) -> Iterator[Metric]:
    by_state = {state: (count, age) for state, count, age in rows}
    depth = GaugeMetricFamily(
        "lantern_moderation_queue_depth", "Cases waiting for a moderator, by state", labels=["state"]
    )
    oldest = GaugeMetricFamily(
        "lantern_moderation_oldest_case_age_seconds",
        "Age of the oldest case waiting for a moderator, by state (0 when none waits)", labels=["state"],
    )
    for state in _MODERATION_STATES:
        count, age = by_state.get(state, (0, None))
        depth.add_metric([state], count)
        oldest.add_metric([state], max(float(age or 0), 0.0))
    yield depth
    yield oldest


def _by_label(name: str, documentation: str, label: str, rows: list[tuple]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(rows):
        family.add_metric([value], count)
    return family


def metrics_exposition(*, queues: Iterable[str] = ()) -> tuple[bytes, str]:
    """The text Prometheus scrapes and its content type: every process's events, and the database's state."""
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REGISTRY)
    registry.register(DatabaseCollector(queues=queues))
    return generate_latest(registry), CONTENT_TYPE_LATEST
