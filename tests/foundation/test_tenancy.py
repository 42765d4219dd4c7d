"""Jurisdiction is a column on every tenant table, from the start (DESIGN.md "Scale path")."""

from __future__ import annotations

from django.apps import apps

# Tables that are not per-city: the tenant root itself, and process bookkeeping
# (worker heartbeats, request counters keyed by a hash of the client's address).
NOT_TENANT_TABLES = {"city.Jurisdiction", "worker.WorkerHeartbeat", "throttle.RateCounter"}


def test_every_civicdesk_table_has_a_jurisdiction() -> None:
    models = [m for m in apps.get_models() if m.__module__.startswith("civicdesk.")]
    assert len(models) >= 6

    missing = []
    for model in models:
        label = f"{model._meta.app_label}.{model.__name__}"
        if label in NOT_TENANT_TABLES:
            continue
        field = next((f for f in model._meta.concrete_fields if f.name == "jurisdiction"), None)
        if field is None or field.related_model is not apps.get_model("city", "Jurisdiction"):
            missing.append(label)
    assert missing == []


def test_allow_list_names_real_models() -> None:
    for label in NOT_TENANT_TABLES:
        assert apps.get_model(label) is not None
