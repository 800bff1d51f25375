from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from api.services import staff_account_create
from moderation.models import AuditEntry, Case
from tests import factories
from tests.conftest import Staff, _client


@pytest.fixture
def other_moderator(db: None) -> Staff:
    user, token = staff_account_create(username="second-moderator", role="moderator")
    return Staff(user, token, _client(f"Token {token}"))


def _claim(staff: Staff, report) -> object:
    return staff.client.post(f"/api/v1/moderation/reports/{report.id}/claim/")


def _decide(staff: Staff, report, decision: str = "approve_redacted", reason: str = "pii.person_name", note=""):
    return staff.client.post(
        f"/api/v1/moderation/reports/{report.id}/decision/",
        {"decision": decision, "reason_code": reason, "note": note}, format="json",
    )


def test_the_queue_lists_held_reports_oldest_first_for_moderators(moderator, citizen):
    older = factories.report_held(device=citizen.device)
    newer = factories.report_held(device=citizen.device, code="profiling.protected_attribute")
    Case.objects.filter(report=older).update(opened_at=timezone.now() - timedelta(hours=2))
    response = moderator.client.get("/api/v1/moderation/queue/")
    assert response.status_code == 200
    ids = [item["report_id"] for item in response.json()["results"]]
    assert ids == [str(older.id), str(newer.id)]
    entry = response.json()["results"][0]
    assert entry["redacted_text"] == "It was [name removed]."
    assert "description" not in entry


def test_the_queue_filters_by_family_district_and_age(moderator, citizen):
    pii = factories.report_held(device=citizen.device)
    profiling = factories.report_held(device=citizen.device, code="profiling.protected_attribute")
    Case.objects.filter(report=pii).update(opened_at=timezone.now() - timedelta(hours=3))
    by_family = moderator.client.get("/api/v1/moderation/queue/?family=profiling").json()["results"]
    assert [item["report_id"] for item in by_family] == [str(profiling.id)]
    by_district = moderator.client.get("/api/v1/moderation/queue/?district=east").json()["results"]
    assert len(by_district) == 2
    assert moderator.client.get("/api/v1/moderation/queue/?district=west").json()["results"] == []
    old = moderator.client.get("/api/v1/moderation/queue/?min_age_minutes=60").json()["results"]
    assert [item["report_id"] for item in old] == [str(pii.id)]


def test_the_queue_refuses_bad_filters(moderator, db):
    response = moderator.client.get("/api/v1/moderation/queue/?family=gossip&min_age_minutes=-1")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"family", "min_age_minutes"}


@pytest.mark.parametrize("persona", ["anonymous", "citizen", "analyst", "police_partner"])
def test_only_moderators_reach_the_queue(request, persona, service_area):
    client = request.getfixturevalue(persona)
    client = getattr(client, "client", client)
    assert client.get("/api/v1/moderation/queue/").status_code in (401, 403)


