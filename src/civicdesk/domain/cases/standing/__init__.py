"""A case's standing: what it owes, and how its clocks stand — the one read model every face formats.

For a case and an instant: its clock state (:mod:`.states`: breached, at risk,
due soon, paused, on track, or none once closed), the next due instant, what it
still owes and the one date told to a resident (:mod:`.owed`); for a case not
yet recorded, the clocks intake starts and the promise told to the caller, the
missing complaint details and the PK-ANON rule (:mod:`.intake`); and the words
for all of them (:mod:`.labels`). The desk, the staff API, the portal and
Open311 call these and only format the answers, so the four never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from civicdesk.domain.cases.models import Case, Commitment
from civicdesk.domain.cases.standing.intake import (
    COMPLAINT_DETAILS,
    INTAKE_PURPOSES,
    PROMISE_ORDER,
    Promise,
    emergency_notice,
    missing_details,
    missing_details_of,
    owed_at_intake,
    owed_if_answer_late,
    owed_on_routing,
    promised_at_intake,
    routed_at_intake,
    would_investigate,
)
from civicdesk.domain.cases.standing.labels import (
    COMMITMENT_STATE_LABELS,
    DETAIL_LABELS,
    NOTICE_WORDS,
    PAUSE_REASON_LABELS,
    PROMISE_SENTENCES,
    PURPOSE_LABELS,
    STATE_LABELS,
    pause_reason_label,
    purpose_label,
)
from civicdesk.domain.cases.standing.owed import (
    OWED_TO_RESIDENT,
    RESIDENT_CLOCKS,
    Expected,
    expected,
    keeps_open,
    owed_to_resident,
    still_owed,
)
from civicdesk.domain.cases.standing.states import (
    AT_RISK,
    AT_RISK_BUSINESS_HOURS,
    BREACHED,
    CLOCK_STATES,
    DUE_SOON,
    DUE_SOON_BUSINESS_DAYS,
    NO_CLOCK,
    ON_TRACK,
    PAUSED,
    Horizons,
    business_days_between,
    horizons,
    ranges,
    state_condition,
    state_of,
    state_parts,
    with_clock_state,
)


@dataclass(frozen=True)
class Standing:
    """Where one case stands at an instant."""

    state: str
    next_due_at: datetime | None
    still_owed: list[Commitment]
    expected: Expected


def standing_of(case: Case, h: Horizons, *, commitments: Sequence[Commitment] | None = None) -> Standing:
    """The standing of ``case`` at ``h.now``; ``commitments`` are its own when the caller already read them."""
    rows = list(case.commitments.order_by("due_at", "pk")) if commitments is None else list(commitments)
    return Standing(
        state=state_of(case, h),
        next_due_at=case.next_due_at if case.is_open else None,
        still_owed=still_owed(rows),
        expected=expected(rows, is_open=case.is_open, now=h.now),
    )


__all__ = [
    "AT_RISK",
    "AT_RISK_BUSINESS_HOURS",
    "BREACHED",
    "CLOCK_STATES",
    "COMMITMENT_STATE_LABELS",
    "COMPLAINT_DETAILS",
    "DETAIL_LABELS",
    "DUE_SOON",
    "DUE_SOON_BUSINESS_DAYS",
    "INTAKE_PURPOSES",
    "NOTICE_WORDS",
    "NO_CLOCK",
    "ON_TRACK",
    "OWED_TO_RESIDENT",
    "PAUSED",
    "PAUSE_REASON_LABELS",
    "PROMISE_ORDER",
    "PROMISE_SENTENCES",
    "PURPOSE_LABELS",
    "RESIDENT_CLOCKS",
    "STATE_LABELS",
    "Expected",
    "Horizons",
    "Promise",
    "Standing",
    "business_days_between",
    "emergency_notice",
    "expected",
    "horizons",
    "keeps_open",
    "missing_details",
    "missing_details_of",
    "owed_at_intake",
    "owed_if_answer_late",
    "owed_on_routing",
    "owed_to_resident",
    "pause_reason_label",
    "promised_at_intake",
    "purpose_label",
    "ranges",
    "routed_at_intake",
    "standing_of",
    "state_condition",
    "state_of",
    "state_parts",
    "still_owed",
    "with_clock_state",
    "would_investigate",
]
