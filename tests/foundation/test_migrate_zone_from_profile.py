"""Migration city 0005: a jurisdiction's own time zone column goes; its zone is then its profile's calendar zone.

Going back restores the column, filled from each profile's calendar.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civicdesk.domain.city.models import Jurisdiction

BEFORE = [("city", "0004_jurisdiction_profile_validated")]
AFTER = [("city", "0005_jurisdiction_zone_from_profile")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees what is applied now


@pytest.fixture
def back_to_latest() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_latest")
def test_the_zone_column_comes_back_from_the_profile_and_goes_again_keeping_every_row() -> None:
    Jurisdiction.objects.create(slug="lawrence", name="City of Lawrence", languages=["en"], profile="lawrence")
    Jurisdiction.objects.create(
        slug="pickering",
        name="City of Pickering",
        languages=["en", "fr"],
        profile="pickering",
        ombudsman_information="x",
    )

    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("city", "Jurisdiction")
    assert dict(old.objects.values_list("slug", "time_zone")) == {
        "lawrence": "America/Chicago",
        "pickering": "America/Toronto",
    }
    # A column that disagreed with the profile: the clocks never used it, and after the migration nothing does.
    old.objects.filter(slug="pickering").update(time_zone="Europe/Paris")

    _migrate(AFTER)
    # Then on to the latest state: later city migrations add columns the current model reads.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    cities = {city.slug: city for city in Jurisdiction.objects.all()}
    assert {slug: str(city.zone) for slug, city in cities.items()} == {
        "lawrence": "America/Chicago",
        "pickering": "America/Toronto",
    }
    pickering = cities["pickering"]
    assert (pickering.name, pickering.languages, pickering.profile, pickering.ombudsman_information) == (
        "City of Pickering",
        ["en", "fr"],
        "pickering",
        "x",
    )
    assert "time_zone" not in {
        column.name
        for column in connection.introspection.get_table_description(connection.cursor(), Jurisdiction._meta.db_table)
    }
