"""The words every face uses for clock states, purposes and complaint details, written once.

Translated for the desk and the portal (the reader's language). The Open311
notice is in the profile's own words, English like ``ClockRule.describe()``:
its purposes are :data:`NOTICE_WORDS`, beside the others so they cannot drift.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicdesk.domain.cases.models import CommitmentState, Purpose
from civicdesk.domain.cases.standing.states import AT_RISK, BREACHED, DUE_SOON, NO_CLOCK, ON_TRACK, PAUSED

STATE_LABELS = {
    BREACHED: _("Breached"),
    AT_RISK: _("At risk"),
    DUE_SOON: _("Due soon"),
    PAUSED: _("Paused"),
    ON_TRACK: _("On track"),
    NO_CLOCK: _("No open clock"),
}

# What a commitment owes, as the desk lists it.
PURPOSE_LABELS = {
    Purpose.ACKNOWLEDGE: _("Acknowledge"),
    Purpose.INSPECT: _("Inspect the hazard"),
    Purpose.RESPOND: _("Answer the resident"),
    Purpose.INTERIM: _("Interim reply"),
    Purpose.CALLBACK: _("Return the call"),
    Purpose.FOLLOW_UP: _("Department update by the follow-up date"),
    Purpose.COMPLETE: _("Complete by the agreed timeline"),
    Purpose.TIMELINE_NOTICE: _("Tell the resident if the timeline will slip"),
    Purpose.PAUSE_LIMIT: _("Resume the clocks before the longest pause ends"),
}

# What a paused case waits on: the reasons a profile may allow (engines.standards.model.PAUSE_REASONS).
PAUSE_REASON_LABELS = {
    "resident": _("Waiting on the resident"),
    "access": _("Waiting for access to the property"),
    "other_agency": _("Waiting on another agency or a utility"),
    "contractor": _("Waiting on a contractor or a supplier"),
    "season": _("Waiting for the season or the weather"),
}


def pause_reason_label(reason: str) -> str:
    """What a paused case waits on, in the reader's language (an unknown reason as stored)."""
    return str(PAUSE_REASON_LABELS.get(reason, reason))


# What a caller is told at intake: the standard's clock and the date it gives.
PROMISE_SENTENCES = {
    Purpose.ACKNOWLEDGE: _("Acknowledged within %(clock)s: by %(due)s"),
    Purpose.INSPECT: _("The reported hazard is inspected within %(clock)s: by %(due)s"),
    Purpose.RESPOND: _("Answered within %(clock)s: by %(due)s"),
    Purpose.INTERIM: _("An interim reply within %(clock)s: by %(due)s"),
    Purpose.CALLBACK: _("The call is returned within %(clock)s: by %(due)s"),
    Purpose.FOLLOW_UP: _("Customer Care follows up with the department after %(clock)s: on %(due)s"),
}

# Open311's service_notice: "Acknowledged within 1 business day (PK-ACK-1BD)".
NOTICE_WORDS = {
    Purpose.ACKNOWLEDGE: "Acknowledged",
    Purpose.INSPECT: "Hazard inspected",
    Purpose.RESPOND: "Answered",
    Purpose.INTERIM: "Interim reply sent",
    Purpose.CALLBACK: "Call returned",
    Purpose.COMPLETE: "Completed",
}

COMMITMENT_STATE_LABELS = {
    CommitmentState.PENDING: _("Pending"),
    CommitmentState.PAUSED: _("Paused"),
    CommitmentState.MET: _("Met"),
    CommitmentState.BREACHED: _("Breached"),
    CommitmentState.CANCELLED: _("Cancelled"),
}

# PK-CHANNELS: the parts of a complaint record, as the CSR is asked for them.
DETAIL_LABELS = {
    "description": _("what happened"),
    "occurred_at": _("date and time of occurrence"),
    "people_involved": _("who was involved"),
    "outcome_sought": _("outcome sought"),
    "contact": _("contact details"),
}


def purpose_label(purpose: str) -> str:
    """What a commitment of ``purpose`` owes, in the reader's language (an unknown purpose as stored)."""
    return str(PURPOSE_LABELS[Purpose(purpose)]) if purpose in Purpose.values else purpose
