"""The throttle's tests run at NOW (Tuesday 10:00 in Pickering, 15:00:00 UTC), in English."""

from tests.fixtures.autouse import english, frozen_now

__all__ = ["english", "frozen_now"]
