"""Safety first over Open311: the ``SAFETY`` question every service asks, and the advice a hazard is given.

GeoReport v2 clients learn what to send from the service definition, so the
flag that puts a report first (a potential hazard, PK-HAZARD; an immediate
threat to safety, which PK-ANON investigates even when anonymous) is a
question there: ``attribute[SAFETY]=hazard`` or ``=immediate_threat``. Its
``datatype_description`` carries the city's emergency advice ("if anyone is in
danger call 911…"), and the POST response's ``service_notice`` repeats it for a
flagged report. A city's own question may not use the code ``SAFETY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civicdesk.channels.open311.errors import Problems
from civicdesk.engines.standards import Profile

CODE = "SAFETY"
HAZARD, IMMEDIATE_THREAT = "hazard", "immediate_threat"
CHOICES = {
    HAZARD: "A hazard: it could hurt someone (a deep pothole, a fallen limb, a broken sidewalk)",
    IMMEDIATE_THREAT: "An immediate threat to safety: someone is in danger now",
}
QUESTION = "Is anyone at risk? A hazard is inspected first; an immediate threat is investigated even if anonymous."


@dataclass(frozen=True)
class Safety:
    """What the report said about risk: ``hazard`` is ``None`` when unanswered, so the service's own flag applies."""

    hazard: bool | None = None
    immediate_threat: bool = False


def attribute_row(profile: Profile, *, order: int) -> dict[str, Any]:
    """The ``SAFETY`` question as a service definition's attribute, after the city's own questions."""
    return {
        "variable": True,
        "code": CODE,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": profile.emergency_notice(profile.languages[0]) or None,
        "order": order,
        "description": QUESTION,
        "values": [{"key": key, "name": name} for key, name in CHOICES.items()],
    }


def read(given: dict[str, list[str]], problems: Problems) -> Safety:
    """The answer to ``attribute[SAFETY]``; a wrong one is noted in ``problems`` (400 with the others)."""
    values = given.get(CODE, [])
    if not values:
        return Safety()
    if len(values) > 1 or values[0] not in CHOICES:
        problems.add(f"attribute[{CODE}] takes one of: {', '.join(CHOICES)} (got {', '.join(values)[:60]!r})")
        return Safety()
    threat = values[0] == IMMEDIATE_THREAT
    return Safety(hazard=True, immediate_threat=threat)
