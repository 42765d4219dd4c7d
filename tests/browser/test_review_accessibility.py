"""axe-core on review before release (LW-CORR): the Awaiting approval page and a thread with Approve and Return."""

from __future__ import annotations

import pytest

from civicdesk.domain.cases import actions
from tests.browser.conftest import LANGUAGES
from tests.fixtures.city import new_complaint

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_review_page_and_the_thread_awaiting_approval_have_no_axe_violations(city, open_browser, language):
    city.jurisdiction.review_before_release = ["reply"]
    city.jurisdiction.save(update_fields=["review_before_release"])
    case = new_complaint(city, service="POTHOLE")
    actions.reply_to_resident(case=case, actor=city.csr, how="email", note="A crew fills it on Friday.")

    supervisor = open_browser(language)
    supervisor.sign_in_as("sup.roads")
    supervisor.goto("/desk/review/")
    supervisor.axe(f"/desk/review/ [{language}]")
    supervisor.goto(f"/desk/cases/{case.reference}/")
    supervisor.axe(f"case with a message awaiting approval [{language}]")
