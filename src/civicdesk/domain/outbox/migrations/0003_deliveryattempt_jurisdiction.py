"""Each delivery attempt carries its jurisdiction, like every civicdesk table (taken from its message)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def from_message(apps, schema_editor):
    attempt = apps.get_model("outbox", "DeliveryAttempt")
    message = apps.get_model("outbox", "OutboxMessage")
    attempt.objects.update(
        jurisdiction_id=Subquery(message.objects.filter(pk=OuterRef("message_id")).values("jurisdiction_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("city", "0005_jurisdiction_zone_from_profile"),
        ("outbox", "0002_delivery_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="deliveryattempt",
            name="jurisdiction",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="city.jurisdiction"
            ),
        ),
        migrations.RunPython(from_message, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deliveryattempt",
            name="jurisdiction",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="city.jurisdiction"),
        ),
    ]
