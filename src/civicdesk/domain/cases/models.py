"""Cases and what the city owes on them.

A :class:`Case` is one contact from a resident (PK-DEF). What the city has
promised on it are :class:`Commitment` rows ("clocks are rows", DESIGN.md),
each set by a standard of the jurisdiction's profile. Everything that happens
is a :class:`JournalEntry`, hash-chained per case. Rows here are written only
by the case actions in :mod:`civicdesk.domain.cases.actions`, through their unit of work.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """PK-DEF."""

    COMPLAINT = "complaint", _("complaint")
    SERVICE_REQUEST = "service_request", _("service request")
    INQUIRY = "inquiry", _("inquiry")
    FEEDBACK = "feedback", _("feedback")


class FeedbackType(models.TextChoices):
    COMPLIMENT = "compliment", _("compliment")
    SUGGESTION = "suggestion", _("suggestion")
    COMMENT = "comment", _("comment")


class Channel(models.TextChoices):
    """PK-CHANNELS."""

    PHONE = "phone", _("phone")
    VOICEMAIL = "voicemail", _("voicemail")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    FAX = "fax", _("fax")
    WEB = "web", _("web form")
    WALK_IN = "walk_in", _("walk-in")
    SOCIAL_MEDIA = "social_media", _("social media")
    OPEN311 = "open311", _("Open311")
    FIELD = "field", _("field staff")


class Status(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("resolved")
    REDIRECTED = "redirected", _("redirected: out of scope (PK-SCOPE)")
    DUPLICATE = "duplicate", _("duplicate of another case")
    NOT_INVESTIGATED = "not_investigated", _("recorded, not investigated (PK-ANON)")
    NO_RESPONSE_OWED = "no_response_owed", _("feedback recorded (no response owed)")


class Case(models.Model):
    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    feedback_type = models.CharField(_("feedback type"), max_length=20, choices=FeedbackType.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    service = models.ForeignKey("city.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    department = models.ForeignKey(
        "city.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    assignee = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_cases"
    )
    contact = models.ForeignKey("people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)

    received_at = models.DateTimeField(_("received"), help_text=_("When the city received it; clocks start here."))
    entered_at = models.DateTimeField(_("entered"))
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    description = models.TextField(_("what happened / what is asked"))
    occurred_at = models.DateTimeField(_("when it occurred"), null=True, blank=True)
    people_involved = models.TextField(_("who was involved"), blank=True)
    outcome_sought = models.TextField(_("outcome sought"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    hazard = models.BooleanField(_("potential hazard"), default=False)
    safety_threat = models.BooleanField(_("immediate threat to safety"), default=False)
    third_party_unidentified = models.BooleanField(_("made for an unidentified third party"), default=False)
    council_involved = models.BooleanField(_("Mayor, Council or CAO involvement"), default=False)
    investigate = models.BooleanField(
        _("to be investigated"), default=True, help_text=_("False for anonymous allegations without a safety threat.")
    )
    language = models.CharField(_("resident's language"), max_length=8, default="en")
    interpreter_requested = models.BooleanField(_("interpretation or translation requested"), default=False)

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # PK-ESC counts requests per round: an answer from the department (an update, a new timeline) or a reopening
    # starts a new round, and the profile says whether its requests count from 1 again. Request numbers
    # themselves run on over the case's whole life, so each request, and its message, stays its own.
    follow_up_requests = models.PositiveIntegerField(
        _("ladder step reached"), default=0, help_text=_("Follow-up requests counted in this round (PK-ESC).")
    )
    follow_up_round = models.PositiveIntegerField(_("follow-up round"), default=1)
    follow_ups_sent = models.PositiveIntegerField(_("follow-up requests sent"), default=0)
    # A summary of the commitments, kept in step by every action's unit of work so
    # queues sort and count by index at any size instead of scanning commitments.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    owed_since = models.DateTimeField(
        _("overdue since"),
        null=True,
        blank=True,
        help_text=_("The earliest missed standard whose action is still owed."),
    )
    clocks_paused = models.BooleanField(_("clocks paused"), default=False)
    safety_rank = models.PositiveSmallIntegerField(
        _("safety first"),
        default=0,
        help_text=_("2: an open immediate threat to safety; 1: an open hazard whose inspection is owed; 0: neither."),
    )
    # Who paused the clocks, since when and why (one of the profile's reasons), while they are paused.
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("paused by")
    )
    pause_reason = models.CharField(_("waiting on"), max_length=20, blank=True)
    public_note = models.TextField(_("latest public update"), blank=True)
    redirect_to = models.TextField(_("where the resident was directed"), blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("case")
        indexes = [
            models.Index(fields=["jurisdiction", "status", "department", "-received_at"], name="case_queue_idx"),
            models.Index(fields=["jurisdiction", "status", "-received_at"], name="case_status_idx"),
            models.Index(fields=["jurisdiction", "-updated_at"], name="case_updated_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_idx"),
            # The API's default list order (newest first) straight from an index, no sort of the city's cases.
            models.Index(fields=["jurisdiction", "-received_at", "-id"], name="case_received_idx"),
            # Clock states and their counts (desk queues, API filters) read these indexes alone, never the table:
            # the city's queue, a department's, and the paused cases.
            models.Index(
                fields=["jurisdiction", "status", "next_due_at", "owed_since", "clocks_paused"], name="case_clock_idx"
            ),
            models.Index(
                fields=["jurisdiction", "status", "department", "next_due_at", "owed_since", "clocks_paused"],
                name="case_dept_clock_idx",
            ),
            models.Index(fields=["jurisdiction", "status", "owed_since"], name="case_owed_idx"),
            # Queues in due order put safety first: hazards and threats ahead, then by next due, from an index.
            models.Index(fields=["jurisdiction", "status", "-safety_rank", "next_due_at"], name="case_safety_idx"),
            models.Index(
                fields=["jurisdiction", "status", "department", "-safety_rank", "next_due_at"],
                name="case_dept_safety_idx",
            ),
            models.Index(
                fields=["jurisdiction", "status", "clocks_paused", "owed_since", "next_due_at"], name="case_paused_idx"
            ),
        ]
        permissions = [
            ("route_case", "Can route and re-route cases"),
            ("assign_case", "Can assign cases"),
            ("acknowledge_case", "Can record an acknowledgement"),
            ("record_update", "Can record department updates"),
            ("change_timeline", "Can change a case's timeline"),
            ("request_follow_up", "Can send follow-up requests"),
            ("close_case", "Can close and reopen cases"),
            ("close_council_case", "Can close cases with Mayor, Council or CAO involvement"),
            ("view_contact", "Can see who raised a case"),
            ("view_all_departments", "Can see cases of every department"),
            ("attach_file", "Can attach files to cases and choose which the resident sees"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class CaseItem(models.Model):
    """One thing to be done on a case; the case cannot close while any is open (PK-CLOSE)."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="items")
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey("staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return self.description


class Purpose(models.TextChoices):
    """What a commitment promises; the matching recorded action meets it."""

    ACKNOWLEDGE = "acknowledge", _("acknowledge")
    INSPECT = "inspect", _("inspect the hazard")
    RESPOND = "respond", _("respond")
    INTERIM = "interim", _("send an interim reply")
    CALLBACK = "callback", _("return the call")
    FOLLOW_UP = "follow_up", _("update by the follow-up date")
    COMPLETE = "complete", _("complete by the agreed timeline")
    TIMELINE_NOTICE = "timeline_notice", _("tell the resident if the timeline will slip")
    PAUSE_LIMIT = "pause_limit", _("resume the clocks before the longest pause")


class CommitmentState(models.TextChoices):
    PENDING = "pending", _("pending")
    PAUSED = "paused", _("paused")
    MET = "met", _("met")
    BREACHED = "breached", _("breached")
    CANCELLED = "cancelled", _("cancelled")


OPEN_COMMITMENT_STATES = (CommitmentState.PENDING, CommitmentState.PAUSED, CommitmentState.BREACHED)
# Purposes whose action is still owed after the deadline passed: closing waits for them (PK-CLOSE).
OWED_AFTER_BREACH = (
    Purpose.ACKNOWLEDGE,
    Purpose.INSPECT,
    Purpose.RESPOND,
    Purpose.INTERIM,
    Purpose.CALLBACK,
    Purpose.COMPLETE,
)
# Overdue on the queues once breached: what is still owed to the resident, the department's update after a
# missed follow-up date (until it comes: PK-ESC), and a pause held longer than the profile allows (until the
# clocks run again). Neither of the last two is a date told to the resident, nor keeps the case from closing.
OVERDUE_AFTER_BREACH = (*OWED_AFTER_BREACH, Purpose.FOLLOW_UP, Purpose.PAUSE_LIMIT)


class Commitment(models.Model):
    """A clock: what is owed, by when, under which rule, computed with which calendar version."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="commitments")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    standard = models.CharField(max_length=32, help_text=_("The rule ID that set it, e.g. PK-ACK-1BD."))
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=CommitmentState.choices, default=CommitmentState.PENDING)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pauses = models.JSONField(default=list, help_text=_("Closed pauses as [from, to] ISO pairs."))
    calendar_version = models.CharField(max_length=32)
    explanation = models.JSONField(default=dict)
    sequence = models.PositiveIntegerField(default=0, help_text=_("Follow-up request number this clock leads to."))

    class Meta:
        indexes = [
            # The sweep's only query: pending clocks by due time.
            models.Index(fields=["state", "due_at"], name="commitment_due_idx"),
            models.Index(fields=["case", "purpose", "state"], name="commitment_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.purpose} by {self.due_at:%Y-%m-%d %H:%M}"


class Action(models.TextChoices):
    CREATED = "created", _("case created")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    ROUTED = "routed", _("routed")
    ASSIGNED = "assigned", _("assigned")
    INSPECTED = "inspected", _("inspection done")
    ACTION_PLANNED = "action_planned", _("action and timeline recorded")
    RESIDENT_ADVISED = "resident_advised", _("resident advised")
    WORK_DONE = "work_done", _("work done")
    NOTE = "note", _("note")
    ITEM_ADDED = "item_added", _("item added")
    ITEM_DONE = "item_done", _("item done")
    TIMELINE_CHANGED = "timeline_changed", _("timeline changed")
    FOLLOW_UP_REQUESTED = "follow_up_requested", _("follow-up requested")
    ESCALATED = "escalated", _("escalated")
    COMMITMENT_BREACHED = "commitment_breached", _("standard missed")
    TIMELINE_NOTICE_DUE = "timeline_notice_due", _("tell the resident: timeline at risk")
    PAUSED = "paused", _("clock paused")
    RESUMED = "resumed", _("clock resumed")
    PAUSED_TOO_LONG = "paused_too_long", _("paused too long")
    LINKED_DUPLICATE = "linked_duplicate", _("linked as duplicate")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")
    RECOMPUTED = "recomputed", _("due dates recomputed")
    FILE_ATTACHED = "file_attached", _("file attached")
    FILE_SHOWN = "file_shown", _("file shown to the resident")
    FILE_HIDDEN = "file_hidden", _("file hidden from the resident")


class JournalEntry(models.Model):
    """Append-only history of a case; each entry carries the hash of the one before it."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="journal")
    sequence = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey("staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(
        max_length=120, help_text=_("Who acted, as shown: a staff name, 'sweep', 'resident'.")
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False, help_text=_("Shown to the resident (status page, Open311 notes)."))
    data = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name_plural = _("journal entries")
        ordering = ["case", "sequence"]
        constraints = [models.UniqueConstraint(fields=["case", "sequence"], name="journal_sequence_unique")]
        indexes = [
            # Public updates by time (Open311 servicerequestupdates, the status page): no journal scan.
            models.Index(fields=["jurisdiction", "at"], condition=models.Q(public=True), name="journal_public_at_idx")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.sequence} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("journal entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("journal entries are append-only")


class FollowUpRequest(models.Model):
    """One request of the PK-ESC ladder sent to the department.

    ``number`` counts every request over the case's life; ``round`` and ``step`` place it on the ladder: the
    step decides who is copied. A request sent before its date, with a reason, repeats the step reached.
    """

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_up_request_log")
    number = models.PositiveIntegerField()
    round = models.PositiveIntegerField(default=1)
    step = models.PositiveIntegerField(default=0, help_text=_("The ladder step it was sent at (0: before the first)."))
    message = models.TextField(_("message to the department"), blank=True)
    early_reason = models.TextField(
        _("why it was sent before its date"), blank=True, help_text=_("Empty when it was sent on or after its date.")
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey("staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    copied = models.ManyToManyField("staff.User", blank=True, related_name="+")
    copied_roles = models.JSONField(default=list)
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="follow_up_number_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}: follow-up request {self.number}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the case its first request created."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    client = models.CharField(max_length=120, help_text=_("Who sent it: a staff user or an Open311 key."))
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(
        max_length=64, help_text=_("Hash of the request body: a reused key with another body is refused.")
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "client", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.client}:{self.key}"


class SearchDocument(models.Model):
    """What search reads for one case, written in the same transaction as the case (:mod:`.search`).

    The words are stored folded (lower case, accents dropped, one space between
    words) so SQLite's FTS5 index and PostgreSQL's ``tsvector`` columns, both
    kept by the database itself from this row, see the same words. The contact's
    words are a column of their own, searched only for roles that may see who
    raised a case (PK-PRIV).
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=32)
    public_text = models.TextField(blank=True, help_text=_("Address, description and journal notes, folded."))
    contact_text = models.TextField(blank=True, help_text=_("The contact's name, organisation, email and phone."))

    def __str__(self) -> str:
        return self.reference


class AttachmentSource(models.TextChoices):
    STAFF = "staff", _("staff")
    RESIDENT = "resident", _("the resident")
    OPEN311 = "open311", _("an Open311 client")


class CaseAttachment(models.Model):
    """A photo, scan or document kept with a case (:mod:`civicdesk.domain.cases.actions.attachments`).

    The content is kept by its SHA-256 (:mod:`civicdesk.domain.inbox.storage`); a photo is the re-encoded
    image, never what was sent, and has a small copy for lists. Only a ``public`` one is shown to the resident.
    """

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, help_text=_("Recognised from the content, never the name."))
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    is_image = models.BooleanField(default=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_sha256 = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, choices=AttachmentSource.choices)
    added_by = models.ForeignKey("staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    added_by_label = models.CharField(max_length=120)
    added_at = models.DateTimeField()
    public = models.BooleanField(_("shown to the resident"), default=False)
    caption = models.CharField(_("caption"), max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "added_at"], name="attachment_case_idx")]

    def __str__(self) -> str:
        return self.original_name or f"attachment {self.pk}"
