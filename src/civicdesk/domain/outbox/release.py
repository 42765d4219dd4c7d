"""Release queued messages whose time has come, one digest per staff member rather than a storm.

Only pending messages are released: one awaiting a second person's approval (LW-CORR,
:mod:`civicdesk.domain.outbox.review`) waits until it is approved, and a returned one is never sent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction

from civicdesk.domain.outbox.models import Audience, MessageState, OutboxMessage


def release_due_messages(*, now: datetime) -> int:
    """Mark due messages ready to send; several for one staff member become one digest. Returns how many were released."""
    released = 0
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=MessageState.PENDING, release_at__lte=now)
            .order_by("pk")
            .prefetch_related("cc_users")  # one query for every message's copies, not one each
        )
        groups: dict[tuple[str, int | None, str], list[OutboxMessage]] = defaultdict(list)
        for message in due:
            if message.audience == Audience.RESIDENT:
                groups[("resident", None, str(message.pk))].append(message)
            else:
                groups[("staff", message.recipient_user_id, message.recipient_address)].append(message)
        for (_audience, _user, _address), messages in groups.items():
            if len(messages) == 1:
                OutboxMessage.objects.filter(pk=messages[0].pk, state=MessageState.PENDING).update(
                    state=MessageState.READY
                )
            else:
                _digest(messages, now)
            released += len(messages)
    return released


def _digest(messages: list[OutboxMessage], now: datetime) -> OutboxMessage:
    first = messages[0]
    lines = [f"- {m.subject}" for m in messages]
    digest = OutboxMessage.objects.create(
        jurisdiction_id=first.jurisdiction_id,
        kind="digest",
        audience=Audience.STAFF,
        recipient_user_id=first.recipient_user_id,
        recipient_address=first.recipient_address,
        subject=f"{len(messages)} case notifications",
        body="\n".join(lines),
        language=first.language,
        created_at=now,
        release_at=now,
        state=MessageState.READY,
    )
    copied = {user for m in messages for user in m.cc_users.all()}
    if copied:
        digest.cc_users.set(copied)
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], state=MessageState.PENDING).update(
        state=MessageState.DIGESTED, digest=digest
    )
    return digest
