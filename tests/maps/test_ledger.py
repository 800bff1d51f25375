"""The privacy ledger: what a month may spend, and what happens when a release asks for more."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from maps.errors import PrivacyBudgetExhausted
from maps.models import BudgetSpend, Layer, PrivacyLedger, Release, ReleaseCell
from maps.services import release_publish
from tests.maps import builders
from tests.maps.builders import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _town(service_area):
    builders.crowd(3)


def publish(layer: str, epsilon: str | None = None) -> Release:
    return release_publish(month=MONTH, layer=layer, epsilon=epsilon, now=builders.after_month())


def test_each_release_charges_its_epsilon_to_the_month():
    publish(Layer.INSECURITY)
    publish(Layer.INCIDENTS)
    ledger = PrivacyLedger.objects.get(month=MONTH)
    assert ledger.cap == Decimal("4.000")
    assert sorted(ledger.spends.values_list("layer", "epsilon")) == [
        ("incidents", Decimal("1.000")), ("insecurity", Decimal("1.000"))
    ]


def test_it_refuses_a_release_that_would_pass_the_monthly_cap_and_stores_nothing():
    publish(Layer.INSECURITY, epsilon="3")
    with pytest.raises(PrivacyBudgetExhausted) as refused:
        publish(Layer.INCIDENTS, epsilon="1.5")
    assert "over its cap of 4" in str(refused.value.detail)
    assert list(Release.objects.values_list("layer", flat=True)) == ["insecurity"]
    assert BudgetSpend.objects.count() == 1
    assert not ReleaseCell.objects.exclude(release__layer="insecurity").exists()
    assert publish(Layer.INCIDENTS, epsilon="1").epsilon == Decimal("1.000"), "exactly up to the cap is fine"


def test_a_months_cap_is_the_one_in_force_when_it_was_first_charged(settings):
    publish(Layer.INSECURITY, epsilon="3.5")
    settings.MAPS_MONTHLY_EPSILON_CAP = "10"
    with pytest.raises(PrivacyBudgetExhausted):
        publish(Layer.INCIDENTS, epsilon="1")


def test_the_command_reports_a_refusal_and_fails():
    publish(Layer.INSECURITY, epsilon="4")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("publish_release", "--month", builders.MONTH_TEXT, "--layer", "incidents",
                     stdout=StringIO(), stderr=err)
    assert "refused" in err.getvalue() and "cap" in err.getvalue()


@pytest.mark.parametrize("epsilon", ["0", "-1", "11", "lots", "NaN"])
def test_an_impossible_epsilon_is_refused_before_anything_is_drawn(epsilon):
    from maps.errors import ReleaseInvalid

    with pytest.raises(ReleaseInvalid):
        publish(Layer.INSECURITY, epsilon=epsilon)
    assert not PrivacyLedger.objects.exists() and not Release.objects.exists()
