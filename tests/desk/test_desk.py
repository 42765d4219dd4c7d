"""The staff desk through Django's test client: access, queues, intake, the case page, escalations, the report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.domain.cases import actions, clocks, standing
from civicdesk.domain.cases.models import Case, Commitment, CommitmentState, Purpose, Status
from civicdesk.domain.cases.references import display
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.platform import timesource
from tests.fixtures.city import new_complaint as complaint
from tests.fixtures.clock import NOW
from tests.fixtures.ladder import escalated_complaint

pytestmark = pytest.mark.django_db


def case_url(case: Case, action: str | None = None) -> str:
    if action is None:
        return reverse("desk:case", args=[case.reference])
    return reverse("desk:transition", args=[case.reference, action])


# --- access ------------------------------------------------------------------------------------


def test_desk_pages_need_sign_in(city):
    response = Client().get(reverse("desk:queue", args=["care"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("desk:login"))


def test_sign_in_page_signs_a_csr_in_and_lands_on_the_customer_care_queue(city):
    client = Client()
    page = client.get(reverse("desk:login"))
    assert b'<label for="id_username">' in page.content
    response = client.post(reverse("desk:login"), {"username": "csr.alex", "password": "civicdesk-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk:queue", args=["care"])


def test_wrong_password_shows_an_error_summary(city):
    response = Client().post(reverse("desk:login"), {"username": "csr.alex", "password": "nope"})
    assert b'class="error-summary"' in response.content


def test_a_role_that_reads_no_cases_is_refused(signed_in):
    assert signed_in("shopper").get(reverse("desk:queue", args=["mine"])).status_code == 403


def test_department_staff_cannot_open_the_customer_care_queue_or_another_departments_case(city, signed_in):
    case = complaint(city)  # forestry
    roads = signed_in("staff.roads")
    assert roads.get(reverse("desk:queue", args=["care"])).status_code == 404
    assert roads.get(case_url(case)).status_code == 404
    assert signed_in("staff.forestry").get(case_url(case)).status_code == 200


def test_pk_priv_manager_sees_the_case_but_not_who_raised_it(city, signed_in):
    case = complaint(city)
    page = signed_in("manager").get(case_url(case)).content.decode()
    assert "Pat Resident" not in page
    assert "does not show who raised a case" in page
    assert "Pat Resident" in signed_in("csr.alex").get(case_url(case)).content.decode()


# --- queues ------------------------------------------------------------------------------------


def test_queue_shows_clock_states_with_text_and_counts(city, signed_in):
    fresh = complaint(city)
    late = complaint(city, service="POTHOLE", address="4 Oak Ave")
    Commitment.objects.filter(case=late, purpose=Purpose.ACKNOWLEDGE).update(due_at=NOW - timedelta(hours=1))
    clocks.refresh(late)  # rows edited behind the services' back: bring the case's clock summary in step
    page = signed_in("csr.alex").get(reverse("desk:queue", args=["care"])).content.decode()
    assert display(fresh.reference) in page
    assert display(late.reference) in page
    assert 'badge--breached">Breached<' in page
    breached_only = signed_in("csr.alex").get(reverse("desk:queue", args=["care"]), {"state": "breached"})
    assert display(late.reference) in breached_only.content.decode()
    assert display(fresh.reference) not in breached_only.content.decode()


def test_queue_filters_by_service_and_escalation_step(city, signed_in, now):
    tree = escalated_complaint(city, now, step=3)
    pothole = complaint(city, service="POTHOLE")
    client = signed_in("csr.alex")
    by_service = client.get(reverse("desk:queue", args=["care"]), {"service": city.service("POTHOLE").pk})
    assert display(pothole.reference) in by_service.content.decode()
    assert display(tree.reference) not in by_service.content.decode()
    escalated = client.get(reverse("desk:queue", args=["care"]), {"escalation": "3"}).content.decode()
    assert display(tree.reference) in escalated
    assert display(pothole.reference) not in escalated


def test_my_department_queue_holds_only_my_departments_cases(city, signed_in):
    tree = complaint(city)
    pothole = complaint(city, service="POTHOLE")
    page = signed_in("staff.forestry").get(reverse("desk:queue", args=["department"])).content.decode()
    assert display(tree.reference) in page
    assert display(pothole.reference) not in page


def test_queue_query_count_does_not_grow_with_the_cases(city, signed_in, django_assert_max_num_queries):
    client = signed_in("csr.alex")
    for _ in range(3):
        complaint(city)
    with django_assert_max_num_queries(16) as few:
        assert client.get(reverse("desk:queue", args=["care"])).status_code == 200
    for _ in range(30):
        complaint(city)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("desk:queue", args=["care"])).status_code == 200


# --- intake ------------------------------------------------------------------------------------


def intake(**extra):
    return {
        "channel": "phone",
        "kind": "complaint",
        "service": "",
        "description": "The maple at 12 Elm St dropped a limb on the sidewalk.",
        "address": "12 Elm St",
        "occurred_at": "2026-11-16T09:00",
        "people_involved": "none",
        "outcome_sought": "Remove the limb",
        "contact_name": "Pat Resident",
        "contact_phone": "905-555-0101",
        "contact_email": "pat@example.org",
        "language": "en",
        **extra,
    }


def test_csr_creates_a_case_from_a_phone_call(city, signed_in):
    client = signed_in("csr.alex")
    response = client.post(reverse("desk:new_case"), intake(service=city.service("TREE-DOWN").pk, create="1"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert (case.channel, case.kind, case.department.code, case.contact.name) == (
        "phone",
        "complaint",
        "forestry",
        "Pat Resident",
    )
    assert case.occurred_at == NOW - timedelta(days=1, hours=1)  # the form's time is Pickering time
    assert case.hazard  # the service is a hazard: PK-HAZARD clock
    assert case.commitments.filter(purpose=Purpose.INSPECT).exists()


def test_intake_refusal_is_shown_against_the_field(city, signed_in):
    response = signed_in("csr.alex").post(reverse("desk:new_case"), intake(create="1"))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="#id_service"' in page
    assert "PK-ROUTE" in page
    assert not Case.objects.exists()


def test_check_shows_timeline_missing_details_anonymity_and_duplicates_without_creating(city, signed_in):
    existing = complaint(city)  # TREE-PRUNE at 12 Elm St
    data = intake(
        service=city.service("TREE-PRUNE").pk,
        contact_name="",
        contact_phone="",
        contact_email="",
        people_involved="",
        check="1",
    )
    page = signed_in("csr.alex").post(reverse("desk:new_case"), data).content.decode()
    assert Case.objects.count() == 1
    assert "Acknowledged within 1 business day: by Wednesday 18 November 2026" in page  # PK-ACK-1BD
    assert "PK-ANON" in page
    assert "Who was involved" in page
    assert "Contact details" in page
    assert display(existing.reference) in page  # same service, same street


def test_guidance_partial_suggests_a_service_from_the_description(city, signed_in):
    page = signed_in("csr.alex").get(
        reverse("desk:intake_guidance"), {"description": "huge pothole on my road", "kind": "service_request"}
    )
    assert "Pothole" in page.content.decode()


def test_find_the_resident_and_prefill_the_form(city, signed_in):
    case = complaint(city)
    client = signed_in("csr.alex")
    found = client.get(reverse("desk:new_case"), {"find": "555-0101"}).content.decode()
    assert "Pat Resident" in found
    page = client.get(reverse("desk:new_case"), {"contact": case.contact_id}).content.decode()
    assert 'value="Pat Resident"' in page


# --- the case page -----------------------------------------------------------------------------


def test_case_page_lists_commitments_with_their_reasons_and_the_journal(city, signed_in):
    case = complaint(city)
    page = signed_in("csr.alex").get(case_url(case)).content.decode()
    assert "PK-ACK-1BD" in page
    assert "PK-FOLLOW" in page
    assert "received 2026-11-17" in page  # the explanation lines
    assert "Case created" in page


def test_department_staff_record_an_update_with_a_timeline(city, signed_in):
    case = complaint(city)
    response = signed_in("staff.forestry").post(
        case_url(case, "update"),
        {"update-update": "action_planned", "update-note": "Crew booked", "update-timeline": "2026-11-24"},
    )
    assert response.status_code == 302
    completion = case.commitments.get(purpose=Purpose.COMPLETE)
    assert completion.due_at.astimezone(NOW.tzinfo).strftime("%Y-%m-%d %H:%M") == "2026-11-24 16:30"


def test_a_timeline_on_a_closed_day_is_a_form_error(city, signed_in):
    case = complaint(city)
    response = signed_in("staff.forestry").post(
        case_url(case, "update"),
        {"update-update": "action_planned", "update-note": "Crew booked", "update-timeline": "2026-11-22"},
    )
    assert response.status_code == 422
    assert 'href="#id_update-timeline"' in response.content.decode()


def test_pk_close_closing_with_open_items_is_refused_and_lists_them(city, signed_in):
    case = complaint(city)
    actions.add_item(case=case, actor=city.staff("staff.forestry"), description="Prune the maple")
    response = signed_in("staff.forestry").post(
        case_url(case, "close"), {"close-resolution": "resolved", "close-note": "Done"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert "PK-CLOSE" in page
    assert "Open item: Prune the maple" in page
    assert "Open commitment: Acknowledge (PK-ACK-1BD)" in page
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_every_transition_through_the_desk(city, signed_in):
    case = complaint(city)
    forestry, csr = signed_in("staff.forestry"), signed_in("csr.alex")
    steps = [
        (csr, "acknowledge", {"acknowledge-message": "We will inspect within a day."}),
        (forestry, "assign", {"assign-assignee": city.staff("staff.forestry").pk}),
        (forestry, "item", {"item-description": "Prune the maple"}),
        (forestry, "pause", {"pause-waiting_on": "access", "pause-reason": "The gate to the yard is locked"}),
        (forestry, "resume", {}),
        (
            forestry,
            "update",
            {"update-update": "action_planned", "update-note": "Booked", "update-timeline": "2026-11-24"},
        ),
        (forestry, "timeline", {"timeline-timeline": "2026-11-26", "timeline-reason": "Crew on another job"}),
        (csr, "follow_up", {"follow_up-message": "Pat called again.", "follow_up-reason": "The resident called"}),
    ]
    for client, action, data in steps:
        response = client.post(case_url(case, action), data)
        assert response.status_code == 302, (action, response.content.decode()[:3000])
    item = case.items.get()
    assert forestry.post(reverse("desk:complete_item", args=[case.reference, item.pk])).status_code == 302
    forestry.post(case_url(case, "update"), {"update-update": "work_done", "update-note": "Pruned."})
    forestry.post(case_url(case, "update"), {"update-update": "resident_advised", "update-note": "Pruned; told Pat."})
    response = forestry.post(case_url(case, "close"), {"close-resolution": "resolved", "close-note": "Pruned."})
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert csr.post(case_url(case, "reopen"), {"reopen-reason": "Resident says a limb is left"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_route_duplicate_and_redirect(city, signed_in):
    first, second, third = complaint(city), complaint(city), complaint(city)
    csr = signed_in("csr.alex")
    roads = city.jurisdiction.departments.get(code="roads")
    assert (
        csr.post(case_url(first, "route"), {"route-department": roads.pk, "route-reason": "It is a road"}).status_code
        == 302
    )
    assert csr.post(case_url(second, "duplicate"), {"duplicate-parent": display(third.reference)}).status_code == 302
    assert (
        csr.post(
            case_url(third, "redirect"), {"redirect-reason": "Private tree", "redirect-redirect_to": "An arborist"}
        ).status_code
        == 302
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.department == roads
    assert second.parent_id == third.pk


def test_a_refused_transition_keeps_the_form_open_with_the_error(city, signed_in):
    case = complaint(city)
    response = signed_in("staff.forestry").post(case_url(case, "pause"), {"pause-reason": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="action-pause" open' in page
    assert 'href="#id_pause-reason"' in page


# --- escalations and the report -----------------------------------------------------------------


def test_supervisor_sees_the_escalation_that_copied_them(city, signed_in, now):
    case = escalated_complaint(city, now, step=3)
    page = signed_in("sup.forestry").get(reverse("desk:escalations")).content.decode()
    assert display(case.reference) in page
    assert "supervisor" in page
    assert display(case.reference) not in signed_in("sup.roads").get(reverse("desk:escalations")).content.decode()


def test_outstanding_report_and_its_csv_never_name_the_resident(city, signed_in):
    case = complaint(city)
    actions.record_update(
        case=case,
        actor=city.staff("staff.forestry"),
        update="action_planned",
        note="Booked",
        timeline=NOW + timedelta(days=9),  # its PK-MISS notice falls due Thursday 19 November, this week
    )
    client = signed_in("csr.alex")
    page = client.get(reverse("desk:outstanding")).content.decode()
    assert "Call the resident this week" in page
    assert display(case.reference) in page
    response = client.get(reverse("desk:outstanding"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["reference"] == display(case.reference)
    assert rows[0]["department"] == "Forestry"
    assert rows[0]["timeline"]
    assert rows[0]["call_resident_by"]
    # In the city's zone with its offset, as the screens show them (Pickering in November: UTC-5).
    assert rows[0]["received_at"].endswith("-05:00"), rows[0]["received_at"]
    assert rows[0]["timeline"].endswith("-05:00")
    assert "+00:00" not in body
    assert "Pat" not in body
    assert "example.org" not in body


def test_sweep_breach_shows_in_the_queue(city, signed_in):
    from civicdesk.domain.cases.sweep import run_sweep

    case = complaint(city)
    with timesource.frozen_at(NOW + timedelta(days=3)):
        run_sweep()
        page = signed_in("csr.alex").get(reverse("desk:queue", args=["care"]), {"state": "breached"})
    assert display(case.reference) in page.content.decode()
    assert Commitment.objects.filter(case=case, state=CommitmentState.BREACHED).exists()


def test_outbox_is_untouched_by_reading(city, signed_in):
    complaint(city)
    before = OutboxMessage.objects.count()
    signed_in("csr.alex").get(reverse("desk:queue", args=["care"]))
    assert OutboxMessage.objects.count() == before


def test_a_csr_files_a_second_case_for_a_resident_found_on_file(city, signed_in):
    from civicdesk.domain.people.models import Contact

    first = complaint(city)
    csr = signed_in("csr.alex")
    page = csr.get(reverse("desk:new_case"), {"contact": first.contact.pk}).content.decode()
    assert f'name="contact_id" value="{first.contact.pk}"' in page
    response = csr.post(
        reverse("desk:new_case"),
        {
            "contact_id": first.contact.pk,
            "contact_name": first.contact.name,
            "contact_phone": first.contact.phone,
            "kind": "service_request",
            "channel": "phone",
            "service": city.service("POTHOLE").pk,
            "description": "Another pothole on the same street",
            "language": "en",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contact.objects.count() == 1
    assert first.contact.cases.count() == 2


def test_state_counts_from_index_ranges_match_the_clock_states(city):
    """The counts add disjoint index ranges; they must agree with the states the queue shows."""
    from civicdesk.channels.desk import selectors

    h = standing.Horizons(NOW, NOW + timedelta(hours=4), NOW + timedelta(days=1))
    placed = {
        "owed": (NOW - timedelta(days=2), NOW - timedelta(days=3), False),  # missed, still owed
        "past_due": (NOW - timedelta(minutes=5), None, False),
        "at_risk": (NOW + timedelta(hours=1), None, False),
        "due_soon": (NOW + timedelta(hours=10), None, False),
        "paused_no_clock": (None, None, True),
        "paused_later": (NOW + timedelta(days=5), None, True),
        "on_track_later": (NOW + timedelta(days=5), None, False),
        "on_track_no_clock": (None, None, False),
        "at_the_horizon": (h.due_soon_until, None, False),  # due soon, not later
    }
    for next_due, owed, paused in placed.values():
        case = complaint(city)
        Case.objects.filter(pk=case.pk).update(next_due_at=next_due, owed_since=owed, clocks_paused=paused)
    cases = selectors.scoped_cases(city.staff("csr.alex"), "care")
    counts = selectors.count_states(cases, h)
    assert counts == {"breached": 2, "at_risk": 1, "due_soon": 2, "paused": 2, "on_track": 2}
    for state in standing.CLOCK_STATES:
        assert counts[state] == cases.filter(standing.state_condition(state, h)).count(), state


def test_queue_filters_are_djangos_own_selects_with_the_choice_selected(city):
    from django import forms

    from civicdesk.channels.desk import selectors
    from civicdesk.channels.desk.forms import QueueFilterForm

    csr = city.staff("csr.alex")
    choices = selectors.filter_choices(csr, csr.jurisdiction)
    chosen = {"kind": "complaint", "service": str(choices["service"][0][0]), "state": "breached", "sort": "requests"}
    for data in (None, chosen):
        form = QueueFilterForm(data, choices=choices)
        for name in form.fields:
            assert type(form[name].field.widget) is forms.Select, name
        if data:
            assert 'value="complaint" selected' in str(form["kind"])
