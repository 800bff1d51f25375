"""The alert fan-out: which devices an alert reaches, and the pushes themselves (procrastinate jobs).

``alert_publish`` runs when an alert becomes visible (at once, or after the delay of ongoing incidents):

1. one spatial query finds the devices whose zones hold the alert's *published* point (never the report's
   true place: a tiny zone must not reveal more than the map does), for its category;
2. each device is then recorded once per alert (a unique constraint: no device gets an alert twice) as
   ``pending``, ``skipped_quiet`` (its quiet hours, local time) or ``skipped_cap`` (its daily cap, claimed
   atomically on the device row so that concurrent fan-outs cannot both take the last slot);
3. pending pushes go to FCM in batches of 500, each in the device's language. Unregistered or invalid
   tokens deactivate the device; FCM unavailable, internal errors and timeouts leave the push pending,
   and a later job retries with exponential backoff until it is sent, the attempts run out or the alert
   ends. Figures per status are kept on the alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from alerts import events
from alerts.models import Alert, PushDelivery
from alerts.public import alert_public, alert_texts, language_of, notice_texts, zone_of
from alerts.push import PushMessage, push_transport
from kernel.delivery import DELIVERED, PERMANENT, RECIPIENT_GONE, TEMPORARY
from kernel.metrics import pushes_sent
from kernel.retry import retry_delay
from privacy.timebands import in_quiet_hours
from reports.models import Device, Report

logger = logging.getLogger(__name__)

QUEUE = "alerts"
_MAX_BACKOFF_SECONDS = 3600

# Devices whose zones hold the point, for the category. ``reach_box && point`` is the candidate filter (each
# zone's bounding box) on the covering GiST index ``subscription_match``; ST_DWithin on the sphere then keeps
# the exact disc, with the zone's own radius (an index cannot serve ST_DWithin with a per-row radius:
# benchmarks/fanout.py compares). Every column used here is in the index: no table row is read.
MATCH_SQL = """
SELECT DISTINCT s.device_id
FROM alerts_subscription s
WHERE s.reach_box && box(point(%(lng)s, %(lat)s), point(%(lng)s, %(lat)s))
  AND (cardinality(s.categories) = 0 OR %(category)s = ANY(s.categories))
  AND ST_DWithin(s.center_geog, ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography, s.radius_m, false)
"""

# PostgreSQL has no statistics for ``box && box`` (a fixed 0.5 % guess), so it prefers a bitmap scan, which
# reads every candidate's table page (about 20,000 of them, 3 times slower), and thinks the query costly
# enough to compile (JIT: 6 ms for nothing). For this one query, neither (see match_plan).
MATCH_PLAN_READ = "SELECT current_setting('enable_bitmapscan'), current_setting('jit')"
MATCH_PLAN_WRITE = "SELECT set_config('enable_bitmapscan', %s, true), set_config('jit', %s, true)"

# Of the matching devices, the ones push can reach and this alert has not been recorded for, but its own
# reporters, with what quiet hours need: one statement, so the ids never travel to Python and back.
_RECIPIENTS_OF_MATCHED = """
SELECT d.id, d.time_zone, d.quiet_hours_start, d.quiet_hours_end
FROM matched m JOIN alerts_device d ON d.id = m.device_id
WHERE d.push_enabled AND d.push_token <> '' AND d.id <> ALL(%(reporters)s::uuid[])
  AND NOT EXISTS (SELECT 1 FROM alerts_pushdelivery p WHERE p.alert_id = %(alert)s AND p.device_id = d.id)
"""
RECIPIENTS_SQL = "WITH matched AS (" + MATCH_SQL + ")" + _RECIPIENTS_OF_MATCHED

# Record each device once for the alert. Those that want a push first take one of today's pushes, if they
# have one left (else they stay ``skipped_cap``); the claims are serialised by an advisory lock (see
# alert_deliveries_record), so two fan-outs over overlapping devices never deadlock on their rows.
RECORD_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%(ids)s::uuid[], %(statuses)s::text[], %(days)s::date[]) AS v(device_id, status, day)
), claimed AS (
    UPDATE alerts_device d
    SET push_count = CASE WHEN d.push_day = w.day THEN d.push_count + 1 ELSE 1 END, push_day = w.day
    FROM wanted w
    WHERE d.id = w.device_id AND w.day IS NOT NULL AND d.daily_push_cap > 0
      AND (d.push_day IS DISTINCT FROM w.day OR d.push_count < d.daily_push_cap)
    RETURNING d.id
), recorded AS (
    INSERT INTO alerts_pushdelivery (alert_id, device_id, status, attempts, error, created_at)
    SELECT %(alert)s, w.device_id, CASE WHEN c.id IS NULL THEN w.status ELSE 'pending' END, 0, '', now()
    FROM wanted w LEFT JOIN claimed c ON c.id = w.device_id
    ON CONFLICT (alert_id, device_id) DO NOTHING
    RETURNING status
)
SELECT status, count(*) FROM recorded GROUP BY status
"""
CLAIM_LOCK = 7_411_024  # pg_advisory_xact_lock key of the cap claims


