"""axe-core on every page of the desk and the portal, in English, French and Spanish: 0 violations."""

from __future__ import annotations

import pytest

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.references import display
from tests.browser.conftest import LANGUAGES
from tests.fixtures.city import new_complaint
from tests.fixtures.ladder import escalated_complaint

pytestmark = [pytest.mark.browser]


def _cases(city, now):
    """A complaint with an open item, one escalated to the supervisor, one with a timeline due this week."""
    forestry = city.staff("staff.forestry")
    plain = new_complaint(city)
    actions.add_item(case=plain, actor=forestry, description="Prune the maple")
    escalated = escalated_complaint(city, now, step=3, service="TREE-DOWN")
    planned = new_complaint(city, service="TREE-PLANT", address="7 Birch Cres")
    from datetime import timedelta

    from civicdesk.platform import timesource

    actions.record_update(
        case=planned,
        actor=forestry,
        update="action_planned",
        note="Planting booked",
        timeline=timesource.now() + timedelta(days=4),
    )
    new_complaint(city, service="POTHOLE", address="40 Oak Ave")
    return plain, escalated, planned


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_has_no_axe_violations(city, open_browser, language, now):
    plain, _escalated, _planned = _cases(city, now)
    b = open_browser(language)
    page = b.page
    for path in ("/", "/report/", "/status/", "/desk/sign-in/"):
        b.goto(path)
        b.axe(f"{path} [{language}]")
    b.goto("/report/")
    page.locator("form.stack button[type=submit]").click()  # empty: every error in the summary
    page.locator(".error-summary").wait_for()
    b.axe(f"report with errors [{language}]")
    page.locator("#id_kind_2").check()  # a compliment
    page.locator("#id_description").fill("Merci / gracias / thank you")
    page.locator("form.stack button[type=submit]").click()
    page.locator("#reference").wait_for()
    b.axe(f"report sent [{language}]")
    b.goto("/status/")
    page.locator("#id_reference").fill(display(plain.reference))
    page.locator("#id_contact").fill("pat@example.org")
    page.locator("main form button[type=submit]").click()
    page.locator(".journal").wait_for()
    b.axe(f"status result [{language}]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_staff_page_has_no_axe_violations(city, open_browser, language, now):
    plain, escalated, planned = _cases(city, now)
    csr = open_browser(language)
    csr.sign_in_as("csr.alex")
    for path in (
        "/desk/queue/care/",
        "/desk/queue/care/?state=breached&sort=-received",
        "/desk/queue/mine/",
        "/desk/queue/department/",
        "/desk/new/",
        "/desk/new/?find=Pat",
        f"/desk/cases/{plain.reference}/",
        f"/desk/cases/{escalated.reference}/",
        "/desk/escalations/",
        "/desk/outstanding/",
    ):
        csr.goto(path)
        csr.axe(f"{path} [{language}]")
    csr.goto("/desk/new/")
    csr.page.locator("#intake-form button[name=create]").click()  # empty: the error summary
    csr.page.locator(".error-summary").wait_for()
    csr.axe(f"new case with errors [{language}]")

    staff = open_browser(language)
    staff.sign_in_as("staff.forestry")
    staff.goto(f"/desk/cases/{plain.reference}/")
    staff.page.locator("#action-close summary").click()
    staff.page.locator("#id_close-note").fill("Done")
    staff.page.locator("#action-close button[type=submit]").click()
    staff.page.locator(".error-summary").wait_for()
    staff.axe(f"refused close [{language}]")
    staff.goto(f"/desk/cases/{planned.reference}/")
    for details in staff.page.locator("details").all():
        details.evaluate("d => d.open = true")
    staff.axe(f"case with every action open [{language}]")

    supervisor = open_browser(language)
    supervisor.sign_in_as("sup.forestry")
    for path in ("/desk/escalations/", "/desk/queue/department/", "/desk/outstanding/"):
        supervisor.goto(path)
        supervisor.axe(f"{path} as supervisor [{language}]")
