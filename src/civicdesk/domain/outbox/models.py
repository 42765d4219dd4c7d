"""The transactional outbox: every notification is a row written in the same transaction as the change that causes it.

Nothing is sent from inside a transaction. A message is released at
``release_at`` (staff-facing messages are held to business hours), grouped
into one digest per recipient when many fall due at once, and delivered by
the sender (:mod:`civicdesk.domain.outbox.delivery`), which claims it, sends it
with the Message-ID it keeps for every attempt, and records ``sent_at`` exactly once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    RESIDENT = "resident", _("resident")
    STAFF = "staff", _("staff")


class MessageState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")  # LW-CORR: a second person approves it first
    RETURNED = "returned", _("returned to its author, not sent")
    PENDING = "pending", _("waiting for release")
    READY = "ready", _("ready to send")
    SENDING = "sending", _("being sent")
    DIGESTED = "digested", _("sent inside a digest")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboxMessage(models.Model):
    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    kind = models.CharField(max_length=64, help_text=_("What the message is, e.g. acknowledgement, escalation."))
    rule = models.CharField(max_length=32, blank=True, help_text=_("The standard or rule that caused it, e.g. PK-ESC."))
    audience = models.CharField(max_length=16, choices=Audience.choices)
    recipient_user = models.ForeignKey(
        "staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="outbox_messages"
    )
    recipient_address = models.CharField(max_length=254, blank=True)
    cc_users = models.ManyToManyField("staff.User", blank=True, related_name="outbox_copies")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    language = models.CharField(max_length=8, default="en")
    author = models.ForeignKey(
        "staff.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authored_messages",
        help_text=_("The staff member who wrote it; empty for the messages the product writes itself."),
    )
    reviewed_by = models.ForeignKey(
        "staff.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_messages",
        help_text=_("LW-CORR: who approved or returned it, when the city reviews its kind before release."),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True, help_text=_("Why it was returned to its author."))
    created_at = models.DateTimeField()
    release_at = models.DateTimeField(help_text=_("Not before this instant (staff messages wait for business hours)."))
    state = models.CharField(max_length=32, choices=MessageState.choices, default=MessageState.PENDING)
    digest = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="digested")
    dedupe_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text=_("Stops a retried step queuing twice.")
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(
        max_length=255, blank=True, help_text=_("The Message-ID header, the same on every attempt to send it.")
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text=_("After a failed attempt: not retried before this instant.")
    )
    claim = models.CharField(max_length=32, blank=True, help_text=_("Which sender is sending it now."))
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text=_("A sender that stopped mid-way gives the message up at this instant.")
    )

    class Meta:
        indexes = [
            models.Index(fields=["state", "release_at"], name="outbox_release_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="outbox_delivery_idx"),
        ]
        permissions = [("approve_outboxmessage", "Can approve or return messages awaiting approval (LW-CORR)")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_user or self.recipient_address}"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("sent")
    RETRY = "retry", _("failed, will retry")
    FAILED = "failed", _("failed for good")


class DeliveryAttempt(models.Model):
    """One try at handing a message to the mail server, with what the server said."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts")
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    detail = models.TextField(blank=True, help_text=_("The mail server's answer, or why nothing was sent."))

    class Meta:
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.outcome}"


class MessageTemplate(models.Model):
    """A city's own wording of one kind of message in one language; without one the shipped default is used.

    Validated when saved (:func:`civicdesk.domain.outbox.templates.check`): a template that does not render, or
    names a variable its kind does not have, is refused then, never found out when a message is sent.
    """

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("message"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    updated_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("edited by")
    )
    updated_at = models.DateTimeField(_("edited"), auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "kind", "language"]
        verbose_name = _("message template")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "language"], name="message_template_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"
