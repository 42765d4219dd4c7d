"""SQLite writers wait in line for the write lock (platform/sqlite): none fails, none waits for ever, none is overtaken for long."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from civicdesk.domain.city.models import Jurisdiction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the writers' queue is SQLite's: this run uses PostgreSQL")


def _in_thread(work: object) -> threading.Thread:
    def run() -> None:
        try:
            work()  # type: ignore[operator]
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_writer_waits_for_the_one_in_its_transaction_and_then_commits() -> None:
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with transaction.atomic():
            Jurisdiction.objects.create(name="First", slug="first")
            inside.set()
            release.wait(10)
            order.append("first commits")

    def second() -> None:
        inside.wait(10)
        with transaction.atomic():
            order.append("second writes")
            Jurisdiction.objects.create(name="Second", slug="second")

    threads = [_in_thread(first), _in_thread(second)]
    inside.wait(10)
    time.sleep(0.3)  # the second writer is now waiting for the lock, not writing
    assert order == []
    release.set()
    for thread in threads:
        thread.join(20)

    assert order == ["first commits", "second writes"]
    assert set(Jurisdiction.objects.filter(slug__in=["first", "second"]).values_list("slug", flat=True)) == {
        "first",
        "second",
    }


def test_a_rolled_back_transaction_lets_the_next_writer_in() -> None:
    def refused_half_way() -> None:
        with transaction.atomic():
            Jurisdiction.objects.create(name="Gone", slug="gone")
            raise RuntimeError("refused half-way")

    with pytest.raises(RuntimeError):
        refused_half_way()

    done = threading.Event()

    def writer() -> None:
        with transaction.atomic():
            Jurisdiction.objects.create(name="Next", slug="next")
        done.set()

    _in_thread(writer).join(10)
    assert done.is_set()
    assert not Jurisdiction.objects.filter(slug="gone").exists()


def test_many_concurrent_writers_all_commit_without_database_is_locked() -> None:
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        for round_ in range(15):
            try:
                with transaction.atomic():
                    Jurisdiction.objects.create(name=f"City {number}-{round_}", slug=f"city-{number}-{round_}")
            except BaseException as error:  # every failure is reported by the assertion below
                errors.append(error)

    threads = [_in_thread(lambda number=number: writer(number)) for number in range(8)]
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert Jurisdiction.objects.filter(slug__startswith="city-").count() == 8 * 15
