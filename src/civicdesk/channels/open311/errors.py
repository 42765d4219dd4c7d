"""The GeoReport v2 error response: ``errors/error`` with ``code`` and ``description``, one HTTP status.

The spec: 404 for what does not exist, 403 for a missing or wrong api_key,
400 for anything else the server cannot do as asked. We add 405 for a wrong
method and 429 (with ``Retry-After``) when a client sends too much. Every
description names the parameter at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    code: int
    description: str


@dataclass
class Open311Error(Exception):
    """Refuse the request with ``status`` and one or more problems."""

    status: int
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def single(cls, status: int, description: str, **headers: str) -> Open311Error:
        return cls(status, [Problem(status, description)], dict(headers))

    def __str__(self) -> str:
        return "; ".join(p.description for p in self.problems)


def bad_request(description: str) -> Open311Error:
    return Open311Error.single(400, description)


def not_found(description: str) -> Open311Error:
    return Open311Error.single(404, description)


def forbidden(description: str) -> Open311Error:
    return Open311Error.single(403, description)


class Problems:
    """Collects every 400-class problem of a request, so a client learns all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, description: str) -> None:
        self.items.append(Problem(400, description))

    def raise_if_any(self) -> None:
        if self.items:
            raise Open311Error(400, list(self.items))
