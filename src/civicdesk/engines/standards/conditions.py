"""When a standard applies: the closed vocabulary of a standard's ``condition``.

A document often owes a clock only in some circumstances: Santa Ana answers
after-hours calls the next morning (SA-AFTER), Pickering inspects a hazard
within a business day (PK-HAZARD) and sends an interim reply to a letter only
when the answer will take longer than 15 business days (PK-MAIL-INTERIM). A
profile names the circumstance with one word of :data:`CONDITIONS`; the loader
refuses any other, and :func:`holds` decides it from the facts of one case
when its clocks start, so a clock is never owed where its condition is false.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from civicdesk.engines.calendars import BusinessCalendar

CONDITIONS = {
    "during_business_hours": "the contact arrives while the office is open (SA-RING)",
    "outside_business_hours": "the contact arrives while the office is closed (SA-AFTER)",
    "hazard": "the case is flagged as a potential hazard or an immediate threat to safety (PK-HAZARD)",
    "immediate_threat": "the case is flagged as an immediate threat to safety",
    "long_answer_expected": (
        "staff record that the conclusive answer is expected after the answer standard's target,"
        " with the expected date (PK-MAIL-INTERIM)"
    ),
}


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What a condition can depend on: when the contact arrived and what staff or the resident flagged."""

    received_at: datetime
    hazard: bool = False
    immediate_threat: bool = False
    long_answer_expected: bool = False


def holds(condition: str | None, *, calendar: BusinessCalendar, facts: CaseFacts) -> bool:
    """Whether ``condition`` is true of a case with these facts; a standard without one always applies."""
    match condition:
        case None:
            return True
        case "during_business_hours":
            return calendar.is_open(facts.received_at)
        case "outside_business_hours":
            return not calendar.is_open(facts.received_at)
        case "hazard":
            # An immediate threat to safety is a hazard the resident reports in the strongest terms.
            return facts.hazard or facts.immediate_threat
        case "immediate_threat":
            return facts.immediate_threat
        case "long_answer_expected":
            return facts.long_answer_expected
    raise ValueError(f"unknown condition {condition!r} (expected one of: {', '.join(CONDITIONS)})")
