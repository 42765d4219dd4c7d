"""Search: a case found by its reference, address, resident or the words of its description and notes.

Each case has one :class:`SearchDocument` row, written by the unit of work in
the same transaction as the case (a new case, a changed description or
address, a journal note). The database keeps its own index from that row:
SQLite an FTS5 table filled by triggers, PostgreSQL two generated ``tsvector``
columns with GIN indexes (migration ``0011``). Results are ranked (bm25 on
SQLite, ``ts_rank`` on PostgreSQL), the reference weighing most, and bounded
to :data:`MAX_RESULTS`. Words match as prefixes ("pot" finds "pothole");
every word asked for must be found.

The resident's name, organisation, email and phone are searched only for a
role that may see contacts (PK-PRIV): for any other role a phone number
finds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When

from civicdesk.domain.cases.models import Case, JournalEntry, SearchDocument
from civicdesk.domain.cases.references import normalise
from civicdesk.domain.people.models import Contact

MAX_RESULTS = 1000  # ranked matches kept; a search that finds more asks for more words
MAX_WORDS = 12  # words of a query searched; more add nothing but cost
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """``text``'s words, lower case and without accents ("Élise-Marie" → ["elise", "marie"])."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def folded(*parts: str) -> str:
    return " ".join(w for part in parts if part for w in words(part))


def contact_text(contact: Contact | None) -> str:
    """A contact's searchable words; a phone number also as its digits run together ("4165550199")."""
    if contact is None:
        return ""
    digits = "".join(ch for ch in contact.phone if ch.isdigit())
    return folded(contact.name, contact.organisation, contact.email, contact.phone, digits)


def document_fields(case: Case, contact: Contact | None, notes: Iterable[str]) -> dict[str, Any]:
    """The columns of a case's search document (also used by the migration that indexed the first cases)."""
    return {
        "jurisdiction_id": case.jurisdiction_id,
        "reference": case.reference,
        "public_text": folded(case.address, case.description, *notes),
        "contact_text": contact_text(contact),
    }


def document(case: Case, notes: Iterable[str] = ()) -> SearchDocument:
    return SearchDocument(case_id=case.pk, **document_fields(case, case.contact, notes))


def write_new(cases: Sequence[Case], notes: dict[int, list[str]]) -> None:
    """Index cases inserted in this transaction, with the notes their first journal entries carry."""
    if cases:
        SearchDocument.objects.bulk_create([document(c, notes.get(c.pk, ())) for c in cases])


def append_notes(notes: dict[int, list[str]]) -> None:
    """Add journal notes to already-indexed cases: one statement for all of them."""
    rows = [(" " + folded(*texts), case_id) for case_id, texts in notes.items() if folded(*texts)]
    if not rows:
        return
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET public_text = public_text || %s WHERE case_id = %s"  # noqa: S608 — name from the model
        cursor.executemany(sql, rows)


def rebuild(case_ids: Iterable[int]) -> None:
    """Write these cases' documents afresh from the case, its contact and its journal (an edit, a changed contact)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    notes: dict[int, list[str]] = {}
    for case_id, note in (
        JournalEntry.objects.filter(case_id__in=ids)
        .exclude(note="")
        .order_by("case_id", "sequence")
        .values_list("case_id", "note")
    ):
        notes.setdefault(case_id, []).append(note)
    cases = Case.objects.filter(pk__in=ids).select_related("contact")
    SearchDocument.objects.filter(case_id__in=ids).delete()
    SearchDocument.objects.bulk_create([document(c, notes.get(c.pk, ())) for c in cases])


def rebuild_for_contact(contact: Contact) -> None:
    """A contact's details changed: every case they raised is found by the new details, not the old."""
    rebuild(Case.objects.filter(contact=contact).values_list("pk", flat=True))


def matching(cases: QuerySet[Case], query: str, *, contacts: bool) -> QuerySet[Case]:
    """The cases of ``cases`` that match ``query``, best first; a reference typed in full comes first of all."""
    ids = ranked_ids(cases, query, contacts=contacts)
    if not ids:
        return cases.none()
    order = When_(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=IntegerField())
    return cases.filter(pk__in=ids).order_by(order)


def ranked_ids(cases: QuerySet[Case], query: str, *, contacts: bool) -> list[int]:
    """The primary keys of the best matches among ``cases``, at most :data:`MAX_RESULTS`."""
    asked = words(query)[:MAX_WORDS]
    if not asked:
        return []
    exact: list[int] = []
    reference = normalise(query)
    if reference is not None:
        exact = list(cases.filter(reference=reference).values_list("pk", flat=True))
    scope, scope_params = cases.order_by().values("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        vector = "all_vector" if contacts else "public_vector"
        tsquery = " & ".join(f"{w}:*" for w in asked)  # words are \w+ only: nothing to escape
        sql = (
            f"SELECT case_id FROM cases_searchdocument WHERE {vector} @@ to_tsquery('simple', %s) "  # noqa: S608 — ORM-built scope, values as params
            f"AND case_id IN ({scope}) ORDER BY ts_rank({vector}, to_tsquery('simple', %s)) DESC, case_id DESC "
            f"LIMIT {MAX_RESULTS}"
        )
        params: tuple[Any, ...] = (tsquery, *scope_params, tsquery)
    else:
        terms = " AND ".join(f'"{w}"*' for w in asked)  # words are \w+ only: no quote to escape
        match = terms if contacts else "{reference public_text} : (" + terms + ")"
        sql = (
            "SELECT rowid FROM cases_search_fts WHERE cases_search_fts MATCH %s "  # noqa: S608 — ORM-built scope, values as params
            f"AND rowid IN ({scope}) ORDER BY bm25(cases_search_fts, 10.0, 1.0, 1.0), rowid DESC "
            f"LIMIT {MAX_RESULTS}"
        )
        params = (match, *scope_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [row[0] for row in cursor.fetchall()]
    return exact + [pk for pk in found if pk not in exact]
