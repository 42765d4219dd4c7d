"""Load and validate standards profiles (TOML).

Every mistake becomes a :class:`ProfileError` naming the file, the key path,
the line where it could be found, and what was expected, e.g.::

    pickering.toml:57: standards[3] (PK-HAZARD).target: expected a number >= 0, got -1

Holiday names are checked against the ``holidays`` package: a kept or dropped
name the package never lists is an error (a typo would silently open the
office on a holiday); a name the package lists that the profile neither keeps
nor drops is not observed and reported in ``Profile.warnings``.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from civicdesk.engines.calendars import (
    AnnualDate,
    AnnualRange,
    BusinessCalendar,
    CalendarSpec,
    CalendarSpecError,
    Closure,
    DateRange,
    EveryNWeeks,
    FixedDate,
    HolidayRemoval,
    HolidaySource,
    MunicipalHoliday,
    WeeklyHours,
    parse_date_rule,
)
from civicdesk.engines.calendars.spec import ClosureDays, parse_clock_time
from civicdesk.engines.calendars.statutory import package_names
from civicdesk.engines.standards.errors import ProfileError, UnknownProfileError
from civicdesk.engines.standards.model import (
    ANCHORS,
    CALENDAR_UNITS,
    CASE_KINDS,
    CHANNELS,
    DEFAULT_FOLLOW_UP,
    DEFAULT_TIMELINE_NOTICE,
    PURPOSES,
    ROLES,
    ClockKind,
    ClockRule,
    Defaults,
    EscalationLadder,
    EscalationStep,
    Measure,
    Profile,
    Standard,
)

# Holiday names are checked over these years: wide enough to catch names the package uses only some years.
NAME_CHECK_YEARS = range(2020, 2041)
_ID = re.compile(r"[A-Z]{2,}(?:-[A-Z0-9]+)+")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")

Path_ = tuple[str | int, ...]


# --- finding the line of a key -------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|=)""")


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'" else part


def _locate(lines: list[str], path: Path_) -> int | None:
    """Best-effort line number (1-based) of a key path such as ("standards", 2, "target")."""
    sections: list[tuple[Path_, int]] = [((), 0)]
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


class _Source:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.labels: dict[Path_, str] = {}

    def error(self, path: Path_, message: str) -> NoReturn:
        raise ProfileError(self.file, self.describe(path), message, _locate(self.lines, path))

    def describe(self, path: Path_) -> str:
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


