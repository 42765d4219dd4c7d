"""A case's standing: what it owes, and how its clocks stand — the one read model every face formats.

The desk, the staff API, the portal and Open311 show the same facts in their
own shapes; the definitions live here so the four never disagree.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The clock states a queue shows, most urgent first. Each has a text label: never colour alone.
BREACHED, AT_RISK, DUE_SOON, PAUSED, ON_TRACK, NO_CLOCK = (
    "breached",
    "at_risk",
    "due_soon",
    "paused",
    "on_track",
    "none",
)
CLOCK_STATES = (BREACHED, AT_RISK, DUE_SOON, PAUSED, ON_TRACK)
STATE_LABELS = {
    BREACHED: _("Breached"),
    AT_RISK: _("At risk"),
    DUE_SOON: _("Due soon"),
    PAUSED: _("Paused"),
    ON_TRACK: _("On track"),
    NO_CLOCK: _("No open clock"),
}
