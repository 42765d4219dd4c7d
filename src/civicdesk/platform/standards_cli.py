"""``civicdesk due`` and ``civicdesk profile check|show``: the standards engine from the command line.

``register(subparsers)`` adds the commands to the real ``civicdesk`` parser;
each sets ``handler`` to a function of the parsed arguments returning the exit
code. A user's mistake (unknown profile or standard, a timestamp without an
offset, an invalid profile) prints one line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from civicdesk.domain.cases import time_windows
from civicdesk.engines.calendars import CalendarError, Pause
from civicdesk.engines.calendars.spec import WEEKDAYS
from civicdesk.engines.standards.due import due
from civicdesk.engines.standards.errors import ProfileError, StandardsError
from civicdesk.engines.standards.loader import load_profile, parse_profile
from civicdesk.engines.standards.model import Measure, Profile
from civicdesk.platform import timesource

USER_ERROR = 2


class UserError(Exception):
    """A mistake in what the user typed; printed as one line, exit code 2."""


def _instant(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what} {text!r} is not an ISO 8601 timestamp (e.g. 2026-08-03T10:00:00-04:00)") from None
    if value.tzinfo is None:
        raise UserError(f"{what} {text!r} has no UTC offset; add one, e.g. {value.isoformat()}-04:00 or Z")
    if not time_windows.PLANNING.contains(value):
        earliest, latest = time_windows.PLANNING.bounds()
        raise UserError(f"{what} {text!r} must be between {earliest.date()} and {latest.date()}")
    return value


def _pause(text: str) -> Pause:
    parts = text.split("/")
    if len(parts) != 2:
        raise UserError(f"--pause {text!r}: expected FROM/TO, two ISO 8601 timestamps separated by '/'")
    start, end = _instant(parts[0], "pause start"), _instant(parts[1], "pause end")
    if end < start:
        raise UserError(f"--pause {text!r}: ends before it starts")
    return (start, end)


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn user errors into one line on stderr and exit code 2 (never a traceback)."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (UserError, StandardsError, CalendarError) as exc:
            print(f"civicdesk: error: {exc}", file=sys.stderr)
            return USER_ERROR

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _due(args: argparse.Namespace) -> int:
    """Print when a standard falls due, and why (``civicdesk due``)."""
    profile = load_profile(args.profile)
    start = _instant(args.start, "START")
    pauses = tuple(_pause(p) for p in args.pause or ())
    result = due(profile, args.standard_id, start, pauses)
    if args.json:
        payload: dict[str, Any] = {"profile": profile.name, **result.as_dict()}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(result.due_at.isoformat())
        standard = profile.standard(args.standard_id)
        print(f"  {standard.description}")
        for line in result.explain():
            print(f"  {line}")
    return 0


def _check(args: argparse.Namespace) -> int:
    """Validate a profile file (``civicdesk profile check``)."""
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(str(path), "", f"cannot read: {exc}") from None
    profile = parse_profile(text, str(path))
    for warning in profile.warnings:
        print(f"{path}: warning: {warning}", file=sys.stderr)
    print(
        f"{path}: ok: profile {profile.name!r}, {len(profile.standards)} standards, calendar {profile.calendar.version}"
    )
    return 0


def show_profile(profile: Profile, year: int) -> list[str]:
    """A profile as text, with the year's holidays and closures."""
    cal = profile.calendar
    lines = [
        f"{profile.title} ({profile.name})",
        f"source: {profile.source}",
        f"languages: {', '.join(profile.languages)}",
    ]
    lines.append(f"calendar {cal.version}, time zone {cal.spec.time_zone}, ring cadence {cal.spec.ring_seconds:g} s")
    lines.append("opening hours:")
    for name, shifts in zip(WEEKDAYS, cal.spec.hours.days, strict=True):
        lines.append(f"  {name:<10} {', '.join(str(s) for s in shifts) or 'closed'}")
    lines.append(f"holidays and closures in {year}:")
    for status in cal.holidays(year):
        if status.is_business_day:
            hours = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in status.openings)
            lines.append(
                f"  {status.day.isoformat()} {status.day:%a}  open {hours} ({', '.join(status.part_closures)})"
            )
        else:
            lines.append(f"  {status.day.isoformat()} {status.day:%a}  {status.reason}")
    lines.append("standards:")
    for s in profile.standards.values():
        scope = []
        if s.kinds:
            scope.append("/".join(sorted(s.kinds)))
        if s.channels:
            scope.append("via " + "/".join(sorted(s.channels)))
        what = "threshold" if s.measure is Measure.THRESHOLD else f"from {s.starts.replace('_', ' ')}"
        lines.append(f"  {s.id:<16} {s.clock.describe()}, {what}{' — ' + ', '.join(scope) if scope else ''}")
        lines.append(f"  {'':<16} {s.description}")
    if profile.escalation:
        ladder = profile.escalation
        lines.append(f"escalation ({ladder.rule}), request 1 on the {ladder.first_request} date:")
        for step in ladder.steps:
            copy = f"copy {', '.join(step.copy)}; " if step.copy else ""
            lines.append(f"  request {step.request}: {copy}next request in {step.next_request.describe()}")
        lines.append(f"  later requests: every {ladder.steps[-1].next_request.describe()}")
    d = profile.defaults
    lines.append(f"default follow-up: {d.follow_up.describe()}{f' ({d.follow_up_rule})' if d.follow_up_rule else ''}")
    lines.append(
        f"default timeline-change notice: {d.timeline_notice.describe()}"
        f"{f' ({d.timeline_notice_rule})' if d.timeline_notice_rule else ''}"
    )
    lines.extend(f"warning: {w}" for w in profile.warnings)
    return lines


