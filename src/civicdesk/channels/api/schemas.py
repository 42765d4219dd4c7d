"""What the staff API reads and writes, as pydantic schemas (they also make the OpenAPI document).

Input is strict where leniency would hide mistakes: booleans are JSON
``true``/``false`` (not ``"yes"``), unknown fields are refused (a misspelt
``recieved_at`` must not be silently ignored), times are ISO 8601 strings
with an offset, and every text has the length its column holds, so bad input
is a 422 naming the field, never a database error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from civicdesk.domain.cases.models import (
    Action,
    Channel,
    CommitmentState,
    FeedbackType,
    Kind,
    Purpose,
    Resolution,
    Status,
)
from civicdesk.domain.cases.standing import CLOCK_STATES, NO_CLOCK

INSTANT_EXAMPLE = "2026-11-23T10:00:00-05:00"


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it here rather than fail at the database.
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "text may not contain NUL characters")
    return value


def _iso_string(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "datetime_type",
            "expected an ISO 8601 date and time with offset, e.g. {example}",
            {"example": INSTANT_EXAMPLE},
        )
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "datetime_naive", "needs a time zone offset, e.g. {example}", {"example": INSTANT_EXAMPLE}
        )
    return value


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise PydanticCustomError("email", "not a valid email address") from None
    return value


# Texts, each no longer than the column that stores it.
Text40 = Annotated[str, StringConstraints(max_length=40), AfterValidator(_no_nul)]
Text200 = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
ShortText = Annotated[str, StringConstraints(max_length=300), AfterValidator(_no_nul)]
Note = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_no_nul)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_no_nul), AfterValidator(_email)]

Instant = Annotated[
    datetime,
    BeforeValidator(_iso_string),
    AfterValidator(_aware),
    WithJsonSchema({"type": "string", "format": "date-time", "example": INSTANT_EXAMPLE}),
]
# Output times: full precision (the journal's hashes cover microseconds), always UTC with its offset.
UtcInstant = Annotated[
    datetime,
    PlainSerializer(lambda value: value.astimezone(UTC).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Username = Annotated[str, StringConstraints(min_length=1, max_length=150), AfterValidator(_no_nul)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(_no_nul)]
LanguageCode = Annotated[str, StringConstraints(max_length=8, pattern=r"^[a-z]{0,3}(-[A-Za-z0-9]{1,4})?$")]
Coordinate = Annotated[float, Field(allow_inf_nan=False, strict=True)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# --- input ---------------------------------------------------------------------------------


class ContactIn(Input):
    """Who raised the case (PK-PRIV: stored apart from the case, shown only to roles that may see it)."""

    name: Text200 = ""
    title: Literal["", "ms", "mrs", "mr", "mx", "dr"] = Field(
        "", description="How the resident asked to be addressed; messages greet them with it (Dear Ms Chen,)."
    )
    organisation: Text200 = ""
    email: Email = ""
    phone: Text40 = ""
    address: ShortText = ""
    language: LanguageCode = ""
    interpreter_requested: StrictBool = False


class CaseIn(Input):
    """A new case (PK-DEF, PK-CHANNELS). A complaint's missing details are reported back, not refused."""

    kind: Kind
    channel: Channel
    service: Code | None = Field(
        None, description="Service code, e.g. POTHOLE; needed for complaints and service requests."
    )
    description: Annotated[str, AfterValidator(_no_nul)] = Field(
        description="What happened, or what is asked (at most 10,000 characters)."
    )
    received_at: Instant | None = Field(
        None,
        description="When the city received it (clocks start here); defaults to now. A letter entered late is backdated.",
    )
    occurred_at: Instant | None = None
    people_involved: Note = ""
    outcome_sought: Note = ""
    address: ShortText = ""
    latitude: Coordinate | None = None
    longitude: Coordinate | None = None
    hazard: StrictBool | None = Field(None, description="Defaults to the service's hazard flag (PK-HAZARD).")
    safety_threat: StrictBool = False
    third_party_unidentified: StrictBool = False
    council_involved: StrictBool = False
    language: LanguageCode = ""
    interpreter_requested: StrictBool = False
    feedback_type: FeedbackType | None = None
    contact: ContactIn | None = None


