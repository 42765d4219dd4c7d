"""Browser tests: Playwright (sync API) driving Debian's Chromium against a live server, with axe-core.

Chromium is the system one (``/usr/bin/chromium``; no browser is downloaded)
and axe-core comes from ``node_modules`` (``npm ci``). Without either, these
tests are skipped, unless ``CIVICDESK_REQUIRE_BROWSER=1`` (CI), which makes a
missing piece a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.fixtures.autouse import frozen_now
from tests.fixtures.processes import ROOT

# Every browser test runs at NOW; the live server is a thread of this process, so it sees the frozen clock too.
__all__ = ["frozen_now"]

CHROMIUM = Path(os.environ.get("CIVICDESK_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__test-only__/axe.min.js"  # answered by the browser context itself, never by the server
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, one h1, skip link target…).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LANGUAGES = ("en", "fr", "es")

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    if not AXE.exists():
        return f"{AXE.relative_to(ROOT)} not found (npm ci)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("CIVICDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Browser:
    """One browser context (own cookies) on the live server, with sign-in, language and axe helpers."""

    def __init__(self, browser: Any, base_url: str, language: str = "en", viewport: dict[str, int] | None = None):
        self.base_url = base_url
        self.context = browser.new_context(
            base_url=base_url, viewport=viewport or {"width": 1280, "height": 900}, locale=language
        )
        self.context.set_default_timeout(10_000)
        # axe-core is loaded as a same-origin script file, which the site's Content-Security-Policy allows
        # (an injected inline script would be refused, as it should be).
        self.context.route(AXE_URL, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
        self.set_language(language)
        self.page = self.context.new_page()
        self.checked: list[str] = []

    def set_language(self, language: str) -> None:
        self.context.add_cookies([{"name": "django_language", "value": language, "url": self.base_url}])

    def sign_in_as(self, username: str) -> None:
        """A session made by Django's test client, handed to the browser (the sign-in page has its own test)."""
        from django.test import Client

        from civicdesk.domain.staff.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url}])

    def goto(self, path: str) -> Any:
        response = self.page.goto(path)
        self.page.wait_for_load_state("load")
        return response

    def settled(self) -> None:
        """Wait for the page's own signal (civicdesk.js) that htmx has wired it and no partial update is pending."""
        self.page.locator("html[data-htmx='idle']").wait_for(state="attached")

    def type_into(self, field: Any, text: str) -> None:
        """Type into a field and leave it, as a person does, then wait until the refresh that set off has settled.

        Leaving the field sends at once a refresh that would otherwise wait for a pause in typing.
        """
        field.fill(text)
        field.blur()
        self.settled()

    def choose(self, field: Any, value: str | None = None, *, label: str | None = None) -> None:
        """Pick an option, then wait until the refresh that set off has settled."""
        field.select_option(value, label=label)
        self.settled()

    def axe(self, label: str | None = None) -> None:
        """Run axe-core on the page as it is now: 0 violations of WCAG 2.1 A/AA and best practices."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=AXE_URL)
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
                "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
            }
            for v in result["violations"]
        ]
        where = label or self.page.url
        self.checked.append(where)
        assert violations == [], f"axe violations on {where}:\n{json.dumps(violations, indent=2)}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_browser(browser: Any, live_server: Any) -> Iterator[Callable[..., Browser]]:
    opened: list[Browser] = []

    def make(language: str = "en", viewport: dict[str, int] | None = None) -> Browser:
        session = Browser(browser, live_server.url, language, viewport)
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """docs/images when CIVICDESK_SCREENSHOTS=1 (to refresh the README's pictures), else a temporary folder."""
    if os.environ.get("CIVICDESK_SCREENSHOTS") == "1":
        return ROOT / "docs" / "images"
    return tmp_path
