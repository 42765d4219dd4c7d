"""``civicdesk mail-intake``: the mail listener a city's mail server forwards residents' mail to (SMTP or LMTP).

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
    intake.add_argument("--city", default=None, help="the city's slug (default: the only city in the database)")
    intake.add_argument(
        "--public-url",
        default="http://localhost:8000/",
        help="the site's address, for the status link in replies (default: %(default)s)",
    )
    intake.set_defaults(handler=partial(run_mail_intake, prepare=prepare))


def run_mail_intake(args: argparse.Namespace, *, prepare: Callable[[], None]) -> int:
    prepare()
    from django.urls import reverse

    from civicdesk.channels.mail.intake import Mailbox
    from civicdesk.channels.mail.listener import MailListener
    from civicdesk.domain.city.models import Jurisdiction

    cities = Jurisdiction.objects.filter(slug=args.city) if args.city else Jurisdiction.objects.all()
    found = list(cities[:2])
    if len(found) != 1:
        what = f"no city with slug {args.city!r}" if args.city else f"{len(found) or 'no'} cities in the database"
        print(f"civicdesk mail-intake: {what}; name one with --city SLUG", file=sys.stderr)
        return EXIT_USAGE
    status_url = args.public_url.rstrip("/") + reverse("portal:status")
    listener = MailListener(Mailbox(found[0], status_url), host=args.host, port=args.port, lmtp=args.lmtp)
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
        f"Mail intake for {found[0].name} listening on {args.host}:{listener.port} "
        f"({'LMTP' if args.lmtp else 'SMTP'}); stop with Ctrl+C",
        flush=True,
    )
    stopped.wait()
    listener.stop()
    return 0
