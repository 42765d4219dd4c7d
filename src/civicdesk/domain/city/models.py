"""The city's structure: the jurisdiction, its departments and divisions, and the services residents ask for.

Every tenant table carries ``jurisdiction`` so one database can serve several
municipalities (DESIGN.md, "Scale path").
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.city.profiles import profile_named

service_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, '-', '_' or '.', starting with a letter or digit."),
)


# Named by migrations 0001-0004, from when a jurisdiction kept a time zone of its own.
def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a known time zone (expected an IANA name such as America/Toronto)."),
            params={"value": value},
        ) from None


def validate_languages(value: object) -> None:
    supported = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, list) or not value or not all(isinstance(code, str) for code in value):
        raise ValidationError(_('List at least one language code, e.g. ["en", "fr"].'))
    unknown = sorted(set(value) - supported)
    if unknown:
        raise ValidationError(
            _("Unsupported language(s): %(unknown)s. Supported: %(supported)s."),
            params={"unknown": ", ".join(unknown), "supported": ", ".join(sorted(supported))},
        )


def validate_translations(value: object) -> None:
    """Text in other languages: ``{"fr": "…", "es": "…"}``, each key a supported language."""
    supported = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValidationError(_('Give the text per language code, e.g. {"fr": "Nid-de-poule", "es": "Bache"}.'))
    unknown = sorted(set(value) - supported)
    if unknown:
        raise ValidationError(
            _("Unsupported language(s): %(unknown)s. Supported: %(supported)s."),
            params={"unknown": ", ".join(unknown), "supported": ", ".join(sorted(supported))},
        )


def validate_message_kinds(value: object) -> None:
    """A list of message kinds; which kinds exist is the outbox's to say (checked by the administration form)."""
    if not isinstance(value, list) or not all(isinstance(kind, str) and kind for kind in value):
        raise ValidationError(_('List the kinds of message by their code, e.g. ["reply", "closed"].'))


def in_language(default: str, translations: dict[str, str], language: str) -> str:
    """``translations[language]`` when it is given, else ``default`` (the city's own language)."""
    translated = (translations or {}).get(language, "") if isinstance(translations, dict) else ""
    return translated.strip() or default


def validate_profile_name(value: str) -> None:
    from civicdesk.engines.standards import StandardsError, load_profile

    try:
        load_profile(value)
    except StandardsError as error:
        raise ValidationError(str(error)) from None


class Jurisdiction(models.Model):
    """A municipality served by this installation; the root of every tenant's data.

    Its standards profile is the one source of its calendar: business hours,
    holidays, closures and the time zone (:attr:`zone`). Once the city is set
    up, its profile changes only through the recompute action (the
    administration site offers nothing else), which moves running clocks onto
    the new calendar and journals each move.
    """

    slug = models.SlugField(
        _("identifier"),
        max_length=64,
        unique=True,
        help_text=_("Used as the Open311 jurisdiction_id, e.g. pickering.on.ca"),
    )
    name = models.CharField(_("name"), max_length=200)
    languages = models.JSONField(
        _("languages"),
        default=list,
        validators=[validate_languages],
        help_text=_("Languages the city serves residents in, first is the default."),
    )
    profile = models.CharField(
        _("standards profile"),
        max_length=200,
        validators=[validate_profile_name],
        help_text=_("A shipped profile name (pickering, lawrence, …) or the path of the city's own profile file."),
    )
    ombudsman_information = models.TextField(
        _("Ombudsman and other options"),
        blank=True,
        help_text=_(
            "Given to every complainant when a complaint is closed (PK-OMB). Empty, the product's own text is "
            "given, in the resident's language."
        ),
    )
    ombudsman_translations = models.JSONField(
        _("Ombudsman and other options in other languages"),
        default=dict,
        blank=True,
        validators=[validate_translations],
        help_text=_('The text above in the other languages residents use, e.g. {"fr": "…", "es": "…"}.'),
    )
    phone = models.CharField(
        _("Customer Care phone number"),
        max_length=40,
        blank=True,
        help_text=_("Shown to residents whenever the web cannot take their request, e.g. 905-683-7575."),
    )
    review_before_release = models.JSONField(
        _("review before release"),
        default=list,
        blank=True,
        validators=[validate_message_kinds],
        help_text=_(
            "LW-CORR: the messages to residents that a second person approves before they are sent. Messages the "
            "product writes by itself (the receipt) never wait."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("jurisdiction")
        permissions = [("manage_standards", "Can change the standards profile, calendars and closures")]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The city's time zone: its profile's calendar zone, the one its due dates are computed in."""
        return profile_named(self.profile).calendar.tz


class Department(models.Model):
    """A department that owns services and answers for them (PK-ROUTE)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directed_departments",
        verbose_name=_("director"),
        help_text=_("Copied on the 4th follow-up request (PK-ESC)."),
    )
    email = models.EmailField(_("department mailbox"), blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=40,
        blank=True,
        help_text=_("Given in the signature of the department's letters and emails (LW-CORR)."),
    )
    active = models.BooleanField(_("active"), default=True)
    customer_care = models.BooleanField(
        _("Customer Care"),
        default=False,
        help_text=_(
            "The city's Customer Care: its supervisors and directors read every department's cases, as its "
            "representatives do, to follow them up (PK-FOLLOW, PK-REPORT)."
        ),
    )

    class Meta:
        ordering = ["jurisdiction", "name"]
        verbose_name = _("department")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="department_code_unique_per_jurisdiction")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.director_id and self.director and self.director.jurisdiction_id not in (None, self.jurisdiction_id):
            raise ValidationError({"director": _("The director must be staff of the same jurisdiction.")})


