"""PK-ESC's second round on the desk: after the department's update the ladder climbs again from its first step.

The live server is a thread of this process, so moving the test's clock moves the desk's too.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicdesk.domain.cases.references import display
from civicdesk.domain.cases.sweep import run_sweep
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = [pytest.mark.browser]


def _row(page, number: int):
    return page.locator("table.follow-ups tbody tr").nth(number - 1)


def test_pk_esc_second_round_of_the_ladder_on_the_desk(city, open_browser, now):
    now.set(local(2026, 11, 2, 10, 0))  # routed Monday 2 November: follow-up date Monday 16 November
    case = new_complaint(city)
    now.set(local(2026, 11, 18, 16, 31))
    run_sweep()  # round 1: requests 1, 2 and 3, the supervisor copied on the 3rd

    now.set(local(2026, 11, 19, 9, 0))
    staff = open_browser()
    staff.sign_in_as("staff.forestry")
    staff.goto(f"/desk/cases/{case.reference}/")
    staff.settled()
    staff.page.get_by_text("Record an update").click()
    staff.page.get_by_label("What is recorded").select_option("inspected")
    staff.page.get_by_label("Describe the update").fill("Inspected; the limb is sound, pruning in spring.")
    staff.page.get_by_role("button", name="Record update").click()
    expect(staff.page.locator(".messages")).to_contain_text("Update recorded.")

    now.set(local(2026, 12, 3, 9, 0))  # two weeks on: the next follow-up date, request 4 is due
    csr = open_browser()
    csr.sign_in_as("csr.alex")
    csr.goto(f"/desk/cases/{case.reference}/")
    csr.settled()
    page = csr.page
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {display(case.reference)}")
    page.get_by_text("Send a follow-up request to the department").click()
    page.get_by_label("Message to the department").fill("Pat asks when the pruning is booked.")
    page.get_by_role("button", name="Send follow-up request").click()
    expect(page.locator(".messages")).to_contain_text("Follow-up request sent.")
    expect(_row(page, 4)).to_contain_text("round 2, step 1")
    expect(_row(page, 4)).to_contain_text("Pat asks when the pruning is booked.")
    expect(_row(page, 4)).to_contain_text("Alex Martin")

    now.set(local(2026, 12, 7, 16, 31))
    run_sweep()  # requests 5 (Friday 4 December) and 6 (Monday 7 December): the supervisor is copied again
    csr.goto(f"/desk/cases/{case.reference}/")
    csr.settled()
    expect(page.locator("table.follow-ups tbody tr")).to_have_count(6)
    expect(_row(page, 3)).to_contain_text("round 1, step 3")
    expect(_row(page, 6)).to_contain_text("round 2, step 3")
    expect(_row(page, 6)).to_contain_text("Pat Campbell")
    expect(_row(page, 5)).not_to_contain_text("Pat Campbell")
    expect(page.locator("dl.details").first).to_contain_text("step 3 of round 2")
    csr.axe("desk case with a second round of follow-up requests")
