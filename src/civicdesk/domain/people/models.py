"""Residents, businesses and other contacts, kept apart from their cases (PK-PRIV).

A complainant's identity and contact details are confidential (MFIPPA): only
roles holding the ``cases.view_contact`` permission are shown them (see
``civicdesk.domain.cases.access.may_see_contact``); public output (Open311,
status page, exports) never joins to this table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Title(models.TextChoices):
    """How a resident asked to be addressed; letters greet them with it (MB-WRITTEN, LW-CORR)."""

    MS = "ms", _("Ms")
    MRS = "mrs", _("Mrs")
    MR = "mr", _("Mr")
    MX = "mx", _("Mx")
    DR = "dr", _("Dr")


class Contact(models.Model):
    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="contacts")
    title = models.CharField(_("title"), max_length=8, choices=Title.choices, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation = models.CharField(_("business or organisation"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, default="en")
    interpreter_requested = models.BooleanField(_("asked for an interpreter or translated documents"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        indexes = [
            models.Index(fields=["jurisdiction", "email"], name="contact_email_idx"),
            models.Index(fields=["jurisdiction", "phone"], name="contact_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.organisation or self.email or self.phone or f"contact {self.pk}"

    @property
    def identified(self) -> bool:
        """Someone the city can reach back: a name and a way to contact them (PK-ANON)."""
        return bool(self.name and (self.email or self.phone or self.address))