class AcknowledgeIn(Input):
    message: Note = Field(description="The anticipated action and timeline, as told to the resident (PK-ACK-1BD).")


class RouteIn(Input):
    department: Code = Field(description="Department code, e.g. roads.")
    reason: Note = Field("", description="Required when re-routing (PK-ROUTE).")
    reason_public: StrictBool = Field(
        False, description="Show the reason to the resident (Open311); staff-only if false."
    )


class AssignIn(Input):
    assignee: Username | None = Field(description="A username in the case's department, or null to unassign.")


class UpdateIn(Input):
    update: Literal["inspected", "action_planned", "resident_advised", "work_done", "note"] = Field(
        description="work_done meets the agreed timeline: a case whose work is only scheduled cannot close (PK-CLOSE)."
    )
    note: Note
    timeline: Instant | None = Field(None, description="The anticipated completion; required for action_planned.")
    public: StrictBool = False


class TimelineIn(Input):
    timeline: Instant
    reason: Note = Field(description="Why the timeline changes; the resident is told (PK-MISS).")


class AnswerExpectedIn(Input):
    expected_by: Instant = Field(description="When the conclusive answer is now expected (PK-MAIL-INTERIM).")
    reason: Note = Field(description="Why the answer will take longer than its standard allows.")


class ItemIn(Input):
    description: ShortText


class ItemDoneIn(Input):
    note: Note = ""


class PauseIn(Input):
    waiting_on: Text40 = Field(
        description="Who the city waits on, one of the profile's pause reasons: resident, access, other_agency, "
        "contractor, season (Pickering allows all five)."
    )
    reason: Note = Field(description="What the city is waiting for, in words.")


class DuplicateIn(Input):
    parent: Reference = Field(description="Reference of the case this one duplicates.")


class RedirectIn(Input):
    reason: Note = Field(description="Why the matter is out of scope (PK-SCOPE).")
    redirect_to: Note = Field(description="Where the resident should go instead (PB-RESOURCE).")


class CloseIn(Input):
    note: Note
    resolution: Literal["resolved", "not_investigated"] = "resolved"


class ReopenIn(Input):
    reason: Note


class ReplyIn(Input):
    how: Literal["call_returned", "phone", "email", "letter", "in_person"] = Field(
        description="How the resident was answered; an email is sent to them with the note (PK-CALLBACK)."
    )
    note: Note = Field(description="What the resident was told; shown to them (status page, Open311).")


class FollowUpIn(Input):
    message: Note = Field("", description="What the department is asked; empty: the ladder's own text (PK-ESC).")
    reason: Note = Field(
        "", description="Why the department is asked before the follow-up date; required only then (PK-FOLLOW)."
    )


class CaseFilters(Input):
    department: Code | None = Field(None, description="Department code.")
    status: Status | None = None
    kind: Kind | None = None
    overdue: bool | None = Field(
        None,
        description="Clock state breached: a missed standard whose action is still owed, or a pending commitment "
        "past its due time.",
    )
    at_risk: bool | None = Field(
        None,
        description="Clock state at risk: nothing missed, and the next commitment falls due within 4 business hours.",
    )
    due_before: Instant | None = Field(None, description="Has an open commitment due before this instant.")
    q: str | None = Field(
        None,
        max_length=200,
        description="Search: the reference, address and words of the description and notes (and the resident's "
        "name, organisation, email and phone for roles that may see contacts); every word must be found, a word's "
        "start is enough. Results are ranked best first instead of newest first, at most 1,000.",
    )
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(25, ge=1, le=100)


# --- output --------------------------------------------------------------------------------


class ContactOut(Schema):
    name: str
    organisation: str
    email: str
    phone: str
    address: str
    language: str
    interpreter_requested: bool