def _show(args: argparse.Namespace) -> int:
    """Print a profile with next year's holidays (``civicdesk profile show``)."""
    profile = load_profile(args.name)
    year = args.year or timesource.now().astimezone(profile.calendar.tz).year + 1
    print("\n".join(show_profile(profile, year)))
    return 0


def register(subparsers: Any) -> None:
    """Add ``due`` and ``profile check|show`` to a ``civicdesk`` argparse sub-parsers object."""
    p = subparsers.add_parser(
        "due",
        help="when a standard falls due, and why",
        description="Print the due instant (ISO 8601 with offset) of a standard for a clock started at START, "
        "with the days skipped and why.",
    )
    p.add_argument("profile", metavar="PROFILE", help="a shipped profile name (pickering, lawrence, …) or a .toml path")
    p.add_argument("standard_id", metavar="STANDARD_ID", help="the rule ID, e.g. PK-ACK-1BD, MB-LETTER")
    p.add_argument(
        "start", metavar="START", help="when the clock starts, ISO 8601 with an offset, e.g. 2026-08-03T10:00-04:00"
    )
    p.add_argument("--pause", action="append", metavar="FROM/TO", help="a pause (waiting on the resident); repeatable")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_guarded(_due))

    prof = subparsers.add_parser("profile", help="check or show a standards profile")
    commands = prof.add_subparsers(dest="profile_command", metavar="{check,show}", required=True)
    c = commands.add_parser("check", help="validate a profile file", description="Validate a standards profile file.")
    c.add_argument("file", metavar="FILE")
    c.set_defaults(handler=_guarded(_check))
    s = commands.add_parser("show", help="print a profile with next year's holidays")
    s.add_argument("name", metavar="NAME", help="a shipped profile name or a .toml path")
    s.add_argument("--year", type=int, help="the year whose holidays to list (default: next year)")
    s.set_defaults(handler=_guarded(_show))


def main(argv: Sequence[str] | None = None) -> int:
    """Run just these commands (for tests and standalone use)."""
    parser = argparse.ArgumentParser(prog="civicdesk")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage line
        return int(exc.code or 0)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
