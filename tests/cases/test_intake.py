"""Intake: kinds, channels, missing details, anonymity, scope, backdating, idempotency (PK-DEF, PK-CHANNELS, PK-ANON, PK-SCOPE)."""

from __future__ import annotations

import pytest

from civicdesk.domain.cases import actions, references
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed, TransitionRefused
from civicdesk.domain.cases.models import Action, Case, CommitmentState, Purpose, Resolution, Status
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.outbox.models import OutboxMessage
from civicdesk.domain.people.models import Contact
from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db


def test_pk_ack_1bd_complaint_owes_acknowledgement_by_next_business_day_close(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))  # Monday
    case = new_complaint(city)

    ack = case.commitments.get(purpose=Purpose.ACKNOWLEDGE)
    assert ack.standard == "PK-ACK-1BD"
    assert ack.due_at == local(2026, 11, 3, 16, 30)
    assert ack.state == CommitmentState.PENDING
    assert ack.calendar_version
    assert any("PK-ACK-1BD" in line for line in ack.explanation["lines"])
    assert case.status == Status.OPEN
    assert references.normalise(case.reference) == case.reference


def test_pk_route_complaint_goes_to_the_services_department_with_a_two_week_follow_up(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city)

    assert case.department.code == "forestry"
    follow_up = case.commitments.get(purpose=Purpose.FOLLOW_UP)
    assert follow_up.standard == "PK-FOLLOW"
    assert follow_up.due_at == local(2026, 11, 16, 10, 0)
    assert [e.action for e in case.journal.all()] == [Action.CREATED, Action.ROUTED]


def test_backdated_letter_counts_from_receipt_not_entry(city, now) -> None:
    now.set(local(2026, 11, 5, 11, 0))  # entered Thursday
    case = new_complaint(city, channel="letter", received_at=local(2026, 11, 3, 9, 0))  # received Tuesday

    answer = case.commitments.get(standard="PK-MAIL-ANSWER")
    assert answer.due_at == local(2026, 11, 24, 16, 30)  # 15 business days after Tuesday 3 November
    assert case.commitments.get(standard="PK-ACK-1BD").due_at == local(2026, 11, 4, 16, 30)
    assert case.received_at == local(2026, 11, 3, 9, 0)
    assert case.entered_at == local(2026, 11, 5, 11, 0)


def test_pk_channels_missing_complaint_details_are_listed_not_rejected(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    intake = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.staff("csr.alex"),
        kind="complaint",
        channel="walk_in",
        service=city.service("NOISE"),
        description="Loud music every night",
        contact=actions.ContactDetails(name="Sam Neighbour", phone="905-555-0199"),
    )
    assert intake.created
    assert intake.missing_details == ["date and time of occurrence", "who was involved", "outcome sought"]
    assert intake.case.journal.get(action=Action.CREATED).data["missing_details"] == intake.missing_details


def test_pk_anon_anonymous_allegation_is_recorded_but_not_investigated(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.staff("csr.alex"),
        kind="complaint",
        channel="phone",
        service=city.service("PROPERTY"),
        description="My neighbour's yard is a mess",
    ).case

    assert case.status == Status.CLOSED
    assert case.resolution == Resolution.NOT_INVESTIGATED
    assert not case.investigate
    assert not case.commitments.exists()
    assert case.department is None


def test_pk_anon_anonymous_safety_threat_is_investigated(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.staff("csr.alex"),
        kind="complaint",
        channel="phone",
        service=city.service("PROPERTY"),
        description="A collapsing wall next to the school path",
        safety_threat=True,
    ).case
    assert case.status == Status.OPEN
    assert case.investigate
    assert case.department.code == "bylaw"


def test_pk_anon_unidentified_third_party_is_not_investigated(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city, third_party_unidentified=True)
    assert case.resolution == Resolution.NOT_INVESTIGATED


def test_pk_def_feedback_owes_no_response(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=None,
        actor_label="resident (web)",
        kind="feedback",
        feedback_type="compliment",
        channel="web",
        description="The snow crew on Elm St were great",
    ).case
    assert case.status == Status.CLOSED
    assert case.resolution == Resolution.NO_RESPONSE_OWED
    assert not case.commitments.exists()
    assert case.journal.first().actor_label == "resident (web)"


