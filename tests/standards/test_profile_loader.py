"""Loading and validating profiles: the shipped five, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicdesk.engines.standards import (
    ClockKind,
    ProfileError,
    UnknownProfileError,
    UnknownStandardError,
    load_profile,
    parse_profile,
    shipped_profiles,
)
from civicdesk.engines.standards.loader import NAME_CHECK_YEARS

PROFILES = Path(__file__).resolve().parents[2] / "src" / "civicdesk" / "engines" / "standards" / "profiles"

# Every numeric rule of the five documents (REQUIREMENTS.md): ID → (clock, target, unit).
NUMERIC_RULES = {
    "pickering": {
        "PK-ACK-1BD": ("business_days", 1, None),
        "PK-HAZARD": ("business_days", 1, None),
        "PK-FOLLOW": ("calendar", 2, "weeks"),
        "PK-MISS": ("calendar", 1, "weeks"),
        "PK-RING": ("rings", 3, None),
        "PK-CALLBACK": ("business_days", 1, None),
        "PK-EMAIL-ACK": ("business_days", 2, None),
        "PK-EMAIL-ANSWER": ("business_days", 15, None),
        "PK-EMAIL-CHECK": ("calendar", 30, "minutes"),
        "PK-OOO": ("business_days", 1, None),
        "PK-MAIL-ANSWER": ("business_days", 15, None),
        "PK-MAIL-INTERIM": ("business_days", 5, None),
    },
    "lawrence": {
        "LW-RING": ("rings", 3, None),
        "LW-VM": ("calendar", 24, "hours"),
        "LW-HOLD": ("seconds", 60, None),
        "LW-FOLLOW": ("calendar", 2, "weeks"),  # "in a timely manner": the product's two-week default
    },
    "pittsburg": {
        "PB-VM": ("business_days", 1, None),
        "PB-WALKIN": ("seconds", 0, None),
        "PB-AUTOREPLY": ("calendar", 2, "weeks"),  # follow-up with an estimate: the product's two-week default
    },
    "miami-beach": {
        "MB-RING": ("rings", 3, None),
        "MB-EMAIL-ACK": ("business_days", 2, None),
        "MB-LETTER": ("business_days", 10, None),
        "MB-WAIT": ("calendar", 30, "minutes"),
    },
    "santa-ana": {"SA-RING": ("rings", 5, None), "SA-AFTER": ("business_hours", 4, None)},
}

MINIMAL = """\
[profile]
name = "testville"
title = "Town of Testville"
source = "Service charter"
languages = ["en"]

[calendar]
version = "1"
time_zone = "America/Toronto"

[calendar.hours]
monday = ["08:30-16:30"]
tuesday = ["08:30-16:30"]

[calendar.holidays]
country = "CA"
subdivision = "ON"
keep = ["Canada Day"]
drop = ["Easter Monday"]

[[standards]]
id = "TV-ACK"
description = "Acknowledged"
clock = "business_days"
target = 1

