"""``civicdesk manage create_api_token USERNAME``: issue a staff API token and print it, once, on the last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.channels.api.tokens import issue_token
from civicdesk.domain.staff.models import User


class Command(BaseCommand):
    help = "Create an API token for an active staff member; the token is printed alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the staff member the token acts as (with their role and department)")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'works-orders integration'")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        name: str = options["name"]
        if len(name) > 100:
            raise CommandError("--name is longer than 100 characters")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no staff member with username {username!r}")
        if not user.is_active:
            raise CommandError(f"{username!r} is not active; reactivate the account before issuing a token")
        row, token = issue_token(user=user, name=name)
        roles = ", ".join(role.label for role in user.roles) or "no role: every endpoint will refuse it"
        self.stdout.write(f"API token {row.prefix}… for {username} ({roles}).")
        self.stdout.write("It is shown only now; store it safely. Revoke it in the admin, under Staff API, API tokens.")
        self.stdout.write(token)
