"""Review before release (LW-CORR): which messages to residents a second person approves before they are sent.

A city lists the kinds it reviews (``Jurisdiction.review_before_release``). A
message of such a kind that a staff member wrote is queued *awaiting
approval* with its author; the release step never takes it
(:mod:`civicdesk.domain.outbox.release` releases pending messages only). A
second person approves it (it becomes pending and goes as usual) or returns
it with the reason (it is never sent); both are case actions
(``civicdesk.domain.cases.actions.review``). Messages the product writes by
itself (the receipt, the out-of-office notice) have no author and never wait.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.outbox import templates

# Kinds the product writes without a person: they go at once, whatever the city reviews.
AUTOMATIC = frozenset({"receipt", "out_of_office"})
# A plain email to the resident (no answer owed) is queued as "message", written from the answer's template.
PLAIN_EMAIL = "message"


def reviewable_kinds() -> dict[str, Promise]:
    """The kinds of message a city may review before release, with their names (the administration's choices)."""
    kinds: dict[str, Promise] = {
        code: kind.label
        for code, kind in templates.KINDS.items()
        if kind.audience == templates.RESIDENT and code not in AUTOMATIC
    }
    kinds[PLAIN_EMAIL] = _("An email to the resident when no answer is owed (written from the answer's template)")
    return kinds


def unknown_kinds(kinds: Iterable[str]) -> list[str]:
    """The codes in ``kinds`` that name no message a city may review."""
    known = reviewable_kinds()
    return sorted({kind for kind in kinds if kind not in known})


def needs_approval(reviewed: Iterable[str] | None, kind: str, *, written_by_staff: bool) -> bool:
    """Whether a message of ``kind`` waits for a second person: the city reviews its kind and a person wrote it."""
    return written_by_staff and kind not in AUTOMATIC and kind in set(reviewed or ())
