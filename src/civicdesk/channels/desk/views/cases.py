"""The case page and every transition on it, each a plain form post (works without JavaScript).

A transition binds its form, calls the one case action for that change
(:mod:`civicdesk.domain.cases.actions`) and redirects back on success. A refusal
re-renders the page with the failed form open and an error summary linked to
its fields; closing with open items lists them (PK-CLOSE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicdesk.channels.desk import forms as desk_forms
from civicdesk.channels.desk import selectors
from civicdesk.channels.desk.views import attachments, thread
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import access, actions, clocks, standing
from civicdesk.domain.cases.errors import CaseError, NotAllowed, TransitionRefused
from civicdesk.domain.cases.models import Case, CaseItem, CommitmentState, Purpose, Status
from civicdesk.domain.cases.references import display, normalise
from civicdesk.domain.outbox.models import MessageState, OutboxMessage
from civicdesk.domain.staff import absences
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource


@dataclass(frozen=True)
class Transition:
    title: Any
    permission: str
    form: type[forms.Form]
    button: Any
    open_only: bool = True


TRANSITIONS: dict[str, Transition] = {
    "update": Transition(
        gettext_lazy("Record an update"), "cases.record_update", desk_forms.UpdateForm, gettext_lazy("Record update")
    ),
    "acknowledge": Transition(
        gettext_lazy("Acknowledge"), "cases.acknowledge_case", desk_forms.AcknowledgeForm, gettext_lazy("Acknowledge")
    ),
    "reply": Transition(
        gettext_lazy("Record that the resident was answered"),
        "cases.acknowledge_case",
        desk_forms.ReplyForm,
        gettext_lazy("Record answer"),
    ),
    "timeline_notice": Transition(
        gettext_lazy("Tell the resident the timeline holds (PK-MISS)"),
        "cases.change_timeline",
        desk_forms.ReplyForm,
        gettext_lazy("Record the notice"),
    ),
    "item": Transition(
        gettext_lazy("Add an item to be done"), "cases.record_update", desk_forms.ItemForm, gettext_lazy("Add item")
    ),
    "assign": Transition(gettext_lazy("Assign"), "cases.assign_case", desk_forms.AssignForm, gettext_lazy("Assign")),
    "route": Transition(
        gettext_lazy("Route to a department"), "cases.route_case", desk_forms.RouteForm, gettext_lazy("Route")
    ),
    "follow_up": Transition(
        gettext_lazy("Send a follow-up request to the department"),
        "cases.request_follow_up",
        desk_forms.FollowUpForm,
        gettext_lazy("Send follow-up request"),
    ),
    "timeline": Transition(
        gettext_lazy("Change the timeline"),
        "cases.change_timeline",
        desk_forms.TimelineForm,
        gettext_lazy("Change timeline"),
    ),
    "answer_late": Transition(
        gettext_lazy("Answer expected late"),
        "cases.acknowledge_case",
        desk_forms.AnswerLateForm,
        gettext_lazy("Record the expected date"),
    ),
    "pause": Transition(
        gettext_lazy("Pause the clocks (the city waits on someone else)"),
        "cases.record_update",
        desk_forms.PauseForm,
        gettext_lazy("Pause clocks"),
    ),
    "resume": Transition(
        gettext_lazy("Resume the clocks"), "cases.record_update", desk_forms.EmptyForm, gettext_lazy("Resume clocks")
    ),
    "duplicate": Transition(
        gettext_lazy("Close as a duplicate"),
        "cases.close_case",
        desk_forms.DuplicateForm,
        gettext_lazy("Link as duplicate"),
    ),
    "redirect": Transition(
        gettext_lazy("Out of scope: redirect the resident"),
        "cases.close_case",
        desk_forms.RedirectForm,
        gettext_lazy("Redirect and close"),
    ),
    "close": Transition(
        gettext_lazy("Close the case"), "cases.close_case", desk_forms.CloseForm, gettext_lazy("Close")
    ),
    "reopen": Transition(
        gettext_lazy("Reopen the case"), "cases.close_case", desk_forms.ReopenForm, gettext_lazy("Reopen"), False
    ),
}
DONE_MESSAGES = {
    "update": gettext_lazy("Update recorded."),
    "acknowledge": gettext_lazy("Acknowledgement recorded."),
    "reply": gettext_lazy("Answer recorded."),
    "timeline_notice": gettext_lazy("Notice recorded: the resident was told the timeline holds."),
    "item": gettext_lazy("Item added."),
    "complete_item": gettext_lazy("Item marked done."),
    "assign": gettext_lazy("Assignment saved."),
    "route": gettext_lazy("Case routed."),
    "follow_up": gettext_lazy("Follow-up request sent."),
    "timeline": gettext_lazy("Timeline changed; the resident is told."),
    "answer_late": gettext_lazy("Expected answer date recorded; an interim reply is owed."),
    "pause": gettext_lazy("Clocks paused."),
    "resume": gettext_lazy("Clocks resumed."),
    "duplicate": gettext_lazy("Case closed as a duplicate."),
    "redirect": gettext_lazy("Case closed and the resident redirected."),
    "close": gettext_lazy("Case closed."),
    "reopen": gettext_lazy("Case reopened."),
}
BADGE_FOR_COMMITMENT = {
    CommitmentState.PENDING: "pending",
    CommitmentState.PAUSED: "paused",
    CommitmentState.MET: "met",
    CommitmentState.BREACHED: "breached",
    CommitmentState.CANCELLED: "cancelled",
}


# Said instead when the email the action wrote waits for approval (LW-CORR): the resident is not told yet.
DONE_WHILE_HELD = {"timeline": gettext_lazy("Timeline changed.")}
AWAITING_APPROVAL = gettext_lazy(
    "Your email to the resident waits for a second person's approval before it is sent (LW-CORR); "
    "it is listed under Awaiting approval."
)


def _awaiting_by(case: Case, user: User) -> int:
    """How many of ``user``'s messages on ``case`` wait for approval (LW-CORR): more after an action, one was held."""
    return OutboxMessage.objects.filter(case=case, author=user, state=MessageState.AWAITING_APPROVAL).count()


