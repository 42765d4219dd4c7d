"""Standards profiles: a city's written service standards as data, and their due dates.

Pure Python (no Django). ``load_profile("pickering")`` → :class:`Profile`;
``due(profile, "PK-ACK-1BD", received_at)`` → :class:`DueDate`;
``due_many(profile, "PK-ACK-1BD", starts)`` → the due instants of many clocks.
"""

from civicdesk.engines.standards.conditions import CONDITIONS, CaseFacts
from civicdesk.engines.standards.due import (
    DueDate,
    LadderRequest,
    SkippedDay,
    due,
    due_many,
    escalation_schedule,
    explain_clock,
    next_follow_up_request,
)
from civicdesk.engines.standards.errors import ProfileError, StandardsError, UnknownProfileError, UnknownStandardError
from civicdesk.engines.standards.loader import load_profile, parse_profile, shipped_profiles
from civicdesk.engines.standards.model import (
    ClockKind,
    ClockRule,
    Defaults,
    Emergency,
    EscalationLadder,
    EscalationStep,
    Measure,
    Profile,
    Standard,
)

__all__ = [
    "CONDITIONS",
    "CaseFacts",
    "ClockKind",
    "ClockRule",
    "Defaults",
    "DueDate",
    "Emergency",
    "EscalationLadder",
    "EscalationStep",
    "LadderRequest",
    "Measure",
    "Profile",
    "ProfileError",
    "SkippedDay",
    "Standard",
    "StandardsError",
    "UnknownProfileError",
    "UnknownStandardError",
    "due",
    "due_many",
    "escalation_schedule",
    "explain_clock",
    "load_profile",
    "next_follow_up_request",
    "parse_profile",
    "shipped_profiles",
]
