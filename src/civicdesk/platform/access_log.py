"""gunicorn's access log with secrets taken out of the request line.

Open311 clients may send their ``api_key`` in the query string (the GeoReport
v2 spec allows it); a key written to a log file is a key anyone with the log
can use, so its value is replaced before the line is written.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# Query parameters whose values never reach a log line.
SECRET_PARAMETERS = ("api_key", "key", "token")
_SECRET = re.compile(r"(?i)(?P<name>(?:^|[?&;])(?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&;#\s]*")


def redact_query(text: str) -> str:
    """``text`` (a URI or query string) with the value of every secret parameter replaced by ``[redacted]``."""
    return _SECRET.sub(r"\g<name>[redacted]", text)


class RedactingLogger(Logger):  # type: ignore[misc]
    """The standard gunicorn logger, except that request lines and query strings lose their secrets."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "{raw_uri}e", "{query_string}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_query(atoms[key])
        return atoms
