"""`civicdesk manage verify_journal [REFERENCE…]`: check every case journal's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.domain.cases import journal
from civicdesk.domain.cases.models import Case


class Command(BaseCommand):
    help = "Verify the tamper-evident journal of every case (or of the cases named)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", help="case references (default: every case)")

    def handle(self, *args: Any, references: list[str], **options: Any) -> None:
        cases = Case.objects.order_by("pk")
        if references:
            cases = cases.filter(reference__in=references)
            unknown = set(references) - set(cases.values_list("reference", flat=True))
            if unknown:
                raise CommandError(f"no case with reference {', '.join(sorted(unknown))}")
        checked, problems = 0, []
        for case in cases.iterator(chunk_size=500):
            problems.extend(journal.verify(case))
            checked += 1
        for problem in problems:
            self.stderr.write(f"case {problem.reference} entry {problem.sequence}: {problem.problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} journal(s)")
        self.stdout.write(f"{checked} case journal(s) verified: every chain intact")
