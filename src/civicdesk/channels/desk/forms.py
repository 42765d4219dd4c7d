"""Forms of the staff desk. Each transition form is posted on its own; the case action is the real check."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicdesk.channels.desk import selectors
from civicdesk.channels.ui.widgets import DATETIME_LOCAL, DateInput, DateTimeLocalInput
from civicdesk.channels.ui.wording import language_name
from civicdesk.domain.cases import standing, time_windows
from civicdesk.domain.cases.actions import UPDATE_ACTIONS
from civicdesk.domain.cases.errors import InvalidInput
from civicdesk.domain.cases.models import Channel, FeedbackType, Kind, Resolution
from civicdesk.domain.cases.standing import STATE_LABELS
from civicdesk.domain.city.models import Department, Jurisdiction, Service
from civicdesk.domain.people.models import Title
from civicdesk.domain.staff.models import User
from civicdesk.platform.throttle.sign_in import start_sign_in_attempt

ANY: list[tuple[Any, Any]] = [("", _("Any"))]
# Channels a CSR records by hand; web, Open311 and field reports arrive through their own doors.
DESK_CHANNELS = [
    (c.value, c.label)
    for c in (
        Channel.PHONE,
        Channel.WALK_IN,
        Channel.VOICEMAIL,
        Channel.EMAIL,
        Channel.LETTER,
        Channel.FAX,
        Channel.SOCIAL_MEDIA,
    )
]
SORT_LABELS = [
    ("due", _("Next due first")),
    ("-received", _("Newest first")),
    ("received", _("Oldest first")),
    ("requests", _("Most follow-up requests first")),
    ("reference", _("Reference")),
]
ESCALATION_LABELS = [
    ("0", _("No follow-up request")),
    ("1", _("1 follow-up request")),
    ("2", _("2 follow-up requests")),
    ("3", _("3 requests (supervisor copied)")),
    ("4+", _("4 or more (director copied)")),
]
UPDATE_LABELS = {
    "inspected": _("Inspection done"),
    "action_planned": _("Action and timeline decided"),
    "resident_advised": _("Resident advised"),
    "work_done": _("Work done (the agreed timeline is met)"),
    "note": _("Note"),
}


def too_many_attempts_message(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form behind the staff sign-in throttle (:mod:`civicdesk.platform.throttle.sign_in`).

    Once too many attempts failed, the password is not checked at all and
    ``retry_after`` says in how many seconds to try again (the view answers 429).
    """

    retry_after = 0

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()  # a field is missing: no password is checked, nothing to count
        attempt = start_sign_in_attempt(request=self.request, username=username)
        if not attempt.allowed:
            self.retry_after = attempt.retry_after
            raise ValidationError(too_many_attempts_message(attempt.retry_after), code="throttled")
        cleaned_data = super().clean()
        attempt.succeeded()
        return cleaned_data


