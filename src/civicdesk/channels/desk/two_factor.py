"""Staff two-factor sign-in: after the password, a code from an authenticator app (TOTP) or a recovery code.

Anyone who has set up a device must give a code before the desk or the
administration site opens. When ``CIVICDESK_TWO_FACTOR_REQUIRED`` is on (the
default in production), staff whose role can see residents' contact details
(``cases.view_contact``, and superusers) are sent to set one up first.
Devices are django-otp's: ``TOTPDevice`` for the app, ``StaticDevice`` for ten
single-use recovery codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from civicdesk.platform import config

# Pages that must open without the second factor: signing in and out, the second factor itself, assets.
OPEN_PATHS = ("/desk/sign-in/", "/desk/sign-out/", "/desk/two-factor/", "/admin/login/", "/admin/logout/", "/static/")
GUARDED_PATHS = ("/desk/", "/admin/")


def must_set_up(user: Any) -> bool:
    """Whether ``user`` may not go on without a second factor: required, and their role sees contacts."""
    return config.two_factor_required() and (user.is_superuser or user.has_perm("cases.view_contact"))


class TwoFactorMiddleware:
    """Sends a signed-in staff member to the second-factor page until this session has passed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        user: Any = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and path.startswith(GUARDED_PATHS)
            and not path.startswith(OPEN_PATHS)
            and not user.is_verified()
        ):
            query = urlencode({"next": request.get_full_path()})
            if user_has_device(user, confirmed=True):
                return HttpResponseRedirect(f"{reverse('desk:two_factor')}?{query}")
            if must_set_up(user):
                return HttpResponseRedirect(f"{reverse('desk:two_factor_setup')}?{query}")
        return self.get_response(request)
