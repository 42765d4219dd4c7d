"""The staff sign-in throttle: failed attempts counted per user name and per client address (DESIGN.md "Security").

Each attempt takes a hit from both counts before the password is checked and
gives them back when the password was right, so guesses sent in parallel
cannot slip past the limit and a successful sign-in never counts as a failure.
Once either count is used up, attempts are refused without checking the
password until its window ends. A refused attempt is not counted either: a
locked-out user retrying does not use up the allowance of everyone else at
their address.

``CIVICDESK_SIGNIN_LIMITS = {"user": (5, 900), "address": (20, 900)}`` (the
defaults) sets the failed attempts allowed per window of seconds; 0 turns a
limit off (:data:`limits.SIGN_IN_USER`, :data:`limits.SIGN_IN_ADDRESS`). The
address is the client's behind ``CIVICDESK_TRUSTED_PROXIES`` proxies.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from django.http import HttpRequest

from civicdesk.platform.throttle import counters, limits

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInAttempt:
    counted: tuple[counters.Verdict, ...]
    retry_after: int  # seconds until an attempt may be made again; 0 when this one may go ahead

    @property
    def allowed(self) -> bool:
        return self.retry_after == 0

    def succeeded(self) -> None:
        """The password was right: this attempt is not a failure."""
        for verdict in self.counted:
            counters.refund(verdict)


def start_sign_in_attempt(*, request: HttpRequest | None, username: str) -> SignInAttempt:
    """Count an attempt to sign in as ``username`` as failed until :meth:`SignInAttempt.succeeded` says otherwise."""
    address = limits.SIGN_IN_ADDRESS.client_address(request) if request is not None else None
    # "Alex" and "alex " are the same person to a guesser, whatever the user table says.
    verdicts = {"user": limits.SIGN_IN_USER.count(unicodedata.normalize("NFKC", username).strip().casefold())}
    if address is not None:
        verdicts["address"] = limits.SIGN_IN_ADDRESS.count(address)
    refused = {name: verdict for name, verdict in verdicts.items() if not verdict.allowed}
    if refused:
        for verdict in verdicts.values():
            counters.refund(verdict)
        logger.warning("staff sign-in refused for %r: too many failed attempts per %s", username, " and ".join(refused))
        return SignInAttempt(counted=(), retry_after=max(verdict.retry_after for verdict in refused.values()))
    return SignInAttempt(counted=tuple(verdicts.values()), retry_after=0)
