"""Why a case transition was refused, in a form every channel can show (API error body, form error, CLI line)."""

from __future__ import annotations

from typing import Any


class CaseError(Exception):
    """Base of refusals. ``code`` is machine-readable; ``field`` names the input at fault; ``rule`` the rule ID."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        details: Any = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.details = details
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.rule:
            body["rule"] = self.rule
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(CaseError):
    """The request names something that does not exist or is malformed."""

    status = 422
    code = "invalid_input"


class TransitionRefused(CaseError):
    """The case is not in a state that allows this (closed, open items, council case…)."""

    status = 409
    code = "refused"


class NotAllowed(CaseError):
    """The actor's role or department does not allow this."""

    status = 403
    code = "forbidden"
