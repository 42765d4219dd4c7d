"""Writing many rows' changes in one statement, for the few places that touch hundreds of rows at once.

Django's ``bulk_update`` builds one ``CASE WHEN`` per row and field, which
costs more CPU than the database spends on it. :func:`update_each` prepares
one ``UPDATE … WHERE id = %s`` and runs it for every row with
``executemany`` (a C loop on SQLite, a pipeline on PostgreSQL's psycopg).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model


def update_each(rows: Sequence[Model], field_names: Sequence[str]) -> None:
    """Write ``field_names`` of every row in ``rows`` (all of one model) by primary key."""
    if not rows or not field_names:
        return
    model = type(rows[0])
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    concrete = {field.name: field for field in meta.concrete_fields}
    fields = [concrete[name] for name in field_names]
    columns = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    key = quote(str(meta.pk.column)) if meta.pk else "id"
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {key} = %s"  # noqa: S608 — names from the model
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields] + [row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
