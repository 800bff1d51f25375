"""Operators read alerts, zones and push deliveries in the admin, without any citizen's exact place."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.test import Client

from alerts import fanout
from alerts.models import PushDelivery, Subscription
from alerts.services import subscription_create
from tests import factories
from tests.alerts.fixtures import alert_of, device_with_zone, published_report, trusted_device

pytestmark = pytest.mark.django_db

HOME = (3.71234, 51.04321)


@pytest.fixture
def operator() -> Client:
    user = get_user_model().objects.create_superuser("operator", "operator@example.org", "x")
    client = Client()
    client.force_login(user)
    return client


def _alert_with_a_delivery(fcm):
    device_with_zone(push_token="tok-admin")
    published_report(device=trusted_device(), category="violence.robbery")
    alert = alert_of(published_report(device=trusted_device(), category="violence.robbery"))
    fanout.alert_publish_now(alert_id=alert.pk)
    return alert


def test_the_alert_pages_show_figures_but_not_the_true_place_of_the_first_report(operator, service_area, fcm):
    alert = _alert_with_a_delivery(fcm)
    listing = operator.get("/admin/alerts/alert/")
    assert listing.status_code == 200 and str(alert.pk) in listing.content.decode()
    page = operator.get(f"/admin/alerts/alert/{alert.pk}/change/").content.decode()
    assert alert.cell in page and "&quot;sent&quot;: 1" in page
    assert alert.source_cell not in page or alert.source_cell == alert.cell
    assert "source_cell" not in page and 'name="category"' not in page  # read only


def test_a_zones_centre_and_label_are_never_shown(operator, service_area):
    device, _ = factories.device_create()
    zone = subscription_create(device=device, center=Point(*HOME, srid=4326), radius_m=500, label="Home, Veldstraat 12")
    for url in ("/admin/alerts/subscription/", f"/admin/alerts/subscription/{zone.pk}/change/"):
        page = operator.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Veldstraat" not in text and "3.712" not in text and "51.043" not in text


def test_an_operator_may_delete_a_zone_but_not_edit_it(operator, service_area):
    device, _ = factories.device_create()
    zone = subscription_create(device=device, center=Point(*HOME, srid=4326), radius_m=500)
    refused = operator.post(f"/admin/alerts/subscription/{zone.pk}/change/", {"radius_m": 9000})
    assert refused.status_code == 403
    operator.post(f"/admin/alerts/subscription/{zone.pk}/delete/", {"post": "yes"})
    assert not Subscription.objects.filter(pk=zone.pk).exists()


def test_push_deliveries_are_listed_by_status_and_found_by_alert_without_tokens(operator, service_area, fcm):
    alert = _alert_with_a_delivery(fcm)
    delivery = PushDelivery.objects.get(alert=alert)
    listing = operator.get(f"/admin/alerts/pushdelivery/?status=sent&q={alert.pk}")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert f"/admin/alerts/pushdelivery/{delivery.pk}/change/" in text and "tok-admin" not in text
    assert operator.get("/admin/alerts/pushdelivery/?q=not-a-uuid").status_code == 200
    assert operator.get(f"/admin/alerts/pushdelivery/{delivery.pk}/change/").status_code == 200
    assert operator.get(f"/admin/alerts/pushdelivery/{delivery.pk}/delete/").status_code == 403