def _type_name(value: object) -> str:
    return {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


class _Table:
    """One TOML table being read; ``finish()`` rejects keys nobody asked for."""

    def __init__(self, src: _Source, data: object, path: Path_) -> None:
        if not isinstance(data, dict):
            src.error(path, f"expected a table, got {_type_name(data)}")
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

    def req_table(self, key: str) -> _Table:
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

    def table(self, key: str, *, required: bool = True) -> _Table | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        return _Table(self.src, value, (*self.path, key))

    def tables(self, key: str) -> list[_Table]:
        value = self.raw(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(
                key,
                f"expected [[{'.'.join(str(p) for p in self.path if isinstance(p, str))}.{key}]] tables, got {_type_name(value)}",
            )
        return [_Table(self.src, v, (*self.path, key, i)) for i, v in enumerate(value)]

    def finish(self) -> None:
        for key in self.data:
            if key not in self.seen:
                expected = ", ".join(sorted(self.seen))
                self.error(key, f"unknown key (expected one of: {expected})")


# --- the profile -------------------------------------------------------------------------


def _spec_error(src: _Source, exc: CalendarSpecError) -> NoReturn:
    parts: list[str | int] = ["calendar", *exc.key.split(".")]
    src.error(tuple(parts), exc.message)


def _clock(t: _Table, *, what: str = "standard") -> ClockRule:
    kind_text = t.req_text("clock")
    try:
        kind = ClockKind(kind_text)
    except ValueError:
        t.error("clock", f"unknown clock kind {kind_text!r} (expected one of: {', '.join(k.value for k in ClockKind)})")
    integer = kind in (ClockKind.BUSINESS_DAYS, ClockKind.RINGS)
    target = t.req_number("target", integer=integer)
    unit = t.text("unit", required=False)
    if kind is ClockKind.CALENDAR:
        if unit not in CALENDAR_UNITS:
            t.error("unit", f"a calendar clock needs unit = one of {', '.join(CALENDAR_UNITS)}, got {unit!r}")
        if unit in ("days", "weeks") and not float(target).is_integer():
            t.error("target", f"{unit} must be a whole number, got {target}")
    elif unit is not None:
        t.error("unit", f"only calendar clocks take a unit ({kind.value} counts {_UNITS[kind]})")
    roll = t.text("roll", required=False)
    if roll is not None and (kind is not ClockKind.CALENDAR or roll not in ("forward", "backward")):
        t.error(
            "roll",
            f'roll applies to calendar clocks and is "forward" or "backward", got {roll!r} on a {kind.value} clock',
        )
    before = t.boolean("before", default=False)
    if before and kind is not ClockKind.CALENDAR:
        t.error("before", f"only calendar clocks can run before their anchor ({what} uses {kind.value})")
    return ClockRule(kind, target, unit, roll, before)  # type: ignore[arg-type]


_UNITS = {
    ClockKind.BUSINESS_DAYS: "business days",
    ClockKind.BUSINESS_HOURS: "hours of open time",
    ClockKind.SECONDS: "seconds",
    ClockKind.RINGS: "rings",
    ClockKind.CALENDAR: "",
}


def _inline_clock(t: _Table, key: str) -> ClockRule:
    sub = t.req_table(key)
    rule = _clock(sub, what=key)
    sub.finish()
    return rule


def _hours(t: _Table) -> WeeklyHours:
    days = t.data
    for day, shifts in days.items():
        if not isinstance(shifts, list) or not all(isinstance(s, str) for s in shifts):
            t.error(day, f'expected a list of openings such as ["08:30-16:30"] ([] when closed), got {shifts!r}')
    try:
        hours = WeeklyHours.parse(days)
    except CalendarSpecError as exc:
        _spec_error(t.src, exc)
    t.seen.update(days)
    return hours


def _holidays(t: _Table) -> tuple[HolidaySource, tuple[MunicipalHoliday, ...], tuple[HolidayRemoval, ...], list[str]]:
    country = t.req_text("country").upper()
    subdivision = t.text("subdivision", required=False)
    keep = t.texts("keep")
    drop = t.texts("drop")
    both = set(keep) & set(drop)
    if both:
        t.error("drop", f"{sorted(both)[0]!r} is both kept and dropped")
    source = HolidaySource(
        country=country,
        subdivision=subdivision.upper() if subdivision else None,
        keep=frozenset(keep),
        drop=frozenset(drop),
        observed=t.boolean("observed", default=True),
        language=t.text("language", required=False),
    )
    try:
        known = package_names(source, NAME_CHECK_YEARS)
    except CalendarSpecError as exc:
        _spec_error(t.src, exc)
    region = f"{country}-{source.subdivision}" if source.subdivision else country
    for key, names in (("keep", keep), ("drop", drop)):
        for name in names:
            if name not in known:
                t.error(
                    key, f"the holidays package has no {name!r} for {region} (it lists: {', '.join(sorted(known))})"
                )
    warnings = [
        f"holiday {name!r} ({region}) is neither kept nor dropped; it is not observed"
        for name in sorted(known - set(keep) - set(drop))
    ]
    additions = []
    for a in t.tables("add"):
        name = a.req_text("name")
        additions.append(MunicipalHoliday(name, _day_rule(a)))
        a.finish()
    removals = []
    for r in t.tables("remove"):
        removals.append(HolidayRemoval(r.req_day("date"), r.text("name", required=False)))
        r.finish()
    return source, tuple(additions), tuple(removals), warnings


def _day_rule(t: _Table) -> FixedDate | AnnualDate | Any:
    if t.has("date") == t.has("rule"):
        t.error(None, 'give exactly one of date = 2026-12-24 or rule = "first monday of august"')
    if t.has("date"):
        return FixedDate(t.req_day("date"))
    text = t.req_text("rule")
    try:
        return parse_date_rule(text, key="rule")
    except CalendarSpecError as exc:
        t.error("rule", exc.message)


def _annual(t: _Table, key: str) -> AnnualDate:
    text = t.req_text(key)
    try:
        rule = parse_date_rule(text, key=key)
    except CalendarSpecError as exc:
        t.error(key, exc.message)
    if not isinstance(rule, AnnualDate):
        t.error(key, f'expected a date (2026-12-24) or a month and day ("december 24"), got {text!r}')
    return rule


def _closure(t: _Table) -> Closure:
    name = t.req_text("name")
    t.src.labels[t.path] = name
    forms = [k for k in ("date", "from", "rule", "every_weeks") if t.has(k)]
    if len(forms) != 1:
        t.error(None, "give exactly one of: date, from/to, rule, every_weeks/starting")
    days: ClosureDays
    if forms == ["date"] or forms == ["rule"]:
        days = _day_rule(t)
    elif forms == ["from"]:
        if isinstance(t.data.get("from"), str):
            days = AnnualRange(_annual(t, "from"), _annual(t, "to"))
        else:
            first, last = t.req_day("from"), t.req_day("to")
            if last < first:
                t.error("to", f"the closure ends ({last}) before it starts ({first})")
            days = DateRange(first, last)
    else:
        weeks = t.req_number("every_weeks", integer=True)
        first = t.req_day("starting")
        if weeks < 1:
            t.error("every_weeks", f"expected a whole number >= 1, got {weeks}")
        days = EveryNWeeks(first, int(weeks), t.day("until", required=False))
    closed_from = t.text("closed_from", required=False)
    closed_until = t.text("closed_until", required=False)
    try:
        start = parse_clock_time(closed_from, key="closed_from") if closed_from else None
        end = parse_clock_time(closed_until, key="closed_until", allow_24=True) if closed_until else None
        closure = Closure(name, days, start, end)
    except CalendarSpecError as exc:
        t.error(exc.key if exc.key.startswith("closed") else None, exc.message)
    t.finish()
    return closure


def _calendar(t: _Table, profile_name: str) -> tuple[BusinessCalendar, list[str]]:
    version = t.req_text("version")
    time_zone = t.req_text("time_zone")
    ring_seconds = t.number("ring_seconds", required=False, default=6.0)
    hours_t = t.req_table("hours")
    hours = _hours(hours_t)
    hours_t.finish()
    holidays_t = t.table("holidays", required=False)
    source: HolidaySource | None = None
    additions: tuple[MunicipalHoliday, ...] = ()
    removals: tuple[HolidayRemoval, ...] = ()
    warnings: list[str] = []
    if holidays_t is not None:
        source, additions, removals, warnings = _holidays(holidays_t)
        holidays_t.finish()
    closures = tuple(_closure(c) for c in t.tables("closures"))
    t.finish()
    try:
        spec = CalendarSpec(
            version=version,
            time_zone=time_zone,
            hours=hours,
            holidays=source,
            additions=additions,
            removals=removals,
            closures=closures,
            ring_seconds=float(ring_seconds or 6.0),
            name=profile_name,
        )
        return BusinessCalendar(spec), warnings
    except CalendarSpecError as exc:
        _spec_error(t.src, exc)


def _standard(t: _Table) -> Standard:
    sid = t.req_text("id")
    t.src.labels[t.path] = sid
    if not _ID.fullmatch(sid):
        t.error("id", f"expected a rule ID like PK-ACK-1BD (capitals, digits and dashes), got {sid!r}")
    description = t.req_text("description")
    clock = _clock(t)
    kinds = t.texts("kinds", allowed=CASE_KINDS)
    channels = t.texts("channels", allowed=CHANNELS)
    starts = t.text("starts", required=False) or "received"
    if starts not in ANCHORS:
        t.error("starts", f"unknown anchor {starts!r} (expected one of: {', '.join(ANCHORS)})")
    if clock.before and starts == "received":
        t.error(
            "before", 'a clock that runs before its anchor needs a future anchor (starts = "anticipated_completion")'
        )
    measure_text = t.text("measure", required=False) or "deadline"
    try:
        measure = Measure(measure_text)
    except ValueError:
        t.error("measure", f"expected deadline or threshold, got {measure_text!r}")
    standard = Standard(
        id=sid,
        description=description,
        clock=clock,
        kinds=frozenset(kinds),
        channels=frozenset(channels),
        starts=starts,
        measure=measure,
        condition=t.text("condition", required=False),
        quote=t.text("quote", required=False),
        purpose=_purpose(t),
    )
    t.finish()
    return standard


def _purpose(t: _Table) -> str | None:
    purpose = t.text("purpose", required=False)
    if purpose is not None and purpose not in PURPOSES:
        t.error("purpose", f"unknown purpose {purpose!r} (expected one of: {', '.join(PURPOSES)})")
    return purpose


def _escalation(t: _Table, standards: Mapping[str, Standard]) -> EscalationLadder:
    rule = t.req_text("rule")
    first = t.req_text("first_request")
    if first not in standards:
        t.error("first_request", f"no standard {first!r} in this profile (expected the follow-up standard's ID)")
    steps = []
    for i, s in enumerate(t.tables("steps")):
        number = s.number("request", integer=True)
        if number != i + 1:
            s.error("request", f"steps must be numbered 1, 2, 3… in order; expected {i + 1}, got {number}")
        copy = s.texts("copy", allowed=ROLES)
        steps.append(EscalationStep(int(number or 0), _inline_clock(s, "next_request"), copy))
        s.finish()
    if not steps:
        t.error("steps", "an escalation ladder needs at least one [[escalation.steps]]")
    t.finish()
    return EscalationLadder(rule, first, tuple(steps))


def _defaults(t: _Table | None, standards: Mapping[str, Standard]) -> Defaults:
    if t is None:
        return Defaults()
    values: dict[str, tuple[ClockRule, str | None]] = {}
    for key, fallback in (("follow_up", DEFAULT_FOLLOW_UP), ("timeline_notice", DEFAULT_TIMELINE_NOTICE)):
        raw = t.data.get(key)
        if raw is None:
            t.seen.add(key)
            values[key] = (fallback, None)
        elif isinstance(raw, str):
            t.seen.add(key)
            if raw not in standards:
                t.error(key, f"no standard {raw!r} in this profile (give a standard ID or an inline clock table)")
            values[key] = (standards[raw].clock, raw)
        else:
            values[key] = (_inline_clock(t, key), None)
    t.finish()
    return Defaults(
        values["follow_up"][0], values["timeline_notice"][0], values["follow_up"][1], values["timeline_notice"][1]
    )


def parse_profile(text: str, file: str = "<profile>") -> Profile:
    """Validate a profile's TOML text; raise :class:`ProfileError` on the first problem."""
    src = _Source(file, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        raise ProfileError(file, "", f"not valid TOML: {exc}", int(m.group(1)) if m else None) from None
    root = _Table(src, data, ())
    head = root.req_table("profile")
    name = head.req_text("name")
    if not _NAME.fullmatch(name):
        head.error("name", f"expected a lower-case name like miami-beach, got {name!r}")
    title = head.req_text("title")
    source = head.req_text("source")
    languages = head.texts("languages")
    for lang in languages:
        if not _LANGUAGE.fullmatch(lang):
            head.error("languages", f"expected language codes such as en, fr, es, got {lang!r}")
    head.text("notes", required=False)
    head.finish()
    cal_t = root.req_table("calendar")
    calendar, warnings = _calendar(cal_t, name)
    standards: dict[str, Standard] = {}
    for s in root.tables("standards"):
        standard = _standard(s)
        if standard.id in standards:
            s.error("id", f"duplicate standard ID {standard.id!r}; each standard appears once")
        standards[standard.id] = standard
    if not standards:
        root.error("standards", "a profile needs at least one [[standards]] entry")
    esc_t = root.table("escalation", required=False)
    escalation = _escalation(esc_t, standards) if esc_t else None
    defaults = _defaults(root.table("defaults", required=False), standards)
    root.finish()
    return Profile(
        name=name,
        title=title,
        source=source,
        languages=languages,
        calendar=calendar,
        standards=standards,
        escalation=escalation,
        defaults=defaults,
        path=Path(file) if file != "<profile>" else None,
        warnings=tuple(warnings),
    )


def shipped_profiles() -> tuple[str, ...]:
    """Names of the profiles civicdesk ships (``pickering``, ``lawrence``, …)."""
    folder = resources.files("civicdesk.engines.standards") / "profiles"
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def _load_shipped(name: str) -> Profile:
    resource = resources.files("civicdesk.engines.standards") / "profiles" / f"{name}.toml"
    profile = parse_profile(resource.read_text(encoding="utf-8"), f"{name}.toml")  # short name in messages
    return dataclasses.replace(profile, path=Path(str(resource)))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (cached) or a profile file by path (read each time)."""
    text = str(name_or_path)
    if isinstance(name_or_path, str) and text in shipped_profiles():
        return _load_shipped(text)
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProfileError(str(path), "", "no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(str(path), "", f"cannot read: {exc}") from None
        return parse_profile(content, str(path))
    raise UnknownProfileError(text, shipped_profiles())
