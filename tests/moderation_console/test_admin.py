"""The moderation admin: the queue, a case's page (audited), decision actions, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone

from api.services import staff_account_create
from moderation.models import AuditEntry, Case
from moderation.services import case_claim
from tests import factories

QUEUE = "/admin/moderation/case/"


def _change_page(case_pk: int) -> str:
    return f"/admin/moderation/case/{case_pk}/change/"


def _act(browser: Client, action: str, *cases: Case, **form: str):
    return browser.post(QUEUE, {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in cases], **form}, follow=True)


@pytest.mark.parametrize("query", [
    "", "?state=all", "?state=escalated", "?family=pii", "?family=hate", "?report__district__id__exact=1",
    "?opened_at__year=2026", "?q=00000000-0000-0000-0000-000000000000", "?q=not-a-uuid",
])
def test_the_admin_queue_opens_with_its_filters_for_a_superuser(superuser_browser, citizen, query):
    factories.report_held(device=citizen.device)
    assert superuser_browser.get(QUEUE + query).status_code == 200


def test_the_admin_queue_lists_waiting_cases_oldest_first_with_their_families(superuser_browser, citizen):
    older = factories.report_held(device=citizen.device)
    newer = factories.report_held(device=citizen.device, code="profiling.protected_attribute")
    closed = factories.report_held(device=citizen.device)
    Case.objects.filter(report=closed).update(state=Case.State.CLOSED)
    Case.objects.filter(report=older).update(opened_at=timezone.now() - timedelta(hours=2))
    page = superuser_browser.get(QUEUE).content.decode()
    assert page.index(str(older.id)[:8]) < page.index(str(newer.id)[:8])
    assert 'lantern-badge-profiling">profiling<' in page
    assert str(closed.id)[:8] not in page
    assert str(closed.id)[:8] in superuser_browser.get(QUEUE + "?state=all").content.decode()
    only_pii = superuser_browser.get(QUEUE + "?family=pii").content.decode()
    assert str(older.id)[:8] in only_pii
    assert str(newer.id)[:8] not in only_pii


def test_a_moderator_uses_the_admin_queue_without_model_permissions(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    browser = Client()
    browser.force_login(moderator.user)
    assert browser.get("/admin/").status_code == 200
    assert browser.get(QUEUE).status_code == 200
    assert browser.get(_change_page(report.case.pk)).status_code == 200
    # The audit trail watches moderators: it is for those given its view permission (admins).
    assert browser.get("/admin/moderation/auditentry/").status_code == 403


def test_an_analyst_does_not_reach_the_admin_queue(analyst_browser, citizen):
    factories.report_held(device=citizen.device)
    assert analyst_browser.get(QUEUE).status_code == 403


def test_the_case_page_highlights_the_hits_and_escapes_the_text(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device, description="It was Jan Peeters <script>alert(1)</script>")
    page = superuser_browser.get(_change_page(report.case.pk)).content.decode()
    assert '<mark class="lantern-hit" title="pii.person_name">Jan Peeters</mark>' in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Remove the name." in page


def test_opening_a_case_is_audited_and_hides_the_exact_point(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    page = superuser_browser.get(_change_page(report.case.pk)).content.decode()
    actions = list(AuditEntry.objects.filter(report_id=report.id, actor="root").values_list("action", flat=True))
    assert actions == ["view_text"]
    assert f"{report.location.y:.5f}" not in page
    assert "lantern-map-point" not in page
    assert "Show exact location (audited)" in page
    assert "cdn" not in page.lower()


def test_showing_the_exact_location_on_the_case_page_writes_a_view_location_entry(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    page = superuser_browser.get(_change_page(report.case.pk) + "?location=1").content.decode()
    entry = AuditEntry.objects.get(report_id=report.id, action="view_location")
    assert entry.actor == "root"
    assert f"{report.location.y:.5f}, {report.location.x:.5f}" in page
    assert 'class="lantern-map-point"' in page
    assert 'class="lantern-map-district"' in page


def test_the_reject_action_asks_for_a_reason_then_claims_and_decides(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    confirm = _act(superuser_browser, "reject_selected", report.case)
    assert confirm.status_code == 200
    assert b"give a reason" in confirm.content
    assert b'value="pii.person_name"' in confirm.content
    report.refresh_from_db()
    assert report.status == "pending_review", "nothing is decided before the reason is given"

    done = _act(superuser_browser, "reject_selected", report.case, apply="1", reason_code="moderator.off_topic",
                note="not a crime")
    assert b"Decided on 1 report" in done.content
    report.refresh_from_db()
    assert report.status == "rejected"
    assert report.case.state == "closed"
    decision = AuditEntry.objects.get(report_id=report.id, action="decision")
    assert (decision.actor, decision.detail["reason_code"], decision.detail["note"]) == (
        "root", "moderator.off_topic", "not a crime",
    )
    assert AuditEntry.objects.filter(report_id=report.id, action="claim", actor="root").exists()


def test_the_approve_redacted_action_publishes_the_redacted_text(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    _act(superuser_browser, "approve_redacted_selected", report.case, apply="1", reason_code="pii.person_name")
    report.refresh_from_db()
    assert (report.status, report.public_description) == ("published", "It was [name removed].")


def test_a_moderator_escalates_from_the_admin(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    browser = Client()
    browser.force_login(moderator.user)
    _act(browser, "escalate_selected", report.case, apply="1", reason_code="moderator.unsure")
    report.case.refresh_from_db()
    assert report.case.state == "escalated"


def test_an_action_on_a_report_someone_else_holds_is_refused_and_changes_nothing(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    other, _ = staff_account_create(username="other-moderator", role="moderator")
    case_claim(report_id=report.id, moderator=other)
    done = _act(superuser_browser, "approve_selected", report.case, apply="1", reason_code="moderator.false_positive")
    assert b"Another moderator is reviewing this report" in done.content
    report.refresh_from_db()
    assert report.status == "pending_review"
    assert not AuditEntry.objects.filter(report_id=report.id, action="decision").exists()


def test_an_unknown_reason_is_refused_by_the_form(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    page = _act(superuser_browser, "reject_selected", report.case, apply="1", reason_code="gossip.rumour")
    assert b"Select a valid choice" in page.content
    report.refresh_from_db()
    assert report.status == "pending_review"


def test_the_claim_action_claims(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    _act(superuser_browser, "claim_selected", report.case)
    report.case.refresh_from_db()
    assert report.case.claimed_by.username == "root"


def test_the_audit_trail_is_read_only_and_searchable(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    entry = AuditEntry.objects.filter(report_id=report.id).first()
    listing = superuser_browser.get(f"/admin/moderation/auditentry/?q={str(report.id)[:8]}").content.decode()
    assert str(report.id) in listing
    assert superuser_browser.get("/admin/moderation/auditentry/?q=system").status_code == 200
    assert superuser_browser.get("/admin/moderation/auditentry/add/").status_code == 403
    assert superuser_browser.get(f"/admin/moderation/auditentry/{entry.pk}/delete/").status_code == 403
    change = superuser_browser.get(f"/admin/moderation/auditentry/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in change


def test_the_audit_trail_names_its_actions_in_the_operators_language(superuser_browser, citizen):
    factories.report_held(device=citizen.device)
    listing = superuser_browser.get("/admin/moderation/auditentry/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Automatische Entscheidung" in listing
    assert "Automatic decision" not in listing


def test_a_case_is_never_edited_or_deleted_in_the_admin(superuser_browser, citizen):
    report = factories.report_held(device=citizen.device)
    page = superuser_browser.get(_change_page(report.case.pk)).content.decode()
    assert 'name="_save"' not in page
    assert superuser_browser.get(f"/admin/moderation/case/{report.case.pk}/delete/").status_code == 403
