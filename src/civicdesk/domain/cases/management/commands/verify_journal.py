"""`civicdesk manage verify_journal [REFERENCE…]`: check every case journal's hash chain, the journals against
their checkpoints (``JOURNAL_CHECKPOINT_FILE``), and each case row against its journal.

``--checkpoint`` appends a checkpoint first (the worker writes one every ten minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.domain.cases import journal, journal_checks
from civicdesk.domain.cases.models import Case


class Command(BaseCommand):
    help = "Verify the tamper-evident journal of every case (or of the cases named)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", help="case references (default: every case)")
        parser.add_argument(
            "--checkpoint", action="store_true", help="append a checkpoint of every journal that grew, then verify"
        )

    def handle(self, *args: Any, references: list[str], checkpoint: bool = False, **options: Any) -> None:
        if checkpoint:
            self.stdout.write(f"checkpoint: {journal_checks.write_checkpoint()} journal(s) that grew")
        cases = Case.objects.select_related("department").order_by("pk")
        if references:
            cases = cases.filter(reference__in=references)
            unknown = set(references) - set(cases.values_list("reference", flat=True))
            if unknown:
                raise CommandError(f"no case with reference {', '.join(sorted(unknown))}")
        checked, problems = 0, []
        lines: list[str] = []
        for case in cases.iterator(chunk_size=500):
            lines += [f"case {p.reference} entry {p.sequence}: {p.problem}" for p in journal.verify(case)]
            lines += [f"{p.where}: {p.problem}" for p in journal_checks.verify_case_row(case)]
            checked += 1
        lines += [f"{p.where}: {p.problem}" for p in journal_checks.verify_checkpoints()]
        problems.extend(lines)
        for line in lines:
            self.stderr.write(line)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} journal(s)")
        self.stdout.write(
            f"{checked} case journal(s) verified: every chain intact, every case row agrees with its journal, "
            "nothing cut since the last checkpoint"
        )
