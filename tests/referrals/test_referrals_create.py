"""What ``referrals_create`` stores of each referral, column by column."""

from __future__ import annotations

import uuid

from referrals.models import Referral
from tests.referrals import factories as f

# Identifiers differ and the copies belong to another report; created_at is the moment of saving.
_OWN = {"id", "event_id", "report_id", "created_at"}


def _columns(referral_id: uuid.UUID) -> dict:
    row = Referral.objects.values().get(pk=referral_id)
    return {name: value for name, value in row.items() if name not in _OWN}


def _report_with_two_referrals(citizen, jurisdictions):
    town = (jurisdictions["Test town"],)
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="Aide aux victimes", kind="victim_support", jurisdictions=town, languages=["fr"],
                     data_fields=["contact", "category"])
    return f.report_make(
        device=citizen.device, police=True, victim_support=True, category="harassment.stalking",
        contact={"phone": "+32470123456", "preferred_language": "fr"},
    )


def test_it_stores_every_column_as_the_orm_would(citizen, jurisdictions):
    report = _report_with_two_referrals(citizen, jurisdictions)
    other = f.report_make(device=citizen.device, police=False)
    made = list(report.referrals.order_by("partner_kind"))
    assert len(made) == 2
    copies = Referral.objects.bulk_create(
        Referral(**({field.attname: getattr(referral, field.attname) for field in Referral._meta.concrete_fields}
                    | {"id": uuid.uuid4(), "event_id": uuid.uuid4(), "report_id": other.pk}))
        for referral in made
    )
    assert [_columns(referral.pk) for referral in made] == [_columns(copy.pk) for copy in copies]


def test_it_answers_the_referrals_as_stored(citizen, jurisdictions):
    town = (jurisdictions["Test town"],)
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="Aide aux victimes", kind="victim_support", jurisdictions=town, languages=["fr"])
    submitted = f.report_submitted(device=citizen.device, police=True, victim_support=True,
                                   category="harassment.stalking", contact={"phone": "+32470123456"})
    report, answered = submitted.report, submitted.referrals
    assert len(answered) == 2
    assert {(referral.pk, referral._state.adding) for referral in answered} == {
        (pk, False) for pk in Referral.objects.filter(report=report).values_list("pk", flat=True)
    }
