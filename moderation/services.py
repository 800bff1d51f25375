"""Writes of the moderation workflow: cases, claims, decisions, appeals and the audit trail.

These functions work on what they are handed (a report object, a user); the report's own status is
changed by the cross-part workflows in ``workflows`` that call them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import events
from moderation.engine import Screening
from moderation.errors import AppealNotAllowed, CaseNotClaimable, DecisionNotAllowed
from moderation.models import Appeal, AuditEntry, Case, Decision, RuleHit
from moderation.selectors import case_get

CLAIM_DURATION = timedelta(minutes=15)
SYSTEM_ACTOR = "system"
REASON_CODE = re.compile(r"^(pii|vigilantism|threat|hate|profiling|trust|flood|rate|moderator)(\.[a-z0-9_]+)+$")
_OPEN_STATES = (Case.State.OPEN, Case.State.ESCALATED, Case.State.APPEALED)


def audit_record(*, actor: Any | None, action: str, report_id: Any, **detail: Any) -> AuditEntry:
    """Append one entry to the audit trail; ``actor`` None is the system itself."""
    return AuditEntry.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        action=action,
        report_id=report_id,
        detail=detail,
    )


def _case_for(report: Any, screening: Screening, *, now: Any) -> Case:
    held = screening.verdict == "hold"
    return Case(
        report=report,
        state=Case.State.OPEN if held else Case.State.CLOSED,
        auto_verdict=screening.verdict,
        language=screening.language,
        redacted_text=screening.redacted_text,
        families=sorted({hit.code.split(".")[0] for hit in screening.hits}),
        decided_at=None if held else now,
    )


def _hits_for(case: Case, screening: Screening) -> list[RuleHit]:
    return [
        RuleHit(
            case=case, code=hit.code, family=hit.code.split(".")[0], action=hit.action,
            spans=[list(span) for span in hit.spans], explanation=hit.explanation,
        )
        for hit in screening.hits
    ]


def _auto_decision(report: Any, screening: Screening) -> AuditEntry:
    return AuditEntry(
        actor=SYSTEM_ACTOR, action=AuditEntry.Action.AUTO_DECISION, report_id=report.pk,
        detail={"verdict": screening.verdict, "codes": [hit.code for hit in screening.hits]},
    )


# The case, its rule hits and the automatic decision's audit entry in one statement: three INSERTs were three
# round trips and three ORM saves (about 1 ms of CPU per report). The hits keep the engine's order (their ids
# follow the ordinality); the foreign keys are checked at commit, as before (they are deferred).
_CASE_OPEN_SQL = """
WITH new_case AS (
    INSERT INTO moderation_case (report_id, state, auto_verdict, language, redacted_text, families, opened_at,
                                 claimed_by_id, claimed_until, decided_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, NULL, %s)
    RETURNING id
), new_hits AS (
    INSERT INTO moderation_rulehit (case_id, code, family, action, spans, explanation)
    SELECT new_case.id, hit->>'code', hit->>'family', hit->>'action', hit->'spans', hit->>'explanation'
    FROM new_case, jsonb_array_elements(%s) WITH ORDINALITY AS hits(hit, position)
    ORDER BY hits.position
    RETURNING id
), new_audit AS (
    INSERT INTO moderation_auditentry (at, actor_id, actor, action, report_id, detail)
    VALUES (%s, NULL, %s, %s, %s, %s)
)
SELECT (SELECT id FROM new_case), ARRAY(SELECT id FROM new_hits ORDER BY id)
"""


@dataclass(frozen=True)
class OpenedCase:
    """A new report's case and its rule hits as stored, in their order (by id): the reporter's answer lists them,
    so nobody reads them back."""

    case: Case
    hits: list[RuleHit]


def case_open(*, report: Any, screening: Screening) -> OpenedCase:
    """Record the rules engine's screening of a new report: its hits, its automatic decision."""
    case = _case_for(report, screening, now=timezone.now())
    case.opened_at = timezone.now()
    hits = _hits_for(case, screening)
    audit = _auto_decision(report, screening)
    audit.at = timezone.now()
    json_value = connection.ops.adapt_json_value
    with connection.cursor() as cursor:
        cursor.execute(_CASE_OPEN_SQL, [
            report.pk, case.state, case.auto_verdict, case.language, case.redacted_text,
            json_value(case.families, None), case.opened_at, case.decided_at,
            json_value([{"code": hit.code, "family": hit.family, "action": hit.action, "spans": hit.spans,
                         "explanation": hit.explanation} for hit in hits], None),
            audit.at, audit.actor, audit.action, audit.report_id, json_value(audit.detail, None),
        ])
        case.pk, hit_ids = cursor.fetchone()
    for instance in (case, *hits):
        instance._state.adding, instance._state.db = False, connection.alias
    for hit, hit_id in zip(hits, hit_ids, strict=True):
        hit.pk, hit.case_id = hit_id, case.pk
    if case.state == Case.State.OPEN:
        events.queue_event_send("case.new", case)
    return OpenedCase(case=case, hits=hits)


