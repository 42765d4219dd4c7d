"""A jurisdiction's zone is its standards profile's calendar zone: the ``time_zone`` column goes.

Due dates were always computed in the profile's zone; only the displayed times
read the column, so a column that disagreed showed times the clocks did not
use. Going back restores the column filled from each profile's calendar.
"""

from typing import Any

from django.db import migrations, models


def zone_from_profile(apps: Any, schema_editor: Any) -> None:
    from civicdesk.engines.standards import StandardsError, load_profile

    Jurisdiction = apps.get_model("city", "Jurisdiction")
    for city in Jurisdiction.objects.all():
        try:
            city.time_zone = load_profile(city.profile).calendar.spec.time_zone
        except StandardsError:
            continue  # a profile that no longer loads keeps the placeholder zone
        city.save(update_fields=["time_zone"])


class Migration(migrations.Migration):
    dependencies = [
        ("city", "0004_jurisdiction_profile_validated"),
    ]

    operations = [
        # A default first, so that going back can add the column to existing rows before filling it.
        migrations.AlterField(
            model_name="jurisdiction",
            name="time_zone",
            field=models.CharField(default="UTC", max_length=64, verbose_name="time zone"),
        ),
        migrations.RunPython(migrations.RunPython.noop, zone_from_profile),
        migrations.RemoveField(model_name="jurisdiction", name="time_zone"),
    ]
