"""Typed errors of the standards engine; each prints as one clear line."""

from __future__ import annotations

from collections.abc import Sequence


class StandardsError(ValueError):
    """Base class: a profile or standard the engine cannot use."""


class ProfileError(StandardsError):
    """A profile file is invalid. Names the file, the key and (where found) the line, and what was expected."""

    def __init__(self, file: str, key: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class UnknownProfileError(StandardsError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        super().__init__(
            f"unknown profile {name!r}: give a shipped profile ({', '.join(known)}) or a path to a .toml file"
        )


class UnknownStandardError(StandardsError):
    def __init__(self, profile: str, standard_id: str, known: Sequence[str]) -> None:
        self.standard_id = standard_id
        super().__init__(f"profile {profile!r} has no standard {standard_id!r} (it has: {', '.join(known)})")
