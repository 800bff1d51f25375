"""Delivery through the transports to partners' real (local) endpoints: outcomes, retries, dead letters."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from kernel.retry import retry_delay
from referrals.models import Referral, ReferralAttempt
from referrals.services import (
    referral_deliver,
    referrals_create,
    referrals_requeue,
    referrals_sweep,
)
from referrals.signatures import signature_compute
from reports.models import Report
from reports.public_form import public_location_draw
from tests.referrals import factories as f
from tests.referrals.receivers import refused_url


@pytest.fixture
def police(jurisdictions):
    def make(endpoint: str, **extra):
        return f.partner_create(name="East police", endpoint=endpoint,
                                jurisdictions=(jurisdictions["East police area"],), **extra)
    return make


def _referral(citizen, **report) -> Referral:
    """A new referral whose first job a worker has already taken (so the queue shows only what follows)."""
    referral = f.report_make(device=citizen.device, **report).referrals.get()
    _jobs_taken()
    return referral


def _jobs_taken() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'referrals.deliver'")


def _deliver_when_due(referral: Referral) -> Referral | None:
    """Deliver as the job would, once the retry is due (time passes in the test instead of waiting): the
    worker has taken the waiting job off the queue."""
    _jobs_taken()
    referral.refresh_from_db()
    return referral_deliver(referral_id=referral.pk, now=referral.next_attempt_at + timedelta(seconds=1))


def _waiting_jobs(referral: Referral) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = 'referrals.deliver' "
            "AND status = 'todo' AND args->>'referral_id' = %s", [str(referral.pk)],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_2xx_delivers_a_signed_json_body_with_the_event_id(citizen, police, receiver):
    endpoint = receiver("verify")
    partner = police(endpoint.url)
    referral = _referral(citizen)
    delivered = referral_deliver(referral_id=referral.pk)
    assert delivered.state == Referral.State.DELIVERED and delivered.delivered_at
    [request] = endpoint.requests
    assert request.answered == 200
    assert request.headers["content-type"] == "application/json"
    assert request.event_id == str(referral.event_id) == request.headers["idempotency-key"]
    body = request.json()
    assert body["event_id"] == str(referral.event_id) and body["referral_id"] == str(referral.pk)
    assert body["report"] == referral.payload
    expected = signature_compute(secret=partner.signing_secret, timestamp=request.headers["x-lantern-timestamp"],
                                 body=request.body)
    assert request.headers["x-lantern-signature"] == expected


def test_a_partner_verifying_with_another_secret_refuses_it_and_that_is_permanent(citizen, police, receiver):
    endpoint = receiver("verify", secret="not-the-secret-we-sign-with-000000")
    police(endpoint.url)
    referral = referral_deliver(referral_id=_referral(citizen).pk)
    assert referral.state == Referral.State.FAILED
    assert "401" in referral.last_error


def test_a_5xx_is_retried_later_with_the_same_event_id_then_delivered(citizen, police, receiver):
    endpoint = receiver("error", "error", "ok")
    police(endpoint.url)
    referral = _referral(citizen)
    first = referral_deliver(referral_id=referral.pk)
    assert first.state == Referral.State.PENDING
    assert timedelta(seconds=40) < first.next_attempt_at - timezone.now() < timedelta(seconds=80)
    assert _waiting_jobs(referral) and abs((_waiting_jobs(referral)[0] - first.next_attempt_at).total_seconds()) < 1
    # Not due yet: a job that runs early does nothing.
    assert referral_deliver(referral_id=referral.pk) is None
    second = _deliver_when_due(referral)
    assert second.state == Referral.State.PENDING and second.attempts == 2
    assert second.next_attempt_at - timezone.now() > timedelta(seconds=80)
    assert _deliver_when_due(referral).state == Referral.State.DELIVERED
    assert endpoint.event_ids() == [str(referral.event_id)] * 3
    outcomes = list(ReferralAttempt.objects.filter(referral=referral).values_list("outcome", "status_code"))
    assert outcomes == [("temporary", 500), ("temporary", 500), ("delivered", 200)]


@pytest.mark.parametrize("behaviour", ["throttle", "error"])
def test_408_429_and_5xx_are_temporary(citizen, police, receiver, behaviour):
    police(receiver(behaviour).url)
    assert referral_deliver(referral_id=_referral(citizen).pk).state == Referral.State.PENDING


@pytest.mark.parametrize("behaviour", ["gone", "redirect"])
def test_other_4xx_and_redirects_are_permanent_dead_letters(citizen, police, receiver, behaviour):
    endpoint = receiver(behaviour)
    police(endpoint.url)
    referral = _referral(citizen)
    failed = referral_deliver(referral_id=referral.pk)
    assert failed.state == Referral.State.FAILED and failed.is_dead_letter and failed.dead_at
    assert not _waiting_jobs(referral)
    assert _deliver_when_due(referral) is None
    assert len(endpoint.requests) == 1


def test_a_timeout_is_temporary(citizen, police, receiver, fast_retries):
    endpoint = receiver("hang", "ok", hang_seconds=5)
    police(endpoint.url)
    referral = _referral(citizen)
    started = time.monotonic()
    assert referral_deliver(referral_id=referral.pk).state == Referral.State.PENDING
    assert time.monotonic() - started < 3
    assert "timed out" in Referral.objects.get(pk=referral.pk).last_error
    assert _deliver_when_due(referral).state == Referral.State.DELIVERED
    assert endpoint.event_ids() == [str(referral.event_id)] * 2


def test_a_refused_connection_is_temporary(citizen, police):
    police(refused_url())
    referral = referral_deliver(referral_id=_referral(citizen).pk)
    assert referral.state == Referral.State.PENDING
    assert "connection failed" in referral.last_error


def test_it_gives_up_after_the_retry_window_and_an_operator_requeues_it(citizen, police, receiver):
    endpoint = receiver("error", "error", "ok")
    police(endpoint.url)
    referral = _referral(citizen)
    referral_deliver(referral_id=referral.pk)
    # Two days later, the last try fails too: a dead letter, the citizen reads "not yet delivered".
    Referral.objects.filter(pk=referral.pk).update(give_up_at=timezone.now() - timedelta(seconds=1))
    dead = _deliver_when_due(referral)
    assert dead.state == Referral.State.DEAD and dead.is_dead_letter
    assert not _waiting_jobs(referral)
    assert referrals_requeue(referral_ids=[referral.pk]) == 1
    requeued = Referral.objects.get(pk=referral.pk)
    assert requeued.state == Referral.State.PENDING
    assert requeued.give_up_at - timezone.now() > timedelta(hours=47)
    assert len(_waiting_jobs(referral)) == 1
    assert referral_deliver(referral_id=referral.pk).state == Referral.State.DELIVERED
    assert set(endpoint.event_ids()) == {str(referral.event_id)}


def test_the_last_retry_happens_at_the_deadline_not_after_it(citizen, police, receiver):
    police(receiver("error").url)
    referral = _referral(citizen)
    deadline = timezone.now() + timedelta(seconds=30)
    Referral.objects.filter(pk=referral.pk).update(give_up_at=deadline, attempts=12)
    assert referral_deliver(referral_id=referral.pk).next_attempt_at == deadline


def test_retries_back_off_from_about_a_minute_to_at_most_six_hours():
    delays = [retry_delay(n, base=60, cap=6 * 3600, jitter=0.2) for n in range(1, 16)]
    assert 48 <= delays[0] <= 72
    assert 96 <= delays[1] <= 144
    assert all(delay <= 6 * 3600 for delay in delays)
    assert delays[-1] >= 6 * 3600 * 0.8
    # Jitter: many referrals failing together do not all come back together.
    assert len({round(retry_delay(3, base=60, cap=21600, jitter=0.2), 3) for _ in range(20)}) > 10
    # Over 48 hours that is a bounded number of tries, not a hammering.
    elapsed, tries = 0.0, 0
    while elapsed < 48 * 3600:
        tries += 1
        elapsed += min(6 * 3600, 60 * 2 ** (tries - 1))
    assert 12 <= tries <= 20


def test_no_referral_is_lost_and_duplicates_only_ever_carry_the_same_event_id(citizen, jurisdictions, receiver):
    flaky = receiver("ok", "error", "hang", "gone", "ok", "error", "ok", "ok", "error", "ok", hang_seconds=3)
    healthy = receiver("ok")
    f.partner_create(name="East police", endpoint=flaky.url, jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="Slachtofferhulp", kind="victim_support", endpoint=healthy.url,
                     jurisdictions=(jurisdictions["Test town"],))
    referrals = []
    for _ in range(6):
        report = f.report_make(device=citizen.device, victim_support=True, contact={"phone": "+32470123456"})
        referrals += list(report.referrals.all())
    with override_settings(REFERRAL_WEBHOOK_TIMEOUT_SECONDS=1):
        for _ in range(8):
            for referral in referrals:
                _deliver_when_due(referral)
    states = {r.pk: r.state for r in Referral.objects.filter(pk__in=[r.pk for r in referrals])}
    # Every referral ended delivered, or as a dead letter an operator sees; none vanished or is stuck.
    assert set(states.values()) <= {Referral.State.DELIVERED, Referral.State.FAILED}
    assert list(states.values()).count(Referral.State.FAILED) == 1
    sent_ids = {str(r.event_id) for r in referrals}
    received = flaky.event_ids() + healthy.event_ids()
    assert set(received) <= sent_ids
    delivered_ids = {str(r.event_id) for r in Referral.objects.filter(state="delivered")}
    assert delivered_ids | {str(r.event_id) for r in Referral.objects.filter(state="failed")} == sent_ids
    # Each delivered event was answered 2xx exactly once: retries reuse the id, never a new one.
    answered_ok = [record.event_id for record in flaky.requests + healthy.requests if record.answered == 200]
    assert sorted(answered_ok) == sorted(delivered_ids)


def test_the_sweeper_requeues_a_referral_whose_job_was_lost(citizen, police, receiver):
    police(receiver("ok").url)
    referral = _referral(citizen)
    assert referrals_sweep() == 1
    assert len(_waiting_jobs(referral)) == 1
    # Asking again queues nothing more: one waiting job per referral.
    assert referrals_sweep() == 0


def test_a_referral_whose_worker_died_is_sent_again_with_the_same_event_id(citizen, police, receiver):
    endpoint = receiver("ok")
    police(endpoint.url)
    referral = _referral(citizen)
    # A worker claimed it, then died: the referral is "sending" and its lease runs out.
    Referral.objects.filter(pk=referral.pk).update(
        state=Referral.State.SENDING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    ReferralAttempt.objects.create(referral=referral, number=1, started_at=timezone.now() - timedelta(minutes=3))
    assert referrals_sweep() == 1
    delivered = referral_deliver(referral_id=referral.pk)
    assert delivered.state == Referral.State.DELIVERED and delivered.attempts == 2
    assert endpoint.event_ids() == [str(referral.event_id)]
    assert list(ReferralAttempt.objects.filter(referral=referral).values_list("outcome", flat=True)) == [
        "temporary", "delivered",
    ]


def test_a_referral_still_leased_to_a_live_worker_is_left_alone(citizen, police, receiver):
    endpoint = receiver("ok")
    police(endpoint.url)
    referral = _referral(citizen)
    Referral.objects.filter(pk=referral.pk).update(
        state=Referral.State.SENDING, attempts=1, lease_expires_at=timezone.now() + timedelta(minutes=1)
    )
    assert referral_deliver(referral_id=referral.pk) is None
    assert endpoint.requests == []


def test_the_email_transport_sends_the_signed_referral_through_djangos_mailer(citizen, jurisdictions):
    f.partner_create(name="Slachtofferhulp", kind="victim_support", channel="email",
                     endpoint="intake@slachtofferhulp.example", jurisdictions=(jurisdictions["Test town"],),
                     languages=["nl"])
    report = f.report_make(device=citizen.device, police=False, victim_support=True,
                           contact={"email": "me@example.org"})
    referral = referral_deliver(referral_id=report.referrals.get().pk)
    assert referral.state == Referral.State.DELIVERED
    [message] = mail.outbox
    assert message.to == ["intake@slachtofferhulp.example"]
    assert message.extra_headers["X-Lantern-Event-Id"] == str(referral.event_id)
    [attachment] = message.attachments
    assert json.loads(attachment.content)["report"]["contact"] == {"email": "me@example.org"}
    assert "me@example.org" in message.body


def test_the_open311_transport_posts_a_form_with_the_mapped_service_code(citizen, jurisdictions, receiver):
    city = receiver("open311")
    f.partner_create(name="Street services", kind="municipal_service", channel="open311", endpoint=city.base_url,
                     jurisdictions=(jurisdictions["Test town"],), open311_api_key="city-key",
                     service_codes={"insecurity.poor_lighting": "LIGHT-01"})
    report = f.report_make(device=citizen.device, police=False, public=True, category="insecurity.poor_lighting")
    Report.objects.filter(pk=report.pk).update(
        status="published", public_description="Lamps out.", public_location=public_location_draw(report.location)
    )
    report.refresh_from_db()
    referral = referral_deliver(referral_id=referrals_create(report=report)[0].pk)
    assert referral.state == Referral.State.DELIVERED and referral.remote_id == "city-1"
    [request] = city.requests
    assert request.path == "/open311/v2/requests.json"
    form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
    assert form["api_key"] == "city-key" and form["service_code"] == "LIGHT-01"
    assert form["description"] == "Lamps out."
    assert (float(form["long"]), float(form["lat"])) != f.EAST_POINT


def test_an_open311_partner_without_a_code_for_the_category_is_a_permanent_failure(citizen, jurisdictions, receiver):
    city = receiver("open311")
    f.partner_create(name="Street services", kind="municipal_service", channel="open311", endpoint=city.base_url,
                     jurisdictions=(jurisdictions["Test town"],), service_codes={"antisocial.littering": "TRASH"})
    report = f.report_make(device=citizen.device, police=False, public=True)
    Report.objects.filter(pk=report.pk).update(status="published")
    report.refresh_from_db()
    referral = referral_deliver(referral_id=referrals_create(report=report)[0].pk)
    assert referral.state == Referral.State.FAILED and "service_code" in referral.last_error
    assert city.requests == []
