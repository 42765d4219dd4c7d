"""The public forms: report something to the city, and look up a request's status."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicdesk.channels.ui.widgets import DATETIME_LOCAL, DateTimeLocalInput
from civicdesk.channels.ui.wording import language_name
from civicdesk.domain.cases import actions, clocks
from civicdesk.domain.cases.errors import InvalidInput
from civicdesk.domain.cases.references import normalise
from civicdesk.domain.city.models import Jurisdiction, Service
from civicdesk.domain.people.models import Title

COMPLAINT, SERVICE_REQUEST, COMPLIMENT, SUGGESTION = "complaint", "service_request", "compliment", "suggestion"
KIND_CHOICES = [
    (SERVICE_REQUEST, _("Ask for a service or report a problem (for example a pothole or a missed collection)")),
    (COMPLAINT, _("Make a complaint about a City service or how you were treated")),
    (COMPLIMENT, _("Send a compliment")),
    (SUGGESTION, _("Make a suggestion")),
]
NEEDS_SERVICE = (COMPLAINT, SERVICE_REQUEST)
MAX_PHOTOS = 3
PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` photos from one file input; each is checked and re-encoded by the form's ``clean_photos``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": PHOTO_TYPES, "multiple": True}))
        super().__init__(required=False, allow_empty_file=True, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        chosen = data if isinstance(data, list | tuple) else [data]
        return [upload for upload in chosen if upload]


class ServiceChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.category}: {obj.name_in(get_language() or '')}"


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What would you like to do?"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    service = ServiceChoiceField(
        label=_("What is it about?"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Choose one"),
        help_text=_("Needed for a complaint or a service request, so it reaches the right department."),
    )
    description = forms.CharField(
        label=_("Tell us what happened, or what you are asking for"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
    )
    address = forms.CharField(
        label=_("Where is it?"),
        required=False,
        max_length=300,
        help_text=_("A street address, intersection or landmark."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen?"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL],
        help_text=_("Needed for a complaint: the date and the approximate time."),
    )
    people_involved = forms.CharField(
        label=_("Who was involved?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a complaint: names or roles of City staff or others involved, if you know them."),
    )
    outcome_sought = forms.CharField(
        label=_("What outcome are you looking for?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed for a complaint."),
    )
    photos = PhotosField(
        label=_("Photos"),
        help_text=_(
            "Up to 3 photos (JPEG, PNG, WebP or GIF), 10 MB each. The City removes their location and camera "
            "details before keeping them, and you will see them on your status page. If the form comes back "
            "with something to fix, choose them again."
        ),
    )
    hazard = forms.BooleanField(
        label=_("This could hurt someone (for example a deep pothole, a fallen limb or a broken sidewalk)"),
        required=False,
        help_text=_("A reported hazard is inspected first."),
    )
    safety_threat = forms.BooleanField(
        label=_("This is an immediate threat to people's safety"),
        required=False,
    )
    name = forms.CharField(
        label=_("Your name"), required=False, max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    title = forms.ChoiceField(
        label=_("How should we address you?"),
        required=False,
        choices=[("", _("No title")), *Title.choices],
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("We send your reference number and updates here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    language = forms.ChoiceField(label=_("Which language should we use with you?"))
    interpreter_requested = forms.BooleanField(
        label=_("I would like an interpreter or translated documents"),
        required=False,
    )
    interpreter_language = forms.CharField(
        label=_("In which language?"),
        required=False,
        max_length=60,
        help_text=_("For example Portuguese, Tamil or American Sign Language."),
    )
    # Honeypot: hidden from people (CSS display:none, so not announced either); bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region(jurisdiction)
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField)  # noqa: S101 — narrowing for the type checker
        service.queryset = Service.objects.filter(jurisdiction=jurisdiction, active=True, public=True).order_by(
            "category", "name"
        )
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)  # noqa: S101
        language.choices = [(code, language_name(code)) for code in jurisdiction.languages]
        for name in ("service", "occurred_at", "outcome_sought"):
            self.fields[name].conditional = True  # type: ignore[attr-defined]  # asked for by kind: no "(optional)"
        current = (get_language() or "en").split("-")[0]
        self.fields["language"].initial = current if current in jurisdiction.languages else jurisdiction.languages[0]

    def clean_phone(self) -> str:
        """A number a person can be called back on, read as the city's region would dial it (+ for abroad)."""
        value: str = self.cleaned_data["phone"].strip()
        if not value:
            return value
        try:
            number = phonenumbers.parse(value, self.phone_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("Enter a phone number we can call, for example 905-683-7575, or +44 20 7946 0958 from abroad."),
                code="invalid_phone",
            )
        return value

    def clean_photos(self) -> list[Any]:
        """Each photo checked and re-encoded now, so a bad one refuses the report before anything is saved."""
        uploads = self.cleaned_data["photos"]
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("You chose %(count)s photos; send up to %(most)s.") % {"count": len(uploads), "most": MAX_PHOTOS},
                code="too_many_photos",
            )
        prepared, problems = [], []
        for number, upload in enumerate(uploads, start=1):
            try:
                prepared.append(
                    actions.prepare_upload(upload, what=_("Photo %(number)s") % {"number": number}, photos_only=True)
                )
            except InvalidInput as error:
                problems.append(forms.ValidationError(error.message, code=error.code))
        if problems:
            raise forms.ValidationError(problems)
        return prepared

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in NEEDS_SERVICE and not data.get("service"):
            self.add_error("service", _("Choose what your complaint or request is about."))
        if kind == COMPLAINT:
            if not data.get("occurred_at") and "occurred_at" not in self.errors:
                self.add_error("occurred_at", _("Enter when it happened, even approximately."))
            if not (data.get("outcome_sought") or "").strip():
                self.add_error("outcome_sought", _("Tell us what outcome you are looking for."))
        if data.get("interpreter_requested") and not (data.get("interpreter_language") or "").strip():
            self.add_error("interpreter_language", _("Tell us which language you need."))
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())


def phone_region(jurisdiction: Jurisdiction) -> str | None:
    """The country whose dialling a local number follows: the one the city's holiday calendar comes from."""
    holidays = clocks.profile_for(jurisdiction).calendar.spec.holidays
    return holidays.country if holidays is not None else None


class StatusForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"),
        max_length=20,
        help_text=_("Nine digits, for example 482-915-307."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    contact = forms.CharField(
        label=_("The email address or phone number you gave us"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )

    def clean_reference(self) -> str:
        value = self.cleaned_data["reference"]
        stored = normalise(value)
        if stored is None:
            raise forms.ValidationError(_("Enter the nine-digit reference number from your confirmation."))
        return stored
