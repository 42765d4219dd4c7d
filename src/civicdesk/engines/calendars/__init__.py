"""Business calendars: which instants are business time for a jurisdiction, and clock arithmetic.

Pure Python (no Django). See DESIGN.md, "Business-time semantics".
"""

from civicdesk.engines.calendars.calendar import BusinessCalendar, DayKind, DayStatus, Pause, Period, Roll
from civicdesk.engines.calendars.errors import CalendarError, CalendarSpecError, NaiveDatetimeError
from civicdesk.engines.calendars.spec import (
    AnnualDate,
    AnnualRange,
    CalendarSpec,
    Closure,
    DateRange,
    DayAfter,
    EveryNWeeks,
    FixedDate,
    HolidayRemoval,
    HolidaySource,
    MunicipalHoliday,
    NthWeekday,
    Shift,
    WeeklyHours,
    parse_date_rule,
)

__all__ = [
    "AnnualDate",
    "AnnualRange",
    "BusinessCalendar",
    "CalendarError",
    "CalendarSpec",
    "CalendarSpecError",
    "Closure",
    "DateRange",
    "DayAfter",
    "DayKind",
    "DayStatus",
    "EveryNWeeks",
    "FixedDate",
    "HolidayRemoval",
    "HolidaySource",
    "MunicipalHoliday",
    "NaiveDatetimeError",
    "NthWeekday",
    "Pause",
    "Period",
    "Roll",
    "Shift",
    "WeeklyHours",
    "parse_date_rule",
]
