"""How the dashboard's browser is started: by its tests, the docs' screenshots
(docs/screenshots.py) and its benchmark (bench/dashboard.py) alike.

Debian's Chromium (``make setup`` installs it; Playwright's own browser downloads cannot
be reached offline), headless, with the background services that would try to reach the
network turned off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


class ChromiumMissing(RuntimeError):
    pass


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed after use."""
    if not Path(CHROMIUM).exists():
        raise ChromiumMissing(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

