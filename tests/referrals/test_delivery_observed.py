"""What operators see of deliveries: the metrics by partner and outcome, dead letters, and a WARNING line for
every failed attempt."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from referrals.models import Referral
from referrals.services import referral_deliver
from tests.metrics_scrape import metrics_scrape, sample
from tests.referrals import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(jurisdictions):
    def make(endpoint: str):
        return f.partner_create(
            name="East police", endpoint=endpoint, jurisdictions=(jurisdictions["East police area"],)
        )
    return make


def test_it_counts_each_delivery_attempt_by_partner_and_outcome(citizen, police, receiver):
    police(receiver("error", "ok").url)
    referral = f.report_make(device=citizen.device).referrals.get()
    labels = {"partner": "East police"}
    before = metrics_scrape()
    referral_deliver(referral_id=referral.pk)
    referral.refresh_from_db()
    referral_deliver(referral_id=referral.pk, now=referral.next_attempt_at)
    after = metrics_scrape()
    for outcome in ("temporary", "delivered"):
        assert sample(after, "lantern_referral_deliveries_total", outcome=outcome, **labels) == sample(
            before, "lantern_referral_deliveries_total", outcome=outcome, **labels) + 1


def test_it_logs_a_failed_attempt_at_warning_with_partner_attempt_and_next_try(citizen, police, receiver, caplog):
    police(receiver("error").url)
    referral = f.report_make(device=citizen.device).referrals.get()
    with caplog.at_level(logging.WARNING, logger="referrals.services"):
        referral_deliver(referral_id=referral.pk)
    referral.refresh_from_db()
    [line] = [r for r in caplog.records if r.name == "referrals.services" and r.levelno == logging.WARNING]
    assert line.partner == "East police" and line.attempt == 1 and line.outcome == "temporary"
    assert datetime.fromisoformat(line.next_try) == referral.next_attempt_at
    assert "East police" in line.getMessage() and "attempt 1" in line.getMessage()


def test_a_refused_attempt_is_logged_with_no_next_try(citizen, police, receiver, caplog):
    police(receiver("gone").url)
    referral = f.report_make(device=citizen.device).referrals.get()
    with caplog.at_level(logging.WARNING, logger="referrals.services"):
        referral_deliver(referral_id=referral.pk)
    [line] = [r for r in caplog.records if r.name == "referrals.services" and r.levelno == logging.WARNING]
    assert line.outcome == "permanent" and line.next_try is None


def test_it_reads_dead_letters_and_waiting_referrals_by_partner(citizen, police, receiver):
    police(receiver("ok").url)
    dead = f.report_make(device=citizen.device).referrals.get()
    f.report_make(device=citizen.device)
    Referral.objects.filter(pk=dead.pk).update(state=Referral.State.DEAD)
    scraped = metrics_scrape()
    assert sample(scraped, "lantern_referral_dead_letters", partner="East police") == 1
    assert sample(scraped, "lantern_referrals_waiting", partner="East police") == 1
