"""Fixtures of the referral tests: the town's jurisdictions and partners' webhooks on 127.0.0.1."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from referrals.models import Jurisdiction
from reports.taxonomy import taxonomy_sync
from tests.referrals import factories
from tests.referrals.receivers import Receiver
from tests.referrals.worker_processes import jobs_clear, worker_stop


@pytest.fixture
def jurisdictions(service_area) -> dict[str, Jurisdiction]:
    return factories.town_jurisdictions()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(*behaviours: str, secret: str = factories.SECRET, hang_seconds: float = 30.0) -> Receiver:
        made.append(Receiver(behaviours=behaviours or ("ok",), secret=secret, hang_seconds=hang_seconds))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def fast_retries(settings) -> None:
    settings.REFERRAL_WEBHOOK_TIMEOUT_SECONDS = 1
    settings.REFERRAL_DELIVERY_LEASE_SECONDS = 5


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Worker processes a test starts (``worker_processes.worker_start``), stopped after it, on an empty queue."""
    started: list[subprocess.Popen[bytes]] = []
    jobs_clear()
    taxonomy_sync()  # an earlier transactional test may have flushed the migration's categories
    yield started
    for worker in started:
        worker_stop(worker)
    jobs_clear()
