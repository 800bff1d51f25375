"""Writes of the referrals part: the outbox, its delivery, partners' news and erasure.

Delivery is at-least-once with a stable event id: a referral is claimed under a lease, sent outside any
transaction, and its outcome recorded afterwards. If a worker dies between sending and recording, the
lease runs out and the referral is sent again, with the same event id, so the partner can drop the
duplicate. Nothing that leaves the process happens while a database lock is held.

At most ``REFERRAL_PARTNER_CONCURRENCY`` deliveries to one partner are in flight at once, across every
worker: a job whose partner is full ends at once without sending, and the referral waits, still due,
until one of that partner's deliveries finishes and hands the slot on (or the sweeper finds it). A partner
that hangs thus holds that many of the workers' job slots, never all of them.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from kernel.delivery import DeliveryResult
from kernel.metrics import referral_delivery_attempted
from kernel.retry import retry_delay
from kernel.rows import rows_insert
from referrals.errors import PartnerEventReplayed, ReferralStatusRefused
from referrals.models import Partner, Referral, ReferralAttempt, ReferralStatusChange
from referrals.payloads import allowed_fields, report_payload
from referrals.routing import KIND_ORDER, report_routes
from referrals.signatures import TOLERANCE_SECONDS
from referrals.transports import transport_for

logger = logging.getLogger(__name__)

QUEUE = "referrals"
DELIVER_TASK = "referrals.deliver"
SWEEP_TASK = "referrals.sweep"
# Urgent referrals (someone may be in danger now) jump every queue of normal ones.
URGENT_PRIORITY = 100
NORMAL_PRIORITY = 0
# The sweeper re-queues what a lost job or a dead worker stranded, urgent referrals included: it must not
# wait behind the backlog of deliveries it exists to rescue. It stays on the referrals queue, so that every
# worker that delivers referrals also sweeps.
SWEEP_PRIORITY = 1000
# A job may start a little before the referral's due time by the app's clock; it still counts as due.
_CLOCK_TOLERANCE = timedelta(seconds=5)
# Jitter spreads retries of many referrals to one partner that was down, so they do not return together.
_JITTER = 0.2


# --- the outbox ----------------------------------------------------------------------------------


def referrals_create(*, report: Any, new: bool = False) -> list[Referral]:
    """Route the report and write one referral per partner, each with its minimised snapshot, and defer
    their delivery, all in the caller's transaction: either the report and its referrals exist and will
    be delivered, or none of them does. Urgent reports' jobs run before every other referral.

    Safe to call again (e.g. when a moderator publishes a held report): partners that already have a
    referral for this report are skipped. ``new`` says the report was created in this transaction, so
    it cannot have any yet."""
    if report.source == "demo":
        return []
    routes = report_routes(report=report, fallbacks=settings.REFERRAL_FALLBACK_PARTNERS)
    if not routes:
        return []
    if not new:
        already = set(Referral.objects.filter(report=report).values_list("partner_id", flat=True))
        routes = [route for route in routes if route.partner.pk not in already]
        if not routes:
            return []
    now = timezone.now()
    urgent = bool(report.emergency)
    referrals = []
    for route in sorted(routes, key=lambda r: KIND_ORDER.index(r.kind)):
        fields = allowed_fields(kind=route.kind, partner_fields=route.partner.data_fields)
        payload = report_payload(
            report=report, kind=route.kind, fields=fields,
            label_language=(route.partner.languages or [settings.LANGUAGE_CODE])[0],
        )
        referrals.append(
            Referral(
                report=report, partner=route.partner, partner_kind=route.kind, urgent=urgent,
                routed_by=route.routed_by, payload=payload, fields=sorted(payload),
                next_attempt_at=now, give_up_at=now + _give_up_after(),
            )
        )
    # No savepoint: a failure here must undo the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        rows_insert(instances=referrals)  # bulk_create compiled the same statement for every report
        for referral in referrals:
            # Due now: a job without ``schedule_at`` is, and skips procrastinate's "scheduled" event row.
            _defer(referral, at=None, new=True)
    return referrals


def _give_up_after() -> timedelta:
    return timedelta(hours=settings.REFERRAL_GIVE_UP_HOURS)


def _defer(referral: Referral, *, at: datetime | None, new: bool = False) -> bool:
    """Queue a delivery job for ``referral`` at ``at`` (None: now); False when one is already waiting for it.

    The queueing lock keeps at most one waiting job per referral, however often the sweeper or a retry
    asks; a savepoint keeps the caller's transaction usable when the lock says no. A referral just created
    cannot have a job yet, so intake skips the savepoint's two round trips.
    """
    deferrer = app.configure_task(
        name=DELIVER_TASK, queue=QUEUE, schedule_at=at,
        priority=URGENT_PRIORITY if referral.urgent else NORMAL_PRIORITY,
        queueing_lock=f"referral:{referral.pk}",
    )
    if new:
        deferrer.defer(referral_id=str(referral.pk))
        return True
    try:
        with transaction.atomic():
            deferrer.defer(referral_id=str(referral.pk))
    except AlreadyEnqueued:
        return False
    return True


# --- delivery ------------------------------------------------------------------------------------


class _PartnerFull(Exception):
    """The partner already has its share of deliveries in flight: this one waits for a slot."""


def referral_deliver(*, referral_id: uuid.UUID | str, now: datetime | None = None) -> Referral | None:
    """Try once to deliver a due referral. Answers the referral as recorded, or None when it was not sent:
    not due (already delivered, cancelled, claimed by another worker, or waiting for a later retry), or its
    partner already has ``REFERRAL_PARTNER_CONCURRENCY`` deliveries in flight (it is handed a slot later)."""
    try:
        claimed = _claim(referral_id, now=now or timezone.now())
    except _PartnerFull:
        return None
    if claimed is None:
        return None
    referral, attempt = claimed
    try:
        result = transport_for(referral.partner).deliver(referral)
    except Exception as exc:  # a bug in a transport must not strand the referral in "sending"
        logger.exception("referral %s: transport crashed", referral.pk)
        result = DeliveryResult("temporary", f"transport error: {type(exc).__name__}: {exc}")
    recorded = _record(referral, attempt, result)
    referral_delivery_attempted(partner=referral.partner.name, outcome=result.outcome)
    if not result.delivered:
        next_try = recorded.next_attempt_at if recorded.state == Referral.State.PENDING else None
        logger.warning(
            "referral %s to %s: attempt %d failed (%s, %s); next try %s", referral.pk, referral.partner.name,
            attempt.number, result.outcome, result.detail[:200], next_try.isoformat() if next_try else "none",
            extra={"referral": str(referral.pk), "partner": referral.partner.name, "attempt": attempt.number,
                   "outcome": result.outcome, "next_try": next_try.isoformat() if next_try else None},
        )
    # This delivery's slot is free: hand it to the partner's next due referral that found the partner full.
    partner_deliveries_queue(partner_id=referral.partner_id)
    return recorded


def _in_flight(partner_ids: Iterable[int], *, now: datetime) -> dict[int, int]:
    """Deliveries being sent right now, per partner (a lease that ran out belongs to a dead worker)."""
    rows = (
        Referral.objects.filter(partner_id__in=list(partner_ids), state=Referral.State.SENDING,
                                lease_expires_at__gt=now)
        .order_by()
        .values_list("partner_id")
        .annotate(count=Count("pk"))
    )
    return dict(rows)


def _claim(referral_id: uuid.UUID | str, *, now: datetime) -> tuple[Referral, ReferralAttempt] | None:
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("partner")
            .filter(pk=referral_id)
            .filter(
                Q(state=Referral.State.PENDING, next_attempt_at__lte=now + _CLOCK_TOLERANCE)
                # A lease that ran out means the worker died mid-delivery: the referral is due again.
                | Q(state=Referral.State.SENDING, lease_expires_at__lte=now)
            )
            .first()
        )
        if referral is None:
            return None
        # Two workers claiming for one partner count in turn, so that both cannot see the last free slot.
        # NO KEY: intake's inserts of new referrals (a key share lock on the partner) are not held up.
        Partner.objects.select_for_update(no_key=True).filter(pk=referral.partner_id).values_list("pk").first()
        if _in_flight([referral.partner_id], now=now).get(referral.partner_id, 0) >= (
            settings.REFERRAL_PARTNER_CONCURRENCY
        ):
            raise _PartnerFull
        if referral.state == Referral.State.SENDING:
            ReferralAttempt.objects.filter(referral=referral, outcome=ReferralAttempt.Outcome.RUNNING).update(
                outcome=ReferralAttempt.Outcome.TEMPORARY, finished_at=now,
                detail="the worker stopped before recording an outcome; sent again",
            )
        referral.state = Referral.State.SENDING
        referral.attempts += 1
        referral.lease_expires_at = now + timedelta(seconds=settings.REFERRAL_DELIVERY_LEASE_SECONDS)
        referral.save(update_fields=["state", "attempts", "lease_expires_at"])
        attempt = ReferralAttempt.objects.create(referral=referral, number=referral.attempts, started_at=now)
    return referral, attempt


def partner_deliveries_queue(*, partner_id: int, now: datetime | None = None) -> int:
    """Queue a job for as many of the partner's due referrals as it has free delivery slots, urgent first.
    Answers how many jobs were queued (a referral whose job is already waiting counts as served)."""
    now = now or timezone.now()
    room = settings.REFERRAL_PARTNER_CONCURRENCY - _in_flight([partner_id], now=now).get(partner_id, 0)
    if room <= 0:
        return 0
    due = (
        Referral.objects.filter(partner_id=partner_id, state=Referral.State.PENDING, next_attempt_at__lte=now)
        .order_by("-urgent", "next_attempt_at")
        .only("pk", "urgent")[:room]
    )
    return sum(_defer(referral, at=None) for referral in due)


def _record(claimed: Referral, attempt: ReferralAttempt, result: DeliveryResult) -> Referral:
    now = timezone.now()
    retry_at: datetime | None = None
    with transaction.atomic():
        attempt.finished_at, attempt.outcome = now, result.outcome
        attempt.status_code, attempt.detail = result.status_code, result.detail[:2000]
        attempt.save(update_fields=["finished_at", "outcome", "status_code", "detail"])
        referral = Referral.objects.select_for_update().select_related("partner").get(pk=claimed.pk)
        # Still ours only if nobody claimed it after our lease ran out (attempts is the fencing token).
        ours = referral.state == Referral.State.SENDING and referral.attempts == claimed.attempts
        fields = ["state", "lease_expires_at", "last_error"]
        if result.delivered:
            # The partner has it, whatever else happened meanwhile: that is the truth to record.
            if referral.state != Referral.State.DELIVERED:
                referral.state, referral.delivered_at = Referral.State.DELIVERED, now
                referral.remote_id = result.remote_id or referral.remote_id
                referral.lease_expires_at, referral.last_error = None, ""
                referral.save(update_fields=[*fields, "delivered_at", "remote_id"])
            return referral
        if not ours:
            return referral
        referral.lease_expires_at, referral.last_error = None, result.detail[:2000]
        if result.outcome == "permanent":
            referral.state, referral.dead_at = Referral.State.FAILED, now
            referral.save(update_fields=[*fields, "dead_at"])
            logger.error(
                "referral %s to %s refused permanently (%s): dead letter, requeue it in the admin",
                referral.pk, referral.partner.name, result.detail,
            )
            return referral
        if now >= referral.give_up_at:
            referral.state, referral.dead_at = Referral.State.DEAD, now
            referral.save(update_fields=[*fields, "dead_at"])
            logger.error(
                "referral %s to %s undelivered after %d attempts (%s): dead letter, requeue it in the admin",
                referral.pk, referral.partner.name, referral.attempts, result.detail,
            )
            return referral
        delay = retry_delay(
            referral.attempts, base=settings.REFERRAL_RETRY_BASE_SECONDS, cap=settings.REFERRAL_RETRY_MAX_SECONDS,
            jitter=_JITTER,
        )
        # The last try happens at the deadline itself rather than a backoff step after it.
        retry_at = min(now + timedelta(seconds=delay), referral.give_up_at)
        referral.state, referral.next_attempt_at = Referral.State.PENDING, retry_at
        referral.save(update_fields=[*fields, "next_attempt_at"])
    # After the commit: if this defer is lost (the process dies here), the sweeper finds the referral due.
    _defer(referral, at=retry_at)
    return referral


# --- operators and the sweeper -------------------------------------------------------------------


def referrals_requeue(*, referral_ids: Iterable[uuid.UUID | str], now: datetime | None = None) -> int:
    """Send dead letters again, now, with a fresh 48-hour retry window. Answers how many were requeued."""
    now = now or timezone.now()
    with transaction.atomic():
        referrals = list(
            Referral.objects.select_for_update().filter(
                pk__in=list(referral_ids), state__in=Referral.DEAD_LETTER_STATES
            )
        )
        for referral in referrals:
            referral.state, referral.next_attempt_at = Referral.State.PENDING, now
            referral.give_up_at, referral.dead_at = now + _give_up_after(), None
            referral.save(update_fields=["state", "next_attempt_at", "give_up_at", "dead_at"])
            _defer(referral, at=now)
    return len(referrals)


def referrals_sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue a job again for every referral that is due but has none: its job was lost, or the worker
    delivering it died (its lease ran out). A partner gets no more jobs than it has free delivery slots: the
    rest of its referrals are handed a slot as its deliveries finish. Answers how many jobs were queued."""
    now = now or timezone.now()
    due = list(
        Referral.objects.filter(
            Q(state=Referral.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Referral.State.SENDING, lease_expires_at__lte=now)
        )
        .order_by("-urgent", "next_attempt_at")
        .only("pk", "urgent", "partner_id")[:limit]
    )
    in_flight = _in_flight({referral.partner_id for referral in due}, now=now)
    room = defaultdict(lambda: settings.REFERRAL_PARTNER_CONCURRENCY)
    for partner_id, count in in_flight.items():
        room[partner_id] -= count
    queued = 0
    for referral in due:
        if room[referral.partner_id] <= 0:
            continue
        # A referral whose job is already waiting takes its slot as well: that job will run.
        room[referral.partner_id] -= 1
        queued += _defer(referral, at=now)
    if queued:
        logger.warning("referrals sweep: queued %d referrals whose delivery job was missing", queued)
    return queued