class CommitmentOut(Schema):
    standard: str = Field(description="The rule ID that set it, e.g. PK-ACK-1BD.")
    purpose: Purpose
    due_at: UtcInstant
    state: CommitmentState
    met_at: UtcInstant | None
    breached_at: UtcInstant | None
    explanation: list[str] = Field(description="How the due time was computed, line by line.")


class ItemOut(Schema):
    id: int
    description: str
    created_at: UtcInstant
    done_at: UtcInstant | None
    done_by: str | None


class AttachmentOut(Schema):
    id: int
    name: str = Field(description="The file name it was sent with (a GIF, kept as PNG, is renamed .png).")
    content_type: str = Field(
        description="Recognised from the content: image/jpeg, image/png or image/webp for a re-encoded photo, "
        "application/pdf, an office document's type, or application/x-ole-storage (Word, Excel or PowerPoint "
        "before 2007)."
    )
    size: int = Field(description="Bytes kept (a photo's re-encoded size).")
    is_image: bool
    width: int | None
    height: int | None
    caption: str
    public: bool = Field(description="Shown to the resident on their status page.")
    source: Literal["staff", "resident", "open311"]
    added_by: str = Field(description="Who attached it, as the journal names them.")
    added_at: UtcInstant
    content_url: str = Field(description="Where to download it (GET, the same token).")


class AttachmentPublicIn(Input):
    public: bool = Field(description="true: the resident sees it on their status page; false: staff only.")


class CaseOut(Schema):
    reference: str
    kind: Kind
    feedback_type: FeedbackType | Literal[""]
    channel: Channel
    service: str | None = Field(description="Service code.")
    department: str | None = Field(description="Department code.")
    assignee: str | None = Field(description="Username.")
    status: Status
    resolution: Resolution | Literal[""]
    received_at: UtcInstant
    entered_at: UtcInstant
    acknowledged_at: UtcInstant | None
    closed_at: UtcInstant | None
    description: str
    occurred_at: UtcInstant | None
    people_involved: str
    outcome_sought: str
    address: str
    latitude: float | None
    longitude: float | None
    hazard: bool
    safety_threat: bool
    safety_rank: int = Field(
        description="Safety first: 2 an open immediate threat, 1 an open hazard awaiting inspection, 0 neither;"
        " the desk's queues put higher ranks first."
    )
    emergency_notice: str | None = Field(
        description="The city's emergency advice for a hazard or threat, as the resident and the desk are shown it."
    )
    third_party_unidentified: bool
    council_involved: bool
    investigate: bool
    language: str
    interpreter_requested: bool
    follow_up_requests: int = Field(description="The ladder step reached in this round (PK-ESC).")
    follow_up_round: int = Field(description="The round of the ladder: each answer from the department starts one.")
    follow_ups_sent: int = Field(description="Follow-up requests sent over the case's life.")
    paused_since: UtcInstant | None = Field(description="While the clocks are paused: since when.")
    paused_by: str | None = Field(description="While the clocks are paused: the username of who paused them.")
    pause_reason: str = Field(description="While the clocks are paused: what the case waits on; else empty.")
    parent: str | None = Field(description="Reference of the case this one duplicates.")
    public_note: str
    redirect_to: str
    contact: ContactOut | None = Field(
        description="Who raised it; null when there is none or your role may not see it (PK-PRIV)."
    )
    clock_state: Annotated[str, WithJsonSchema({"type": "string", "enum": [*CLOCK_STATES, NO_CLOCK]})] = Field(
        description="How the case's clocks stand now, as the desk shows it; none once closed."
    )
    next_due_at: UtcInstant | None = Field(description="When the next pending commitment falls due.")
    expected_at: UtcInstant | None = Field(
        description="The date the resident is told (the portal's status page, Open311's expected_datetime)."
    )
    expected_is_completion: bool = Field(
        description="Whether expected_at is the agreed completion (else the next step)."
    )
    commitments: list[CommitmentOut]
    items: list[ItemOut]


