"""A jurisdiction's standards profile, loaded once per process: the one source of its calendar and its zone.

A city's due dates are computed on its profile's calendar, and its times are
shown in that calendar's zone (:attr:`Jurisdiction.zone`), so the two cannot
disagree. A profile changes only through the recompute action, which moves
the running clocks onto the new calendar and journals each move.
"""

from __future__ import annotations

from functools import lru_cache

from civicdesk.engines import standards
from civicdesk.engines.standards import Profile


@lru_cache(maxsize=64)
def profile_named(name: str) -> Profile:
    """The profile ``name`` (a shipped profile's name or the path of the city's own file), read once."""
    return standards.load_profile(name)
