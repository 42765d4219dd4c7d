"""Staff absence (PK-OOO, MB-WRITTEN, PB-VM): recorded on the desk; while it lasts the alternate gets the work.

NOW is Tuesday 17 November 2026, 10:00 in Pickering.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.errors import NotAllowed
from civicdesk.domain.cases.models import Action, JournalEntry
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.staff.models import Absence
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local
from tests.fixtures.ladder import escalated_complaint

pytestmark = pytest.mark.django_db


def pothole(city, assignee=None):
    case = new_complaint(city, service="POTHOLE")
    if assignee is not None:
        actions.assign_case(case=case, actor=city.csr, assignee=assignee)
    case.refresh_from_db()
    return case


def test_follow_up_requests_go_to_the_alternate_while_away_and_to_them_again_after(city, signed_in, now) -> None:
    jordan, robin = city.staff("staff.roads"), city.staff("sup.traffic")
    case = pothole(city, assignee=jordan)

    response = signed_in("staff.roads").post(
        reverse("desk:absences"),
        {"person": jordan.pk, "starts": "2026-11-17", "returns": "2026-11-20", "alternate": robin.pk},
    )
    assert response.status_code == 302
    absence = Absence.objects.get(user=jordan)
    notice = absence.notice()
    assert "back on Friday 20 November 2026" in notice
    assert "Robin Kaur (sup.traffic@pickering.example)" in notice

    # The desk shows the notice next to their name, on the case and on the absences page.
    page = signed_in("csr.alex").get(reverse("desk:case", args=[case.reference])).content.decode()
    assert "Jordan Lee — <strong>away</strong>" in page
    assert "back on Friday 20 November 2026" in page
    listing = signed_in("csr.alex").get(reverse("desk:absences")).content.decode()
    assert "Away now" in listing
    assert "Robin Kaur" in listing

    # While away: the follow-up request for their case goes to the alternate, saying on whose behalf.
    actions.request_follow_up(case=case, actor=city.csr, message="Any news?", reason="The resident called.")
    first = OutboxMessage.objects.filter(case=case, kind="follow_up_request").latest("pk")
    assert first.recipient_user == robin
    assert "Robin Kaur receives this for Jordan Lee, who is away and back on Friday 20 November 2026" in first.body

    # New work given to them goes to the alternate, and the journal says so.
    fresh = new_complaint(city, service="POTHOLE")
    assert (
        signed_in("csr.alex")
        .post(reverse("desk:transition", args=[fresh.reference, "assign"]), {"assign-assignee": jordan.pk})
        .status_code
        == 302
    )
    fresh.refresh_from_db()
    assert fresh.assignee == robin
    entry = JournalEntry.objects.filter(case=fresh, action=Action.ASSIGNED).latest("sequence")
    assert entry.data["instead_of"] == "staff.roads"
    assert "Jordan Lee is away and back on 2026-11-20: assigned to their alternate, Robin Kaur (PK-OOO)." in entry.note

    # They are back: the next request comes to them, with no line about anyone else.
    now.set(local(2026, 11, 20, 9, 0))
    actions.request_follow_up(case=case, actor=city.csr, message="Any news now?", reason="The resident called again.")
    second = OutboxMessage.objects.filter(case=case, kind="follow_up_request").latest("pk")
    assert second.recipient_user == jordan
    assert "receives this for" not in second.body
    assert (
        "away"
        not in signed_in("csr.alex")
        .get(reverse("desk:case", args=[case.reference]))
        .content.decode()
        .split("Assigned to")[1]
        .split("</dd>")[0]
    )


def test_an_absence_ended_early_gives_the_work_back_at_once(city, signed_in) -> None:
    jordan, robin = city.staff("staff.roads"), city.staff("sup.traffic")
    case = pothole(city, assignee=jordan)
    absence = actions.record_absence(
        user=jordan, actor=jordan, starts=date(2026, 11, 17), returns=date(2026, 11, 24), alternate=robin
    )
    assert signed_in("staff.roads").post(reverse("desk:end_absence", args=[absence.pk])).status_code == 302
    actions.request_follow_up(case=case, actor=city.csr, message="Any news?", reason="The resident called.")
    assert OutboxMessage.objects.filter(case=case, kind="follow_up_request").latest("pk").recipient_user == jordan


def test_escalation_copies_go_to_an_absent_supervisors_alternate(city, now) -> None:
    chris, robin = city.staff("sup.roads"), city.staff("sup.traffic")
    actions.record_absence(
        user=chris, actor=city.care_admin, starts=date(2026, 10, 1), returns=date(2026, 12, 1), alternate=robin
    )
    case = escalated_complaint(city, now, step=3, service="POTHOLE")  # request 3 copies the supervisor (PK-ESC)
    request = case.follow_up_request_log.get(number=3)
    assert "supervisor" in request.copied_roles
    assert list(request.copied.all()) == [robin]
    message = OutboxMessage.objects.get(case=case, kind="follow_up_request", dedupe_key__endswith=":3")
    assert robin in message.cc_users.all()
    assert "Robin Kaur receives this for Chris Patel, who is away and back on Tuesday 1 December 2026" in message.body


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"starts": "2026-11-20", "returns": "2026-11-19"},
            "The day they are back must come after the first day away.",
        ),
        (
            {"starts": "2026-11-21", "returns": "2026-11-23"},  # Saturday to Monday: no business day away
            "This absence covers less than 1 business day; shorter absences need no out-of-office notice.",
        ),
        ({"alternate": "self"}, "The alternate must be someone else."),
    ],
)
def test_absences_the_rule_does_not_take_are_refused_in_words(city, signed_in, fields, error) -> None:
    jordan, robin = city.staff("staff.roads"), city.staff("sup.traffic")
    data = {"person": jordan.pk, "starts": "2026-11-17", "returns": "2026-11-20", "alternate": robin.pk, **fields}
    if data["alternate"] == "self":
        data["alternate"] = jordan.pk
    response = signed_in("staff.roads").post(reverse("desk:absences"), data)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Absence.objects.exists()


def test_an_alternate_who_is_away_then_is_refused(city, signed_in) -> None:
    jordan, robin, chris = city.staff("staff.roads"), city.staff("sup.traffic"), city.staff("sup.roads")
    actions.record_absence(
        user=robin, actor=robin, starts=date(2026, 11, 19), returns=date(2026, 11, 26), alternate=chris
    )
    response = signed_in("staff.roads").post(
        reverse("desk:absences"),
        {"person": jordan.pk, "starts": "2026-11-17", "returns": "2026-11-20", "alternate": robin.pk},
    )
    assert response.status_code == 422
    assert "Robin Kaur is away themselves from 2026-11-19, back on 2026-11-26; choose another alternate." in (
        response.content.decode()
    )


def test_who_may_record_an_absence_for_whom(city, signed_in) -> None:
    jordan, robin, riley = city.staff("staff.roads"), city.staff("sup.traffic"), city.staff("staff.forestry")
    # Department staff record only their own; another department's staff are not offered, nor taken.
    response = signed_in("staff.forestry").post(
        reverse("desk:absences"),
        {"person": jordan.pk, "starts": "2026-11-17", "returns": "2026-11-20", "alternate": robin.pk},
    )
    assert response.status_code == 422
    with pytest.raises(NotAllowed):
        actions.record_absence(
            user=jordan, actor=riley, starts=date(2026, 11, 17), returns=date(2026, 11, 20), alternate=robin
        )
    # Their supervisor and Customer Care may.
    actions.record_absence(
        user=jordan, actor=city.roads_supervisor, starts=date(2026, 11, 17), returns=date(2026, 11, 20), alternate=robin
    )
    actions.record_absence(
        user=riley, actor=city.care_admin, starts=date(2026, 11, 17), returns=date(2026, 11, 20), alternate=robin
    )
    assert Absence.objects.count() == 2
