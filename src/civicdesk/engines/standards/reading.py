"""A TOML document read table by table, so every mistake names its key path and line.

:class:`Table` hands out typed values (``req_text``, ``number``, ``day``,
``tables``…) and :meth:`Table.finish` rejects keys nobody asked for, so a
typo in a profile is an error, not a silently ignored line. Errors are
:class:`ProfileError` (file, key path, line, what was expected); the line is
found by a best-effort scan of the text, because ``tomllib`` keeps no positions.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NoReturn

from civicdesk.engines.standards.errors import ProfileError

KeyPath = tuple[str | int, ...]


# --- finding the line of a key -------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|=)""")


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'" else part


def _locate(lines: list[str], path: KeyPath) -> int | None:
    """Best-effort line number (1-based) of a key path such as ("standards", 2, "target")."""
    sections: list[tuple[KeyPath, int]] = [((), 0)]
    counts: dict[tuple[str, ...], int] = {}
    for no, text in enumerate(lines):
        m = _HEADER.match(text)
        if not m:
            continue
        names = tuple(_unquote(p) for p in m.group(2).split("."))
        if m.group(1) == "[[":
            index = counts.get(names, -1) + 1
            counts[names] = index
            sections.append(((*names, index), no))
        else:
            # A sub-table of the latest element of an array of tables: [standards.x] after [[standards]].
            resolved: list[str | int] = []
            for i, name in enumerate(names):
                resolved.append(name)
                if tuple(names[: i + 1]) in counts and i < len(names) - 1:
                    resolved.append(counts[tuple(names[: i + 1])])
            sections.append((tuple(resolved), no))
    best: tuple[int, int] | None = None  # (length of matched prefix, line index)
    for section, no in sections:
        if path[: len(section)] == section and (best is None or len(section) >= best[0]):
            best = (len(section), no)
    if best is None:
        return None
    depth, start = best
    rest = [p for p in path[depth:] if isinstance(p, str)]
    if not rest:
        return start + 1 if depth else None
    end = next((no for _, no in sections if no > start), len(lines))
    for no in range(start + (1 if depth else 0), end):
        m = _KEY.match(lines[no])
        if m and _unquote(m.group(1)) == rest[0]:
            return no + 1
    return start + 1 if depth else None


# --- reading tables with unknown-key checks ------------------------------------------------


class Source:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.labels: dict[KeyPath, str] = {}

    def error(self, path: KeyPath, message: str) -> NoReturn:
        raise ProfileError(self.file, self.describe(path), message, _locate(self.lines, path))

    def describe(self, path: KeyPath) -> str:
        out = ""
        for i, part in enumerate(path):
            if isinstance(part, int):
                out += f"[{part + 1}]"
                label = self.labels.get(path[: i + 1])
                if label:
                    out += f" ({label})"
            else:
                out += f".{part}" if out else part
        return out


def type_name(value: object) -> str:
    return {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


class Table:
    """One TOML table being read; ``finish()`` rejects keys nobody asked for."""

    def __init__(self, src: Source, data: object, path: KeyPath) -> None:
        if not isinstance(data, dict):
            src.error(path, f"expected a table, got {type_name(data)}")
        self.src = src
        self.data: dict[str, Any] = data
        self.path = path
        self.seen: set[str] = set()

    def error(self, key: str | int | None, message: str) -> NoReturn:
        self.src.error(self.path if key is None else (*self.path, key), message)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, *, required: bool = True) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if required:
                self.error(None, f"missing required key {key!r}")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str | None = None) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"expected non-empty text, got {value!r}")
        return value.strip()

    def req_text(self, key: str) -> str:
        return self.text(key) or ""  # text() raised already when the key is missing

    def req_number(self, key: str, *, integer: bool = False) -> float:
        return self.number(key, integer=integer) or 0

    def req_day(self, key: str) -> date:
        value = self.day(key)
        if value is None:  # pragma: no cover - day() raised already
            self.error(None, f"missing required key {key!r}")
        return value

    def req_table(self, key: str) -> Table:
        value = self.table(key)
        if value is None:  # pragma: no cover - table() raised already
            self.error(None, f"missing required key {key!r}")
        return value

    def texts(self, key: str, *, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.raw(key, required=False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(key, f'expected a list of text such as ["a", "b"], got {value!r}')
        for v in value:
            if allowed is not None and v not in allowed:
                self.error(key, f"unknown value {v!r} (expected some of: {', '.join(allowed)})")
        if len(set(value)) != len(value):
            dup = next(v for v in value if value.count(v) > 1)
            self.error(key, f"{dup!r} is listed twice")
        return tuple(value)

    def number(
        self, key: str, *, integer: bool = False, required: bool = True, default: float | None = None
    ) -> float | None:
        value = self.raw(key, required=required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
            self.error(key, f"expected {'a whole number' if integer else 'a number'} >= 0, got {value!r}")
        if value < 0:
            self.error(key, f"expected {'a whole number' if integer else 'a number'} >= 0, got {value!r}")
        return float(value) if isinstance(value, float) else int(value)

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {value!r}")
        return value

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, date) or hasattr(value, "hour"):
            self.error(key, f"expected a date such as 2026-12-24 (no quotes), got {value!r}")
        return value

    def table(self, key: str, *, required: bool = True) -> Table | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        return Table(self.src, value, (*self.path, key))

    def tables(self, key: str) -> list[Table]:
        value = self.raw(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(
                key,
                f"expected [[{'.'.join(str(p) for p in self.path if isinstance(p, str))}.{key}]] tables, got {type_name(value)}",
            )
        return [Table(self.src, v, (*self.path, key, i)) for i, v in enumerate(value)]

    def finish(self) -> None:
        for key in self.data:
            if key not in self.seen:
                expected = ", ".join(sorted(self.seen))
                self.error(key, f"unknown key (expected one of: {expected})")