def _backoff(attempt: int) -> int:
    return int(retry_delay(attempt, base=settings.FCM_RETRY_BASE_SECONDS, cap=_MAX_BACKOFF_SECONDS))


def alert_devices_match(*, alert: Alert) -> list[Any]:
    """Ids of the devices whose zones hold the alert's published point, for its category: the spatial query."""
    with transaction.atomic(), connection.cursor() as cursor, match_plan(cursor):
        cursor.execute(MATCH_SQL, {"lng": alert.point.x, "lat": alert.point.y, "category": alert.category.code})
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def match_plan(cursor: Any) -> Iterator[None]:
    """Inside a transaction (or savepoint): the statements run within get MATCH_SQL's plan settings, then the
    settings are as they were (``SET LOCAL`` alone would last until an enclosing transaction ends; on an
    error, rolling back the savepoint restores them)."""
    cursor.execute(MATCH_PLAN_READ)
    before = cursor.fetchone()
    cursor.execute(MATCH_PLAN_WRITE, ["off", "off"])
    yield
    cursor.execute(MATCH_PLAN_WRITE, list(before))


def alert_deliveries_record(*, alert: Alert, now: datetime | None = None) -> dict[str, int]:
    """Record who the alert reaches and how: pending, skipped for quiet hours or for the daily cap.

    Devices already recorded for this alert (a re-run) and the alert's own reporters are left out.
    Answers the count of each status recorded now.
    """
    now = now or timezone.now()
    push_on = push_transport() is not None
    reporters = list(
        Report.objects.filter(alert_link__alert=alert).exclude(device=None).values_list("device_id", flat=True)
    )
    params = {"lng": alert.point.x, "lat": alert.point.y, "category": alert.category.code, "alert": alert.pk,
              "reporters": reporters}
    ids: list[Any] = []
    statuses: list[str] = []
    days: list[Any] = []
    with transaction.atomic(), connection.cursor() as cursor:
        with match_plan(cursor):
            cursor.execute(RECIPIENTS_SQL, params)
            recipients = cursor.fetchall()
        for device_id, time_zone, quiet_start, quiet_end in recipients:
            local = now.astimezone(zone_of(time_zone))
            ids.append(device_id)
            if not push_on:
                statuses.append(PushDelivery.Status.PUSH_OFF)
                days.append(None)
            elif in_quiet_hours(local.time(), quiet_start, quiet_end):
                statuses.append(PushDelivery.Status.SKIPPED_QUIET)
                days.append(None)
            else:  # pending once it has claimed one of the day's pushes
                statuses.append(PushDelivery.Status.SKIPPED_CAP)
                days.append(local.date())
        if not ids:
            return {}
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
        cursor.execute(RECORD_SQL, {"alert": alert.pk, "ids": ids, "statuses": statuses, "days": days})
        return dict(cursor.fetchall())


def _alert_messages(alert: Alert, rows: Iterable[tuple[Any, ...]]) -> list[PushMessage]:
    public = alert_public(alert)
    labels, district = public["labels"], public["district"]
    ttl = max(alert.expires_at - timezone.now(), timedelta(minutes=1))
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    messages = []
    for _id, token, locale, time_zone in rows:
        key = (language_of(locale), time_zone)
        if key not in texts:
            texts[key] = alert_texts(
                labels=labels, district=district, occurred_at=alert.occurred_at, language=key[0], time_zone=time_zone
            )
        title, body = texts[key]
        messages.append(PushMessage(
            token=token, title=title, body=body, ttl=ttl, collapse_key=f"alert-{alert.pk}",
            data={"kind": "alert", "alert_id": str(alert.pk), "cell": alert.cell},
        ))
    return messages


def _deactivate(device_ids: list[Any]) -> None:
    if device_ids:
        # The token is dead (app uninstalled, or not an FCM token): a new one from the app re-enables push.
        Device.objects.filter(pk__in=device_ids).update(push_enabled=False, push_token="")


