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
from civicdesk.engines.standards.conditions import CONDITIONS
from civicdesk.engines.standards.errors import ProfileError, UnknownProfileError
from civicdesk.engines.standards.model import (
    ANCHORS,
    ANSWERS,
    CALENDAR_UNITS,
    CASE_KINDS,
    CHANNELS,
    DEFAULT_FOLLOW_UP,
    DEFAULT_PAUSES,
    DEFAULT_REQUEST_MESSAGE,
    DEFAULT_TIMELINE_NOTICE,
    NEW_ROUND,
    PAUSE_REASONS,
    PURPOSES,
    ROLES,
    ClockKind,
    ClockRule,
    Defaults,
    Emergency,
    EscalationLadder,
    EscalationStep,
    Measure,
    PausePolicy,
    Profile,
    Standard,
)
from civicdesk.engines.standards.reading import Source, Table

# Holiday names are checked over these years: wide enough to catch names the package uses only some years.
NAME_CHECK_YEARS = range(2020, 2041)
_ID = re.compile(r"[A-Z]{2,}(?:-[A-Z0-9]+)+")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")

# --- the profile -------------------------------------------------------------------------


def _spec_error(src: Source, exc: CalendarSpecError) -> NoReturn:
    parts: list[str | int] = ["calendar", *exc.key.split(".")]
    src.error(tuple(parts), exc.message)


def _clock(t: Table, *, what: str = "standard") -> ClockRule:
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


def _inline_clock(t: Table, key: str) -> ClockRule:
    sub = t.req_table(key)
    rule = _clock(sub, what=key)
    sub.finish()
    return rule


def _hours(t: Table) -> WeeklyHours:
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


def _holidays(t: Table) -> tuple[HolidaySource, tuple[MunicipalHoliday, ...], tuple[HolidayRemoval, ...], list[str]]:
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


def _day_rule(t: Table) -> FixedDate | AnnualDate | Any:
    if t.has("date") == t.has("rule"):
        t.error(None, 'give exactly one of date = 2026-12-24 or rule = "first monday of august"')
    if t.has("date"):
        return FixedDate(t.req_day("date"))
    text = t.req_text("rule")
    try:
        return parse_date_rule(text, key="rule")
    except CalendarSpecError as exc:
        t.error("rule", exc.message)


def _annual(t: Table, key: str) -> AnnualDate:
    text = t.req_text(key)
    try:
        rule = parse_date_rule(text, key=key)
    except CalendarSpecError as exc:
        t.error(key, exc.message)
    if not isinstance(rule, AnnualDate):
        t.error(key, f'expected a date (2026-12-24) or a month and day ("december 24"), got {text!r}')
    return rule


def _closure(t: Table) -> Closure:
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


def _calendar(t: Table, profile_name: str) -> tuple[BusinessCalendar, list[str]]:
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


def _standard(t: Table) -> Standard:
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
        condition=_condition(t),
        quote=t.text("quote", required=False),
        purpose=_purpose(t),
    )
    if standard.purpose == "inspect" and standard.condition not in ("hazard", "immediate_threat"):
        # Only a reported hazard is inspected against the clock (PK-HAZARD); without this every pothole would be.
        t.error("condition", 'an inspect standard needs condition = "hazard" or "immediate_threat"')
    t.finish()
    return standard


def _condition(t: Table) -> str | None:
    condition = t.text("condition", required=False)
    if condition is not None and condition not in CONDITIONS:
        t.error(
            "condition",
            f"unknown condition {condition!r} (expected one of: {', '.join(CONDITIONS)});"
            " describe the circumstance in a comment and name it with one of these words",
        )
    return condition


def _purpose(t: Table) -> str | None:
    purpose = t.text("purpose", required=False)
    if purpose is not None and purpose not in PURPOSES:
        t.error("purpose", f"unknown purpose {purpose!r} (expected one of: {', '.join(PURPOSES)})")
    return purpose


def _escalation(t: Table, standards: Mapping[str, Standard]) -> EscalationLadder:
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
    answered_by = t.texts("answered_by", allowed=tuple(ANSWERS)) if t.has("answered_by") else tuple(ANSWERS)
    if not answered_by:
        t.error("answered_by", "name at least one update that answers a follow-up request, or the ladder never stops")
    new_round = t.text("new_round", required=False) or "restart"
    if new_round not in NEW_ROUND:
        t.error("new_round", f"expected one of {', '.join(NEW_ROUND)}, got {new_round!r}")
    message = t.text("message", required=False) or DEFAULT_REQUEST_MESSAGE  # empty text is refused by the reader
    t.finish()
    return EscalationLadder(rule, first, tuple(steps), frozenset(answered_by), new_round, message.strip())


def _defaults(t: Table | None, standards: Mapping[str, Standard]) -> Defaults:
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


def _emergency(t: Table, languages: tuple[str, ...]) -> Emergency:
    notice_t = t.req_table("notice")
    notice: dict[str, str] = {}
    for language in notice_t.data:
        if language not in languages:
            notice_t.error(language, f"{language!r} is not one of the profile's languages ({', '.join(languages)})")
        notice[language] = notice_t.req_text(language)
    if languages and languages[0] not in notice:
        notice_t.error(None, f'give the notice in the profile\'s first language ({languages[0]} = "...")')
    notice_t.finish()
    t.finish()
    return Emergency(notice)


def _pauses(t: Table | None) -> PausePolicy:
    """Which reasons may pause a case's clocks, and the longest pause before Customer Care is told."""
    if t is None:
        return DEFAULT_PAUSES
    reasons = t.texts("reasons", allowed=tuple(PAUSE_REASONS))
    if not reasons:
        t.error("reasons", f"name at least one reason a case may wait (some of: {', '.join(PAUSE_REASONS)})")
    longest = _inline_clock(t, "longest") if t.has("longest") else DEFAULT_PAUSES.longest
    if longest.before or longest.target <= 0:
        t.error("longest", "the longest pause is a clock forward from the pause, longer than zero")
    t.finish()
    return PausePolicy(reasons, longest)


def parse_profile(text: str, file: str = "<profile>") -> Profile:
    """Validate a profile's TOML text; raise :class:`ProfileError` on the first problem."""
    src = Source(file, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        raise ProfileError(file, "", f"not valid TOML: {exc}", int(m.group(1)) if m else None) from None
    root = Table(src, data, ())
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
    emergency_t = root.table("emergency", required=False)
    emergency = _emergency(emergency_t, languages) if emergency_t else None
    pauses = _pauses(root.table("pauses", required=False))
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
        emergency=emergency,
        pauses=pauses,
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
