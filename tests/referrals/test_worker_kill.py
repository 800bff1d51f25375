"""Real ``manage.py procrastinate worker`` processes against the test database: a worker killed in the
middle of a delivery loses nothing, and the partner sees a duplicate only under the same event id."""

from __future__ import annotations

import signal
import time

import pytest

from referrals.models import Referral, ReferralAttempt
from referrals.services import referrals_sweep
from reports.models import Device
from tests import factories
from tests.referrals import factories as f
from tests.referrals.worker_processes import WORKER_LEASE_SECONDS, worker_start


def _wait_for(predicate, *, seconds: float, sweep: bool = False) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sweep:
            # What the periodic sweeper does every minute, done here every half second.
            referrals_sweep()
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_leaves_a_referral_that_another_worker_delivers(service_area, receiver, workers):
    jurisdictions = f.town_jurisdictions()
    endpoint = receiver("hang", "ok", hang_seconds=30)
    f.partner_create(name="East police", endpoint=endpoint.url, jurisdictions=(jurisdictions["East police area"],))
    report = f.report_make(device=Device.objects.create(token_hash="k" * 64, platform="android"))
    referral = report.referrals.get()

    workers.append(worker_start())
    assert endpoint.arrived.wait(30), workers[0].stderr.read1().decode() if workers[0].poll() is not None else ""
    # The partner has the request and the worker waits for its answer: kill it now, without warning.
    workers[0].send_signal(signal.SIGKILL)
    workers[0].wait(timeout=10)
    endpoint.released.set()
    referral.refresh_from_db()
    assert referral.state == Referral.State.SENDING  # nobody recorded an outcome

    workers.append(worker_start())
    delivered = _wait_for(
        lambda: Referral.objects.get(pk=referral.pk).state == Referral.State.DELIVERED,
        seconds=WORKER_LEASE_SECONDS + 30, sweep=True,
    )
    assert delivered, [(a.outcome, a.detail) for a in ReferralAttempt.objects.filter(referral=referral)]
    referral.refresh_from_db()
    # Sent twice, both times as the same event: the partner can tell it is one referral.
    assert endpoint.event_ids() == [str(referral.event_id)] * 2
    assert [record.answered for record in endpoint.requests] == [None, 200]
    assert list(ReferralAttempt.objects.filter(referral=referral).values_list("outcome", flat=True)) == [
        "temporary", "delivered",
    ]
    # And nothing sends it a third time.
    time.sleep(1.5)
    referrals_sweep()
    time.sleep(1.5)
    assert len(endpoint.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_what_the_api_accepted(citizen, receiver, workers):
    jurisdictions = f.town_jurisdictions()
    endpoint = receiver("verify")
    f.partner_create(name="East police", endpoint=endpoint.url, jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="Slachtofferhulp", kind="victim_support", endpoint=endpoint.url,
                     jurisdictions=(jurisdictions["Test town"],))

    payload = factories.report_payload(
        consent={"share_with_police": True, "victim_support": True, "public_alert": False},
        contact={"email": "me@example.org"},
    )
    workers.append(worker_start())
    response = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert response.status_code == 201
    assert _wait_for(lambda: len(endpoint.requests) >= 2, seconds=30)
    assert _wait_for(lambda: not Referral.objects.exclude(state=Referral.State.DELIVERED).exists(), seconds=10)
    assert sorted(record.answered for record in endpoint.requests) == [200, 200]
    shown = citizen.client.get(f"/api/v1/reports/{response.json()['id']}/").json()["referrals"]
    assert {item["status"] for item in shown} == {"delivered"}


def test_the_sweeper_runs_every_minute():
    from procrastinate.contrib.django import app

    from referrals import tasks

    periodic = [task for task in app.periodic_registry.periodic_tasks.values()
                if task.task.name == tasks.referrals_sweep_job.name]
    assert periodic and periodic[0].cron == "* * * * *"