class CaseCreatedOut(CaseOut):
    missing_details: list[str] = Field(description="Parts of a complaint record still missing (PK-CHANNELS).")


class CasePage(Schema):
    page: int
    page_size: int
    has_next: bool
    results: list[CaseOut]


class JournalEntryOut(Schema):
    sequence: int
    at: UtcInstant
    actor_label: str
    action: Action
    note: str
    public: bool
    data: dict[str, Any]
    previous_hash: str
    hash: str


class FollowUpRequestOut(Schema):
    number: int = Field(description="Counts every request over the case's life.")
    round: int
    step: int = Field(description="The ladder step it was sent at: it decides who is copied (0: before the first).")
    sent_at: UtcInstant
    sent_by: str | None = Field(description="Username of who sent it; null when the sweep sent it on its date.")
    message: str
    early_reason: str = Field(description="Why it went before its date; empty when it went on or after it.")
    copied_roles: list[str]
    copied: list[str] = Field(description="Usernames of the staff copied (PK-ESC).")
    next_due_at: UtcInstant | None


class ErrorBody(Schema):
    code: str = Field(description="Machine-readable: invalid_input, forbidden, not_found, case_closed, open_items…")
    message: str
    field: str | None = Field(None, description="The input at fault.")
    rule: str | None = Field(None, description="The rule ID that refused it, e.g. PK-CLOSE.")
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


def decimal_or_none(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- review before release (LW-CORR) ----------------------------------------------------------


class ReturnIn(Input):
    reason: Note = Field(description="Why the message is returned; its author reads it and writes the message again.")


class ReviewedMessageOut(Schema):
    id: int
    case: str = Field(description="The case's reference.")
    kind: str = Field(description="The kind of message, e.g. reply, closed, timeline_changed.")
    state: str = Field(
        description="awaiting_approval, returned, or the outbox's states once approved (pending, sent…)."
    )
    subject: str
    body: str = Field(description="The text as the resident will read it; it is never changed on the way.")
    to: str | None = Field(description="The resident's address; null for roles that may not see who raised a case.")
    cc: list[str] = Field(description="Usernames of the staff copied.")
    author: str | None = Field(description="Username of who wrote it.")
    written_at: UtcInstant
    waited_seconds: int = Field(description="How long it has waited for approval (until now, or until reviewed).")
    reviewed_by: str | None = Field(description="Username of who approved or returned it.")
    reviewed_at: UtcInstant | None
    return_reason: str


class ReviewPage(Schema):
    items: list[ReviewedMessageOut] = Field(description="Oldest first.")
    page: int
    has_next: bool


class ReviewFilters(Input):
    page: int = Field(1, ge=1, le=100_000)


class LetterIn(Schema):
    """A letter or fax, sent as ``multipart/form-data`` fields beside its ``scan`` file (PK-MAIL-ANSWER, MB-LETTER)."""

    channel: Literal["letter", "fax"]
    received_on: date = Field(description="The day it arrived, e.g. 2026-11-10; clocks count from it.")
    kind: Kind
    service: Code | None = Field(None, description="Service code; needed for complaints and service requests.")
    description: Annotated[str, StringConstraints(min_length=1), AfterValidator(_no_nul)] = Field(
        description="What the letter asks (at most 10,000 characters)."
    )
    address: ShortText = ""
    people_involved: Note = ""
    outcome_sought: Note = ""
    council_involved: bool = False
    language: LanguageCode = ""
    contact_name: Text200 = ""
    contact_title: Literal["", "ms", "mrs", "mr", "mx", "dr"] = ""
    contact_organisation: Text200 = ""
    contact_address: ShortText = ""
    contact_phone: Text40 = ""
    contact_email: Email = ""


class ScanOut(Schema):
    sha256: str
    size: int
    content_type: str
    original_name: str
    received_on: date


class LetterCreatedOut(CaseCreatedOut):
    scan: ScanOut