# Take the next batch of this round's pending pushes. SKIP LOCKED lets several senders (worker processes)
# share one alert; a claimed row carries this attempt's number, so a sender that dies mid-batch leaves its
# rows for the next round instead of losing them.
CLAIM_BATCH_SQL = """
WITH claimed AS (
    UPDATE alerts_pushdelivery p SET attempts = %(attempt)s
    WHERE p.id IN (
        SELECT id FROM alerts_pushdelivery
        WHERE alert_id = %(alert)s AND status = 'pending' AND attempts < %(attempt)s
        ORDER BY id LIMIT %(size)s FOR UPDATE SKIP LOCKED)
    RETURNING p.id, p.device_id)
SELECT c.id, d.push_token, d.locale, d.time_zone FROM claimed c JOIN alerts_device d ON d.id = c.device_id
"""


def _claim_batch(alert: Alert, attempt: int, size: int) -> list[tuple[Any, ...]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIM_BATCH_SQL, {"attempt": attempt, "alert": alert.pk, "size": size})
        return cursor.fetchall()


def _outcomes_record(alert: Alert, rows: list[tuple[Any, ...]], results: list[Any]) -> None:
    pushes_sent(kind="alert", outcomes=[result.outcome for result in results])
    by_outcome: dict[str, list[Any]] = {}
    errors: dict[str, str] = {}
    for row, result in zip(rows, results, strict=True):
        by_outcome.setdefault(result.outcome, []).append(row[0])
        if result.detail:
            errors[result.outcome] = result.detail[:64]
    sent_at = timezone.now()
    with transaction.atomic():
        base = PushDelivery.objects.filter(alert=alert)
        if by_outcome.get(DELIVERED):
            base.filter(id__in=by_outcome[DELIVERED]).update(
                status=PushDelivery.Status.SENT, sent_at=sent_at, error=""
            )
        if by_outcome.get(TEMPORARY):
            base.filter(id__in=by_outcome[TEMPORARY]).update(error=errors[TEMPORARY])
        if by_outcome.get(RECIPIENT_GONE):
            invalid = base.filter(id__in=by_outcome[RECIPIENT_GONE])
            _deactivate(list(invalid.values_list("device_id", flat=True)))
            invalid.update(status=PushDelivery.Status.INVALID_TOKEN, error=errors[RECIPIENT_GONE])
        if by_outcome.get(PERMANENT):
            base.filter(id__in=by_outcome[PERMANENT]).update(status=PushDelivery.Status.FAILED, error=errors[PERMANENT])


def alert_deliveries_send(*, alert: Alert, attempt: int = 1) -> int:
    """Send the alert's pending pushes of this round, batch by batch, until none is left unclaimed; other
    senders may work on the same alert at the same time. Answers how many pushes are still pending."""
    pending = PushDelivery.objects.filter(alert=alert, status=PushDelivery.Status.PENDING)
    now = timezone.now()
    if alert.ended_at is not None or alert.expires_at <= now:
        pending.update(status=PushDelivery.Status.FAILED, error="alert ended")
        return 0
    transport = push_transport()
    if transport is None:
        pending.update(status=PushDelivery.Status.PUSH_OFF)
        return 0
    while rows := _claim_batch(alert, attempt, settings.FCM_BATCH_SIZE):
        _outcomes_record(alert, rows, transport.send(_alert_messages(alert, rows)))
    return pending.count()


