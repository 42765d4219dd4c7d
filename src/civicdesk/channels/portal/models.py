"""The secret in each web receipt that opens the case's status page without the email or phone (PK-PRIV)."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.cases.models import Case


def digest_of(secret: str) -> str:
    """The stored form of a status secret: its SHA-256 (the secret is random, so no salt or stretching is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class StatusKey(models.Model):
    """One case's status secret, kept only as a digest: a database copy cannot open anyone's status page."""

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="status_key")
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("status link")

    def __str__(self) -> str:
        return f"status link of {self.case_id}"
