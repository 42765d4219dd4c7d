"""`civicdesk manage recompute_due_dates SLUG`: move running clocks after the city's calendar changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.domain.cases import actions
from civicdesk.domain.city.models import Jurisdiction


class Command(BaseCommand):
    help = "Recompute the due dates of running clocks computed by an older calendar version (journaled per case)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jurisdiction", help="the jurisdiction's identifier (slug), e.g. pickering")

    def handle(self, *args: Any, jurisdiction: str, **options: Any) -> None:
        city = Jurisdiction.objects.filter(slug=jurisdiction).first()
        if city is None:
            raise CommandError(f"no jurisdiction {jurisdiction!r}")
        moved = actions.recompute_due_dates(jurisdiction=city, actor=None)
        self.stdout.write(f"{moved} due date(s) recomputed for {city.name}")