def live_commitments(commitments: list[Any]) -> set[int]:
    """The rows the case's commitments table shows; the others fold into its history.

    Shown: what is owed now and what was met or missed, with one row for the ladder: the next follow-up date
    and the first one missed this round (the date the department's update is owed since). Folded: the dates the
    ladder and timeline changes superseded, the follow-up dates already answered, the round's later misses.
    """
    live: set[int] = set()
    first_missed = None
    for c in commitments:
        if c.state == CommitmentState.CANCELLED:
            continue
        if c.purpose == Purpose.FOLLOW_UP:
            if c.state == CommitmentState.MET:
                continue
            if c.state == CommitmentState.BREACHED:
                first_missed = first_missed if first_missed is not None else id(c)
                continue
        live.add(id(c))
    if first_missed is not None:
        live.add(first_missed)
    return live


def _form_for(action: str, case: Case, data: Any = None) -> forms.Form:
    form_class = TRANSITIONS[action].form
    kwargs: dict[str, Any] = {"prefix": action}
    if form_class in (desk_forms.RouteForm, desk_forms.PauseForm):
        kwargs["jurisdiction"] = case.jurisdiction
    if form_class is desk_forms.AssignForm:
        kwargs["staff"] = selectors.department_staff(case)
        kwargs["initial"] = {"assignee": case.assignee_id}
    if form_class is desk_forms.RouteForm:
        kwargs["initial"] = {"department": case.department_id}
    return form_class(data, **kwargs)


def available(user: User, case: Case, commitments: list[Any]) -> list[str]:
    """The transitions this user's role offers on this case now; the service still has the last word."""
    states = {
        c.state
        for c in commitments
        if c.state in (CommitmentState.PENDING, CommitmentState.PAUSED) and c.purpose != Purpose.PAUSE_LIMIT
    }
    has_timeline = any(
        c.purpose == Purpose.COMPLETE and c.state in (CommitmentState.PENDING, CommitmentState.BREACHED)
        for c in commitments
    )
    started = {c.standard for c in commitments}
    late_owes = [s.id for _p, s in standing.owed_if_answer_late(clocks.profile_for(case.jurisdiction), case=case)]
    allowed = []
    for action, transition in TRANSITIONS.items():
        if not user.has_perm(transition.permission):
            continue
        if transition.open_only != (case.status == Status.OPEN):
            continue
        if action == "follow_up" and case.department_id is None:
            continue
        if action == "timeline" and not has_timeline:
            continue
        if action == "answer_late" and (not late_owes or all(s in started for s in late_owes)):
            continue
        if action == "timeline_notice" and not any(
            c.purpose == Purpose.TIMELINE_NOTICE and c.state in (CommitmentState.PENDING, CommitmentState.BREACHED)
            for c in commitments
        ):
            continue
        if action == "pause" and CommitmentState.PENDING not in states:
            continue
        if action == "resume" and CommitmentState.PAUSED not in states:
            continue
        allowed.append(action)
    return allowed


