"""Safety first: a case column queues sort by (open immediate threats, then hazards awaiting inspection, ahead)."""

from typing import Any

from django.db import migrations, models

OPEN_STATES = ("pending", "paused", "breached")


def mark_existing(apps: Any, schema_editor: Any) -> None:
    """Open cases already recorded: immediate threats, and hazards whose inspection is still owed."""
    Case = apps.get_model("cases", "Case")
    Commitment = apps.get_model("cases", "Commitment")
    inspecting = Commitment.objects.filter(purpose="inspect", state__in=OPEN_STATES).values("case_id")
    Case.objects.filter(status="open", pk__in=inspecting).update(safety_rank=1)
    Case.objects.filter(status="open", safety_threat=True).update(safety_rank=2)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_department_clock_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="safety_rank",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="2: an open immediate threat to safety; 1: an open hazard whose inspection is owed; 0: neither.",
                verbose_name="safety first",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["jurisdiction", "status", "-safety_rank", "next_due_at"], name="case_safety_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["jurisdiction", "status", "department", "-safety_rank", "next_due_at"],
                name="case_dept_safety_idx",
            ),
        ),
        migrations.RunPython(mark_existing, migrations.RunPython.noop),
    ]
