"""The portal's Django-client tests run at NOW (Tuesday 10:00 in Pickering), in English."""

from tests.fixtures.autouse import english, frozen_now

__all__ = ["english", "frozen_now"]