def _helpers_defer(alert: Alert, attempt: int) -> None:
    """More senders for a big alert: each takes batches the others have not claimed (SKIP LOCKED)."""
    pending = PushDelivery.objects.filter(alert=alert, status=PushDelivery.Status.PENDING).count()
    helpers = min(settings.FCM_SENDERS, -(-pending // settings.FCM_BATCH_SIZE)) - 1
    for _ in range(max(helpers, 0)):
        alert_push_send.defer(alert_id=str(alert.pk), attempt=attempt, helper=True)


def alert_delivery_figures(*, alert: Alert) -> dict[str, int]:
    """Count the alert's deliveries by status and keep the figures on the alert."""
    rows = PushDelivery.objects.filter(alert=alert).values_list("status").annotate(n=Count("id"))
    counts = dict(rows.values_list("status", "n"))
    figures = {"matched": sum(counts.values())}
    figures |= {status: counts.get(status, 0) for status in PushDelivery.Status.values}
    Alert.objects.filter(pk=alert.pk).update(delivery=figures)
    alert.delivery = figures
    return figures


def _after_attempt(alert: Alert, attempt: int, remaining: int) -> None:
    """After a sender's round: keep the figures, and schedule the next round while pushes are pending."""
    if remaining and attempt >= settings.FCM_MAX_ATTEMPTS:
        PushDelivery.objects.filter(alert=alert, status=PushDelivery.Status.PENDING).update(
            status=PushDelivery.Status.FAILED, error="gave up after retries"
        )
        logger.error("alert %s: %d pushes failed after %d attempts", alert.pk, remaining, attempt)
    elif remaining:
        delay = _backoff(attempt)
        logger.info("alert %s: %d pushes will be retried in %d s", alert.pk, remaining, delay)
        try:
            with transaction.atomic():  # a savepoint: a refused defer must not spoil the caller's transaction
                alert_push_send.configure(
                    schedule_in={"seconds": delay}, queueing_lock=f"alert-push-retry-{alert.pk}"
                ).defer(alert_id=str(alert.pk), attempt=attempt + 1)
        except AlreadyEnqueued:
            pass  # the next round of this alert's pushes is already waiting: it will send these too
    alert_delivery_figures(alert=alert)


def alert_publish_now(*, alert_id: Any) -> Alert | None:
    """The body of the ``alert_publish`` job: announce a delayed alert, record and send its pushes."""
    alert = Alert.objects.select_related("category").filter(pk=alert_id).first()
    if alert is None or alert.ended_at is not None:
        return alert
    now = timezone.now()
    if alert.published_at is None:
        # An alert that was delayed (ongoing incident) was not broadcast when it was created: now it is.
        if alert.visible_from > alert.created_at + timedelta(seconds=1):
            with transaction.atomic():
                events.alert_event_send("alert.new", alert_public(alert))
        Alert.objects.filter(pk=alert.pk).update(published_at=now)
        alert.published_at = now
    alert_deliveries_record(alert=alert, now=now)
    _helpers_defer(alert, 1)
    remaining = alert_deliveries_send(alert=alert, attempt=1)
    _after_attempt(alert, 1, remaining)
    return alert


@app.task(queue=QUEUE, pass_context=False)
def alert_publish(alert_id: str) -> None:
    """Scheduled for the moment the alert becomes visible (transactionally, with the alert itself)."""
    alert_publish_now(alert_id=alert_id)


@app.task(queue=QUEUE, pass_context=False)
def alert_push_send(alert_id: str, attempt: int, helper: bool = False) -> None:
    """A round of an alert's pushes: a retry after backoff, or a helper sharing a big alert's first round."""
    alert = Alert.objects.select_related("category").filter(pk=alert_id).first()
    if alert is None:
        return
    if not helper:
        _helpers_defer(alert, attempt)
    remaining = alert_deliveries_send(alert=alert, attempt=attempt)
    _after_attempt(alert, attempt, remaining)


def notice_push_now(*, device_id: Any, report_id: str, notice: str, attempt: int = 1) -> str | None:
    """Push a personal notice to one reporter's device; answers the outcome (None: nothing to send)."""
    device = Device.objects.filter(pk=device_id, push_enabled=True).exclude(push_token="").first()
    transport = push_transport() if device is not None else None
    if device is None or transport is None:
        return None
    local = timezone.now().astimezone(zone_of(device.time_zone))
    title, body = notice_texts(event=notice, language=device.locale)
    result = transport.send([PushMessage(
        token=device.push_token, title=title, body=body, collapse_key=f"report-{report_id}",
        data={"kind": "report", "report_id": report_id, "notice": notice},
        # In quiet hours the app still learns the news, silently: a reporter's own update is not an alert.
        silent=in_quiet_hours(local.time(), device.quiet_hours_start, device.quiet_hours_end),
    )])[0]
    pushes_sent(kind="notice", outcomes=[result.outcome])
    if result.outcome == RECIPIENT_GONE:
        _deactivate([device.pk])
    elif result.outcome == TEMPORARY and attempt < settings.FCM_MAX_ATTEMPTS:
        notice_push.configure(schedule_in={"seconds": _backoff(attempt)}).defer(
            device_id=str(device_id), report_id=report_id, notice=notice, attempt=attempt + 1
        )
    return result.outcome


@app.task(queue=QUEUE, pass_context=False)
def notice_push(device_id: str, report_id: str, notice: str, attempt: int = 1) -> None:
    notice_push_now(device_id=device_id, report_id=report_id, notice=notice, attempt=attempt)
