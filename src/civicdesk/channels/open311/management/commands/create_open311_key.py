"""``civicdesk manage create_open311_key CLIENT_NAME [--jurisdiction SLUG]``: issue an Open311 key, printed once, last."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.channels.open311.keys import issue_key
from civicdesk.domain.city.models import Jurisdiction


class Command(BaseCommand):
    help = "Create an Open311 API key for a client application; the key is printed alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_name", help="the application that will use the key, e.g. 'FixMyStreet'")
        parser.add_argument(
            "--jurisdiction", default=None, help="limit the key to one jurisdiction (its slug); default: every one"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client_name: str = options["client_name"].strip()
        if not client_name:
            raise CommandError("CLIENT_NAME must not be empty")
        if len(client_name) > 100:
            raise CommandError("CLIENT_NAME is longer than 100 characters")
        jurisdiction = None
        slug = options["jurisdiction"]
        if slug:
            jurisdiction = Jurisdiction.objects.filter(slug=slug).first()
            if jurisdiction is None:
                known = ", ".join(Jurisdiction.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"no jurisdiction {slug!r} (known: {known})")
        row, key = issue_key(client_name=client_name, jurisdiction=jurisdiction)
        scope = jurisdiction.slug if jurisdiction else "every jurisdiction served"
        self.stdout.write(f"Open311 API key {row.prefix}… for {client_name} ({scope}).")
        self.stdout.write("It is shown only now; give it to the client. Revoke it in the admin, under Open311.")
        self.stdout.write(key)