def test_pk_def_feedback_about_a_service_is_closed_owing_nothing(city, now) -> None:
    """Found by the lifecycle machine: a compliment about a service was routed, closed, and still owed PK-FOLLOW."""
    now.set(local(2026, 11, 2, 10, 0))
    case = actions.create_case(
        jurisdiction=city.jurisdiction,
        actor=city.csr,
        kind="feedback",
        feedback_type="compliment",
        channel="phone",
        service=city.service("TREE-PRUNE"),
        description="The forestry crew cleaned up after themselves",
    ).case
    assert case.status == Status.CLOSED
    assert not case.commitments.filter(state__in=["pending", "paused", "breached"]).exists()
    now.set(local(2026, 11, 20, 10, 0))  # past the two-week follow-up date routing would have set
    run_sweep()
    assert not case.follow_up_request_log.exists()


def test_pk_scope_out_of_scope_matter_is_redirected_with_reason_and_where_to_go(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city, service="GENERAL")
    actions.redirect_case(
        case=case,
        actor=city.staff("csr.alex"),
        reason="Property tax assessments are appealed to MPAC.",
        redirect_to="MPAC, 1-866-296-6722, mpac.ca",
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.resolution == Resolution.REDIRECTED
    assert "MPAC" in case.public_note
    assert case.commitments.filter(state=CommitmentState.PENDING).count() == 0


def test_pk_priv_contact_kept_apart_and_several_cases_per_contact_language_recorded(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city, contact=actions.ContactDetails(name="Jo", email="jo@example.org", language="fr"))
    assert case.contact is not None
    assert Contact.objects.get(pk=case.contact.pk).language == "fr"
    assert case.language == "fr"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "rumour"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 10_001}, "description"),
        ({"service": None}, "service"),
        ({"latitude": 95.0, "longitude": 10.0}, "latitude"),
        ({"latitude": 43.8}, "longitude"),
        ({"language": "de"}, "language"),
        ({"feedback_type": "compliment"}, "feedback_type"),
    ],
)
def test_bad_intake_names_the_field_and_writes_nothing(city, now, change, field) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    with pytest.raises(InvalidInput) as error:
        new_complaint(city, **change)
    assert error.value.field == field
    assert Case.objects.count() == 0
    assert Contact.objects.count() == 0


def test_future_or_naive_receipt_is_refused(city, now) -> None:
    from datetime import datetime

    now.set(local(2026, 11, 2, 10, 0))
    with pytest.raises(InvalidInput, match="future"):
        new_complaint(city, received_at=local(2026, 11, 3, 10, 0))
    with pytest.raises(InvalidInput, match="offset"):
        new_complaint(city, received_at=datetime(2026, 11, 1, 10, 0))  # noqa: DTZ001 — the bad input under test


def test_idempotency_key_retry_returns_the_same_case(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    key = actions.Idempotency(client="user:1", key="abc-123", request={"description": "same"})
    first = actions.create_case(
        jurisdiction=city.jurisdiction, actor=None, kind="inquiry", channel="web", description="same", idempotency=key
    )
    again = actions.create_case(
        jurisdiction=city.jurisdiction, actor=None, kind="inquiry", channel="web", description="same", idempotency=key
    )
    assert first.created
    assert not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1

    other = actions.Idempotency(client="user:1", key="abc-123", request={"description": "different"})
    with pytest.raises(TransitionRefused) as conflict:
        actions.create_case(
            jurisdiction=city.jurisdiction,
            actor=None,
            kind="inquiry",
            channel="web",
            description="different",
            idempotency=other,
        )
    assert conflict.value.code == "idempotency_conflict"
    assert Case.objects.count() == 1


def test_roles_without_add_case_cannot_take_intake(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    with pytest.raises(NotAllowed):
        new_complaint(city, actor=city.staff("manager"))
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        (actions.ContactDetails(name="x" * 201, email="a@example.org"), "contact.name"),
        (actions.ContactDetails(name="Jo", phone="5" * 41), "contact.phone"),
        (actions.ContactDetails(name="Jo", email="not an email"), "contact.email"),
        (actions.ContactDetails(name="Jo", email="jo@example.org", language="de"), "contact.language"),
    ],
)
def test_bad_contact_details_name_the_field_and_write_nothing(city, now, contact, field) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    with pytest.raises(InvalidInput) as error:
        new_complaint(city, contact=contact)
    assert error.value.field == field
    assert Case.objects.count() == 0
    assert Contact.objects.count() == 0