def cases_open_in_bulk(*, screened: list[tuple[Any, Screening]]) -> list[Case]:
    """``case_open`` for many reports at once (imports, demo data): same records, no live events."""
    now = timezone.now()
    cases = Case.objects.bulk_create(_case_for(report, screening, now=now) for report, screening in screened)
    RuleHit.objects.bulk_create(
        hit for case, (_, screening) in zip(cases, screened, strict=True) for hit in _hits_for(case, screening)
    )
    AuditEntry.objects.bulk_create(_auto_decision(report, screening) for report, screening in screened)
    return cases


def _locked_case(report_id: Any) -> Case:
    return Case.objects.select_for_update().select_related("report").get(report_id=report_id)


@transaction.atomic
def case_claim(*, report_id: Any, moderator: Any) -> Case:
    """Take a held report for review. One moderator at a time; a claim expires after CLAIM_DURATION."""
    case = _locked_case(report_id)
    now = timezone.now()
    if case.state not in _OPEN_STATES:
        raise CaseNotClaimable(_("This report is not waiting for a decision."))
    if case.claimed_by_id not in (None, moderator.pk) and case.claimed_until and case.claimed_until > now:
        raise CaseNotClaimable(
            _("Another moderator is reviewing this report until %(time)s.")
            % {"time": timezone.localtime(case.claimed_until).strftime("%H:%M")}
        )
    if case.state == Case.State.APPEALED and _rejected_by(case, moderator):
        raise DecisionNotAllowed(_("An appeal is decided by a moderator other than the one who rejected the report."))
    case.claimed_by, case.claimed_until = moderator, now + CLAIM_DURATION
    case.save(update_fields=["claimed_by", "claimed_until"])
    audit_record(actor=moderator, action=AuditEntry.Action.CLAIM, report_id=case.report_id)
    events.queue_event_send("case.claimed", case)
    return case


def _rejected_by(case: Case, moderator: Any) -> bool:
    return case.decisions.filter(moderator=moderator, outcome=Decision.Outcome.REJECT).exists()