def _case_or_404(request: DeskRequest, reference: str) -> Case:
    stored = normalise(reference)
    if stored is None:
        raise Http404
    try:
        return selectors.case_page(request.user, stored)
    except Case.DoesNotExist:
        raise Http404 from None


def _render_case(
    request: DeskRequest,
    case: Case,
    *,
    failed: str | None = None,
    failed_form: forms.Form | None = None,
    details: list[str] | None = None,
    status: int = 200,
    answer_form: desk_forms.EmailAnswerForm | None = None,
    attach_form: desk_forms.AttachFileForm | None = None,
) -> HttpResponse:
    commitments = selectors.commitments_of(case)
    stands = standing.standing_of(
        case, selectors.horizons(case.jurisdiction, timesource.now()), commitments=commitments
    )
    allowed = available(request.user, case, commitments)
    action_forms = []
    for action in allowed:
        form = failed_form if action == failed and failed_form is not None else _form_for(action, case)
        transition = TRANSITIONS[action]
        action_forms.append({"action": action, "title": transition.title, "button": transition.button, "form": form})
    live = live_commitments(commitments)
    rows = [
        {
            "commitment": c,
            "purpose": standing.purpose_label(c.purpose),
            "state": standing.COMMITMENT_STATE_LABELS.get(CommitmentState(c.state), c.state),
            "badge": BADGE_FOR_COMMITMENT.get(CommitmentState(c.state), "none"),
            "lines": (c.explanation or {}).get("lines", []) if isinstance(c.explanation, dict) else [],
            "live": id(c) in live,
        }
        for c in commitments
    ]
    show_contact = access.may_see_contact(request.user)
    return render(
        request,
        "desk/case.html",
        {
            **nav_context(request, "case"),
            "case": case,
            "display_reference": display(case.reference),
            "clock_state": stands.state,
            "expected": stands.expected,
            "show_contact": show_contact,
            "contact": case.contact if show_contact else None,
            "commitments": [row for row in rows if row["live"]],
            "commitment_history": [row for row in rows if not row["live"]],
            "items": list(case.items.all()),
            "journal": selectors.journal_of(case),
            "follow_ups": selectors.follow_ups_of(case),
            "action_forms": action_forms,
            "failed": failed,
            "failed_form": failed_form,
            "details": details or [],
            "can_complete_items": "item" in allowed,
            "missing": [standing.DETAIL_LABELS[k] for k in standing.missing_details_of(case)] if case.is_open else [],
            "emergency": standing.emergency_notice(
                clocks.profile_for(case.jurisdiction),
                hazard=case.hazard,
                safety_threat=case.safety_threat,
                language=get_language() or case.jurisdiction.languages[0],
            )
            if case.is_open
            else None,
            "ombudsman": actions.ombudsman_information(case.jurisdiction) if case.kind == "complaint" else "",
            "assignee_away": absences.current(case.assignee, timesource.now()) if case.assignee else None,
            **thread.thread_context(request, case, answer_form=answer_form),
            **attachments.attachments_context(request, case, attach_form=attach_form),
        },
        status=status,
    )