[[standards]]
id = "TV-ANSWER"
description = "Answered"
clock = "business_days"
target = 10
"""


def test_five_profiles_are_shipped() -> None:
    assert set(shipped_profiles()) == {"pickering", "lawrence", "pittsburg", "miami-beach", "santa-ana"}


@pytest.mark.parametrize("name", sorted(NUMERIC_RULES))
def test_shipped_profile_carries_every_numeric_rule(name: str) -> None:
    profile = load_profile(name)
    got = {sid: (s.clock.kind.value, s.clock.target, s.clock.unit) for sid, s in profile.standards.items()}
    assert got == NUMERIC_RULES[name]


@pytest.mark.parametrize("name", sorted(NUMERIC_RULES))
def test_shipped_profile_decides_every_holiday_the_package_lists(name: str) -> None:
    """Every day the holidays package lists for the region is kept or dropped by name: no warnings."""
    assert load_profile(name).warnings == ()


def test_pk_esc_ladder_is_in_the_pickering_profile() -> None:
    ladder = load_profile("pickering").escalation
    assert ladder is not None
    assert ladder.rule == "PK-ESC"
    assert ladder.first_request == "PK-FOLLOW"
    assert ladder.step(3).copy == ("supervisor", "division_head")
    assert (ladder.step(3).next_request.kind, ladder.step(3).next_request.target) == (ClockKind.BUSINESS_DAYS, 3)
    assert ladder.step(4).copy == ("director",)
    assert ladder.copied_on(9) == ("supervisor", "division_head", "director")


def test_pickering_defaults_point_at_pk_follow_and_pk_miss() -> None:
    d = load_profile("pickering").defaults
    assert (d.follow_up_rule, d.timeline_notice_rule) == ("PK-FOLLOW", "PK-MISS")
    assert d.timeline_notice.before
    assert d.timeline_notice.roll == "backward"


def test_profiles_without_defaults_get_design_defaults() -> None:
    d = load_profile("santa-ana").defaults  # silent on follow-ups: no [defaults] table
    assert (d.follow_up.target, d.follow_up.unit, d.follow_up.roll) == (14, "days", "forward")
    assert (d.timeline_notice.target, d.timeline_notice.before, d.timeline_notice.roll) == (7, True, "backward")


def test_load_profile_by_path_and_minimal_profile(tmp_path: Path) -> None:
    file = tmp_path / "testville.toml"
    file.write_text(MINIMAL)
    profile = load_profile(file)
    assert profile.name == "testville"
    assert list(profile.standards) == ["TV-ACK", "TV-ANSWER"]
    assert any("Good Friday" in w for w in profile.warnings)  # neither kept nor dropped: not observed, reported


def test_standards_for_a_case() -> None:
    profile = load_profile("pickering")
    ids = [s.id for s in profile.standards_for("complaint", "email")]
    assert ids == [
        "PK-ACK-1BD",
        "PK-HAZARD",
        "PK-FOLLOW",
        "PK-MISS",
        "PK-EMAIL-ACK",
        "PK-EMAIL-ANSWER",
        "PK-EMAIL-CHECK",
    ]


# --- bad input: one typed error naming file, key, line and what was expected ----------------------


def broken(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "message", "needle"),
    [
        ('languages = ["en"]', 'languages = ["en"]\ncolour = "blue"', "profile.colour", "unknown key", "colour"),
        (
            "target = 10",
            "target = -1",
            "standards[2] (TV-ANSWER).target",
            "expected a whole number >= 0, got -1",
            "target = -1",
        ),
        (
            'subdivision = "ON"',
            'subdivision = "XX"',
            "calendar.holidays.subdivision",
            "does not have subdivision XX",
            'subdivision = "XX"',
        ),
        ('country = "CA"', 'country = "ZZ"', "calendar.holidays.country", "ZZ not available", 'country = "ZZ"'),
        (
            'monday = ["08:30-16:30"]',
            'monday = ["08:30-12:00", "11:00-16:30"]',
            "calendar.hours.monday",
            "overlap",
            "monday",
        ),
        (
            'clock = "business_days"\ntarget = 10',
            'clock = "fortnights"\ntarget = 10',
            "standards[2] (TV-ANSWER).clock",
            "unknown clock kind 'fortnights'",
            "fortnights",
        ),
        ('id = "TV-ANSWER"', 'id = "TV-ACK"', "standards[2] (TV-ACK).id", "duplicate standard ID 'TV-ACK'", None),
        (
            'keep = ["Canada Day"]',
            'keep = ["Canada Dai"]',
            "calendar.holidays.keep",
            "has no 'Canada Dai' for CA-ON",
            "keep",
        ),
        (
            'drop = ["Easter Monday"]',
            'drop = ["Canada Day"]',
            "calendar.holidays.drop",
            "both kept and dropped",
            "drop",
        ),
        (
            'time_zone = "America/Toronto"',
            'time_zone = "Mars/Olympus"',
            "calendar.time_zone",
            "unknown time zone",
            "time_zone",
        ),
        ('monday = ["08:30-16:30"]', 'monday = ["8:30 to 4:30"]', "calendar.hours.monday", "HH:MM", "monday"),
        ('monday = ["08:30-16:30"]', 'funday = ["08:30-16:30"]', "calendar.hours.funday", "unknown weekday", "funday"),
        ('id = "TV-ACK"', 'id = "ack"', "standards[1] (ack).id", "expected a rule ID like PK-ACK-1BD", 'id = "ack"'),
        (
            "target = 1\n",
            'target = 1\nkinds = ["grumble"]\n',
            "standards[1] (TV-ACK).kinds",
            "unknown value 'grumble'",
            "grumble",
        ),
        (
            "target = 1\n",
            'target = 1\nunit = "days"\n',
            "standards[1] (TV-ACK).unit",
            "only calendar clocks take a unit",
            'unit = "days"',
        ),
        ("target = 1\n", "target = 1.5\n", "standards[1] (TV-ACK).target", "whole number", "target = 1.5"),
        ('version = "1"\n', "", "calendar", "missing required key 'version'", None),
    ],
)
def test_invalid_profile_is_a_profile_error(
    tmp_path: Path, old: str, new: str, key: str, message: str, needle: str | None
) -> None:
    text = broken(old, new)
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(ProfileError) as info:
        load_profile(file)
    err = info.value
    assert err.file == str(file)
    assert err.key == key
    assert message in err.message
    if needle is not None:
        assert err.line == line_of(text, needle)
    assert "\n" not in str(err)
    assert str(err).startswith(f"{file}:")


def test_duplicate_id_points_at_the_second_one() -> None:
    text = broken('id = "TV-ANSWER"', 'id = "TV-ACK"')
    with pytest.raises(ProfileError) as info:
        parse_profile(text, "dup.toml")
    assert info.value.line == [i for i, line in enumerate(text.splitlines(), 1) if 'id = "TV-ACK"' in line][1]


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(ProfileError, match=r"^bad\.toml:4: not valid TOML") as info:
        parse_profile(broken('source = "Service charter"', "source = Service charter"), "bad.toml")
    assert info.value.line == 4


def test_calendar_clock_needs_a_unit_and_roll_only_on_calendar() -> None:
    with pytest.raises(ProfileError, match="needs unit"):
        parse_profile(broken('clock = "business_days"\ntarget = 1', 'clock = "calendar"\ntarget = 1'))
    with pytest.raises(ProfileError, match="roll applies to calendar clocks"):
        parse_profile(broken("target = 1\n", 'target = 1\nroll = "forward"\n'))


def test_escalation_steps_must_be_numbered_in_order() -> None:
    text = (
        MINIMAL
        + """
