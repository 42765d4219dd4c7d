"""Search documents, and each database's own index over them (civicdesk.domain.cases.search).

SQLite: an FTS5 table with the documents as its external content, kept by
triggers. PostgreSQL: generated tsvector columns with GIN indexes. Existing
cases are indexed here.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    "CREATE VIRTUAL TABLE cases_search_fts USING fts5(reference, public_text, contact_text, "
    "content='cases_searchdocument', content_rowid='case_id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER cases_search_inserted AFTER INSERT ON cases_searchdocument BEGIN "
    "INSERT INTO cases_search_fts(rowid, reference, public_text, contact_text) "
    "VALUES (new.case_id, new.reference, new.public_text, new.contact_text); END",
    "CREATE TRIGGER cases_search_deleted AFTER DELETE ON cases_searchdocument BEGIN "
    "INSERT INTO cases_search_fts(cases_search_fts, rowid, reference, public_text, contact_text) "
    "VALUES ('delete', old.case_id, old.reference, old.public_text, old.contact_text); END",
    "CREATE TRIGGER cases_search_updated AFTER UPDATE ON cases_searchdocument BEGIN "
    "INSERT INTO cases_search_fts(cases_search_fts, rowid, reference, public_text, contact_text) "
    "VALUES ('delete', old.case_id, old.reference, old.public_text, old.contact_text); "
    "INSERT INTO cases_search_fts(rowid, reference, public_text, contact_text) "
    "VALUES (new.case_id, new.reference, new.public_text, new.contact_text); END",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS cases_search_updated",
    "DROP TRIGGER IF EXISTS cases_search_deleted",
    "DROP TRIGGER IF EXISTS cases_search_inserted",
    "DROP TABLE IF EXISTS cases_search_fts",
]
POSTGRESQL = [
    "ALTER TABLE cases_searchdocument ADD COLUMN public_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', reference), 'A') || setweight(to_tsvector('simple', public_text), 'B')) STORED",
    "ALTER TABLE cases_searchdocument ADD COLUMN all_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', reference), 'A') || setweight(to_tsvector('simple', public_text), 'B') "
    "|| setweight(to_tsvector('simple', contact_text), 'B')) STORED",
    "CREATE INDEX cases_search_public_gin ON cases_searchdocument USING GIN (public_vector)",
    "CREATE INDEX cases_search_all_gin ON cases_searchdocument USING GIN (all_vector)",
]
POSTGRESQL_UNDO = [
    "ALTER TABLE cases_searchdocument DROP COLUMN IF EXISTS all_vector",
    "ALTER TABLE cases_searchdocument DROP COLUMN IF EXISTS public_vector",
]


def create_index(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    statements = {"sqlite": SQLITE_UNDO, "postgresql": POSTGRESQL_UNDO}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def index_existing_cases(apps, schema_editor):
    from civicdesk.domain.cases.search import document_fields

    Case = apps.get_model("cases", "Case")
    JournalEntry = apps.get_model("cases", "JournalEntry")
    SearchDocument = apps.get_model("cases", "SearchDocument")
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        notes = {}
        for case_id, note in (
            JournalEntry.objects.filter(case_id__in=chunk).exclude(note="").order_by("case_id", "sequence")
        ).values_list("case_id", "note"):
            notes.setdefault(case_id, []).append(note)
        SearchDocument.objects.bulk_create(
            SearchDocument(case_id=c.pk, **document_fields(c, c.contact, notes.get(c.pk, ())))
            for c in Case.objects.filter(pk__in=chunk).select_related("contact")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_merge_safety_rank_and_follow_up_rounds'),
        ('city', '0008_merge_jurisdiction_phone'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='cases.case')),
                ('jurisdiction', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='city.jurisdiction')),
                ('reference', models.CharField(max_length=32)),
                ('public_text', models.TextField(blank=True, help_text='Address, description and journal notes, folded.')),
                ('contact_text', models.TextField(blank=True, help_text="The contact's name, organisation, email and phone.")),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(index_existing_cases, migrations.RunPython.noop),
    ]
