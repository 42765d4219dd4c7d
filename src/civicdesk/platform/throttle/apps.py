from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    """Rate counters shared by the portal, Open311 and the staff sign-in."""

    name = "civicdesk.platform.throttle"
    label = "throttle"
    verbose_name = "Rate limits"

    def ready(self) -> None:
        from civicdesk.platform.throttle import checks  # noqa: F401 — registers the start-up check
