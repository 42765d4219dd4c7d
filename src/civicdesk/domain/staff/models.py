"""City staff who sign in: CSRs, department staff, supervisors, directors, administrators."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.domain.staff.roles import Role


class User(AbstractUser):
    """A staff account. Roles are Django groups (see :mod:`civicdesk.domain.staff.roles`)."""

    jurisdiction = models.ForeignKey(
        "city.Jurisdiction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Empty only for platform administrators who serve every jurisdiction."),
    )
    department = models.ForeignKey(
        "city.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("The department whose cases this person works (department staff, supervisors, directors)."),
    )
    language = models.CharField(_("preferred language"), max_length=8, default="en")
    job_title = models.CharField(
        _("job title"),
        max_length=120,
        blank=True,
        help_text=_("Signs the letters and emails this person sends, e.g. Customer Service Representative."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.label).exists()

    @property
    def roles(self) -> list[Role]:
        by_label = {role.label: role for role in Role}
        return [by_label[name] for name in self.groups.values_list("name", flat=True) if name in by_label]
