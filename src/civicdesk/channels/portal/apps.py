from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


def _limit_readers() -> list[Callable[[], Any]]:
    from civicdesk.platform import config

    return [config.portal_limits]


class PortalConfig(AppConfig):
    """The public portal: report, confirmation, status look-up. No sign-in."""

    name = "civicdesk.channels.portal"
    label = "portal"
    verbose_name = "Public portal"

    def ready(self) -> None:
        from civicdesk.platform.throttle.checks import register_setting_check

        register_setting_check(_limit_readers)  # a mistyped CIVICDESK_PORTAL_LIMITS stops start-up
