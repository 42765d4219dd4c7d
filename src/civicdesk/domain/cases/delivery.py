"""Delivery as the case sees it: send what the outbox has ready, and put every message that failed for good on its
case, whether the mail server refused it (the worker's delivery job) or a bounce came back later (mail intake)."""

from __future__ import annotations

import logging
from datetime import datetime

from civicdesk.domain.cases.actions.correspondence import record_undelivered
from civicdesk.domain.outbox.bounces import record_bounce
from civicdesk.domain.outbox.delivery import DeliveryReport, deliver_ready_messages
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.outbox.release import release_due_messages
from civicdesk.platform import timesource

logger = logging.getLogger("civicdesk.delivery")


def deliver_outbox() -> DeliveryReport:
    """Send ready messages until none is left for now; journal each failure on its case (run by ``civicdesk worker``)."""
    release_due_messages(now=timesource.now())  # a resident's receipt goes within seconds, not at the next sweep
    total = DeliveryReport()
    while True:
        report = deliver_ready_messages()
        total.sent += report.sent
        total.retrying += report.retrying
        total.handed_back += report.handed_back
        total.failed += report.failed
        for message in OutboxMessage.objects.filter(pk__in=report.failed).select_related("recipient_user"):
            record_undelivered(message=message)
        if report.handed_back or not (report.sent or report.retrying or report.failed):
            break  # the server is down, or nothing more is ready
    if total.sent or total.retrying or total.failed:
        logger.info(
            "outbox: %s sent, %s to retry, %s failed, %s waiting for the mail server",
            total.sent,
            total.retrying,
            len(total.failed),
            total.handed_back,
        )
    return total


def record_delivery_report(
    *, message: OutboxMessage, recipient: str, action: str, status: str, diagnostic: str, at: datetime
) -> bool:
    """A delivery report about ``message`` (a bounce): recorded on it, and a permanent failure put on its case.

    The case's journal and the owner's ``undelivered`` notice are the ones a refusal at sending gets
    (:func:`record_undelivered`). True when the report made the message failed.
    """
    failed = record_bounce(
        message=message, status=status, diagnostic=diagnostic, at=at, action=action, recipient=recipient
    )
    if failed:
        record_undelivered(message=message)
    return failed
