from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.services import api_key_create
from referrals.models import Jurisdiction


class Command(BaseCommand):
    help = "Create (or rotate) an authority API key and print it. Use it as 'Authorization: Api-Key <key>'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who holds the key, e.g. 'City of Ghent, mobility department'")
        parser.add_argument(
            "--jurisdiction", action="append", default=[], metavar="NAME",
            help="Limit the key to this jurisdiction (repeatable); without it the key sees the whole area",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            api_key, key = api_key_create(name=options["name"], jurisdiction_names=options["jurisdiction"])
        except Jurisdiction.DoesNotExist as exc:
            known = ", ".join(Jurisdiction.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"Unknown jurisdiction in {options['jurisdiction']}; known: {known}") from exc
        scope = ", ".join(j.name for j in api_key.jurisdictions.all()) or "the whole service area"
        self.stderr.write(f"API key for {api_key.name} ({scope}), shown once:")
        self.stdout.write(key)
