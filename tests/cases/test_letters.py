"""Letters and faxes registered with the day they arrived and their scan (PK-CHANNELS, PK-MAIL-ANSWER, PK-MAIL-INTERIM,
MB-LETTER, MB-EMAIL-ACK): the clocks count from the day the letter reached the city, not from the day it was typed in.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from civicdesk.domain.cases import actions
from civicdesk.domain.cases.errors import InvalidInput, NotAllowed
from civicdesk.domain.cases.models import Action, Case, CommitmentState, JournalEntry, Status
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.inbox.models import ScannedDocument
from civicdesk.domain.people.models import Contact
from tests.fixtures.city import City, city_under
from tests.fixtures.clock import local

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")  # Miami Beach
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64  # a fax server's TIFF


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path) -> Any:
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path


def register(city: City, **fields: Any) -> actions.RegisteredLetter:
    """A letter from Pat asking for a tree to be pruned, registered by the CSR with its scan."""
    values: dict[str, Any] = {
        "jurisdiction": city.jurisdiction,
        "actor": city.csr,
        "channel": "letter",
        "received_on": date(2026, 11, 3),  # a Tuesday
        "kind": "service_request",
        "service": city.service("TREE-PRUNE"),
        "description": "The maple in front of 40 Oak St has a dead limb over the sidewalk; please prune it.",
        "contact": actions.ContactDetails(
            name="Pat Resident", title="ms", address="40 Oak St, Pickering ON L1V 1A1", phone="905-555-0101"
        ),
        "scan": actions.Scan(content=PDF, name="letter from Pat.pdf"),
    }
    values.update(fields)
    return actions.register_letter(**values)


def test_pk_mail_answer_a_letter_received_tuesday_and_registered_thursday_owes_its_answer_from_tuesday(
    city, now, data_dir
) -> None:
    now.set(local(2026, 11, 5, 14, 0))  # registered Thursday afternoon
    letter = register(city)
    case = letter.intake.case

    # Received at the office's opening on the day it arrived (Pickering opens at 08:30), entered now.
    assert case.received_at == local(2026, 11, 3, 8, 30)
    assert case.entered_at == local(2026, 11, 5, 14, 0)
    # 15 business days after Tuesday 3 November: 4-6 (3), 9-13 (8), 16-20 (13), 23, 24 (15) → Tue 24 Nov 16:30.
    # From Thursday it would have been Thursday 26 November.
    assert case.commitments.get(standard="PK-MAIL-ANSWER").due_at == local(2026, 11, 24, 16, 30)
    # PK-ACK-1BD counts from Tuesday too: it was owed on Wednesday, before anyone typed the letter in.
    assert case.commitments.get(standard="PK-ACK-1BD").due_at == local(2026, 11, 4, 16, 30)
    assert case.department.code == "forestry"

    scan = letter.scan
    assert (scan.case, scan.content_type, scan.size, scan.original_name) == (
        case,
        "application/pdf",
        len(PDF),
        "letter from Pat.pdf",
    )
    assert (scan.received_on, scan.registered_by, scan.registered_at) == (
        date(2026, 11, 3),
        city.csr,
        local(2026, 11, 5, 14, 0),
    )
    stored = data_dir / "attachments" / scan.sha256[:2] / scan.sha256
    assert stored.read_bytes() == PDF  # kept by its content, never under the name it was uploaded with
    note = case.journal.get(action=Action.NOTE, data__message="letter_registered")
    assert note.actor == city.csr
    assert "Letter received on Tuesday 3 November 2026" in note.note
    assert f"registered by {city.csr.display_name} on Thursday 5 November 2026" in note.note
    assert note.data["received_on"] == "2026-11-03"
    created = case.journal.get(action=Action.CREATED).data
    assert datetime.fromisoformat(created["received_at"]) == local(2026, 11, 3, 8, 30)

    # Past the acknowledgement's date already: the sweep records that breach, the answer is still on time.
    run_sweep()
    assert case.commitments.get(standard="PK-ACK-1BD").state == CommitmentState.BREACHED
    assert case.commitments.get(standard="PK-MAIL-ANSWER").state == CommitmentState.PENDING

    # Answered by letter on Friday 20 November, within the 15 days; the sweep after its date finds nothing owed.
    now.set(local(2026, 11, 20, 11, 0))
    actions.reply_to_resident(case=case, actor=city.csr, how="letter", note="Forestry prunes the maple by 4 December.")
    answer = case.commitments.get(standard="PK-MAIL-ANSWER")
    assert (answer.state, answer.met_at) == (CommitmentState.MET, local(2026, 11, 20, 11, 0))
    now.set(local(2026, 11, 25, 9, 0))
    run_sweep()
    assert case.commitments.get(standard="PK-MAIL-ANSWER").state == CommitmentState.MET

    actions.record_update(
        case=case,
        actor=city.forestry_staff,
        update="action_planned",
        note="Crew booked",
        timeline=local(2026, 12, 4, 16, 30),
    )
    actions.record_update(case=case, actor=city.forestry_staff, update="work_done", note="Limb removed")
    actions.close_case(case=case, actor=city.csr, note="Pruned; Ms Resident told by letter.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_pk_mail_interim_owed_from_the_day_the_letter_arrived_not_the_day_it_was_registered(city, now) -> None:
    now.set(local(2026, 11, 5, 14, 0))
    case = register(city).intake.case
    actions.expect_late_answer(
        case=case, actor=city.csr, expected_by=local(2026, 12, 18, 16, 30), reason="Needs the spring pruning list"
    )
    interim = case.commitments.get(standard="PK-MAIL-INTERIM")
    # 5 business days after Tuesday 3 November: 4, 5, 6, 9, 10 → Tuesday 10 November 16:30 (from the
    # Thursday it was registered it would have been Thursday 12 November).
    assert interim.due_at == local(2026, 11, 10, 16, 30)

    now.set(local(2026, 11, 11, 9, 0))
    run_sweep()
    interim.refresh_from_db()
    assert interim.state == CommitmentState.BREACHED
    # The interim letter goes late, and is recorded so.
    actions.reply_to_resident(case=case, actor=city.csr, how="letter", note="We will answer by 18 December.")
    interim.refresh_from_db()
    assert (interim.state, interim.met_at) == (CommitmentState.MET, local(2026, 11, 11, 9, 0))


def test_pk_mail_answer_a_fax_received_on_a_sunday_counts_from_that_sunday(city, now) -> None:
    now.set(local(2026, 11, 17, 10, 0))
    letter = register(
        city,
        channel="fax",
        received_on=date(2026, 11, 15),  # Sunday: the office was closed; the fax server took it
        scan=actions.Scan(content=TIFF, name="fax-0042.tif"),
    )
    case = letter.intake.case
    assert case.channel == "fax"
    assert case.received_at == local(2026, 11, 15, 12, 0)  # midday on a closed day
    assert letter.scan.content_type == "image/tiff"
    # Day 0 is Sunday: 16-20 (5), 23-27 (10), 30 Nov-4 Dec (15) → Friday 4 December 16:30.
    assert case.commitments.get(standard="PK-MAIL-ANSWER").due_at == local(2026, 12, 4, 16, 30)
    assert "Fax received on Sunday 15 November 2026" in case.journal.get(data__message="letter_registered").note


def test_a_letter_received_today_before_the_office_opens_is_received_now(city, now) -> None:
    now.set(local(2026, 11, 17, 7, 45))  # the CSR is in early; the office opens at 08:30
    case = register(city, received_on=date(2026, 11, 17)).intake.case
    assert case.received_at == local(2026, 11, 17, 7, 45)


def test_mb_letter_ten_business_days_and_mb_email_ack_for_a_fax(city, now) -> None:
    miami = city_under(city, "miami-beach")  # Monday-Friday 08:30-18:00, Eastern time
    now.set(datetime(2026, 11, 12, 10, tzinfo=EASTERN))  # Thursday 12 November
    letter = register(miami, received_on=date(2026, 11, 10)).intake.case  # received Tuesday
    assert letter.received_at == datetime(2026, 11, 10, 8, 30, tzinfo=EASTERN)
    # MB-LETTER: 10 business days from Tuesday: Wed 11 (Veterans Day, closed), 12, 13 (2), 16-20 (7),
    # 23, 24, 25 (10) → Wednesday 25 November 18:00.
    assert letter.commitments.get(standard="MB-LETTER").due_at == datetime(2026, 11, 25, 18, tzinfo=EASTERN)
    assert not letter.commitments.filter(standard="MB-EMAIL-ACK").exists()  # letters are not acknowledged

    fax = register(
        miami, channel="fax", received_on=date(2026, 11, 10), scan=actions.Scan(content=TIFF, name="fax.tif")
    ).intake.case
    # MB-EMAIL-ACK: faxes that need a response are acknowledged within 2 business days: 12, 13 → Friday 18:00.
    assert fax.commitments.get(standard="MB-EMAIL-ACK").due_at == datetime(2026, 11, 13, 18, tzinfo=EASTERN)
    assert not fax.commitments.filter(standard="MB-LETTER").exists()  # MB-LETTER is for letters

    # Answered by letter on Monday 23 November: MB-LETTER met; the sweep after its date finds nothing owed.
    now.set(datetime(2026, 11, 23, 15, tzinfo=EASTERN))
    actions.reply_to_resident(case=letter, actor=miami.csr, how="letter", note="Forestry prunes it on 4 December.")
    now.set(datetime(2026, 11, 26, 9, tzinfo=EASTERN))
    run_sweep()
    answer = letter.commitments.get(standard="MB-LETTER")
    assert (answer.state, answer.met_at) == (CommitmentState.MET, datetime(2026, 11, 23, 15, tzinfo=EASTERN))


def _rows() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in (Case, Contact, JournalEntry, ScannedDocument)}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"received_on": date(2026, 11, 18)}, "received_on", "is in the future"),
        ({"received_on": date(2025, 11, 1)}, "received_on", "more than a year ago"),
        ({"scan": actions.Scan(content=b"MZ\x90\x00\x03" + b"\x00" * 100, name="letter.pdf")}, "scan", "not a PDF"),
        ({"scan": actions.Scan(content=b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024), name="big.pdf")}, "scan", "21.0 MB"),
        ({"scan": actions.Scan(content=b"", name="empty.pdf")}, "scan", "empty file"),
        ({"scan": actions.Scan(content=b"<html><script>alert(1)</script>", name="letter.png")}, "scan", "not a PDF"),
        ({"channel": "email"}, "channel", "letter or fax"),
        ({"service": None, "kind": "complaint"}, "service", "needs a service"),
        ({"description": "  "}, "description", "describe"),
    ],
)
def test_bad_letters_are_refused_in_words_with_nothing_saved(city, now, data_dir, fields, field, words) -> None:
    before = _rows()
    with pytest.raises(InvalidInput) as refused:
        register(city, **fields)
    assert refused.value.field == field
    assert words in refused.value.message
    assert _rows() == before
    assert not list(data_dir.rglob("*"))  # no file kept either


def test_only_staff_who_take_cases_register_letters(city, now) -> None:
    with pytest.raises(NotAllowed):
        register(city, actor=city.manager)
    assert not Case.objects.exists()
