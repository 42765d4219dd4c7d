"""The one table of rate counters; which limits use it is up to the callers (portal, Open311, staff sign-in)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class RateCounter(models.Model):
    """Hits counted for one scope in one fixed window.

    The scope names the limit and a keyed hash of who is counted, never an
    address or a user name. ``expires_at`` is the end of the window, so rows of
    windows of any length can be deleted once they are over.
    """

    scope = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    expires_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    objects: ClassVar[models.Manager[RateCounter]] = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "window_start"], name="throttle_window_unique")]
        indexes = [models.Index(fields=["expires_at"], name="throttle_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.scope} @ {self.window_start:%Y-%m-%d %H:%M:%S}: {self.hits}"
