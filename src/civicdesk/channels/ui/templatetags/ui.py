"""Template helpers shared by the desk and the portal: accessible fields, error summaries, clock-state badges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from civicdesk.domain.cases.models import Channel, Kind
from civicdesk.domain.cases.references import display

register = template.Library()
KIND_VALUES, CHANNEL_VALUES = frozenset(Kind.values), frozenset(Channel.values)


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


@register.simple_tag
def state_badge(state: str) -> SafeString:
    """A clock state as a labelled badge (the text says it; the colour only repeats it). Built here, not from a
    template: a queue page shows dozens."""
    from civicdesk.domain.cases.standing import STATE_LABELS

    return format_html('<span class="badge badge--{}">{}</span>', state, STATE_LABELS.get(state, state))


@register.simple_tag
def safety_badge(case: Any) -> SafeString:
    """Safety first: "Immediate threat" or "Hazard" beside a flagged case, nothing otherwise."""
    if case.safety_threat:
        return format_html('<span class="badge badge--threat">{}</span>', _("Immediate threat"))
    if case.hazard:
        return format_html('<span class="badge badge--hazard">{}</span>', _("Hazard"))
    return SafeString("")


@register.filter
def kind_label(value: str) -> str:
    """A case's kind in the reader's language; in a list, cheaper than ``get_kind_display`` (no choices dict per row)."""
    return str(Kind(value).label) if value in KIND_VALUES else value


@register.filter
def channel_label(value: str) -> str:
    """A case's channel in the reader's language (see :func:`kind_label`)."""
    return str(Channel(value).label) if value in CHANNEL_VALUES else value


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
