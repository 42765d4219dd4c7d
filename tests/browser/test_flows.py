"""The flows of issue 7 in a real browser, with axe-core on every page they pass through."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from civicdesk.domain.cases.models import Case, Purpose, Status
from civicdesk.domain.cases.references import display
from civicdesk.domain.outbox.models import OutboxMessage
from tests.fixtures.city import new_complaint
from tests.fixtures.ladder import escalated_complaint

pytestmark = [pytest.mark.browser]


def test_resident_submits_a_complaint_and_looks_it_up(city, open_browser, screenshot_dir):
    b = open_browser()
    page = b.page
    b.goto("/report/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contact City of Pickering")
    page.screenshot(path=str(screenshot_dir / "portal-form.png"), full_page=False)
    b.axe("portal form")

    page.get_by_label("Make a complaint").check()
    page.get_by_label("What is it about?").select_option(label="Trees: Tree pruning")
    page.get_by_label("Tell us what happened").fill("The crew left branches on my lawn at 12 Elm St.")
    page.get_by_label("Where is it?").fill("12 Elm St")
    page.get_by_label("When did it happen?").fill("2026-11-16T14:30")
    page.get_by_label("What outcome are you looking for?").fill("Remove the branches")
    page.get_by_label("Your name").fill("Pat Resident")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    case = Case.objects.get()
    expect(page.locator("#reference")).to_have_text(display(case.reference))
    b.axe("portal confirmation")
    assert OutboxMessage.objects.filter(case=case, kind="receipt").exists()

    page.get_by_role("link", name="Check the status of a request").click()
    page.get_by_label("Reference number").fill(display(case.reference))
    page.get_by_label("The email address or phone number you gave us").fill("pat@example.org")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(display(case.reference))
    expect(page.locator("main")).to_contain_text("Open: the City is working on it")
    expect(page.locator("main")).not_to_contain_text("Pat Resident")
    b.axe("portal status")


def test_resident_sees_one_error_for_a_wrong_email_and_the_summary_takes_focus(city, open_browser):
    case = new_complaint(city)
    b = open_browser()
    b.goto("/status/")
    b.page.get_by_label("Reference number").fill(case.reference)
    b.page.get_by_label("The email address or phone number you gave us").fill("not-pat@example.org")
    b.page.get_by_role("button", name="Check").click()
    summary = b.page.locator(".error-summary")
    expect(summary).to_contain_text("We could not find a request")
    expect(summary).to_be_focused()
    b.axe("portal status, not found")


def test_csr_signs_in_and_creates_a_case_from_a_phone_call(city, open_browser):
    b = open_browser()
    page = b.page
    b.goto("/desk/sign-in/")
    b.axe("desk sign-in")
    page.get_by_label("User name").fill("csr.alex")
    page.get_by_label("Password").fill("civicdesk-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer Care queue")

    page.get_by_role("link", name="New case").click()
    page.wait_for_url("**/desk/new/")
    b.settled()
    # htmx refreshes the guidance as the CSR fills the form in: a suggested service, then the timeline once one
    # is chosen. Every step waits for the page to say the refresh it set off has settled.
    b.choose(page.get_by_label("Kind", exact=True), "complaint")
    b.type_into(
        page.get_by_label("What happened, or what is asked"), "A big pothole in front of 40 Oak Ave damaged my tire"
    )
    guidance = page.locator("#guidance")
    expect(guidance).to_contain_text("Pothole")
    expect(guidance).to_contain_text("PK-ANON")
    b.choose(page.locator("#id_service"), label="Pothole (POTHOLE)")
    expect(guidance).to_contain_text("Acknowledged within 1 business day")
    expect(guidance).to_contain_text("The reported hazard is inspected within 1 business day")
    b.type_into(page.get_by_label("Location or address of the issue"), "40 Oak Ave")
    b.type_into(page.get_by_label("When it happened"), "2026-11-17T08:15")
    b.type_into(page.get_by_label("Who was involved"), "Nobody else")
    b.type_into(page.get_by_label("Outcome sought"), "Repair the road and the tire")
    b.type_into(page.locator("#id_contact_name"), "Sam Caller")
    b.type_into(page.locator("#id_contact_phone"), "905-555-0199")
    expect(guidance).not_to_contain_text("PK-ANON")
    b.axe("desk new case with guidance")
    page.get_by_role("button", name="Create case").click()

    case = Case.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {display(case.reference)}")
    expect(page.locator(".messages")).to_contain_text("created")
    assert (case.channel, case.kind, case.service.code, case.department.code) == (
        "phone",
        "complaint",
        "POTHOLE",
        "roads",
    )
    assert case.commitments.filter(purpose=Purpose.INSPECT).exists()
    b.axe("desk case page")


def test_department_staff_record_an_update(city, open_browser, screenshot_dir):
    case = new_complaint(city)
    for service in ("TREE-DOWN", "TREE-PLANT", "POTHOLE"):
        new_complaint(city, service=service)
    b = open_browser()
    b.sign_in_as("staff.forestry")
    page = b.page
    b.goto("/desk/queue/department/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My department")
    page.screenshot(path=str(screenshot_dir / "desk-queue.png"), full_page=False)
    b.axe("desk department queue")
    page.get_by_role("link", name=display(case.reference)).click()

    page.get_by_text("Record an update").click()
    page.get_by_label("What is recorded").select_option("action_planned")
    page.get_by_label("Describe the update").fill("Crew booked to prune the maple.")
    page.get_by_label("Anticipated completion").fill("2026-11-24")
    page.get_by_label("Show this update to the resident").check()
    page.get_by_role("button", name="Record update").click()
    expect(page.locator(".messages")).to_contain_text("Update recorded.")
    expect(page.locator(".journal")).to_contain_text("Crew booked to prune the maple.")
    assert case.commitments.filter(purpose=Purpose.COMPLETE).exists()
    b.axe("desk case after update")


def test_supervisor_sees_an_escalation(city, open_browser, now):
    case = escalated_complaint(city, now, step=3)  # PK-ESC: the 3rd request copies the supervisor
    b = open_browser()
    b.sign_in_as("sup.forestry")
    b.goto("/desk/escalations/")
    row = b.page.get_by_role("row").filter(has_text=display(case.reference))
    expect(row).to_contain_text("supervisor")
    expect(row).to_contain_text("Forestry")
    b.axe("desk escalations")


def test_closing_with_open_items_is_refused_in_the_ui(city, open_browser):
    case = new_complaint(city)
    b = open_browser()
    b.sign_in_as("staff.forestry")
    page = b.page
    b.goto(f"/desk/cases/{case.reference}/")
    page.get_by_text("Add an item to be done").click()
    page.get_by_label("Item to be done").fill("Prune the maple")
    page.get_by_role("button", name="Add item").click()
    expect(page.locator(".messages")).to_contain_text("Item added.")

    page.get_by_text("Close the case").click()
    page.get_by_label("How it was resolved").fill("Done")
    page.get_by_role("button", name="Close", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("PK-CLOSE")
    expect(summary).to_contain_text("Open item: Prune the maple")
    b.axe("desk refused close")
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_keyboard_only_status_lookup_starting_from_the_skip_link(city, open_browser):
    case = new_complaint(city)
    b = open_browser()
    page = b.page
    b.goto("/status/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Reference number")).to_be_focused()
    page.keyboard.type(case.reference)
    page.keyboard.press("Tab")
    page.keyboard.type("905-555-0101")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(display(case.reference))


@pytest.mark.parametrize("path", ["/report/", "/desk/queue/care/", "/desk/cases/{reference}/"])
def test_reflows_at_400_percent_zoom(city, open_browser, path):
    """1280 px at 400 %: 320 CSS px wide; nothing may need horizontal scrolling (WCAG 1.4.10)."""
    case = new_complaint(city)
    b = open_browser(viewport={"width": 320, "height": 640})
    b.sign_in_as("csr.alex")
    b.goto(path.format(reference=case.reference))
    overflow = b.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"


def test_language_switch_is_remembered(city, open_browser):
    b = open_browser()
    page = b.page
    b.goto("/report/")
    page.locator("#language-select").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    b.goto("/status/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("demande", re.IGNORECASE))
