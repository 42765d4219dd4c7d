"""Template helpers shared by the desk and the portal: accessible fields, error summaries, clock-state badges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from civicdesk.domain.cases.references import display

register = template.Library()


def anchor(field: BoundField) -> str:
    """The id an error summary links to: the field itself, or the first option of a radio group."""
    if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_0"
    return str(field.auto_id)


@register.simple_tag
def widget(field: BoundField, **attrs: Any) -> SafeString:
    """The field's input with its hint and error linked (aria-describedby) and marked invalid."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs={k.replace("_", "-"): v for k, v in attrs.items()})


@register.inclusion_tag("civicdesk/_field.html")
def field(bound: BoundField, **attrs: Any) -> dict[str, Any]:
    widget_type = type(bound.field.widget)
    return {
        "field": bound,
        "attrs": attrs,
        "checkbox": issubclass(widget_type, forms.CheckboxInput),
        "radios": issubclass(widget_type, forms.RadioSelect),
    }


@dataclass(frozen=True)
class SummaryError:
    anchor: str
    label: str
    message: str


@register.inclusion_tag("civicdesk/_error_summary.html")
def error_summary(form: forms.Form | None, details: list[str] | None = None) -> dict[str, Any]:
    """GOV.UK-style error summary: every error as a link to its field."""
    errors: list[SummaryError] = []
    if form is not None and form.is_bound and form.errors:
        for message in form.non_field_errors():
            errors.append(SummaryError("", "", str(message)))
        for bound in form:
            for message in bound.errors:
                errors.append(SummaryError(anchor(bound), str(bound.label), str(message)))
    return {"errors": errors, "details": details or []}


@register.filter
def reference(value: str) -> str:
    """``482915307`` → ``482-915-307``."""
    return display(value) if value and len(value) == 9 else value


@register.inclusion_tag("civicdesk/_state_badge.html")
def state_badge(state: str) -> dict[str, Any]:
    """A clock state as a labelled badge: the text says it; the colour only repeats it."""
    from civicdesk.domain.cases.standing import STATE_LABELS

    return {"state": state, "label": STATE_LABELS.get(state, state)}


@register.inclusion_tag("civicdesk/_safety_badge.html")
def safety_badge(case: Any) -> dict[str, Any]:
    """Safety first: "Immediate threat" or "Hazard" beside a flagged case, nothing otherwise."""
    return {"threat": case.safety_threat, "hazard": case.hazard}


@register.filter
def ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return ""
    return _("%(days)s days") % {"days": max(0, (now - value).days)}


@register.filter
def waiting_on_label(value: str) -> str:
    """What a paused case waits on, in the reader's language."""
    from civicdesk.domain.cases.standing.labels import pause_reason_label

    return pause_reason_label(value)
