"""Opening a report's moderation case: the case, its rule hits and the automatic decision's audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation import services as moderation
from moderation.engine import RuleHit as Hit
from moderation.engine import Screening
from moderation.models import AuditEntry, Case, RuleHit
from tests import factories

HELD = Screening(
    language="en", verdict="hold", redacted_text="It was [name removed] near the station.",
    hits=(
        Hit(code="pii.person_name", action="hold", spans=((7, 18), (30, 34)), explanation="Remove the name."),
        Hit(code="rate.burst", action="hold", spans=(), explanation="Many reports in a short time."),
        Hit(code="flood.place", action="hold", spans=(), explanation="Many reports from one place: « ça »."),
    ),
)
ALLOWED = Screening(language="fr", verdict="allow", redacted_text="Rien à signaler.", hits=())


def _report_without_case(device: Any) -> Any:
    report = factories.report_create(device=device)
    report.case.delete()
    report.refresh_from_db()
    return report


def _rows(report: Any) -> dict[str, Any]:
    case = Case.objects.values(
        "state", "auto_verdict", "language", "redacted_text", "families", "claimed_by_id", "claimed_until",
    ).get(report=report)
    decided = Case.objects.get(report=report).decided_at is not None
    hits = list(RuleHit.objects.filter(case__report=report).order_by("id").values(
        "code", "family", "action", "spans", "explanation"
    ))
    audit = AuditEntry.objects.filter(report_id=report.pk).order_by("-id").values(
        "actor_id", "actor", "action", "detail"
    ).first()
    return {"case": case, "decided": decided, "hits": hits, "audit": audit}


@pytest.mark.parametrize("screening", [HELD, ALLOWED], ids=["held", "allowed"])
def test_it_writes_the_same_rows_as_the_bulk_path(citizen, screening):
    one, other = _report_without_case(citizen.device), _report_without_case(citizen.device)
    moderation.case_open(report=one, screening=screening)
    moderation.cases_open_in_bulk(screened=[(other, screening)])
    assert _rows(one) == _rows(other)


def test_it_writes_the_case_its_hits_and_its_audit_entry_in_one_statement(citizen):
    report = _report_without_case(citizen.device)
    with CaptureQueriesContext(connection) as queries:
        moderation.case_open(report=report, screening=HELD)
    inserts = [query["sql"] for query in queries if "moderation_" in query["sql"] and "INSERT" in query["sql"]]
    assert len(inserts) == 1
    assert Case.objects.filter(report=report).count() == 1


def test_it_answers_the_case_and_its_hits_as_stored_without_reading_them_back(citizen):
    report = _report_without_case(citizen.device)
    opened = moderation.case_open(report=report, screening=HELD)
    case = opened.case
    with CaptureQueriesContext(connection) as queries:
        answered = [(hit.pk, hit.case_id, hit.code, hit.spans) for hit in opened.hits]
        report_case = report.case
    assert len(queries) == 0
    assert report_case is case
    stored = Case.objects.get(report=report)
    assert (case.pk, case.opened_at, case.decided_at, case._state.adding) == (
        stored.pk, stored.opened_at, stored.decided_at, False
    )
    assert answered == [(hit.pk, hit.case_id, hit.code, hit.spans) for hit in stored.hits.all()]
    assert [code for _, _, code, _ in answered] == ["pii.person_name", "rate.burst", "flood.place"]


def test_it_closes_an_allowed_report_s_case_at_once(citizen):
    report = _report_without_case(citizen.device)
    case = moderation.case_open(report=report, screening=ALLOWED).case
    stored = Case.objects.get(report=report)
    assert (stored.state, stored.auto_verdict, stored.families, stored.hits.count()) == ("closed", "allow", [], 0)
    assert stored.decided_at == case.decided_at and stored.decided_at <= stored.opened_at
