"""City staff who sign in: CSRs, department staff, supervisors, directors, administrators."""

from __future__ import annotations

from datetime import date

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

    @property
    def display_name(self) -> str:
        """The name staff and residents read: the full name, else the username."""
        return self.get_full_name() or self.get_username()

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.label).exists()

    @property
    def roles(self) -> list[Role]:
        by_label = {role.label: role for role in Role}
        return [by_label[name] for name in self.groups.values_list("name", flat=True) if name in by_label]


class Absence(models.Model):
    """PK-OOO, MB-WRITTEN, PB-VM: a staff member away for a business day or more, and who answers for them.

    Away from ``starts`` (the first day away) until ``returns`` (the day they are back), both local dates
    in the city's zone. While away, new work and staff messages for them go to ``alternate``; their
    out-of-office notice (:meth:`notice`) gives the return date and the alternate's contact.
    """

    jurisdiction = models.ForeignKey("city.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="absences")
    starts = models.DateField(_("first day away"))
    returns = models.DateField(_("back on"), help_text=_("The day they are back at work."))
    alternate = models.ForeignKey(User, on_delete=models.PROTECT, related_name="standing_in_for")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when the absence was ended or withdrawn before its return date.")
    )

    class Meta:
        indexes = [models.Index(fields=["starts", "returns"], name="staff_absence_dates_idx")]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")

    def __str__(self) -> str:
        return f"{self.user}: away {self.starts}, back {self.returns}"

    def covers(self, day: date) -> bool:
        """Whether the staff member is away on ``day`` (a local date)."""
        return self.ended_at is None and self.starts <= day < self.returns

    def notice(self) -> str:
        """The out-of-office notice: away until when, back on which day, and whom to contact meanwhile."""
        from django.utils import formats
        from django.utils.translation import gettext

        alternate = self.alternate
        contact = alternate.display_name
        if alternate.email:
            contact = f"{contact} ({alternate.email})"
        return gettext(
            "%(name)s is away from the office and back on %(returns)s. Until then, please contact %(alternate)s."
        ) % {
            "name": self.user.display_name,
            "returns": formats.date_format(self.returns, "l j F Y"),
            "alternate": contact,
        }
