"""Start-up checks: a mistyped rate limit stops ``manage.py check``, ``serve`` and ``worker`` before any request.

Each app whose limits or settings :mod:`civicdesk.platform.config` reads
registers a check of them with :func:`register_setting_check`; the throttle
checks the sign-in limits and the trusted proxies itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from civicdesk.platform import config

SETTING_ERROR = "civicdesk.E001"


def register_setting_check(readers: Callable[[], Iterable[Callable[[], Any]]]) -> None:
    """Register a check that calls each reader ``readers()`` gives; a reader's ImproperlyConfigured is an error.

    ``readers`` is called when the checks run, not at registration, so it may import modules that read models.
    """

    def setting_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
        errors: list[checks.CheckMessage] = []
        for read in readers():
            try:
                read()
            except ImproperlyConfigured as error:
                errors.append(checks.Error(str(error), id=SETTING_ERROR))
        return errors

    checks.register(setting_check, checks.Tags.security)


def _throttle_readers() -> list[Callable[[], Any]]:
    return [config.sign_in_limits, config.trusted_proxies]


register_setting_check(_throttle_readers)
