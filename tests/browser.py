"""Debian's Chromium, headless, driven by Playwright: for the browser and accessibility tests.

Playwright never downloads a browser here: it starts /usr/bin/chromium. Without Playwright or Chromium
the tests fail with a message saying what to install, since a skipped check would pass unnoticed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# CI runs as root, where Chromium's sandbox cannot start; /dev/shm may be small in containers.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium for one test module (Playwright's sync API)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -e '.[test]'")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page) -> list[dict]:
    """What axe-core (inside the axe-playwright-python wheel) finds on the page as it is now."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is missing: pip install -e '.[test]'")
    return Axe().run(page).response["violations"]


def record_errors(page, errors: list[str]) -> None:
    """Collect what a page reports as errors (console, uncaught exceptions, CSP violations) and any dialog
    a script opens: a person would not see them, a test should."""
    page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on("dialog", lambda dialog: errors.append(f"{page.url}: dialog {dialog.message!r}") or dialog.dismiss())
