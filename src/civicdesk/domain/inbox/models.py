"""What reaches the city in writing: every email received, once (by its Message-ID), with what became of it and
its attachments, and the scans of letters and faxes registered at the desk.

A message is claimed by inserting its row: the Message-ID is unique, so two
listeners or pollers that receive the same message record it once and only
the one that inserted it acts on it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    NEW_CASE = "new_case", _("became a new case")
    ON_CASE = "on_case", _("added to its case")
    AUTOMATIC = "automatic", _("automatic mail: no case, no reply")
    BOUNCE = "bounce", _("a delivery report on one of our messages")
    REJECTED = "rejected", _("rejected")


class InboundMessage(models.Model):
    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(
        max_length=255, unique=True, help_text=_("The Message-ID header (or one made from the content).")
    )
    received_at = models.DateTimeField()
    via = models.CharField(max_length=16, help_text=_("smtp, lmtp or imap"))
    envelope_from = models.CharField(max_length=254, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True, help_text=_("Why it made no case, or why it was rejected."))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_mail")
    # PK-EMAIL-CHECK: the first time a staff member opened it (its case's page), so the desk knows what waits unread.
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey("staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["jurisdiction", "received_at"], name="inbox_received_idx"),
            models.Index(fields=["case", "opened_at"], name="inbox_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class InboundAttachment(models.Model):
    """A file that came with a message, stored by its content's SHA-256 outside the web root, never served as HTML."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    kept = models.BooleanField(default=True)
    reason = models.CharField(
        max_length=200, blank=True, help_text=_("Why it was not kept (too large, a forbidden type).")
    )

    def __str__(self) -> str:
        return self.filename


class ScannedDocument(models.Model):
    """The scan of a letter or fax a CSR registered as a case, kept by its content's SHA-256 and served only as a download.

    The file's type was recognised from its first bytes (:mod:`civicdesk.domain.inbox.scans`), never from its name.
    """

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="scans")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(max_length=255, blank=True, help_text=_("The file's name as uploaded."))
    received_on = models.DateField(help_text=_("The day the letter or fax reached the city."))
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey("staff.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["case", "registered_at"], name="scan_case_idx")]

    def __str__(self) -> str:
        return self.original_name or self.sha256
