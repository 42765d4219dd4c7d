"""Escalations for supervisors and directors (PK-ESC) and the outstanding report with its CSV (PK-REPORT, PK-MISS)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicdesk.channels.desk import selectors
from civicdesk.channels.desk.views.common import DeskRequest, desk_view, nav_context
from civicdesk.domain.cases import standing
from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.standing import STATE_LABELS
from civicdesk.domain.inbox import checks
from civicdesk.platform import timesource

PAGE_SIZE = 100
ROLE_LABELS = {
    "supervisor": lambda: _("supervisor"),
    "division_head": lambda: _("division head"),
    "director": lambda: _("director"),
    "department_head": lambda: _("department head"),
    "cao": lambda: _("CAO"),
    "customer_care": lambda: _("Customer Care"),
}


@desk_view
def escalations(request: DeskRequest) -> HttpResponse:
    jurisdiction = request.jurisdiction
    now = timesource.now()
    h = selectors.horizons(jurisdiction, now)
    rows: list[dict[str, Any]] = []
    page = None
    if jurisdiction is not None:
        profile = selectors.profile_for(jurisdiction)
        page = Paginator(selectors.escalations(request.user, profile, h), PAGE_SIZE).get_page(request.GET.get("page"))
        for case in page:
            since = getattr(case, "first_request_at", None)
            roles = getattr(case, "copied_roles", None) or []
            rows.append(
                {
                    "case": case,
                    "overdue_days": standing.business_days_between(profile, since=since, until=now) if since else 0,
                    "copied": ", ".join(ROLE_LABELS[r]() if r in ROLE_LABELS else r for r in roles),
                }
            )
    return render(
        request,
        "desk/escalations.html",
        {**nav_context(request, "escalations"), "rows": rows, "page": page, "now": now},
    )


@desk_view
def outstanding(request: DeskRequest) -> HttpResponseBase:
    now = timesource.now()
    h = selectors.horizons(request.jurisdiction, now)
    cases = selectors.outstanding(request.user, h)
    if request.GET.get("format") == "csv":
        zone = selectors.profile_for(request.jurisdiction).calendar.tz if request.jurisdiction else UTC
        return _csv(cases, zone)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    groups: list[dict[str, Any]] = []
    for case in page:
        name = case.department.name if case.department else _("Not routed")
        if not groups or groups[-1]["name"] != name:
            groups.append({"name": name, "cases": []})
        groups[-1]["cases"].append(case)
    return render(
        request,
        "desk/outstanding.html",
        {
            **nav_context(request, "outstanding"),
            "summary": selectors.department_summary(cases, h),
            "states": [(s, STATE_LABELS[s]) for s in standing.CLOCK_STATES],
            "to_call": list(selectors.to_call_this_week(cases, h)[:50]),
            "groups": groups,
            "page": page,
            "now": now,
        },
    )


def _cell(value: object) -> object:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(cases: Any, zone: tzinfo) -> StreamingHttpResponse:
    """Every open case against its timeline; no resident identity in an export (PK-PRIV).

    Times are in the city's zone with their offset ("2026-11-17T10:00:00-05:00"), as the screens show them,
    and still exact for a program that reads them.
    """

    def when(instant: datetime | None) -> str:
        return instant.astimezone(zone).isoformat(timespec="seconds") if instant else ""

    header = [
        "reference",
        "department",
        "service",
        "kind",
        "channel",
        "received_at",
        "clock_state",
        "next_due",
        "timeline",
        "call_resident_by",
        "follow_up_requests",
        "assignee",
    ]

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for case in cases.iterator(chunk_size=2000):
            yield writer.writerow(
                _cell(value)
                for value in [
                    display(case.reference),
                    case.department.name if case.department else "",
                    case.service.name if case.service else "",
                    case.kind,
                    case.channel,
                    when(case.received_at),
                    case.clock_state,
                    when(case.next_due_at),
                    when(case.timeline_due),
                    when(case.call_by),
                    case.follow_up_requests,
                    (case.assignee.get_full_name() or case.assignee.get_username()) if case.assignee else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="outstanding-cases.csv"'
    return response


MAIL_CHECK_DAYS = 30  # how far back the mailbox-check report looks unless asked for more (at most a year)


@desk_view
def mail_checks(request: DeskRequest) -> HttpResponse:
    """PK-EMAIL-CHECK: mail first opened after the check time that followed its arrival (or not opened yet), how late."""
    jurisdiction = request.jurisdiction
    now = timesource.now()
    try:
        days = min(max(int(request.GET.get("days", MAIL_CHECK_DAYS)), 1), 366)
    except ValueError:
        days = MAIL_CHECK_DAYS
    rows: list[dict[str, Any]] = []
    standard = None
    today: list[Any] = []
    if jurisdiction is not None:
        profile = selectors.profile_for(jurisdiction)
        calendar = profile.calendar
        standard = checks.check_standard(profile)
        if standard is not None:
            today = checks.check_times(calendar, standard, now)
            for message in selectors.mail_received(request.user, now - timedelta(days=days)):
                due = checks.due_check(calendar, standard, message.received_at)
                opened = message.opened_at
                until = opened if opened is not None else now
                if until <= due:
                    continue
                late = calendar.business_time_between(due, until)
                rows.append(
                    {
                        "message": message,
                        "due": due,
                        "late_minutes": int(late.total_seconds() // 60),
                        "opened": opened,
                    }
                )
    rows.reverse()  # newest first
    return render(
        request,
        "desk/mail_checks.html",
        {
            **nav_context(request, "mail_checks"),
            "rows": rows,
            "standard": standard,
            "today": today,
            "days": days,
            "after_lunch": checks.AFTER_LUNCH,
            "before_close_minutes": int(checks.BEFORE_CLOSE.total_seconds() // 60),
        },
    )
