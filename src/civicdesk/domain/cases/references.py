"""Case references residents can read out on the phone: nine digits, the last a check digit.

Random (not sequential) so a reference reveals nothing about other cases and
needs no shared counter; the Damm check digit catches every single-digit
error and every swap of adjacent digits a caller might make.
"""

from __future__ import annotations

import re
import secrets

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def check_digit(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def new_reference() -> str:
    body = str(secrets.randbelow(90_000_000) + 10_000_000)
    return f"{body}{check_digit(body)}"


def normalise(text: str) -> str | None:
    """The stored form of a reference typed with spaces or dashes, or None if it cannot be one."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"\d{9}", digits) or check_digit(digits) != 0:
        return None
    return digits


def display(reference: str) -> str:
    """``482-915-307``: easier to read aloud."""
    return f"{reference[:3]}-{reference[3:6]}-{reference[6:]}"
