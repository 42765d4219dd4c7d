"""``/api/v1/cases``: intake, the queue, one case, its journal, and one endpoint per transition.

Views stay thin: find the case through the access-checked selectors (404
when out of scope, so existence never leaks), refuse a role that lacks the
action's permission (403) before resolving anything else the request names,
then call the one case action for the transition, which checks again
and writes atomically.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.params import Query
from ninja.params import functions as param

from civicdesk.channels.api import selectors
from civicdesk.channels.api.auth import current_user
from civicdesk.channels.api.errors import NotFound
from civicdesk.channels.api.schemas import (
    AcknowledgeIn,
    AnswerExpectedIn,
    AssignIn,
    AttachmentOut,
    AttachmentPublicIn,
    CaseCreatedOut,
    CaseFilters,
    CaseIn,
    CaseOut,
    CasePage,
    CloseIn,
    DuplicateIn,
    ErrorOut,
    FollowUpIn,
    FollowUpRequestOut,
    ItemDoneIn,
    ItemIn,
    ItemOut,
    JournalEntryOut,
    PauseIn,
    RedirectIn,
    ReopenIn,
    ReplyIn,
    RouteIn,
    TimelineIn,
    UpdateIn,
)
from civicdesk.channels.ui import files
from civicdesk.domain.cases import access, actions
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed
from civicdesk.domain.cases.models import Case, CaseAttachment, CaseItem
from civicdesk.domain.cases.references import normalise
from civicdesk.domain.city.models import Department, Service
from civicdesk.domain.inbox import storage
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource

router = Router(tags=["cases"])

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 409: ErrorOut}

IDEMPOTENCY_KEY = param.Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=200,
    pattern=r"^[\x21-\x7e]+$",
    description="Any unique string (e.g. a UUID): a retry with the same key and body returns the first case.",
)
ITEM_ID = param.Path(..., ge=1, le=2**53)


def _case_for(user: User, reference: str, permission: str) -> Case:
    """The case, if visible (else 404), and only if the role may do this to it (else 403)."""
    case = selectors.visible_case(user, reference)
    access.require(user, permission, case)
    return case


def _out(user: User, case: Case) -> dict[str, Any]:
    return selectors.cases_data(
        [selectors.case_after_action(user, case.pk)], show_contact=access.may_see_contact(user)
    )[0]


def _created_out(user: User, intake: actions.Intake) -> dict[str, Any]:
    """A case this request has just created, from the objects in memory, its clocks too."""
    if intake.commitments is None:
        commitments = list(intake.case.commitments.order_by("due_at", "pk"))
    else:
        commitments = sorted(intake.commitments, key=lambda c: (c.due_at, c.pk))
    return selectors.case_data(
        intake.case,
        show_contact=access.may_see_contact(user),
        commitments=commitments,
        items=[],  # a new case has no items yet
    )


# --- intake and reads ----------------------------------------------------------------------------


@router.post(
    "",
    response={200: CaseCreatedOut, 201: CaseCreatedOut, **WRITE_ERRORS},
    summary="Create a case",
    description=(
        "Records a contact as a case and starts the clocks its standards owe. With an `Idempotency-Key` "
        "header a retry of the same request returns the case the first one created (200, not 201); the same "
        "key with a different body is refused (409)."
    ),
)
def create_case(
    request: HttpRequest, payload: CaseIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> Status[dict[str, Any]]:
    user = current_user(request)
    access.require(user, "cases.add_case")
    jurisdiction = user.jurisdiction
    if jurisdiction is None:
        raise NotAllowed("your account serves no city; cases are created by a city's staff")
    service = None
    if payload.service is not None:
        service = (
            Service.objects.select_related("department").filter(jurisdiction=jurisdiction, code=payload.service).first()
        )
        if service is None:
            raise InvalidInput(f"{jurisdiction.name} has no service with code {payload.service!r}", field="service")
    contact = payload.contact
    intake = actions.create_case(
        jurisdiction=jurisdiction,
        actor=user,
        kind=payload.kind,
        channel=payload.channel,
        description=payload.description,
        service=service,
        received_at=payload.received_at,
        occurred_at=payload.occurred_at,
        people_involved=payload.people_involved,
        outcome_sought=payload.outcome_sought,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        hazard=payload.hazard,
        safety_threat=payload.safety_threat,
        third_party_unidentified=payload.third_party_unidentified,
        council_involved=payload.council_involved,
        language=payload.language,
        interpreter_requested=payload.interpreter_requested,
        feedback_type=payload.feedback_type or "",
        contact=None if contact is None else actions.ContactDetails(**contact.model_dump()),
        idempotency=None
        if idempotency_key is None
        else actions.Idempotency(
            client=f"user:{user.pk}", key=idempotency_key, request=payload.model_dump(mode="json")
        ),
    )
    data = _created_out(user, intake) if intake.created else _out(user, intake.case)
    data["missing_details"] = intake.missing_details
    return Status(201 if intake.created else 200, data)


@router.get(
    "",
    response={200: CasePage, **READ_ERRORS},
    summary="List cases",
    description="The cases you may see, newest receipt first (best match first with `q`), filtered; `page_size` at most 100.",
)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    user = current_user(request)
    cases = selectors.case_queue(user, filters, now=timesource.now())
    start = (filters.page - 1) * filters.page_size
    rows = list(cases[start : start + filters.page_size + 1])  # one extra row says whether a next page exists
    show_contact = access.may_see_contact(user)
    return {
        "page": filters.page,
        "page_size": filters.page_size,
        "has_next": len(rows) > filters.page_size,
        "results": selectors.cases_data(rows[: filters.page_size], show_contact=show_contact),
    }


@router.get("/{reference}", response={200: CaseOut, **READ_ERRORS}, summary="Get a case")
def get_case(request: HttpRequest, reference: str) -> dict[str, Any]:
    user = current_user(request)
    case = selectors.visible_case(user, reference, for_output=True)
    return selectors.cases_data([case], show_contact=access.may_see_contact(user))[0]


@router.get(
    "/{reference}/journal",
    response={200: list[JournalEntryOut], **READ_ERRORS},
    summary="A case's journal",
    description="Every entry, in order; each carries the hash of the one before it (tamper-evident).",
)
def case_journal(request: HttpRequest, reference: str) -> list[Any]:
    case = selectors.visible_case(current_user(request), reference)
    return list(selectors.journal_of(case))


# --- transitions -------------------------------------------------------------------------------------


@router.post("/{reference}/acknowledge", response={200: CaseOut, **WRITE_ERRORS}, summary="Acknowledge (PK-ACK-1BD)")
def acknowledge(request: HttpRequest, reference: str, payload: AcknowledgeIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.acknowledge_case")
    actions.acknowledge_case(case=case, actor=user, message=payload.message)
    return _out(user, case)


@router.post(
    "/{reference}/replies",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Record that the resident was answered (PK-CALLBACK, PK-EMAIL-ANSWER)",
    description="A call returned, an email or letter sent, advice given: meets what is owed to the resident.",
)
def reply(request: HttpRequest, reference: str, payload: ReplyIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.acknowledge_case")
    actions.reply_to_resident(case=case, actor=user, how=payload.how, note=payload.note)
    return _out(user, case)


@router.post(
    "/{reference}/timeline-notice",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Record that the resident was told the timeline holds (PK-MISS)",
    description="Meets the week-before notice; a timeline that slips is changed with its reason instead.",
)
def timeline_notice(request: HttpRequest, reference: str, payload: ReplyIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.change_timeline")
    actions.tell_resident_about_timeline(case=case, actor=user, how=payload.how, note=payload.note)
    return _out(user, case)


@router.post("/{reference}/route", response={200: CaseOut, **WRITE_ERRORS}, summary="Route or re-route (PK-ROUTE)")
def route(request: HttpRequest, reference: str, payload: RouteIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.route_case")
    department = Department.objects.filter(jurisdiction_id=case.jurisdiction_id, code=payload.department).first()
    if department is None:
        raise InvalidInput(f"no department with code {payload.department!r}", field="department")
    actions.route_case(
        case=case, actor=user, department=department, reason=payload.reason, reason_public=payload.reason_public
    )
    return _out(user, case)


@router.post("/{reference}/assign", response={200: CaseOut, **WRITE_ERRORS}, summary="Assign to a person")
def assign(request: HttpRequest, reference: str, payload: AssignIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.assign_case")
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(jurisdiction_id=case.jurisdiction_id, username=payload.assignee).first()
        if assignee is None:
            raise InvalidInput(f"no staff member {payload.assignee!r} in this city", field="assignee")
    actions.assign_case(case=case, actor=user, assignee=assignee)
    return _out(user, case)


@router.post(
    "/{reference}/updates", response={200: CaseOut, **WRITE_ERRORS}, summary="Record a department update (PK-UPDATE)"
)
def record_update(request: HttpRequest, reference: str, payload: UpdateIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.record_update")
    actions.record_update(
        case=case,
        actor=user,
        update=payload.update,
        note=payload.note,
        timeline=payload.timeline,
        public=payload.public,
    )
    return _out(user, case)


@router.post("/{reference}/timeline", response={200: CaseOut, **WRITE_ERRORS}, summary="Change the timeline (PK-MISS)")
def change_timeline(request: HttpRequest, reference: str, payload: TimelineIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.change_timeline")
    actions.change_timeline(case=case, actor=user, timeline=payload.timeline, reason=payload.reason)
    return _out(user, case)


@router.get(
    "/{reference}/follow-up-requests",
    response={200: list[FollowUpRequestOut], **READ_ERRORS},
    summary="A case's follow-up requests (PK-FOLLOW, PK-ESC)",
    description="Every request sent, in order: its round and ladder step, its message, and who was copied.",
)
def follow_up_requests(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    case = selectors.visible_case(current_user(request), reference)
    return [selectors.follow_up_data(r) for r in selectors.follow_ups_of(case)]


@router.post(
    "/{reference}/answer-expected",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Record that the answer will come late, owing an interim reply (PK-MAIL-INTERIM)",
)
def answer_expected(request: HttpRequest, reference: str, payload: AnswerExpectedIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.acknowledge_case")
    actions.expect_late_answer(case=case, actor=user, expected_by=payload.expected_by, reason=payload.reason)
    return _out(user, case)


@router.post(
    "/{reference}/follow-up-requests",
    response={201: FollowUpRequestOut, **WRITE_ERRORS},
    summary="Send the next follow-up request (PK-FOLLOW, PK-ESC)",
    description=(
        "On or after the pending request's date this is that request and the ladder climbs a step. Before it, "
        "a reason is required; the request repeats the step reached, copying no one new."
    ),
)
def request_follow_up(
    request: HttpRequest, reference: str, payload: FollowUpIn | None = None
) -> Status[dict[str, Any]]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.request_follow_up")
    body = payload or FollowUpIn(message="", reason="")
    sent = actions.request_follow_up(case=case, actor=user, message=body.message, reason=body.reason)
    return Status(201, selectors.follow_up_data(selectors.follow_up_request(sent.pk)))


@router.post("/{reference}/items", response={201: ItemOut, **WRITE_ERRORS}, summary="Add an item to be done")
def add_item(request: HttpRequest, reference: str, payload: ItemIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.record_update")
    item = actions.add_item(case=case, actor=user, description=payload.description)
    return Status(201, selectors.item_data(item))


@router.post("/{reference}/items/{item_id}/done", response={200: ItemOut, **WRITE_ERRORS}, summary="Mark an item done")
def complete_item(
    request: HttpRequest, reference: str, item_id: int = ITEM_ID, payload: ItemDoneIn | None = None
) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.record_update")
    item = CaseItem.objects.select_related("case").filter(case=case, pk=item_id).first()
    if item is None:
        raise NotFound(f"case {case.reference} has no item {item_id}")
    item = actions.complete_item(item=item, actor=user, note=payload.note if payload is not None else "")
    return selectors.item_data(CaseItem.objects.select_related("done_by").get(pk=item.pk))


@router.post("/{reference}/pause", response={200: CaseOut, **WRITE_ERRORS}, summary="Pause the clocks")
def pause(request: HttpRequest, reference: str, payload: PauseIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.record_update")
    actions.pause_clocks(case=case, actor=user, waiting_on=payload.waiting_on, reason=payload.reason)
    return _out(user, case)


@router.post("/{reference}/resume", response={200: CaseOut, **WRITE_ERRORS}, summary="Resume the clocks")
def resume(request: HttpRequest, reference: str) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.record_update")
    actions.resume_clocks(case=case, actor=user)
    return _out(user, case)


@router.post("/{reference}/duplicate-of", response={200: CaseOut, **WRITE_ERRORS}, summary="Close as a duplicate")
def duplicate_of(request: HttpRequest, reference: str, payload: DuplicateIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.close_case")
    stored = normalise(payload.parent)
    parent = access.cases_visible_to(user).filter(reference=stored).first() if stored else None
    if parent is None:
        raise InvalidInput(f"no case {payload.parent!r} that you can see", field="parent")
    actions.link_duplicate(case=case, actor=user, parent=parent)
    return _out(user, case)


@router.post(
    "/{reference}/redirect", response={200: CaseOut, **WRITE_ERRORS}, summary="Close as out of scope (PK-SCOPE)"
)
def redirect(request: HttpRequest, reference: str, payload: RedirectIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.close_case")
    actions.redirect_case(case=case, actor=user, reason=payload.reason, redirect_to=payload.redirect_to)
    return _out(user, case)


@router.post(
    "/{reference}/close", response={200: CaseOut, **WRITE_ERRORS}, summary="Close (PK-CLOSE, PK-COUNCIL, PK-OMB)"
)
def close(request: HttpRequest, reference: str, payload: CloseIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.close_case")
    actions.close_case(case=case, actor=user, note=payload.note, resolution=payload.resolution)
    return _out(user, case)


@router.post("/{reference}/reopen", response={200: CaseOut, **WRITE_ERRORS}, summary="Reopen")
def reopen(request: HttpRequest, reference: str, payload: ReopenIn) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, "cases.close_case")
    actions.reopen_case(case=case, actor=user, reason=payload.reason)
    return _out(user, case)


# --- files -----------------------------------------------------------------------------------------


def _attachment_for(case: Case, attachment_id: int) -> CaseAttachment:
    row = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
    if row is None:
        raise NotFound(f"case {case.reference} has no file {attachment_id}")
    return row


@router.get(
    "/{reference}/attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
    summary="The case's photos and files",
)
def list_attachments(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    user = current_user(request)
    case = selectors.visible_case(user, reference)
    return [selectors.attachment_data(row, case.reference) for row in selectors.attachments_of(case)]


@router.post(
    "/{reference}/attachments",
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="Attach a photo or file",
    description=(
        "A multipart/form-data upload: `file`, and optionally `caption` and `public`. A photo (JPEG, PNG, WebP "
        "or GIF, up to 10 MB, at most 40 megapixels) is re-encoded so no metadata survives; a PDF or office "
        "document (up to 20 MB) is kept as sent. The type is recognised from the content, never the name."
    ),
)
def attach_file(
    request: HttpRequest,
    reference: str,
    file: File[UploadedFile],
    caption: Form[str] = "",
    public: Form[bool] = False,
) -> Status[dict[str, Any]]:
    user = current_user(request)
    case = _case_for(user, reference, actions.attachments.PERMISSION)
    upload = actions.prepare_upload(file, what="file")
    row = actions.attach_file(case=case, actor=user, upload=upload, public=public, caption=caption)
    return Status(201, selectors.attachment_data(row, case.reference))


@router.post(
    "/{reference}/attachments/{attachment_id}/public",
    response={200: AttachmentOut, **WRITE_ERRORS},
    summary="Show a file to the resident, or hide it",
)
def show_attachment(
    request: HttpRequest, reference: str, payload: AttachmentPublicIn, attachment_id: int = ITEM_ID
) -> dict[str, Any]:
    user = current_user(request)
    case = _case_for(user, reference, actions.attachments.PERMISSION)
    row = actions.show_to_resident(attachment=_attachment_for(case, attachment_id), actor=user, public=payload.public)
    return selectors.attachment_data(row, case.reference)


@router.get(
    "/{reference}/attachments/{attachment_id}/content",
    response={200: None, **READ_ERRORS},
    summary="Download a photo or file",
    url_name="attachment_content",
    description="A photo comes back as its re-encoded image; anything else as application/octet-stream.",
)
def attachment_content(request: HttpRequest, reference: str, attachment_id: int = ITEM_ID) -> Any:
    user = current_user(request)
    case = selectors.visible_case(user, reference)
    row = _attachment_for(case, attachment_id)
    path = storage.path_of(row.sha256)
    if not path.is_file():
        raise NotFound(f"the content of file {attachment_id} is missing from storage")
    if row.is_image:
        return files.image(path.open("rb"), content_type=row.content_type)
    return files.download(path.open("rb"), filename=row.original_name or f"file-{row.pk}")
