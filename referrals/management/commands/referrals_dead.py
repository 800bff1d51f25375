"""``manage.py referrals_dead``: the dead letters (referrals refused permanently, or given up on after the
retry window), listed for an operator, and ``--requeue`` to send them again as the admin's action does."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from referrals.models import Partner, Referral
from referrals.selectors import referral_dead_letters
from referrals.services import referrals_requeue

_ERROR_WIDTH = 70


def age_text(since: datetime, *, now: datetime) -> str:
    """A short age for a table: ``45m``, ``5h 12m``, ``3d 4h``."""
    minutes = max(0, int((now - since) / timedelta(minutes=1)))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


class Command(BaseCommand):
    help = (
        "List dead letters (partner, referral, state, attempts, age, last error); with --requeue, send them "
        "again now with a fresh retry window: all of them, one partner's (--partner), or the given ids."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", metavar="REFERRAL_ID", help="only these referrals")
        parser.add_argument("--partner", metavar="NAME", help="only this partner's (its name, as in the admin)")
        parser.add_argument("--requeue", action="store_true", help="send the chosen dead letters again now")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = self._ids(options["ids"])
        partner = options["partner"]
        if partner is not None and not Partner.objects.filter(name=partner).exists():
            known = ", ".join(Partner.objects.order_by("name").values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No partner is named {partner!r}; known: {known}")
        letters = list(referral_dead_letters(partner_name=partner, referral_ids=ids))
        if options["requeue"]:
            self._requeue(letters, asked=ids)
        else:
            self._list(letters)

    def _ids(self, given: list[str]) -> list[uuid.UUID] | None:
        if not given:
            return None
        try:
            return [uuid.UUID(value) for value in given]
        except ValueError as exc:
            raise CommandError(f"Not a referral id (a UUID, as the list shows): {exc}") from exc

    def _list(self, letters: list[Referral]) -> None:
        if not letters:
            self.stdout.write("No dead letters.")
            return
        now = timezone.now()
        rows = [
            (referral.partner.name, str(referral.pk), referral.state, str(referral.attempts),
             age_text(referral.created_at, now=now), _first_line(referral.last_error))
            for referral in letters
        ]
        header = ("PARTNER", "REFERRAL", "STATE", "ATTEMPTS", "AGE", "LAST ERROR")
        widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]
        for row in [header, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())
        self.stdout.write(f"{len(letters)} dead letter(s); requeue them with --requeue (see --help).")

    def _requeue(self, letters: list[Referral], *, asked: list[uuid.UUID] | None) -> None:
        requeued = referrals_requeue(referral_ids=[referral.pk for referral in letters])
        self.stdout.write(f"Requeued {requeued} referral(s): they are sent again now, with a fresh retry window.")
        skipped = len(set(asked)) - requeued if asked is not None else 0
        if skipped:
            self.stdout.write(f"{skipped} of the given ids were not dead letters (of that partner): left alone.")


def _first_line(error: str) -> str:
    line = (error.strip().splitlines() or [""])[0]
    return line if len(line) <= _ERROR_WIDTH else line[: _ERROR_WIDTH - 1] + "…"
