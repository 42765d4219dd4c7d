"""PK-ESC rounds: request numbers run on over a case's life; each request records its round, step and message."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models import Max


def _number_existing(apps: Any, schema_editor: Any) -> None:
    """Requests already sent were all in a case's first round, at the step their number names."""
    FollowUpRequest = apps.get_model("cases", "FollowUpRequest")
    Case = apps.get_model("cases", "Case")
    FollowUpRequest.objects.update(step=models.F("number"))
    for row in FollowUpRequest.objects.values("case_id").annotate(last=Max("number")):
        Case.objects.filter(pk=row["case_id"]).update(follow_ups_sent=row["last"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_department_clock_index")]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="follow_up_requests",
            field=models.PositiveIntegerField(
                default=0, help_text="Follow-up requests counted in this round (PK-ESC).", verbose_name="ladder step reached"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="follow_up_round",
            field=models.PositiveIntegerField(default=1, verbose_name="follow-up round"),
        ),
        migrations.AddField(
            model_name="case",
            name="follow_ups_sent",
            field=models.PositiveIntegerField(default=0, verbose_name="follow-up requests sent"),
        ),
        migrations.AddField(model_name="followuprequest", name="round", field=models.PositiveIntegerField(default=1)),
        migrations.AddField(
            model_name="followuprequest",
            name="step",
            field=models.PositiveIntegerField(
                default=0, help_text="The ladder step it was sent at (0: before the first)."
            ),
        ),
        migrations.AddField(
            model_name="followuprequest",
            name="message",
            field=models.TextField(blank=True, verbose_name="message to the department"),
        ),
        migrations.AddField(
            model_name="followuprequest",
            name="early_reason",
            field=models.TextField(
                blank=True,
                help_text="Empty when it was sent on or after its date.",
                verbose_name="why it was sent before its date",
            ),
        ),
        migrations.RunPython(_number_existing, migrations.RunPython.noop),
    ]