class Division(models.Model):
    """A division of a department, headed by the supervisor copied on the 3rd follow-up request (PK-ESC)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="divisions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="divisions")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_divisions",
        verbose_name=_("supervisor / division head"),
        help_text=_("Copied on the 3rd follow-up request (PK-ESC)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction", "department__name", "name"]
        verbose_name = _("division")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="division_code_unique_per_jurisdiction")
        ]

    def __str__(self) -> str:
        return f"{self.department} — {self.name}"

    def clean(self) -> None:
        if self.department_id and self.department.jurisdiction_id != self.jurisdiction_id:
            raise ValidationError({"department": _("The department belongs to another jurisdiction.")})
        if (
            self.supervisor_id
            and self.supervisor
            and self.supervisor.jurisdiction_id not in (None, self.jurisdiction_id)
        ):
            raise ValidationError({"supervisor": _("The supervisor must be staff of the same jurisdiction.")})


class Service(models.Model):
    """Something a resident can ask the city for; routed to its department (PK-ROUTE), listed in Open311."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(
        _("service code"),
        max_length=64,
        validators=[service_code_validator],
        help_text=_("The Open311 service_code; stable once published."),
    )
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        validators=[validate_translations],
        help_text=_('What residents read in their language, e.g. {"fr": "Nid-de-poule", "es": "Bache"}.'),
    )
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=100, help_text=_("The Open311 group, e.g. Roads."))
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True, related_name="services")
    is_hazard = models.BooleanField(
        _("potential hazard"),
        default=False,
        help_text=_("Reports are inspected within the hazard standard (PK-HAZARD)."),
    )
    alleges_wrongdoing = models.BooleanField(
        _("reports allege wrongdoing"),
        default=False,
        help_text=_(
            "Reports accuse someone of breaking a rule (noise, parking, property standards): anonymous ones are"
            " recorded, not investigated, unless they are an immediate threat to safety (PK-ANON)."
        ),
    )
    public = models.BooleanField(_("offered to the public"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction", "category", "name"]
        verbose_name = _("service")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="service_code_unique_per_jurisdiction")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def name_in(self, language: str) -> str:
        """The service's name in ``language`` when the city gave one, else its own name."""
        return in_language(self.name, self.names, language)

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.department_id and self.department.jurisdiction_id != self.jurisdiction_id:
            errors["department"] = _("The department belongs to another jurisdiction.")
        if self.division and self.department_id and self.division.department_id != self.department_id:
            errors["division"] = _("The division belongs to another department.")
        if errors:
            raise ValidationError(errors)
