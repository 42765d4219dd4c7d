"""Statutory holidays from the ``holidays`` package, filtered by the city's decision.

The package is asked for every category it has for the region; the city's
profile then keeps or drops each day by name. Observed days ("Boxing Day
(observed)") follow the day they stand in for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import holidays

from civicdesk.engines.calendars.errors import CalendarSpecError
from civicdesk.engines.calendars.spec import HolidaySource

_SUFFIX = re.compile(r"\s*\((?:observed|estimated)[^)]*\)\s*$", re.IGNORECASE)


def base_name(name: str) -> str:
    """``"Boxing Day (observed)"`` → ``"Boxing Day"``: the name a city keeps or drops."""
    while True:
        stripped = _SUFFIX.sub("", name)
        if stripped == name:
            return name
        name = stripped


def _entity(source: HolidaySource, years: Iterable[int]) -> holidays.HolidayBase:
    try:
        cls = holidays.country_holidays(source.country, subdiv=source.subdivision).__class__
    except NotImplementedError as exc:
        key = "holidays.subdivision" if source.country in holidays.list_supported_countries() else "holidays.country"
        known = holidays.list_supported_countries().get(source.country)
        hint = f" (known subdivisions: {', '.join(known)})" if known and key.endswith("subdivision") else ""
        raise CalendarSpecError(key, f"{exc}{hint}") from exc
    categories = source.categories if source.categories is not None else cls.supported_categories
    unknown = set(categories) - set(cls.supported_categories)
    if unknown:
        raise CalendarSpecError(
            "holidays.categories",
            f"unknown categories {sorted(unknown)} for {source.country} (expected some of {list(cls.supported_categories)})",
        )
    language = source.language or cls.default_language
    if language is not None and cls.supported_languages and language not in cls.supported_languages:
        raise CalendarSpecError(
            "holidays.language",
            f"{language!r} not available for {source.country} (expected one of {list(cls.supported_languages)})",
        )
    return holidays.country_holidays(
        source.country,
        subdiv=source.subdivision,
        years=list(years),
        categories=tuple(categories),
        observed=source.observed,
        language=language,
    )


def validate_source(source: HolidaySource) -> None:
    """Fail early on an unknown country, subdivision, category or language."""
    _entity(source, ())


def package_names(source: HolidaySource, years: Iterable[int]) -> set[str]:
    """Every base name the package lists for the region in ``years`` (all categories)."""
    entity = _entity(source, years)
    return {base_name(n) for d in entity for n in entity.get_list(d)}


def observed_holidays(source: HolidaySource, years: Iterable[int]) -> dict[date, str]:
    """The days the city observes, each with its (package) name; several names joined by "; "."""
    entity = _entity(source, years)
    result: dict[date, str] = {}
    for d in sorted(entity):
        kept = [
            n
            for n in entity.get_list(d)
            if (source.keep is None or base_name(n) in source.keep) and base_name(n) not in source.drop
        ]
        if kept:
            result[d] = "; ".join(kept)
    return result
