"""A case's whole life, driven at random: every transition by every persona, the sweep, and the clock moving on.

Hypothesis's :class:`RuleBasedStateMachine` takes cases in through every kind
of intake (phone, letter, email, the portal, Open311; identified, anonymous,
hazards, threats, council cases), then applies random sequences of route,
re-route, update, timeline change, items, pause, resume, follow-up request,
acknowledgement, late answer, reopen, redirect, duplicate-of and close, each by
a random persona of the shared fixtures, with sweeps and moves of the clock
between them. A refused action must be a domain error (``CaseError``); after
every step each case must keep the city's word:

- a closed case has no open item and owes nothing;
- follow-up request numbers are unique and increase (PK-ESC);
- only Customer Care closes a council case, by any path (PK-COUNCIL);
- the journal verifies (hash chain);
- the stored clock summary (and safety rank) equals one recomputed from the commitments;
- each commitment's ``met_at`` / ``breached_at`` / ``paused_at`` agree with its state;
- after a sweep, no pending clock is left due and the sweep logged no failure.

In CI the examples are bounded (about a minute on the project's 2-core
machine, on SQLite; ``scripts/with_postgres.py -- .venv/bin/pytest
tests/cases/test_lifecycle_machine.py`` runs it on PostgreSQL). A longer search:

    HYPOTHESIS_PROFILE=explore .venv/bin/pytest tests/cases/test_lifecycle_machine.py

Each failure it finds becomes a named test; what the runs found is listed in
docs/lifecycle-machine.md.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from civicdesk.domain.cases import actions, journal
from civicdesk.domain.cases.errors import CaseError
from civicdesk.domain.cases.models import (
    OPEN_COMMITMENT_STATES,
    Action,
    Case,
    CaseItem,
    Commitment,
    CommitmentState,
    FollowUpRequest,
    Resolution,
    Status,
)
from civicdesk.domain.cases.sweep import run_sweep
from civicdesk.domain.cases.unit_of_work import clock_summary, safety_rank
from civicdesk.domain.city.models import Department
from civicdesk.domain.staff.models import User
from civicdesk.platform import timesource
from tests.fixtures.city import RESIDENT, City
from tests.fixtures.clock import NOW, MovableClock

pytestmark = pytest.mark.django_db

EXPLORE = os.environ.get("HYPOTHESIS_PROFILE") == "explore"
SETTINGS = settings(
    max_examples=300 if EXPLORE else 12,
    stateful_step_count=60 if EXPLORE else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)

# The shared fixtures' personas; None is the system (a resident on a public channel at intake).
PERSONAS = ("csr.alex", "care.admin", "staff.roads", "staff.forestry", "sup.roads", "dir.roads", "manager")
SERVICES = ("POTHOLE", "TREE-PRUNE", "TREE-DOWN", "NOISE", "GRAFFITI", "GENERAL")
DEPARTMENTS = ("roads", "forestry", "bylaw", "parks", "customer-care")
KINDS = ("complaint", "service_request", "inquiry", "feedback")
CHANNELS = ("phone", "voicemail", "email", "letter", "web", "open311", "walk_in")
CONTACTS = {
    "identified": actions.ContactDetails(**RESIDENT),
    "anonymous": actions.ContactDetails(email="someone@example.org"),
    "none": None,
}
MOVES = (timedelta(hours=2), timedelta(hours=20), timedelta(days=1), timedelta(days=3), timedelta(days=8))
DAYS_AHEAD = (1, 4, 9, 20, 40)


class SweepFailures(logging.Handler):
    """The sweep logs a case it could not step and moves on; here that is a failure, not a log line."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class LifecycleMachine(RuleBasedStateMachine):
    city: City  # set by the test before the machine runs

    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        # Each example starts from the loaded city at NOW and leaves nothing behind.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.clock = MovableClock(NOW)
        self.failures = SweepFailures()
        logging.getLogger("civicdesk").addHandler(self.failures)
        self.tracked: list[int] = []
        self.staff = {name: User.objects.get(username=name) for name in PERSONAS}

    def teardown(self) -> None:
        logging.getLogger("civicdesk").removeHandler(self.failures)
        self.clock.close()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------------

    def _case(self, pk: int) -> Case:
        return Case.objects.select_related("jurisdiction").get(pk=pk)

    def _attempt(self, change: Any, **kwargs: Any) -> bool:
        """Run one action; a refusal is a domain error (anything else fails the run). True when it went through."""
        try:
            change(**kwargs)
        except CaseError:
            return False
        return True

    def _actor(self, persona: str) -> User:
        return self.staff[persona]

    def _later(self, days: int) -> Any:
        return timesource.now() + timedelta(days=days)

    # --- intake -------------------------------------------------------------------------------------

    @initialize(target=cases)
    def first_case(self) -> int:
        case = actions.create_case(
            jurisdiction=self.city.jurisdiction,
            actor=self.staff["csr.alex"],
            kind="complaint",
            channel="phone",
            service=self.city.service("TREE-PRUNE"),
            description="A dead limb over the sidewalk.",
            contact=CONTACTS["identified"],
        ).case
        self.tracked.append(case.pk)
        return case.pk

    @rule(
        target=cases,
        kind=st.sampled_from(KINDS),
        channel=st.sampled_from(CHANNELS),
        service=st.sampled_from((*SERVICES, None)),
        persona=st.sampled_from(("csr.alex", "care.admin", "staff.roads", None)),
        contact=st.sampled_from(tuple(CONTACTS)),
        hazard=st.sampled_from((None, True, False)),
        threat=st.booleans(),
        council=st.booleans(),
    )
    def intake(
        self,
        kind: str,
        channel: str,
        service: str | None,
        persona: str | None,
        contact: str,
        hazard: bool | None,
        threat: bool,
        council: bool,
    ) -> Any:
        try:
            case = actions.create_case(
                jurisdiction=self.city.jurisdiction,
                actor=self.staff[persona] if persona else None,
                actor_label=None if persona else "resident (web)",
                kind=kind,
                channel=channel,
                service=self.city.service(service) if service else None,
                description="What the resident said.",
                contact=CONTACTS[contact],
                hazard=hazard,
                safety_threat=threat,
                council_involved=council,
            ).case
        except CaseError:
            return multiple()  # refused (a complaint without a service…): no case to carry on with
        self.tracked.append(case.pk)
        return case.pk

    # --- transitions --------------------------------------------------------------------------------

    @rule(case=cases, department=st.sampled_from(DEPARTMENTS), persona=st.sampled_from(PERSONAS))
    def route(self, case: int, department: str, persona: str) -> None:
        target = Department.objects.get(jurisdiction=self.city.jurisdiction, code=department)
        self._attempt(
            actions.route_case,
            case=self._case(case),
            actor=self._actor(persona),
            department=target,
            reason="Belongs to another department",
        )

    @rule(
        case=cases,
        update=st.sampled_from(("inspected", "action_planned", "resident_advised", "work_done", "note")),
        persona=st.sampled_from(PERSONAS),
        days=st.sampled_from(DAYS_AHEAD),
    )
    def update(self, case: int, update: str, persona: str, days: int) -> None:
        self._attempt(
            actions.record_update,
            case=self._case(case),
            actor=self._actor(persona),
            update=update,
            note="Work recorded",
            timeline=self._later(days) if update == "action_planned" else None,
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS), days=st.sampled_from(DAYS_AHEAD))
    def change_timeline(self, case: int, persona: str, days: int) -> None:
        self._attempt(
            actions.change_timeline,
            case=self._case(case),
            actor=self._actor(persona),
            timeline=self._later(days),
            reason="Crew moved to an emergency",
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def add_item(self, case: int, persona: str) -> None:
        self._attempt(actions.add_item, case=self._case(case), actor=self._actor(persona), description="Prune it")

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def complete_item(self, case: int, persona: str) -> None:
        item = CaseItem.objects.filter(case_id=case, done_at__isnull=True).order_by("pk").first()
        if item is not None:
            self._attempt(actions.complete_item, item=item, actor=self._actor(persona), note="Done")

    @rule(case=cases, persona=st.sampled_from(PERSONAS), waiting_on=st.sampled_from(("resident", "other_agency")))
    def pause(self, case: int, persona: str, waiting_on: str) -> None:
        self._attempt(
            actions.pause_clocks,
            case=self._case(case),
            actor=self._actor(persona),
            waiting_on=waiting_on,
            reason="Waiting on photos",
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def resume(self, case: int, persona: str) -> None:
        self._attempt(actions.resume_clocks, case=self._case(case), actor=self._actor(persona))

    @rule(case=cases, persona=st.sampled_from(PERSONAS), early=st.booleans())
    def request_follow_up(self, case: int, persona: str, early: bool) -> None:
        self._attempt(
            actions.request_follow_up,
            case=self._case(case),
            actor=self._actor(persona),
            message="Any news?",
            reason="The resident called again" if early else "",
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS), how=st.sampled_from(("call_returned", "email")))
    def reply(self, case: int, persona: str, how: str) -> None:
        self._attempt(
            actions.reply_to_resident, case=self._case(case), actor=self._actor(persona), how=how, note="Told them"
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def timeline_holds(self, case: int, persona: str) -> None:
        self._attempt(
            actions.tell_resident_about_timeline,
            case=self._case(case),
            actor=self._actor(persona),
            how="phone",
            note="Still on for the agreed date",
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def acknowledge(self, case: int, persona: str) -> None:
        self._attempt(
            actions.acknowledge_case, case=self._case(case), actor=self._actor(persona), message="We are on it"
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS), days=st.sampled_from(DAYS_AHEAD))
    def answer_expected_late(self, case: int, persona: str, days: int) -> None:
        self._attempt(
            actions.expect_late_answer,
            case=self._case(case),
            actor=self._actor(persona),
            expected_by=self._later(days),
            reason="Needs a council report",
        )

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def close(self, case: int, persona: str) -> None:
        self._closing(case, persona, actions.close_case, note="Resolved")

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def redirect(self, case: int, persona: str) -> None:
        self._closing(
            case, persona, actions.redirect_case, reason="Provincial road", redirect_to="Ministry of Transportation"
        )

    @rule(case=cases, parent=cases, persona=st.sampled_from(PERSONAS))
    def duplicate_of(self, case: int, parent: int, persona: str) -> None:
        self._closing(case, persona, actions.link_duplicate, parent=self._case(parent))

    def _closing(self, case: int, persona: str, change: Any, **kwargs: Any) -> None:
        actor = self._actor(persona)
        closed = self._attempt(change, case=self._case(case), actor=actor, **kwargs)
        if closed and self._case(case).council_involved:
            assert actor.has_perm("cases.close_council_case"), (
                f"PK-COUNCIL: {persona} closed council case {case} through {change.__name__}"
            )

    @rule(case=cases, persona=st.sampled_from(PERSONAS))
    def reopen(self, case: int, persona: str) -> None:
        self._attempt(actions.reopen_case, case=self._case(case), actor=self._actor(persona), reason="Back again")

    # --- time ---------------------------------------------------------------------------------------

    @rule(move=st.sampled_from(MOVES))
    def clock_moves(self, move: timedelta) -> None:
        self.clock.advance(move)

    @rule()
    def sweep(self) -> None:
        run_sweep()
        assert not self.failures.messages, f"the sweep failed on a case: {self.failures.messages[0]}"
        left = Commitment.objects.filter(
            case_id__in=self.tracked, state=CommitmentState.PENDING, due_at__lte=timesource.now()
        )
        assert not left.exists(), f"the sweep left due clocks pending: {list(left.values_list('standard', 'case_id'))}"

    # --- the city's word, after every step -------------------------------------------------------------

    @invariant()
    def every_case_keeps_its_word(self) -> None:
        for pk in self.tracked:
            case = self._case(pk)
            commitments = list(Commitment.objects.filter(case=case).order_by("due_at", "pk"))
            open_ones = [c for c in commitments if c.state in OPEN_COMMITMENT_STATES]
            self._closed_owes_nothing(case, open_ones)
            self._follow_up_numbers_increase(case)
            self._council_closed_by_customer_care(case)
            assert not journal.verify(case), f"journal of {case.reference} does not verify"
            self._summary_matches(case, open_ones)
            for commitment in commitments:
                self._timestamps_match_state(case, commitment)

    def _closed_owes_nothing(self, case: Case, open_ones: list[Commitment]) -> None:
        if case.status != Status.CLOSED:
            return
        items = list(CaseItem.objects.filter(case=case, done_at__isnull=True).values_list("description", flat=True))
        assert not items, f"PK-CLOSE: closed case {case.reference} ({case.resolution}) has open items {items}"
        owed = [(c.standard, c.state) for c in open_ones]
        assert not owed, f"PK-CLOSE: closed case {case.reference} ({case.resolution}) still owes {owed}"

    def _follow_up_numbers_increase(self, case: Case) -> None:
        numbers = list(
            FollowUpRequest.objects.filter(case=case).order_by("sent_at", "pk").values_list("number", flat=True)
        )
        assert numbers == sorted(set(numbers)), f"PK-ESC: follow-up numbers of {case.reference} are {numbers}"

    def _council_closed_by_customer_care(self, case: Case) -> None:
        if not case.council_involved:
            return
        for entry in case.journal.filter(action=Action.CLOSED).select_related("actor"):
            at_intake = entry.data.get("resolution") in (Resolution.NOT_INVESTIGATED, Resolution.NO_RESPONSE_OWED)
            if entry.actor is None:
                assert at_intake, f"PK-COUNCIL: {case.reference} closed by the system ({entry.data})"
            elif not at_intake:
                assert entry.actor.has_perm("cases.close_council_case"), (
                    f"PK-COUNCIL: {entry.actor.username} closed council case {case.reference} ({entry.data})"
                )

    def _summary_matches(self, case: Case, open_ones: list[Commitment]) -> None:
        stored = {"next_due_at": case.next_due_at, "owed_since": case.owed_since, "clocks_paused": case.clocks_paused}
        assert stored == clock_summary(open_ones), f"clock summary of {case.reference} is stale: {stored}"
        assert case.safety_rank == safety_rank(case, open_ones), f"safety rank of {case.reference} is stale"

    def _timestamps_match_state(self, case: Case, c: Commitment) -> None:
        where = f"{case.reference} {c.standard} ({c.purpose}) is {c.state}: met {c.met_at}, breached {c.breached_at}"
        expected = {
            # state: (met_at set, breached_at set, paused_at set); None where either is right
            CommitmentState.MET: (True, None, None),
            CommitmentState.BREACHED: (False, True, None),
            CommitmentState.PENDING: (False, False, False),
            CommitmentState.PAUSED: (False, False, True),
        }.get(CommitmentState(c.state))
        if expected is None:
            return
        for wanted, value, name in zip(
            expected, (c.met_at, c.breached_at, c.paused_at), ("met_at", "breached_at", "paused_at"), strict=True
        ):
            if wanted is not None:
                assert (value is not None) == wanted, f"{where}, paused {c.paused_at} ({name})"


def test_a_case_keeps_the_citys_word_over_its_whole_life(city: City) -> None:
    LifecycleMachine.city = city
    run_state_machine_as_test(LifecycleMachine, settings=SETTINGS)
