"""``manage.py referrals_dead``: an operator lists the dead letters and sends them again from a shell, as the
admin's Requeue action does."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from referrals.models import Referral
from tests.referrals import factories as f


@pytest.fixture
def dead_letters(citizen, jurisdictions) -> dict[str, Referral]:
    """One referral given up on (East police), one refused (West police), one delivered (East police)."""
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="West police", jurisdictions=(jurisdictions["West police area"],))
    east = f.report_make(device=citizen.device, location=f.EAST_POINT).referrals.get()
    west = f.report_make(device=citizen.device, location=f.WEST_POINT).referrals.get()
    delivered = f.report_make(device=citizen.device, location=f.EAST_POINT).referrals.get()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")  # their jobs ran long ago
    now = timezone.now()
    Referral.objects.filter(pk=east.pk).update(
        state=Referral.State.DEAD, attempts=14, dead_at=now, created_at=now - timedelta(days=3, hours=2),
        last_error="HTTP 503\nthe partner's gateway said more",
    )
    Referral.objects.filter(pk=west.pk).update(
        state=Referral.State.FAILED, attempts=1, dead_at=now, last_error="HTTP 410",
    )
    Referral.objects.filter(pk=delivered.pk).update(state=Referral.State.DELIVERED, delivered_at=now)
    return {"east": east, "west": west, "delivered": delivered}


def _run(*args: str) -> str:
    out = StringIO()
    call_command("referrals_dead", *args, stdout=out)
    return out.getvalue()


def _waiting_jobs(referral: Referral) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND args->>'referral_id' = %s",
            [str(referral.pk)],
        )
        return cursor.fetchone()[0]


def test_it_lists_each_dead_letter_with_partner_attempts_age_and_last_error(dead_letters):
    lines = _run().splitlines()
    assert lines[0].split() == ["PARTNER", "REFERRAL", "STATE", "ATTEMPTS", "AGE", "LAST", "ERROR"]
    east = next(line for line in lines if str(dead_letters["east"].pk) in line)
    assert east.startswith("East police") and " dead " in east and " 14 " in east
    assert "3d 2h" in east and east.endswith("HTTP 503")
    west = next(line for line in lines if str(dead_letters["west"].pk) in line)
    assert west.startswith("West police") and " failed " in west and west.endswith("HTTP 410")
    assert str(dead_letters["delivered"].pk) not in "\n".join(lines)


def test_it_says_so_when_there_is_no_dead_letter(db):
    assert _run().strip() == "No dead letters."


def test_it_requeues_one_partners_dead_letters_as_the_admin_does(dead_letters):
    assert "Requeued 1 referral" in _run("--requeue", "--partner", "East police")
    east = Referral.objects.get(pk=dead_letters["east"].pk)
    assert east.state == Referral.State.PENDING and east.dead_at is None
    assert east.give_up_at - timezone.now() > timedelta(hours=47)
    assert _waiting_jobs(east) == 1
    assert Referral.objects.get(pk=dead_letters["west"].pk).state == Referral.State.FAILED
    assert _waiting_jobs(dead_letters["west"]) == 0


def test_it_requeues_the_given_ids_and_leaves_the_rest_alone(dead_letters):
    output = _run("--requeue", str(dead_letters["west"].pk), str(dead_letters["delivered"].pk))
    assert "Requeued 1 referral" in output and "1 of the given ids were not dead letters" in output
    assert Referral.objects.get(pk=dead_letters["west"].pk).state == Referral.State.PENDING
    assert Referral.objects.get(pk=dead_letters["east"].pk).state == Referral.State.DEAD
    assert Referral.objects.get(pk=dead_letters["delivered"].pk).state == Referral.State.DELIVERED


def test_it_requeues_every_dead_letter_when_none_is_named(dead_letters):
    assert "Requeued 2 referral(s)" in _run("--requeue")
    assert not Referral.objects.filter(state__in=Referral.DEAD_LETTER_STATES).exists()
    assert _waiting_jobs(dead_letters["east"]) == _waiting_jobs(dead_letters["west"]) == 1
    assert _run().strip() == "No dead letters."


def test_it_refuses_an_unknown_partner_and_a_malformed_id(dead_letters):
    with pytest.raises(CommandError, match="No partner is named"):
        _run("--requeue", "--partner", "Nobody")
    with pytest.raises(CommandError, match="Not a referral id"):
        _run("--requeue", "not-a-uuid")
    assert Referral.objects.filter(state__in=Referral.DEAD_LETTER_STATES).count() == 2
