"""Staff API tokens: only a SHA-256 digest is stored; the token itself is shown once, when issued."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token that acts as one staff member, with that person's role and department."""

    jurisdiction = models.ForeignKey(
        "city.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("staff member")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("What the token is for."))
    prefix = models.CharField(
        _("prefix"), max_length=16, help_text=_("The token's first characters, to tell tokens apart.")
    )
    digest = models.CharField(_("SHA-256 digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
