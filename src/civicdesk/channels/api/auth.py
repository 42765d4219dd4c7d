"""Who is calling: a bearer token (primary), or a signed-in staff session with its CSRF token (the desk)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from civicdesk.channels.api.tokens import user_for_token
from civicdesk.domain.staff.models import User


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; an unknown, revoked or inactive user's token authenticates no one."""

    def __call__(self, request: HttpRequest) -> User | None:
        # ninja's own parsing logs the whole header (a token) when DEBUG is on and the scheme is not Bearer.
        scheme, _space, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token.strip())
        if user is not None:
            request.user = user
        return user


class StaffSession(SessionAuth):
    """A signed-in, active staff member; unsafe methods also need the CSRF token.

    Without a signed-in session this answers "no one" before any CSRF check,
    so a call with no credentials gets 401, not a CSRF 403.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user


def current_user(request: HttpRequest) -> User:
    """The staff member the authentication above found (every endpoint requires one)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # unreachable behind the API's auth; never act as no one
        raise AuthenticationError()
    return user
