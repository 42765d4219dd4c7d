"""Start-up checks: a mistyped rate limit stops ``manage.py check``, ``serve`` and ``worker`` before any request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def _limit_settings() -> list[Callable[[], Any]]:
    # Imported here: these modules read settings and models, which checks must not touch at import time.
    from civicdesk.open311 import conf as open311_conf
    from civicdesk.portal.ratelimit import DEFAULT_LIMITS as PORTAL_LIMITS
    from civicdesk.throttle import counters
    from civicdesk.throttle.sign_in import DEFAULT_LIMITS as SIGN_IN_LIMITS

    return [
        lambda: counters.configured_limits("CIVICDESK_SIGNIN_LIMITS", SIGN_IN_LIMITS),
        lambda: counters.configured_limits("CIVICDESK_PORTAL_LIMITS", PORTAL_LIMITS),
        counters.configured_trusted_proxies,
        open311_conf.current,
    ]


@checks.register(checks.Tags.security)
def rate_limit_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for read in _limit_settings():
        try:
            read()
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id="civicdesk.E001"))
    return errors
