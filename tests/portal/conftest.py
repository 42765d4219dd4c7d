"""The portal's Django-client tests use the desk's fixtures: the demo city, its personas, a frozen Tuesday morning."""

from tests.desk.conftest import NOW, TORONTO, city, complaint, english, frozen_now, signed_in

__all__ = ["NOW", "TORONTO", "city", "complaint", "english", "frozen_now", "signed_in"]
