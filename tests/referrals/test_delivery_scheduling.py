"""Which delivery runs when: a partner that hangs holds only its share of the workers, and the sweeper that
rescues stranded referrals runs before the backlog of deliveries.

The bounds are stated in the order things happen (who was delivered while whose request was still
unanswered, who was sent first), never in seconds; the waits below only keep a broken build from hanging.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from referrals.models import Partner, Referral
from referrals.services import referral_deliver, referrals_sweep
from referrals.tasks import referrals_sweep_job
from reports.models import Device
from tests.referrals import factories as f
from tests.referrals.worker_processes import worker_start

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(predicate: Callable[[], bool], *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _device() -> Device:
    return Device.objects.create(token_hash=f"{time.monotonic_ns():064d}"[-64:], platform="android")


def _police(name: str, area: str, endpoint: str) -> Partner:
    jurisdictions = f.town_jurisdictions()
    return f.partner_create(name=name, endpoint=endpoint, jurisdictions=(jurisdictions[area],))


def _waiting_job_ids(referral: Referral) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM procrastinate_jobs WHERE task_name = 'referrals.deliver' AND status = 'todo' "
            "AND args->>'referral_id' = %s", [str(referral.pk)],
        )
        return [row[0] for row in cursor.fetchall()]


def _jobs_delete(referral: Referral) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE args->>'referral_id' = %s", [str(referral.pk)])


def test_a_hanging_partner_does_not_hold_another_partners_delivery(service_area, receiver, workers):
    hanging = receiver("hang", hang_seconds=120)
    answering = receiver("ok")
    _police("East police", "East police area", hanging.url)
    _police("West police", "West police area", answering.url)
    device = _device()
    # Six referrals to the hanging partner are queued first, the other partner's last: in queue order alone,
    # it would wait for every one of them.
    for _ in range(6):
        f.report_make(device=device, location=f.EAST_POINT)
    west = f.report_make(device=device, location=f.WEST_POINT).referrals.get()

    workers.append(worker_start(
        "--concurrency", "3", REFERRAL_PARTNER_CONCURRENCY="1",
        REFERRAL_WEBHOOK_TIMEOUT_SECONDS="100", REFERRAL_DELIVERY_LEASE_SECONDS="120",
    ))
    try:
        delivered = _wait_for(
            lambda: Referral.objects.get(pk=west.pk).state == Referral.State.DELIVERED, seconds=60
        )
        assert delivered, Referral.objects.get(pk=west.pk).state
        # Delivered while the hanging partner's one request was still unanswered, and that partner got no
        # more requests than its share of concurrent deliveries.
        assert [request.answered for request in hanging.requests] == [None]
        assert answering.event_ids() == [str(west.event_id)]
    finally:
        hanging.released.set()


def test_a_full_partners_referral_waits_and_is_handed_the_slot_when_a_delivery_finishes(
    service_area, receiver, settings, workers
):
    settings.REFERRAL_PARTNER_CONCURRENCY = 1
    endpoint = receiver("hang", "ok", hang_seconds=60)
    _police("East police", "East police area", endpoint.url)
    device = _device()
    first = f.report_make(device=device).referrals.get()
    second = f.report_make(device=device).referrals.get()
    _jobs_delete(first)
    _jobs_delete(second)  # as if the worker had taken it and found the partner full

    sending = threading.Thread(target=referral_deliver, kwargs={"referral_id": first.pk})
    sending.start()
    try:
        assert endpoint.arrived.wait(30)
        # The partner has one delivery in flight, its whole share: the second is not sent, and the sweeper
        # does not queue it either.
        assert referral_deliver(referral_id=second.pk) is None
        assert referrals_sweep() == 0
        assert len(endpoint.requests) == 1
        assert _waiting_job_ids(second) == []
    finally:
        endpoint.released.set()
        sending.join(30)
    # The first delivery ended (the partner hung up): its slot went to the referral that was waiting.
    assert len(_waiting_job_ids(second)) == 1
    delivered = referral_deliver(referral_id=second.pk)
    assert delivered is not None and delivered.state == Referral.State.DELIVERED


def test_the_sweep_runs_before_the_deliveries_already_queued(service_area, receiver, workers):
    endpoint = receiver("ok")
    _police("East police", "East police area", endpoint.url)
    device = _device()
    for _ in range(5):
        f.report_make(device=device)
    # An urgent referral whose job was lost: only the sweep can queue it again.
    stranded = f.report_make(device=device).referrals.get()
    _jobs_delete(stranded)
    Referral.objects.filter(pk=stranded.pk).update(urgent=True)
    # What the periodic deferrer does at the minute, behind the five deliveries already waiting.
    referrals_sweep_job.defer(timestamp=int(time.time()))

    worker = worker_start("--one-shot", "--concurrency", "1")
    workers.append(worker)
    worker.wait(timeout=120)
    assert not Referral.objects.exclude(state=Referral.State.DELIVERED).exists()
    # One job at a time: the sweep ran first and re-queued the urgent referral, which then went before the
    # five that were waiting when the sweep was queued.
    assert endpoint.event_ids()[0] == str(stranded.event_id)
    assert len(endpoint.requests) == 6