@desk_view
def case_detail(request: DeskRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    if case.reference != reference:
        return redirect("desk:case", reference=case.reference)
    return _render_case(request, case)


def _closing(case: Case, day: Any, form: forms.Form, field: str) -> datetime | None:
    """A date picked on the form as the office's closing time that day; a closed day is a form error."""
    closes = desk_forms.local_closing(case.jurisdiction, day)
    if closes is None:
        form.add_error(field, _("The office is closed on that day; choose a business day."))
    return closes


def _refusal_details(error: CaseError, case: Case) -> list[str]:
    """PK-CLOSE: the open items and commitments that stop a case closing, one line each."""
    if not isinstance(error.details, dict):
        return []
    zone = case.jurisdiction.zone
    lines = []
    for item in error.details.get("items", []):
        lines.append(_("Open item: %(item)s") % {"item": item["description"]})
    for commitment in error.details.get("commitments", []):
        due = datetime.fromisoformat(commitment["due_at"]).astimezone(zone)
        purpose = standing.purpose_label(commitment["purpose"])
        lines.append(
            _("Open commitment: %(purpose)s (%(standard)s), due %(due)s")
            % {
                "purpose": purpose,
                "standard": commitment["standard"],
                "due": formats.date_format(due, "DATETIME_FORMAT"),
            }
        )
    return lines


def _message_for(error: CaseError) -> str:
    """The refusal in the reader's language where the desk knows it; else the domain's own words."""
    if isinstance(error, TransitionRefused) and error.code == "open_items":
        return _(
            "This case cannot be closed until every item in it is done (PK-CLOSE). Complete or record what is still open:"
        )
    if isinstance(error, TransitionRefused) and error.code == "council_case":
        return _("Cases with Mayor, Council or CAO involvement are closed only by Customer Care (PK-COUNCIL).")
    if isinstance(error, TransitionRefused) and error.code == "case_closed":
        return _("This case is closed; reopen it first.")
    if isinstance(error, NotAllowed):
        return _("Your role does not allow this on this case.")
    return error.message


def _perform(action: str, case: Case, form: forms.Form, user: User) -> None:
    data = form.cleaned_data
    match action:
        case "acknowledge":
            actions.acknowledge_case(case=case, actor=user, message=data["message"])
        case "route":
            actions.route_case(
                case=case,
                actor=user,
                department=data["department"],
                reason=data["reason"],
                reason_public=data["reason_public"],
            )
        case "assign":
            actions.assign_case(case=case, actor=user, assignee=data["assignee"])
        case "update":
            day = data["timeline"]
            timeline = _closing(case, day, form, "timeline") if day else None
            if day and timeline is None:
                return
            actions.record_update(
                case=case,
                actor=user,
                update=data["update"],
                note=data["note"],
                timeline=timeline,
                public=data["public"],
            )
        case "timeline":
            timeline = _closing(case, data["timeline"], form, "timeline")
            if timeline is None:
                return
            actions.change_timeline(case=case, actor=user, timeline=timeline, reason=data["reason"])
        case "answer_late":
            expected_by = _closing(case, data["expected_by"], form, "expected_by")
            if expected_by is None:
                return
            actions.expect_late_answer(case=case, actor=user, expected_by=expected_by, reason=data["reason"])
        case "follow_up":
            actions.request_follow_up(case=case, actor=user, message=data["message"], reason=data["reason"])
        case "reply":
            actions.reply_to_resident(case=case, actor=user, how=data["how"], note=data["note"])
        case "timeline_notice":
            actions.tell_resident_about_timeline(case=case, actor=user, how=data["how"], note=data["note"])
        case "item":
            actions.add_item(case=case, actor=user, description=data["description"])
        case "pause":
            actions.pause_clocks(case=case, actor=user, waiting_on=data["waiting_on"], reason=data["reason"])
        case "resume":
            actions.resume_clocks(case=case, actor=user)
        case "duplicate":
            stored = normalise(data["parent"])
            parent = access.cases_visible_to(user).filter(reference=stored).first() if stored else None
            if parent is None:
                form.add_error("parent", _("No case with that reference that you can see."))
                return
            actions.link_duplicate(case=case, actor=user, parent=parent)
        case "redirect":
            actions.redirect_case(case=case, actor=user, reason=data["reason"], redirect_to=data["redirect_to"])
        case "close":
            actions.close_case(case=case, actor=user, note=data["note"], resolution=data["resolution"])
        case "reopen":
            actions.reopen_case(case=case, actor=user, reason=data["reason"])


@require_POST
@desk_view
def transition(request: DeskRequest, reference: str, action: str) -> HttpResponse:
    if action not in TRANSITIONS:
        raise Http404
    case = _case_or_404(request, reference)
    form = _form_for(action, case, request.POST)
    details: list[str] = []
    status = 422
    if form.is_valid():
        held = _awaiting_by(case, request.user)
        try:
            _perform(action, case, form, request.user)
        except CaseError as error:
            status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, TransitionRefused) else 422
            field = error.field or ""
            form.add_error(field if field in form.fields else None, _message_for(error))
            details = _refusal_details(error, case)
        if not form.errors:
            if _awaiting_by(case, request.user) > held:
                messages.success(request, str(DONE_WHILE_HELD.get(action, DONE_MESSAGES[action])))
                messages.info(request, AWAITING_APPROVAL)
            else:
                messages.success(request, str(DONE_MESSAGES[action]))
            return redirect("desk:case", reference=case.reference)
    case = _case_or_404(request, case.reference)
    return _render_case(request, case, failed=action, failed_form=form, details=details, status=status)


