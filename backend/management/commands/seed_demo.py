"""``manage.py seed_demo``: a believable demo city (Ghent, Belgium) to click through and benchmark.

It is idempotent: every step looks for what an earlier run made and leaves it alone, so ``make run``
can call it on every start. The synthetic reports use ``random.Random(42)``: this is demo data, not
privacy code, and a fixed seed makes two fresh databases look the same.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from backend.demo.city import AREA_NAME, districts_load, jurisdictions_load, service_area_load
from backend.demo.live import live_alerts_load
from backend.demo.people import (
    DEMO_API_KEY,
    DEMO_API_KEY_NAME,
    DEMO_PARTNERS,
    api_key_load,
    partners_load,
    staff_accounts_load,
)
from backend.demo.reports import map_releases_load, moderation_load, reports_load
from reports.models import Category
from reports.taxonomy import taxonomy_sync

# Taken before anything else, so two `make run`s started together cannot both seed the city.
ADVISORY_LOCK = 0x1A47E54D


class Command(BaseCommand):
    help = "Fill the database with a demo city (Ghent): area, districts, taxonomy, reports, staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reports", type=int, default=4000, help="Synthetic reports to create (4000)")
        parser.add_argument("--devices", type=int, default=300, help="Demo devices to create (300)")
        parser.add_argument("--force", action="store_true", help="Run even when LANTERN_ENV is production")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.LANTERN_ENV == "production" and not options["force"]:
            raise CommandError(
                "Refusing to seed demo data (published passwords and tokens) into a production database; "
                "set LANTERN_ENV=development, or pass --force if you really mean it."
            )
        if options["reports"] < 0 or options["devices"] < 1:
            raise CommandError("--reports must be 0 or more and --devices 1 or more")
        started = time.monotonic()
        say, warn = self._say, self.stderr.write
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
            area = service_area_load(say=say, warn=warn)
            if area is None:
                return
            districts_load(say=say, area=area)
            jurisdictions_load(say=say, area=area)
            changed = taxonomy_sync()
            say(f"Taxonomy: {Category.objects.filter(is_active=True).count()} categories ({changed} changed)")
            reports_load(say=say, area=area, reports=options["reports"], devices=options["devices"])
            moderation_load(say=say)
            live_alerts_load(say=say)
            map_releases_load(say=say)
            accounts = staff_accounts_load(say=say, warn=warn)
            api_key_load(say=say)
            partners_load(say=say)
        self._summary(accounts, seconds=time.monotonic() - started)

    def _say(self, message: str) -> None:
        self.stdout.write(f"  {message}")

    def _summary(self, accounts: list[tuple[str, str, str, str]], *, seconds: float) -> None:
        base = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        header = ("username", "password", "role", "API token")
        rows = [header, *accounts]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            "",
            f"Demo city {AREA_NAME} ready in {seconds:.1f} s. Demo accounts (staff: Authorization: Token …):",
        ]
        lines += [
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        ]
        lines += [
            f"  Authority API key ({DEMO_API_KEY_NAME}): Authorization: Api-Key {DEMO_API_KEY}",
            "  Demo partners' signing secrets (referral status updates, docs/referrals.md):",
            *(f"    {spec['name']}: {spec['secret']}" for spec in DEMO_PARTNERS),
            f"  API docs: {base}/api/docs/",
            f"  Admin:    {base}/admin/",
        ]
        self.stdout.write("\n".join(lines))
