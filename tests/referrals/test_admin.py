"""Operators manage partners and dead letters in the admin; secrets are write-only."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from referrals.models import Partner, Referral
from tests.referrals import factories as f


@pytest.fixture
def operator(db) -> Client:
    user = get_user_model().objects.create_superuser("operator", "operator@example.org", "x")
    client = Client()
    client.force_login(user)
    return client


def test_a_partners_signing_secret_is_never_shown_back(operator, jurisdictions):
    partner = f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    page = operator.get(f"/admin/referrals/partner/{partner.pk}/change/")
    assert page.status_code == 200
    assert f.SECRET not in page.content.decode()
    assert 'name="new_signing_secret"' in page.content.decode()


def _form(partner: Partner, **changes: str) -> dict[str, object]:
    served = [j.pk for j in partner.jurisdictions.all()] if partner.pk else []
    return {
        "name": partner.name, "kind": partner.kind, "channel": partner.channel, "endpoint": partner.endpoint,
        "is_active": "on", "jurisdictions": served, "categories": [],
        "languages": "", "service_codes": "{}", "data_fields": "", **changes,
    }


def test_saving_a_partner_without_a_new_secret_keeps_the_old_one(operator, jurisdictions):
    partner = f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    response = operator.post(f"/admin/referrals/partner/{partner.pk}/change/", _form(partner, endpoint="https://x.example/h"))
    assert response.status_code == 302, response.content.decode()[:2000]
    partner.refresh_from_db()
    assert partner.signing_secret == f.SECRET and partner.endpoint == "https://x.example/h"


def test_a_new_partner_gets_a_generated_secret_shown_once(operator, jurisdictions):
    draft = Partner(name="Slachtofferhulp", kind="victim_support", channel="webhook", endpoint="https://vs.example/h")
    response = operator.post("/admin/referrals/partner/add/", _form(draft), follow=True)
    assert response.status_code == 200
    partner = Partner.objects.get(name="Slachtofferhulp")
    assert len(partner.signing_secret) >= 32
    assert partner.signing_secret in response.content.decode()
    again = operator.get(f"/admin/referrals/partner/{partner.pk}/change/")
    assert partner.signing_secret not in again.content.decode()


def test_an_operator_sets_a_secret_and_cannot_set_a_weak_one(operator, jurisdictions):
    partner = f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    weak = operator.post(f"/admin/referrals/partner/{partner.pk}/change/", _form(partner, new_signing_secret="short"))
    assert weak.status_code == 200 and "24 characters" in weak.content.decode()
    strong = "a-secret-agreed-with-the-police-2026"
    operator.post(f"/admin/referrals/partner/{partner.pk}/change/", _form(partner, new_signing_secret=strong))
    partner.refresh_from_db()
    assert partner.signing_secret == strong


def test_the_admin_refuses_data_a_partners_kind_may_not_receive(operator, jurisdictions):
    partner = f.partner_create(name="Slachtofferhulp", kind="victim_support",
                               jurisdictions=(jurisdictions["Test town"],))
    response = operator.post(f"/admin/referrals/partner/{partner.pk}/change/",
                             _form(partner, data_fields="contact,location"))
    assert response.status_code == 200
    assert "location" in response.content.decode()
    partner.refresh_from_db()
    assert partner.data_fields == []


def test_operators_see_dead_letters_and_requeue_them(operator, citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    dead = f.report_make(device=citizen.device).referrals.get()
    alive = f.report_make(device=citizen.device).referrals.get()
    Referral.objects.filter(pk=dead.pk).update(state=Referral.State.DEAD, last_error="HTTP 503")
    listing = operator.get("/admin/referrals/referral/?dead_letter=yes")
    assert listing.status_code == 200
    assert str(dead.pk)[:8] in listing.content.decode() and str(alive.pk)[:8] not in listing.content.decode()
    response = operator.post("/admin/referrals/referral/", {
        "action": "requeue_selected", "_selected_action": [str(dead.pk), str(alive.pk)],
    }, follow=True)
    assert "Requeued 1 referral." in response.content.decode()
    assert "1 referral was not a dead letter and was left alone." in response.content.decode()
    dead.refresh_from_db()
    assert dead.state == Referral.State.PENDING


def test_a_french_speaking_operator_is_told_in_french_plurals_how_many_were_requeued(operator, citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    dead = [f.report_make(device=citizen.device).referrals.get() for _ in range(2)]
    Referral.objects.filter(pk__in=[referral.pk for referral in dead]).update(state=Referral.State.DEAD)
    response = operator.post("/admin/referrals/referral/", {
        "action": "requeue_selected", "_selected_action": [str(referral.pk) for referral in dead],
    }, follow=True, HTTP_ACCEPT_LANGUAGE="fr")
    assert "2 transmissions remises en file." in response.content.decode()


def test_a_referrals_page_shows_its_attempts_but_not_what_was_sent(operator, citizen, jurisdictions):
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    referral = f.report_make(device=citizen.device, description="Lock cut near the library.").referrals.get()
    page = operator.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert str(referral.event_id) in page
    assert "Lock cut near the library." not in page


def test_seed_demo_creates_partners_of_each_kind_and_refers_none_of_its_reports(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--reports", "200", stdout=StringIO(), stderr=StringIO())
    call_command("seed_demo", "--reports", "200", stdout=StringIO(), stderr=StringIO())
    kinds = sorted(Partner.objects.values_list("kind", flat=True))
    assert kinds == ["municipal_service", "police", "police", "victim_support"]
    assert Partner.objects.get(kind="municipal_service").channel == "open311"
    police = Partner.objects.filter(kind="police")
    assert {j.name for p in police for j in p.jurisdictions.all()} == {"Ghent Police North", "Ghent Police South"}
    assert not Referral.objects.exists()