class StaffLoginForm(ThrottledAuthenticationForm):
    username = forms.CharField(
        label=_("User name"), widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class AdminLoginForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The administration site's sign-in (staff accounts only), behind the same throttle as the desk's."""


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + list(Kind.choices))
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=ANY + list(Channel.choices),
    )
    service = forms.TypedChoiceField(
        label=_("Service"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    department = forms.TypedChoiceField(
        label=_("Department"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    assignee = forms.TypedChoiceField(
        label=_("Assigned to"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    escalation = forms.ChoiceField(
        label=_("Follow-up requests"),
        required=False,
        choices=ANY + ESCALATION_LABELS,
    )
    state = forms.ChoiceField(
        label=_("Clock state"),
        required=False,
        choices=ANY + [(s, STATE_LABELS[s]) for s in standing.CLOCK_STATES],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_LABELS)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[Any, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("service", "department", "assignee"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 — narrowing for the type checker
            field.choices = ANY + choices[name]

    def filters(self) -> selectors.QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.QueueFilters(
            kind=data.get("kind") or "",
            channel=data.get("channel") or "",
            service=data.get("service"),
            department=data.get("department"),
            assignee=data.get("assignee"),
            escalation=data.get("escalation") or "",
            state=data.get("state") or "",
            sort=data.get("sort") or "due",
        )


class IntakeForm(forms.Form):
    """A CSR's record of a call, a visit or a letter (PK-CHANNELS)."""

    channel = forms.ChoiceField(label=_("How did it reach us?"), choices=DESK_CHANNELS, initial=Channel.PHONE)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.SERVICE_REQUEST)
    feedback_type = forms.ChoiceField(
        label=_("Feedback type"), required=False, choices=[("", _("Not feedback")), *FeedbackType.choices]
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Choose a service"),
        help_text=_("Complaints and service requests need a service so they can be routed (PK-ROUTE)."),
    )
    description = forms.CharField(
        label=_("What happened, or what is asked"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )
    address = forms.CharField(label=_("Location or address of the issue"), required=False, max_length=300)
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL],
    )
    people_involved = forms.CharField(label=_("Who was involved"), required=False, widget=forms.Textarea({"rows": 2}))
    outcome_sought = forms.CharField(label=_("Outcome sought"), required=False, widget=forms.Textarea({"rows": 2}))
    hazard = forms.BooleanField(label=_("The caller reports a potential hazard"), required=False)
    safety_threat = forms.BooleanField(label=_("Immediate threat to safety"), required=False)
    third_party_unidentified = forms.BooleanField(label=_("Made for an unidentified third party"), required=False)
    council_involved = forms.BooleanField(label=_("Mayor, Council or CAO involvement"), required=False)
    received_at = forms.DateTimeField(
        label=_("Received (if not now)"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL],
        help_text=_("For a letter or voicemail that arrived earlier: every clock counts from receipt."),
    )
    contact_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    contact_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    contact_title = forms.ChoiceField(
        label=_("Title"),
        required=False,
        choices=[("", _("none given")), *Title.choices],
        help_text=_("How the resident asked to be addressed: their letters and emails greet them so."),
    )
    contact_organisation = forms.CharField(label=_("Business or organisation"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Email"), required=False)
    contact_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    contact_address = forms.CharField(label=_("Mailing address"), required=False, max_length=300)
    language = forms.ChoiceField(label=_("Resident's language"))
    interpreter_requested = forms.BooleanField(
        label=_("Asked for an interpreter or translated documents (PB-XLATE)"), required=False
    )

    def __init__(self, *args: Any, jurisdiction: Jurisdiction | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField)  # noqa: S101 — narrowing for the type checker
        service.queryset = Service.objects.filter(jurisdiction=jurisdiction, active=True).order_by("category", "name")
        service.conditional = True  # type: ignore[attr-defined]  # needed for complaints and requests: no "(optional)"
        languages = jurisdiction.languages if jurisdiction is not None else ["en"]
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)  # noqa: S101
        language.choices = [(code, language_name(code)) for code in languages]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("feedback_type") and data.get("kind") != Kind.FEEDBACK:
            self.add_error("feedback_type", _("A feedback type is only for feedback."))
        return data

    def value(self, name: str) -> Any:
        """The field's current value (cleaned when valid, raw otherwise): for the guidance panel."""
        if self.is_bound:
            if hasattr(self, "cleaned_data") and name in self.cleaned_data:
                return self.cleaned_data[name]
            return self.data.get(name, "")
        return self.initial.get(name, self.fields[name].initial)


class AcknowledgeForm(forms.Form):
    message = forms.CharField(
        label=_("Acknowledgement: the anticipated action and timeline (PK-ACK-1BD)"),
        widget=forms.Textarea({"rows": 3}),
    )


class RouteForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    reason = forms.CharField(label=_("Reason (needed when re-routing)"), required=False)
    reason_public = forms.BooleanField(
        label=_("Show the reason to the resident"),
        required=False,
        help_text=_("Unticked, the reason stays in the staff journal."),
    )

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = Department.objects.filter(jurisdiction=jurisdiction, active=True).order_by("name")


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False, empty_label=_("Nobody (unassigned)")
    )

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = User.objects.filter(pk__in=[u.pk for u in staff]).order_by("last_name", "first_name")


def _plannable_day(day: date) -> None:
    """A timeline's day in the planning window, checked before the calendar is asked about that day."""
    try:
        time_windows.check_planning(
            datetime.combine(day, time(12), tzinfo=UTC), field="timeline", label=str(_("The day"))
        )
    except InvalidInput as error:
        raise ValidationError(error.message, code=error.code) from None


class UpdateForm(forms.Form):
    update = forms.ChoiceField(label=_("What is recorded"), choices=[(k, UPDATE_LABELS[k]) for k in UPDATE_ACTIONS])
    note = forms.CharField(label=_("Describe the update"), widget=forms.Textarea({"rows": 3}))
    timeline = forms.DateField(
        label=_("Anticipated completion (for an action plan)"),
        required=False,
        widget=DateInput(),
        validators=[_plannable_day],
    )
    public = forms.BooleanField(label=_("Show this update to the resident"), required=False)


class TimelineForm(forms.Form):
    timeline = forms.DateField(label=_("New anticipated completion"), widget=DateInput(), validators=[_plannable_day])
    reason = forms.CharField(
        label=_("Reason the timeline changes (the resident is told, PK-MISS)"), widget=forms.Textarea({"rows": 2})
    )


class AnswerLateForm(forms.Form):
    expected_by = forms.DateField(label=_("Date the answer is now expected"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why the answer will take longer (an interim reply is then owed, PK-MAIL-INTERIM)"),
        widget=forms.Textarea({"rows": 2}),
    )


class ItemForm(forms.Form):
    description = forms.CharField(label=_("Item to be done"), max_length=300)


class CompleteItemForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)


