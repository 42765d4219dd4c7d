"""``civicdesk mail-intake`` and ``mail-poll``: mail in by a listener (SMTP or LMTP) or from a mailbox (IMAP).

``register(subparsers, prepare=…)`` adds the command to the ``civicdesk`` parser;
``prepare`` starts Django and checks the database (the CLI's own start-up). It runs
until SIGTERM or Ctrl+C and prints where it listens; every message it takes
is recorded (see :mod:`civicdesk.channels.mail.intake`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from functools import partial
from types import FrameType
from typing import Any

EXIT_USAGE = 2


def register(commands: Any, *, prepare: Callable[[], None]) -> None:
    intake = commands.add_parser("mail-intake", help="receive residents' mail over SMTP or LMTP; each becomes a case")
    intake.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    intake.add_argument("--port", type=int, default=2525, help="port to listen on (default: %(default)s)")
    intake.add_argument(
        "--lmtp", action="store_true", help="speak LMTP (a mail server's local delivery) instead of SMTP"
    )
    _add_city_options(intake)
    intake.set_defaults(handler=partial(run_mail_intake, prepare=prepare))

    poll = commands.add_parser("mail-poll", help="read the city's mailbox over IMAP (IMAP_HOST…); each message a case")
    poll.add_argument("--once", action="store_true", help="one pass, then exit (default: every IMAP_POLL_SECONDS)")
    _add_city_options(poll)
    poll.set_defaults(handler=partial(run_mail_poll, prepare=prepare))


def _add_city_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", default=None, help="the city's slug (default: the only city in the database)")
    parser.add_argument(
        "--public-url",
        default="http://localhost:8000/",
        help="the site's address, for the status link in replies (default: %(default)s)",
    )


def _mailbox(args: argparse.Namespace, command: str) -> Any:
    """The city the mail is for, or None (said on stderr) when the database does not name exactly one."""
    from django.urls import reverse

    from civicdesk.channels.mail.intake import Mailbox
    from civicdesk.domain.city.models import Jurisdiction

    cities = Jurisdiction.objects.filter(slug=args.city) if args.city else Jurisdiction.objects.all()
    found = list(cities[:2])
    if len(found) != 1:
        what = f"no city with slug {args.city!r}" if args.city else f"{len(found) or 'no'} cities in the database"
        print(f"civicdesk {command}: {what}; name one with --city SLUG", file=sys.stderr)
        return None
    return Mailbox(found[0], args.public_url.rstrip("/") + reverse("portal:status"))


def run_mail_poll(args: argparse.Namespace, *, prepare: Callable[[], None]) -> int:
    prepare()
    from django.conf import settings

    from civicdesk.channels.mail.poller import MailboxUnavailable, poll_forever, poll_once

    account = settings.CONFIG.imap
    if not account.host:
        print("civicdesk mail-poll: IMAP_HOST is not set (and IMAP_USER, IMAP_PASSWORD)", file=sys.stderr)
        return EXIT_USAGE
    mailbox = _mailbox(args, "mail-poll")
    if mailbox is None:
        return EXIT_USAGE
    if args.once:
        try:
            report = poll_once(account, mailbox)
        except MailboxUnavailable as error:
            print(f"civicdesk mail-poll: {error}", file=sys.stderr)
            return 1
        print(f"{report.taken} message(s) taken from {account.folder}: {report.outcomes}")
        return 0
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopped.set())
    print(
        f"Reading {account.user}@{account.host} {account.folder} every {account.every} s; stop with Ctrl+C", flush=True
    )
    poll_forever(account, mailbox, stopped=stopped.wait)
    return 0


def run_mail_intake(args: argparse.Namespace, *, prepare: Callable[[], None]) -> int:
    prepare()
    from civicdesk.channels.mail.listener import MailListener

    mailbox = _mailbox(args, "mail-intake")
    if mailbox is None:
        return EXIT_USAGE
    listener = MailListener(mailbox, host=args.host, port=args.port, lmtp=args.lmtp)
    try:
        listener.start()
    except (OSError, RuntimeError) as error:
        print(f"civicdesk mail-intake: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"Mail intake for {mailbox.jurisdiction.name} listening on {args.host}:{listener.port} "
        f"({'LMTP' if args.lmtp else 'SMTP'}); stop with Ctrl+C",
        flush=True,
    )
    stopped.wait()
    listener.stop()
    return 0