def case_decide(*, report_id: Any, moderator: Any, outcome: str, reason_code: str, note: str = "") -> Case:
    """Record a moderator's decision on a case they hold. Must run inside the caller's transaction,
    which also applies the decision to the report. Answers the case, its state updated."""
    if outcome not in Decision.Outcome.values:
        raise DecisionNotAllowed(_("Unknown decision %(outcome)s.") % {"outcome": outcome})
    if not REASON_CODE.match(reason_code):
        raise DecisionNotAllowed(
            _("A reason code is dotted and starts with a rule family or 'moderator', e.g. moderator.false_positive.")
        )
    case = _locked_case(report_id)
    now = timezone.now()
    if case.state not in _OPEN_STATES:
        raise DecisionNotAllowed(_("This report is not waiting for a decision."))
    if case.claimed_by_id != moderator.pk:
        if case.claimed_by_id is not None and case.claimed_until and case.claimed_until > now:
            raise CaseNotClaimable(_("Another moderator has claimed this report."))
        raise CaseNotClaimable(_("Claim the report before deciding on it."))
    on_appeal = case.state == Case.State.APPEALED
    if on_appeal:
        if outcome not in (Decision.Outcome.APPROVE, Decision.Outcome.APPROVE_REDACTED, Decision.Outcome.REJECT):
            raise DecisionNotAllowed(_("An appeal is either upheld (approve) or dismissed (reject)."))
        if _rejected_by(case, moderator):
            raise DecisionNotAllowed(
                _("An appeal is decided by a moderator other than the one who rejected the report.")
            )
        appeal = case.appeal
        appeal.outcome = Appeal.Outcome.DISMISSED if outcome == Decision.Outcome.REJECT else Appeal.Outcome.UPHELD
        appeal.decided_at = now
        appeal.save(update_fields=["outcome", "decided_at"])
    Decision.objects.create(
        case=case, moderator=moderator, outcome=outcome, reason_code=reason_code, note=note, on_appeal=on_appeal
    )
    if outcome == Decision.Outcome.ESCALATE:
        case.state = Case.State.ESCALATED
    else:
        case.state, case.decided_at = Case.State.CLOSED, now
    case.claimed_by, case.claimed_until = None, None
    case.save(update_fields=["state", "decided_at", "claimed_by", "claimed_until"])
    audit_record(
        actor=moderator, action=AuditEntry.Action.DECISION, report_id=case.report_id,
        outcome=outcome, reason_code=reason_code, note=note, on_appeal=on_appeal,
    )
    events.queue_event_send("case.decided", case)
    return case


def case_appeal(*, report_id: Any, note: str) -> Case:
    """The reporter contests a rejection, once. Runs inside the caller's transaction."""
    case = _locked_case(report_id)
    if case.state != Case.State.CLOSED or case.report.status != "rejected":
        raise AppealNotAllowed(_("Only a rejected report can be appealed."))
    if Appeal.objects.filter(case=case).exists():
        raise AppealNotAllowed(_("This report was already appealed; an appeal can be made once."))
    Appeal.objects.create(case=case, note=note)
    case.state, case.decided_at = Case.State.APPEALED, None
    case.save(update_fields=["state", "decided_at"])
    audit_record(actor=None, action=AuditEntry.Action.APPEAL, report_id=case.report_id, by="reporter")
    events.queue_event_send("case.new", case)
    return case


def case_withdraw(*, report_id: Any) -> None:
    """The reporter withdrew the report: it leaves the queue; its decisions and audit trail stay."""
    case = Case.objects.select_for_update().filter(report_id=report_id).first()
    if case is None:
        return
    was_waiting = case.state in _OPEN_STATES
    case.state, case.claimed_by, case.claimed_until = Case.State.CLOSED, None, None
    case.redacted_text = ""
    case.save(update_fields=["state", "claimed_by", "claimed_until", "redacted_text"])
    audit_record(actor=None, action=AuditEntry.Action.WITHDRAWN, report_id=report_id, by="reporter")
    if was_waiting:
        events.queue_event_send("case.withdrawn", case)


def case_view(*, report_id: Any, viewer: Any, location: bool = False) -> Case:
    """A staff member opens a case: the original text is shown, and so, on request, the exact point.
    Both views are written to the audit trail before anything is answered."""
    case = case_get(report_id=report_id)
    audit_record(actor=viewer, action=AuditEntry.Action.VIEW_TEXT, report_id=case.report_id)
    if location:
        audit_record(actor=viewer, action=AuditEntry.Action.VIEW_LOCATION, report_id=case.report_id)
    return case


def case_photo_view(*, report_id: Any, viewer: Any, index: int) -> Any:
    """One of the report's photos for a staff member; the view is audited. Raises IndexError."""
    case = case_get(report_id=report_id)
    photos = list(case.report.photos.order_by("id"))
    photo = photos[index]
    audit_record(actor=viewer, action=AuditEntry.Action.VIEW_PHOTOS, report_id=case.report_id, photo=index)
    return photo