class PauseForm(forms.Form):
    waiting_on = forms.ChoiceField(label=_("Waiting on"))
    reason = forms.CharField(label=_("What the city is waiting for"), max_length=300)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["waiting_on"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        reasons = selectors.profile_for(jurisdiction).pauses.reasons
        field.choices = [(r, standing.pause_reason_label(r)) for r in reasons]


class DuplicateForm(forms.Form):
    parent = forms.CharField(label=_("Reference of the case this one duplicates"), max_length=20)


class RedirectForm(forms.Form):
    reason = forms.CharField(label=_("Why it is out of scope (PK-SCOPE)"), widget=forms.Textarea({"rows": 2}))
    redirect_to = forms.CharField(label=_("Where the resident should go instead"), max_length=300)


class CloseForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            (Resolution.RESOLVED.value, Resolution.RESOLVED.label),
            (Resolution.NOT_INVESTIGATED.value, Resolution.NOT_INVESTIGATED.label),
        ],
    )
    note = forms.CharField(label=_("How it was resolved"), widget=forms.Textarea({"rows": 3}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why the case is reopened"), widget=forms.Textarea({"rows": 2}))


REPLY_LABELS = {
    "call_returned": _("Returned the call"),
    "phone": _("Called the resident"),
    "email": _("Emailed the resident (this note is sent)"),
    "letter": _("Wrote to the resident"),
    "in_person": _("Advised the resident in person"),
}


class ReplyForm(forms.Form):
    how = forms.ChoiceField(label=_("How the resident was answered"), choices=list(REPLY_LABELS.items()))
    note = forms.CharField(label=_("What the resident was told"), widget=forms.Textarea({"rows": 3}))


class FollowUpForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the department (leave empty for the standard request)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Reason to ask before the follow-up date (needed only then)"), required=False, max_length=300
    )


class EmptyForm(forms.Form):
    """A button with nothing to fill in (resume the clocks)."""


def local_closing(jurisdiction: Jurisdiction, day: date) -> datetime | None:
    """The office's closing time on ``day``; None when the office is closed that day."""
    closes = selectors.profile_for(jurisdiction).calendar.closing_time(day)
    return closes


class EmailAnswerForm(forms.Form):
    """Answer the resident by email from the case's thread."""

    note = forms.CharField(label=_("Your email to the resident"), max_length=10_000, widget=forms.Textarea({"rows": 6}))


class AbsenceForm(forms.Form):
    """PK-OOO: an absence of a business day or more, its return date and the alternate who answers meanwhile."""

    person = StaffChoiceField(label=_("Who is away"), queryset=User.objects.none(), empty_label=None)
    starts = forms.DateField(label=_("First day away"), widget=DateInput())
    returns = forms.DateField(label=_("Back on"), help_text=_("The day they are back at work."), widget=DateInput())
    alternate = StaffChoiceField(
        label=_("Alternate contact while they are away"),
        queryset=User.objects.none(),
        help_text=_("New work and staff messages go to this person; the out-of-office notice names them."),
    )

    def __init__(self, *args: Any, people: list[User], colleagues: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, allowed in (("person", people), ("alternate", colleagues)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
            field.queryset = User.objects.filter(pk__in=[u.pk for u in allowed]).order_by("last_name", "first_name")


class LetterForm(IntakeForm):
    """A letter or fax registered with the day it arrived and its scan (PK-CHANNELS, PK-MAIL-ANSWER, MB-LETTER)."""

    channel = forms.ChoiceField(
        label=_("Letter or fax"),
        choices=[(c.value, c.label) for c in (Channel.LETTER, Channel.FAX)],
        initial=Channel.LETTER,
    )
    received_on = forms.DateField(
        label=_("Day it arrived"),
        widget=DateInput(),
        help_text=_("The date stamped on arrival: every clock counts from this day, not from today."),
    )
    scan = forms.FileField(
        label=_("Scan of the letter or fax"),
        help_text=_("PDF, PNG, JPEG or TIFF, up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff"}),
    )
    received_at = None  # type: ignore[assignment]  # the day it arrived replaces the moment received
    contact_id = None  # type: ignore[assignment]  # the sender is written in as the letter gives them


class AttachFileForm(forms.Form):
    """A photo, scan or document to keep with the case; checked by the case action, not by its name."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A photo (JPEG, PNG, WebP or GIF, up to 10 MB; its location and camera details are removed), "
            "or a PDF or office document up to 20 MB."
        ),
        allow_empty_file=True,  # the action says an empty file is empty, in the same words as every other refusal
    )
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)
    public = forms.BooleanField(
        label=_("Show it to the resident on their status page"),
        required=False,
        help_text=_("Leave unticked for anything with personal details (a letter, a form, an ID)."),
    )
