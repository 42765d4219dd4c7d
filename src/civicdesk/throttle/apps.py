from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    """Rate counters shared by the portal, Open311 and the staff sign-in."""

    name = "civicdesk.throttle"
    label = "throttle"
    verbose_name = "Rate limits"