# --- partners' news ------------------------------------------------------------------------------


def partner_event_claim(*, partner_id: int, event_id: str) -> None:
    """Accept one signed partner request's event id once; raise ``PartnerEventReplayed`` the second time.

    A signature is only good within ``TOLERANCE_SECONDS`` of its timestamp (either side of now), so an
    event id needs remembering for twice that: Redis forgets it afterwards by itself. The id is keyed per
    partner, so one partner's ids can never block another's."""
    digest = hashlib.sha256(event_id.encode("utf-8")).hexdigest()
    if not cache.add(f"partner-event:{partner_id}:{digest}", 1, timeout=2 * TOLERANCE_SECONDS + 60):
        raise PartnerEventReplayed(_("This event id was already received; sign each new request with a new event id."))


def referral_status_record(
    *, referral_id: uuid.UUID | str, status: str, message: str = ""
) -> tuple[Referral, bool]:
    """Record a partner's status (received, in progress, closed) and message. Answers the referral and
    whether anything changed: a resent identical update changes nothing and should notify nobody.

    A partner that says it received a referral has it, even if our side never heard its 2xx (a timeout
    after the partner stored it): the referral is then recorded as delivered.
    """
    if status not in Referral.PartnerStatus.values or not status:
        raise ReferralStatusRefused(_("Unknown status %(status)s.") % {"status": status}, field="status")
    now = timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("partner").get(pk=referral_id)
        if referral.state == Referral.State.CANCELLED:
            raise ReferralStatusRefused(_("The citizen withdrew this report before it was sent to you."))
        if referral.status == status and referral.status_message == message:
            return referral, False
        referral.status, referral.status_message, referral.status_updated_at = status, message, now
        fields = ["status", "status_message", "status_updated_at"]
        if referral.state != Referral.State.DELIVERED:
            referral.state, referral.delivered_at, referral.lease_expires_at = Referral.State.DELIVERED, now, None
            fields += ["state", "delivered_at", "lease_expires_at"]
        referral.save(update_fields=fields)
        ReferralStatusChange.objects.create(referral=referral, status=status, message=message)
    return referral, True


# --- erasure -------------------------------------------------------------------------------------


def referrals_erase(*, report: Any, now: datetime) -> int:
    """The report is withdrawn or reached its retention: stop what has not been sent, and forget the
    copies of what was (the field names stay, so the citizen still sees what each partner received)."""
    # A referral being sent right now is cancelled too: if the partner answers 2xx it is recorded as
    # delivered (it was), and if not, it is not retried.
    Referral.objects.filter(
        report=report, state__in=[Referral.State.PENDING, Referral.State.SENDING, *Referral.DEAD_LETTER_STATES]
    ).update(state=Referral.State.CANCELLED, lease_expires_at=None)
    return Referral.objects.filter(report=report, erased_at__isnull=True).update(payload={}, erased_at=now)

