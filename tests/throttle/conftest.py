"""The throttle's tests use the desk's fixtures: the demo city, its personas, a frozen Tuesday morning (15:00 UTC)."""

from tests.desk.conftest import NOW, city, english, frozen_now

__all__ = ["NOW", "city", "english", "frozen_now"]
