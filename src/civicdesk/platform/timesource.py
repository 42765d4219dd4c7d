"""The one source of "now" for the whole product, so tests can freeze and move time.

Every piece of code that needs the current instant calls :func:`now`; nothing
calls ``datetime.now()`` or ``timezone.now()`` directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Freeze :func:`now` at ``instant`` (aware) for the duration of the block."""
    global _frozen
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    previous, _frozen = _frozen, instant.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (tests only)."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() needs a clock frozen with frozen_at()")
    _frozen = _frozen + delta
