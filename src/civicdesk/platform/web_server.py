"""`civicdesk serve`: gunicorn in-process, configured from our settings rather than a config file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


class WebServer(BaseApplication):  # type: ignore[misc]
    """Pre-forking WSGI server: a master process and ``workers`` web processes."""

    def __init__(self, *, host: str, port: int, workers: int, data_dir: Path) -> None:
        bind_host = f"[{host}]" if ":" in host else host
        self.options: dict[str, Any] = {
            "bind": f"{bind_host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 60,
            "graceful_timeout": 30,
            "keepalive": 5,
            "accesslog": "-",
            "logger_class": "civicdesk.platform.access_log.RedactingLogger",
            "errorlog": "-",
            "proc_name": "civicdesk-web",
            # Restart web processes now and then so a slow leak can never take the site down.
            "max_requests": 10_000,
            "max_requests_jitter": 1_000,
            # One control socket per instance, beside its data: two servers run by one account
            # must never answer each other's `gunicornc` commands.
            "control_socket": str(data_dir / "gunicorn.ctl"),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from civicdesk.platform.wsgi import application

        return application
