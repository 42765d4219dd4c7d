"""What Open311 adds to the case domain: client keys, service questions, what a report carried, rate counters.

A report's case is an ordinary :class:`civicdesk.domain.cases.models.Case`; the
:class:`Submission` beside it keeps what only Open311 has (the client, its
retry token, answers to the service's questions, the photo). Contact details
go to :class:`civicdesk.domain.people.models.Contact` through ``create_case``;
``device_id`` and ``account_id`` stay here and are never shown (PK-PRIV).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.city.models import service_code_validator
from civicdesk.platform import timesource


class ApiKey(models.Model):
    """A client's key for posting reports. Only a SHA-256 digest is stored; the key is shown once when issued."""

    client_name = models.CharField(_("client"), max_length=100, help_text=_("Who uses the key, e.g. FixMyStreet."))
    jurisdiction = models.ForeignKey(
        "city.Jurisdiction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The only jurisdiction the key may post to; empty for every jurisdiction served."),
    )
    prefix = models.CharField(
        _("prefix"), max_length=16, help_text=_("The key's first characters, to tell keys apart.")
    )
    digest = models.CharField(_("SHA-256 digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        ordering = ["client_name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.client_name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class Datatype(models.TextChoices):
    """GeoReport v2 attribute datatypes."""

    STRING = "string", _("string (one line)")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("text (several lines)")
    SINGLEVALUELIST = "singlevaluelist", _("one value from a list")
    MULTIVALUELIST = "multivaluelist", _("several values from a list")


LIST_DATATYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class ServiceAttribute(models.Model):
    """A question a service asks in its Open311 service definition (``attributes/attribute``)."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("city.Service", on_delete=models.CASCADE, related_name="open311_attributes")
    code = models.CharField(_("code"), max_length=64, validators=[service_code_validator])
    variable = models.BooleanField(
        _("asks for input"), default=True, help_text=_("Off: the text is only shown to the resident.")
    )
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), help_text=_("1 is shown first."))
    description = models.CharField(_("question"), max_length=500)
    datatype_description = models.CharField(_("how to answer"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("Open311 service question")
        ordering = ["service", "order"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="open311_attribute_code_unique"),
            models.UniqueConstraint(fields=["service", "order"], name="open311_attribute_order_unique"),
            models.CheckConstraint(condition=models.Q(order__gte=1), name="open311_attribute_order_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.service_id and not self.jurisdiction_id:
            self.jurisdiction_id = self.service.jurisdiction_id
        self.updated_at = timesource.now()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.service_id and self.jurisdiction_id and self.service.jurisdiction_id != self.jurisdiction_id:
            raise ValidationError({"service": _("The service belongs to another jurisdiction.")})
        if self.code.upper() == "SAFETY":
            # Every service already asks it (channels/open311/safety.py); a second one would shadow the hazard flag.
            raise ValidationError({"code": _("SAFETY is the safety question every service asks; choose another code.")})


class AttributeValue(models.Model):
    """One choice of a list question (``values/value``: ``key`` and ``name``)."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(_("key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("choice")
        ordering = ["attribute", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["attribute", "key"], name="open311_value_key_unique")]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.attribute_id and not self.jurisdiction_id:
            self.jurisdiction_id = self.attribute.jurisdiction_id
        super().save(*args, **kwargs)
        self._touch_definition()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        self._touch_definition()
        return deleted

    def _touch_definition(self) -> None:
        # The discovery changeset tells clients to refresh cached definitions; a changed choice changes one.
        ServiceAttribute.objects.filter(pk=self.attribute_id).update(updated_at=timesource.now())


class Submission(models.Model):
    """What an Open311 report carried besides the case itself."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="open311_submission")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    client_token = models.CharField(
        _("client token"), max_length=200, blank=True, help_text=_("The client's retry key (token or Idempotency-Key).")
    )
    address_id = models.CharField(_("address ID"), max_length=100, blank=True)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    media = models.CharField(
        _("uploaded photo"), max_length=64, null=True, blank=True, unique=True, help_text=_("Its name in storage.")
    )
    media_url = models.URLField(_("media URL given by the client"), max_length=500, blank=True)
    # PK-PRIV: identify the submitter's device and account; kept for the city, never in Open311 output.
    device_id = models.CharField(_("device ID"), max_length=200, blank=True)
    account_id = models.CharField(_("account ID"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("Open311 submission")
        indexes = [models.Index(fields=["jurisdiction", "client_token"], name="open311_token_idx")]

    def __str__(self) -> str:
        return f"Open311 submission {self.pk}"
