from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


def _setting_readers() -> list[Callable[[], Any]]:
    from civicdesk.platform import config

    return [config.open311_settings]


class Open311Config(AppConfig):
    name = "civicdesk.channels.open311"
    label = "open311"
    verbose_name = "Open311"

    def ready(self) -> None:
        from civicdesk.platform.throttle.checks import register_setting_check

        register_setting_check(_setting_readers)  # a mistyped OPEN311_* setting stops start-up