[escalation]
rule = "TV-ESC"
first_request = "TV-ACK"
[[escalation.steps]]
request = 2
next_request = { clock = "business_days", target = 1 }
"""
    )
    with pytest.raises(ProfileError, match=r"escalation\.steps\[1\]\.request: steps must be numbered"):
        parse_profile(text)


def test_unknown_profile_and_standard() -> None:
    with pytest.raises(UnknownProfileError, match="unknown profile 'springfield'"):
        load_profile("springfield")
    with pytest.raises(UnknownStandardError, match="no standard 'PK-NOPE'"):
        load_profile("pickering").standard("PK-NOPE")


def test_missing_file_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no such file"):
        load_profile(tmp_path / "missing.toml")


def test_name_check_years_cover_the_reference_grid() -> None:
    assert NAME_CHECK_YEARS.start <= 2024
    assert NAME_CHECK_YEARS.stop > 2032


def test_pk_esc_pickering_ladder_says_what_answers_and_how_a_new_round_counts() -> None:
    ladder = load_profile("pickering").escalation
    assert ladder is not None
    # ADM 160: "update the system to note that a) the inspection … b) required action … and timeline … c) … advised".
    assert ladder.answered_by == {"inspected", "action_planned", "resident_advised", "work_done", "timeline_changed"}
    assert not ladder.answers("note")
    assert ladder.new_round == "restart"
    assert ladder.message.startswith("All calls must have an update by the agreed upon follow up date")


LADDER = """
[escalation]
rule = "TV-ESC"
first_request = "TV-ACK"
{extra}
[[escalation.steps]]
request = 1
next_request = {{ clock = "business_days", target = 1 }}
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('answered_by = ["fixed"]', r"escalation\.answered_by: unknown value 'fixed' \(expected some of: inspected"),
        ("answered_by = []", r"escalation\.answered_by: name at least one update that answers"),
        ('new_round = "again"', r"escalation\.new_round: expected one of restart, continue, got 'again'"),
        ('message = "  "', r"escalation\.message: expected non-empty text"),
    ],
    ids=["unknown-answer", "no-answer", "unknown-new-round", "empty-message"],
)
def test_pk_esc_ladder_fields_are_checked_on_load_with_file_and_line(extra: str, message: str) -> None:
    text = MINIMAL + LADDER.format(extra=extra)
    with pytest.raises(ProfileError, match=message) as error:
        parse_profile(text, "town.toml")
    assert str(error.value).startswith(f"town.toml:{line_of(text, extra.split(' =')[0] + ' =')}:")


def test_pk_esc_ladder_defaults_when_the_profile_is_silent() -> None:
    ladder = parse_profile(MINIMAL + LADDER.format(extra="")).escalation
    assert ladder is not None
    assert ladder.answers("note")
    assert ladder.new_round == "restart"
    assert ladder.message


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[pauses]\nreasons = ["lunch"]\n', r"pauses\.reasons: unknown value 'lunch' \(expected some of: resident"),
        ("[pauses]\nreasons = []\n", r"pauses\.reasons: name at least one reason"),
        (
            '[pauses]\nreasons = ["resident"]\nlongest = { clock = "business_days", target = 0 }\n',
            r"pauses\.longest: the longest pause is a clock forward from the pause, longer than zero",
        ),
    ],
    ids=["unknown-reason", "no-reason", "zero-longest"],
)
def test_pk_esc_pause_reasons_and_the_longest_pause_are_checked_on_load(table: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(MINIMAL + "\n" + table, "town.toml")


def test_pk_esc_pickering_pauses_allow_every_reason_for_ten_business_days() -> None:
    pauses = load_profile("pickering").pauses
    assert pauses.reasons == ("resident", "access", "other_agency", "contractor", "season")
    assert (pauses.longest.kind, pauses.longest.target) == (ClockKind.BUSINESS_DAYS, 10)