def test_overlong_address_is_refused(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    with pytest.raises(InvalidInput) as error:
        new_complaint(city, address="1" * 301)
    assert error.value.field == "address"


def test_pk_priv_several_cases_for_one_resident_on_file(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    first = new_complaint(city)
    second = new_complaint(
        city,
        service="POTHOLE",
        contact=actions.ContactDetails(existing=first.contact.pk, phone="905-555-0202"),
    )
    assert second.contact_id == first.contact_id
    assert Contact.objects.count() == 1
    contact = Contact.objects.get()
    assert contact.phone == "905-555-0202"  # the new number given on this call
    assert contact.name == "Pat Resident"  # details not given again stay as they were
    assert list(contact.cases.order_by("pk")) == [first, second]


def test_a_contact_of_another_city_cannot_be_reused(city, now) -> None:
    from tests.factories import JurisdictionFactory

    now.set(local(2026, 11, 2, 10, 0))
    elsewhere = Contact.objects.create(jurisdiction=JurisdictionFactory(), name="Other")
    with pytest.raises(InvalidInput) as error:
        new_complaint(city, contact=actions.ContactDetails(existing=elsewhere.pk))
    assert error.value.field == "contact.existing"


def test_a_random_reference_already_taken_is_drawn_again(city, now, monkeypatch) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    first = new_complaint(city)
    draws = iter([first.reference, first.reference, "123456786"])
    monkeypatch.setattr(references, "new_reference", lambda: next(draws))  # two collisions, then a free one
    second = new_complaint(city)
    assert second.reference == "123456786"
    assert Case.objects.count() == 2


def test_a_receipt_asked_for_is_queued_in_the_residents_language_and_journaled(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(
        city,
        actor=None,
        actor_label="resident (web)",
        channel="web",
        contact=actions.ContactDetails(name="Pat Resident", email="pat@example.org", language="fr"),
        receipt=actions.Receipt(status_url="https://pickering.example/status/"),
    )
    receipt = OutboxMessage.objects.get(case=case, kind="receipt")
    assert receipt.recipient_address == "pat@example.org"
    assert receipt.language == "fr"
    assert receipt.subject == f"Votre numéro de référence : {references.display(case.reference)}"
    assert "https://pickering.example/status/" in receipt.body
    assert receipt.dedupe_key == f"receipt:{case.pk}"
    entry = case.journal.get(action=Action.NOTE)
    assert entry.actor_label == "resident (web)"
    assert entry.data == {"message": "receipt"}
    assert not entry.public


def test_a_receipt_names_the_acknowledgement_date_in_the_city_s_time(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    case = new_complaint(city, receipt=actions.Receipt(status_url="https://pickering.example/status/"))
    body = OutboxMessage.objects.get(case=case, kind="receipt").body
    assert "\n\nThank you for contacting City of Pickering.\n\n" in body  # after the greeting
    assert "We will acknowledge it by Tuesday 3 November 2026, 4:30 p.m." in body


def test_no_receipt_without_an_email_or_when_the_channel_does_not_ask(city, now) -> None:
    now.set(local(2026, 11, 2, 10, 0))
    by_phone = new_complaint(city, contact=actions.ContactDetails(name="Sam", phone="905-555-0199"))
    asked = new_complaint(
        city,
        contact=actions.ContactDetails(name="Sam", phone="905-555-0199"),
        receipt=actions.Receipt(status_url="https://pickering.example/status/"),
    )
    taken_by_a_csr = new_complaint(city)  # an email on file, but the desk hands out the reference itself
    for case in (by_phone, asked, taken_by_a_csr):
        assert not OutboxMessage.objects.filter(case=case, kind="receipt").exists()
        assert not case.journal.filter(action=Action.NOTE).exists()