def test_a_moderator_claims_and_decides_and_the_report_is_published_redacted(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    assert _claim(moderator, report).status_code == 200
    response = _decide(moderator, report)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    report.refresh_from_db()
    assert report.public_description == "It was [name removed]."
    assert report.case.state == "closed"


def test_a_decision_on_a_report_claimed_by_someone_else_is_refused(moderator, other_moderator, citizen):
    report = factories.report_held(device=citizen.device)
    _claim(moderator, report)
    assert _claim(other_moderator, report).status_code == 409
    response = _decide(other_moderator, report, "reject", "moderator.off_topic")
    assert response.status_code == 409
    assert response.json()["type"] == "urn:lantern:problem:case-claimed"
    report.refresh_from_db()
    assert report.status == "pending_review"


def test_a_claim_expires_and_another_moderator_may_take_it(moderator, other_moderator, citizen):
    report = factories.report_held(device=citizen.device)
    _claim(moderator, report)
    Case.objects.filter(report=report).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert _claim(other_moderator, report).status_code == 200
    assert _decide(other_moderator, report, "approve", "moderator.false_positive").status_code == 200


def test_deciding_without_a_claim_is_refused(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    response = _decide(moderator, report)
    assert response.status_code == 409


def test_a_rejection_and_an_escalation(moderator, citizen):
    rejected = factories.report_held(device=citizen.device)
    _claim(moderator, rejected)
    assert _decide(moderator, rejected, "reject", "vigilantism.call_to_action").json()["status"] == "rejected"
    escalated = factories.report_held(device=citizen.device)
    _claim(moderator, escalated)
    body = _decide(moderator, escalated, "escalate", "moderator.unsure").json()
    assert (body["status"], body["case_state"]) == ("pending_review", "escalated")
    queue = moderator.client.get("/api/v1/moderation/queue/?state=escalated").json()["results"]
    assert [item["report_id"] for item in queue] == [str(escalated.id)]


@pytest.mark.parametrize("body", [
    {"decision": "banish", "reason_code": "pii.person_name"},
    {"decision": "approve", "reason_code": "because I said so"},
    {"decision": "approve", "reason_code": "gossip.rumour"},
    {"decision": "approve"},
])
def test_bad_decisions_are_refused_and_change_nothing(moderator, citizen, body):
    report = factories.report_held(device=citizen.device)
    _claim(moderator, report)
    response = moderator.client.post(f"/api/v1/moderation/reports/{report.id}/decision/", body, format="json")
    assert response.status_code in (400, 409)
    report.refresh_from_db()
    assert report.status == "pending_review"
    assert not AuditEntry.objects.filter(report_id=report.id, action="decision").exists()


def test_every_decision_is_audited(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    _claim(moderator, report)
    _decide(moderator, report, "reject", "pii.person_name", note="names a neighbour")
    actions = list(AuditEntry.objects.filter(report_id=report.id).order_by("at", "id").values_list("action", "actor"))
    assert actions[0] == ("auto_decision", "system")
    assert ("claim", moderator.user.username) in actions
    decision = AuditEntry.objects.get(report_id=report.id, action="decision")
    assert decision.detail["reason_code"] == "pii.person_name"
    assert decision.detail["note"] == "names a neighbour"


def test_the_database_refuses_to_change_or_delete_audit_entries(citizen):
    report = factories.report_held(device=citizen.device)
    entry = AuditEntry.objects.filter(report_id=report.id).first()
    for statement in (
        f"UPDATE moderation_auditentry SET actor = 'someone else' WHERE id = {entry.id}",
        f"DELETE FROM moderation_auditentry WHERE id = {entry.id}",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    entry.refresh_from_db()
    assert entry.actor == "system"


def test_viewing_the_exact_location_is_audited(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    plain = moderator.client.get(f"/api/v1/moderation/reports/{report.id}/")
    assert plain.status_code == 200
    assert "location" not in plain.json()
    assert plain.json()["description"] == "It was Jan Peeters."
    assert not AuditEntry.objects.filter(report_id=report.id, action="view_location").exists()
    located = moderator.client.get(f"/api/v1/moderation/reports/{report.id}/?include=location")
    assert located.json()["location"]["type"] == "Point"
    entry = AuditEntry.objects.get(report_id=report.id, action="view_location")
    assert entry.actor == moderator.user.username


def test_viewing_a_photo_is_audited_and_a_missing_one_is_404(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    assert moderator.client.get(f"/api/v1/moderation/reports/{report.id}/photos/0/").status_code == 404
    assert not AuditEntry.objects.filter(report_id=report.id, action="view_photos").exists()


def test_the_reporter_may_appeal_a_rejection_once_and_another_moderator_decides(
    moderator, other_moderator, citizen
):
    report = factories.report_held(device=citizen.device)
    _claim(moderator, report)
    _decide(moderator, report, "reject", "pii.person_name")
    appeal_url = f"/api/v1/reports/{report.id}/appeal/"
    response = citizen.client.post(appeal_url, {"note": "It is the shop's name, not a person."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_review"
    assert citizen.client.post(appeal_url, {"note": "again"}, format="json").status_code == 409
    # The moderator who rejected may not decide the appeal.
    assert _claim(moderator, report).status_code == 409
    assert _claim(other_moderator, report).status_code == 200
    result = _decide(other_moderator, report, "approve", "moderator.false_positive")
    assert result.json()["status"] == "published"
    report.refresh_from_db()
    assert report.case.appeal.outcome == "upheld"


def test_only_a_rejected_report_can_be_appealed_and_only_by_its_author(citizen, other_citizen):
    held = factories.report_held(device=citizen.device)
    body = {"note": "please reconsider"}
    assert citizen.client.post(f"/api/v1/reports/{held.id}/appeal/", body, format="json").status_code == 409
    rejected = factories.report_held(device=citizen.device, verdict="reject")
    assert other_citizen.client.post(f"/api/v1/reports/{rejected.id}/appeal/", body, format="json").status_code == 404


def test_withdrawing_a_held_report_takes_it_out_of_the_queue(moderator, citizen):
    report = factories.report_held(device=citizen.device)
    citizen.client.delete(f"/api/v1/reports/{report.id}/")
    assert moderator.client.get("/api/v1/moderation/queue/").json()["results"] == []
    assert AuditEntry.objects.filter(report_id=report.id, action="withdrawn").exists()


def test_staff_check_screens_text_without_storing(moderator, db):
    response = moderator.client.post("/api/v1/moderation/check/", {"description": "Nothing here."}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"language", "verdict", "hits", "redacted_text"}


def test_a_citizen_previews_a_draft_without_storing_it(citizen):
    from reports.models import Report

    response = citizen.client.post("/api/v1/reports/preview/", {"description": "Dark underpass."}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"language", "verdict", "hits", "redacted_text"}
    assert Report.objects.count() == 0


def test_it_explains_rule_hits_in_the_moderators_language_not_the_reports(moderator, citizen):
    from moderation.rules.lexicon import lexicons

    report = factories.report_held(device=citizen.device)  # screened as English, explanation stored in English
    dutch = lexicons()["nl"].explanations["pii.person_name"]
    case = moderator.client.get(f"/api/v1/moderation/reports/{report.id}/", HTTP_ACCEPT_LANGUAGE="nl-BE").json()
    assert [hit["explanation"] for hit in case["hits"]] == [dutch]
    queue = moderator.client.get("/api/v1/moderation/queue/", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert [hit["explanation"] for hit in queue["results"][0]["hits"]] == [dutch]
    english = moderator.client.get(f"/api/v1/moderation/reports/{report.id}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["hits"][0]["explanation"] == lexicons()["en"].explanations["pii.person_name"]


def test_it_keeps_the_stored_explanation_of_a_code_no_lexicon_explains(moderator, citizen):
    report = factories.report_held(device=citizen.device, code="moderator.legacy_rule")
    case = moderator.client.get(f"/api/v1/moderation/reports/{report.id}/", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert case["hits"][0]["explanation"] == "Remove the name."
