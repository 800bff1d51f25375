"""``manage.py seed_demo``: a demo city that is believable, consistent and safe to run twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.models import ApiKey, StaffToken
from referrals.models import Jurisdiction, Partner
from reports.credentials import credential_digest
from reports.models import Category, Device, District, Report, ServiceArea

pytestmark = pytest.mark.django_db

MODELS = (ServiceArea, District, Jurisdiction, Category, Device, Report, StaffToken, ApiKey)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Four demo accounts with the production hasher would make each test wait on PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*extra: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--reports", "300", *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_creates_one_active_service_area_centred_inside_itself():
    seed()
    area = ServiceArea.objects.get(is_active=True)
    assert area.name == "Ghent (demo)"
    assert area.boundary.contains(area.center)
    assert area.boundary.valid


def test_its_districts_tile_the_area_without_overlap():
    seed()
    area = ServiceArea.objects.get(is_active=True)
    districts = list(area.districts.all())
    assert 6 <= len(districts) <= 8
    assert len({d.slug for d in districts}) == len(districts)
    union = districts[0].boundary
    for district in districts[1:]:
        assert union.intersection(district.boundary).area < 1e-12
        union = union.union(district.boundary)
    assert abs(union.area - area.boundary.area) < 1e-9


def test_every_report_lies_inside_the_area_and_in_the_district_that_contains_it():
    seed()
    area = ServiceArea.objects.get(is_active=True)
    reports = Report.objects.filter(source=Report.Source.DEMO).select_related("district")
    # The history asked for, and the live alerts' few reports on top.
    assert reports.filter(alerts__isnull=True).count() == 300
    assert not reports.exclude(location__within=area.boundary).exists()
    assert not reports.filter(district__isnull=True).exists()
    assert all(report.district.boundary.contains(report.location) for report in reports)


def test_it_makes_incidents_and_feelings_of_insecurity_that_pass_the_api_rules():
    seed()
    reports = Report.objects.filter(source=Report.Source.DEMO).select_related("category", "case")
    incidents = [r for r in reports if r.kind == Report.Kind.INCIDENT]
    insecurity = [r for r in reports if r.kind == Report.Kind.INSECURITY]
    assert incidents and insecurity
    assert 0.25 < len(insecurity) / len(reports) < 0.55
    assert all(r.category.is_insecurity_factor and 1 <= r.perception <= 5 for r in insecurity)
    assert all(code.startswith("insecurity.") for r in insecurity for code in r.factors)
    assert all(not r.category.is_insecurity_factor and r.perception is None for r in incidents)
    # Screened like real reports: every one has a case, and its status follows the rules engine.
    assert all(r.case.auto_verdict for r in reports)
    screened = {Report.Status.PUBLISHED, Report.Status.PENDING_REVIEW, Report.Status.REJECTED}
    assert {r.status for r in reports} <= screened
    assert not any(r.description for r in reports if r.category.sensitive)
    assert not any(r.consent_public_alert for r in reports if r.category.sensitive)


def test_it_backdates_reports_over_the_last_ninety_days():
    seed()
    reports = list(Report.objects.filter(source=Report.Source.DEMO))
    span = max(r.occurred_at for r in reports) - min(r.occurred_at for r in reports)
    assert span.days >= 60
    assert all(r.occurred_at <= r.created_at for r in reports)


def test_it_creates_police_areas_that_split_the_city_and_a_municipality_covering_it():
    seed()
    area = ServiceArea.objects.get(is_active=True)
    north = Jurisdiction.objects.get(name="Ghent Police North", kind=Jurisdiction.Kind.POLICE_AREA)
    south = Jurisdiction.objects.get(name="Ghent Police South", kind=Jurisdiction.Kind.POLICE_AREA)
    city = Jurisdiction.objects.get(name="City of Ghent", kind=Jurisdiction.Kind.MUNICIPALITY)
    assert north.boundary.intersection(south.boundary).area < 1e-12
    assert abs(north.boundary.area + south.boundary.area - area.boundary.area) < 1e-9
    assert city.boundary.equals(area.boundary)


def test_a_second_run_adds_and_changes_nothing():
    seed()
    before = {model: model.objects.count() for model in MODELS}
    reports_before = set(Report.objects.values_list("id", "created_at"))
    seed()
    assert {model: model.objects.count() for model in MODELS} == before
    assert set(Report.objects.values_list("id", "created_at")) == reports_before


def test_each_demo_partner_signs_with_its_own_secret():
    out = seed()
    secrets = list(Partner.objects.values_list("signing_secret", flat=True))
    assert len(secrets) >= 4
    assert len(set(secrets)) == len(secrets)
    assert all(secret in out for secret in secrets)


def test_a_demo_seeded_with_the_old_shared_secret_gets_one_secret_per_partner():
    seed()
    Partner.objects.update(signing_secret="lantern-demo-partner-secret")
    seed()
    secrets = list(Partner.objects.values_list("signing_secret", flat=True))
    assert len(set(secrets)) == len(secrets)


def test_demo_staff_tokens_and_passwords_authenticate():
    output = seed()
    for role in ("moderator", "analyst", "partner", "admin"):
        token = StaffToken.objects.get(key_hash=credential_digest(f"demo-{role}-token"))
        assert token.user.username == role
        assert token.user.groups.filter(name=role).exists()
        assert StaffToken.objects.filter(user=token.user).count() == 1
        assert authenticate(username=role, password="lantern-demo") == token.user
        assert f"demo-{role}-token" in output
    assert "/api/docs/" in output and "/admin/" in output


def test_the_demo_api_key_authenticates_for_the_city():
    seed()
    key = ApiKey.objects.get(key_hash=credential_digest("demo-authority-key"), revoked_at__isnull=True)
    assert list(key.jurisdictions.values_list("name", flat=True)) == ["City of Ghent"]


def test_it_leaves_a_real_account_with_a_demo_name_alone():
    user = get_user_model().objects.create_user(username="admin", password="s3cret-and-real")
    seed()
    user.refresh_from_db()
    assert user.check_password("s3cret-and-real")
    assert not StaffToken.objects.filter(user=user).exists()


def test_it_refuses_to_run_in_production(settings):
    settings.LANTERN_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not ServiceArea.objects.exists()


def test_the_moderation_queue_has_demo_cases_to_show():
    seed()
    from moderation.models import Case

    assert Case.objects.filter(state=Case.State.OPEN).exists()
    assert not Report.objects.filter(source=Report.Source.DEMO, case__isnull=True).exists()


def test_it_leaves_live_alerts_made_by_two_devices_and_a_second_run_adds_none():
    from alerts.models import Alert

    seed()
    live = Alert.objects.filter(ended_at__isnull=True, expires_at__gt=timezone.now(), visible_from__lte=timezone.now())
    assert live.count() == 2
    assert {alert.category.code for alert in live} == {"property.bicycle_theft", "property.pickpocketing"}
    for alert in live:
        reports = list(alert.reports.all())
        assert len(reports) == 2 and len({report.device_id for report in reports}) == 2
        assert all(report.status == Report.Status.PUBLISHED and not report.consent_police for report in reports)
    seed()
    assert Alert.objects.count() == 2


def test_its_held_texts_sit_in_categories_they_could_have_been_filed_under():
    from backend.demo.texts import HELD_TEXTS

    seed()
    for codes, text in HELD_TEXTS:
        filed = set(Report.objects.filter(description=text).values_list("category__code", flat=True))
        assert filed <= set(codes), text
    parcels = Report.objects.filter(description__contains="stealing parcels")
    assert not parcels.filter(category__code="insecurity.poor_visibility").exists()