@require_POST
@desk_view
def complete_item(request: DeskRequest, reference: str, item: int) -> HttpResponse:
    case = _case_or_404(request, reference)
    row = CaseItem.objects.filter(case=case, pk=item).first()
    if row is None:
        raise Http404
    form = desk_forms.CompleteItemForm(request.POST, prefix=f"item-{row.pk}")
    if form.is_valid():
        try:
            actions.complete_item(item=row, actor=request.user, note=form.cleaned_data["note"])
        except CaseError as error:
            messages.error(request, _message_for(error))
        else:
            messages.success(request, str(DONE_MESSAGES["complete_item"]))
    return redirect("desk:case", reference=case.reference)


@require_POST
@desk_view
def answer_by_email(request: DeskRequest, reference: str) -> HttpResponse:
    """Answer the resident by email from the thread: the answer owed if one is, else a plain email to them."""
    case = _case_or_404(request, reference)
    form = desk_forms.EmailAnswerForm(request.POST, prefix="email")
    status = 422
    if form.is_valid() and not thread.may_answer(request.user, case):
        form.add_error(None, _("The resident left no email address, or your role does not answer residents."))
        status = 403
    elif form.is_valid():
        note = form.cleaned_data["note"]
        held = _awaiting_by(case, request.user)
        try:
            try:
                actions.reply_to_resident(case=case, actor=request.user, how="email", note=note)
                done = _("Your answer is on its way to the resident; it meets what the case owed them.")
            except TransitionRefused as refused:
                if refused.code not in ("no_change", "case_closed"):
                    raise
                actions.write_to_resident(case=case, actor=request.user, note=note)
                done = _("Your email is on its way to the resident and noted on the case.")
        except CaseError as error:
            status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, TransitionRefused) else 422
            form.add_error("note" if error.field == "note" else None, _message_for(error))
        else:
            if _awaiting_by(case, request.user) > held:
                done = str(AWAITING_APPROVAL)
            messages.success(request, done)
            return redirect(reverse("desk:case", args=[case.reference]) + "#thread-heading")
    case = _case_or_404(request, case.reference)
    return _render_case(request, case, answer_form=form, status=status)


@require_POST
@desk_view
def attach_file(request: DeskRequest, reference: str) -> HttpResponse:
    """Keep a photo, scan or document with the case; a refusal keeps the caption and says what is wrong."""
    case = _case_or_404(request, reference)
    form = desk_forms.AttachFileForm(request.POST, request.FILES, prefix="file")
    status = 422
    if form.is_valid():
        try:
            upload = actions.prepare_upload(form.cleaned_data["file"], what=_("The file"))
            added = actions.attach_file(
                case=case,
                actor=request.user,
                upload=upload,
                public=form.cleaned_data["public"],
                caption=form.cleaned_data["caption"],
            )
        except CaseError as error:
            status = 403 if isinstance(error, NotAllowed) else 422
            form.add_error("file" if error.field == "file" else None, _message_for(error))
        else:
            what = _("Photo attached.") if added.is_image else _("File attached.")
            if added.public:
                what += " " + _("The resident sees it on their status page.")
            messages.success(request, what)
            return redirect(reverse("desk:case", args=[case.reference]) + attachments.ANCHOR)
    case = _case_or_404(request, case.reference)
    return _render_case(request, case, attach_form=form, status=status)
