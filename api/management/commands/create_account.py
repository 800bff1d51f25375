from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from api.services import staff_account_create


class Command(BaseCommand):
    help = "Create a staff account (or add a role to it) and print a new API token for it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=settings.STAFF_ROLES)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="For the admin site; without it the account signs in by token only")

    def handle(self, *args: Any, **options: Any) -> None:
        user, token = staff_account_create(
            username=options["username"], role=options["role"], email=options["email"], password=options["password"]
        )
        self.stderr.write(f"Account {user.get_username()} has role {options['role']}. Its API token (shown once):")
        self.stdout.write(token)
