"""The dashboard says when it is ready to be looked at, and can be photographed in one shot.

`data-ready` on <body> appears once every panel has its first data, and not before; with
`?live=0` the page loads each panel once and opens no stream, so Debian's headless
Chromium run as docs/dashboard.md prints it (`--screenshot --virtual-time-budget`)
finishes; the Playwright example of docs/dashboard.md runs as printed. Every wait is one
of Playwright's auto-waiting assertions or a subprocess's end: nothing sleeps.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from emulator.clients.client import AdminClient
from emulator.server import EmulatorThread

from ..browser import CHROMIUM, CHROMIUM_ARGS
from ..examples.process import clean_environment
from .conftest import Watch

SEED = 20240621
APP = 1500000001
ROOT = Path(__file__).parent.parent.parent
DOCS = ROOT / "docs" / "dashboard.md"
EXAMPLE = ROOT / "tests" / "examples" / "dashboard_screenshot.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A one-shot run finishes in a few seconds; a page that never goes quiet never does.
ONE_SHOT_TIMEOUT = 120


# What the panels hold when `data-ready` appears, recorded by the page itself at that
# moment (a MutationObserver installed before any of the page's scripts run).
RECORD_AT_READY = """
new MutationObserver((changes, observer) => {
  if (!document.body || !document.body.hasAttribute("data-ready")) return;
  observer.disconnect();
  window.atReady = {
    apps: document.getElementById("apps").textContent,
    events: document.getElementById("events").textContent,
    settings: document.getElementById("settings").value,
    faults: document.getElementById("faults").textContent,
  };
}).observe(document, { attributes: true, attributeFilter: ["data-ready"], subtree: true });
"""


def some_of_everything(admin: AdminClient) -> tuple[str, str]:
    """An event of an application, a changed setting, a fault rule: (event id, fault id)."""
    [event] = admin.emit("FileDeleted", sub_app_id=APP)
    admin.update_settings(callback_retry_seconds=[7, 4321])
    fault = admin.add_fault("ConfirmEvents", "drop_confirm")
    return str(event["event_id"]), str(fault["id"])


def is_ready(page: Page) -> bool:
    ready: bool = page.evaluate("document.body.hasAttribute('data-ready')")
    return ready


@pytest.mark.parametrize("address", ["/_emulator/ui/", "/_emulator/ui/?live=0"],
                         ids=["live", "no-live"])
def test_ready_once_every_panel_has_its_data(
    page: Page, emulator: EmulatorThread, admin: AdminClient, address: str
) -> None:
    event_id, fault_id = some_of_everything(admin)
    page.add_init_script(RECORD_AT_READY)
    page.goto(emulator.url + address)

    expect(page.locator("body")).to_have_attribute("data-ready", "")
    at_ready = page.evaluate("window.atReady")
    assert event_id in at_ready["events"]
    assert str(APP) in at_ready["apps"]
    assert "4321" in at_ready["settings"]
    assert fault_id in at_ready["faults"]
    live = "live" if address.endswith("/") else "not live (?live=0)"
    expect(page.get_by_test_id("connection")).to_have_text(live)


def test_not_ready_while_a_panel_waits_for_its_data(
    page: Page, emulator: EmulatorThread, admin: AdminClient
) -> None:
    event_id, fault_id = some_of_everything(admin)
    held: list[Route] = []
    page.route(lambda url: urlsplit(url).path == "/_emulator/faults",
               lambda route: held.append(route))
    page.goto(emulator.url + "/_emulator/ui/")

    # Every other panel has its data; the faults' answer is held back: not ready.
    expect(page.locator(f'[data-event-id="{event_id}"]')).to_be_visible()
    expect(page.locator(f'[data-testid="app-row"][data-app="{APP}"]')).to_be_visible()
    expect(page.get_by_test_id("settings")).to_have_value(re.compile("4321"))
    expect(page.get_by_test_id("chart-latency").locator("svg")).to_be_visible()
    assert len(held) == 1
    assert not is_ready(page)
    expect(page.get_by_test_id("fault")).to_have_count(0)

    held[0].continue_()
    expect(page.locator("body")).to_have_attribute("data-ready", "")
    expect(page.get_by_test_id("fault")).to_have_attribute("data-fault-id", fault_id)


@pytest.mark.parametrize("live", [True, False], ids=["live", "no-live"])
def test_no_live_page_goes_quiet_once_loaded(
    page: Page, emulator: EmulatorThread, admin: AdminClient, watch: Watch, live: bool
) -> None:
    some_of_everything(admin)
    page.clock.install()  # the page's timers run when the test says
    page.goto(emulator.url + "/_emulator/ui/" + ("" if live else "?live=0"))
    expect(page.locator("body")).to_have_attribute("data-ready", "")
    loaded = len(watch.requests)
    page.clock.run_for(10_000)  # ten seconds of the page's timers: its polls, if any
    page.get_by_test_id("clock-now").inner_text()  # a round trip: the timers have run
    later = watch.requests[loaded:]
    streams = [url for url in watch.requests if urlsplit(url).path == "/_emulator/stream"]
    if live:  # the live page follows: a stream, and polls for what the stream cannot tell
        assert streams and later
    else:
        assert streams == [] and later == []


def documented_one_liner() -> str:
    """The chromium command docs/dashboard.md prints for a one-shot screenshot."""
    commands: list[str] = re.findall(r"`(chromium --headless [^`]*)`",
                                     DOCS.read_text(encoding="utf-8"))
    assert len(commands) == 1, commands
    return commands[0]


def run_chromium(command: str, url: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """The documented command, with this machine's Chromium (and its headless flags:
    no sandbox as root, no background networking) at the test's emulator."""
    words = shlex.split(command.replace("http://127.0.0.1:4600", url))
    assert words[0] == "chromium"
    return subprocess.run([CHROMIUM, *CHROMIUM_ARGS, *words[1:]], cwd=cwd,
                          capture_output=True, timeout=ONE_SHOT_TIMEOUT, check=False)


def test_the_documented_one_shot_screenshot_finishes(
    emulator: EmulatorThread, admin: AdminClient, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
    event_id, fault_id = some_of_everything(admin)
    command = documented_one_liner()
    assert "?live=0" in command and "--virtual-time-budget=" in command

    done = run_chromium(command, emulator.url, tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    [name] = re.findall(r"--screenshot=(\S+)", command)
    picture = (tmp_path / name).read_bytes()
    assert picture.startswith(PNG_MAGIC)
    assert len(picture) > 50_000  # a page full of panels, not a blank one

    # The same run, the page's DOM printed instead: ready, with the data, within the budget.
    dom = run_chromium(command.replace(f"--screenshot={name}", "--dump-dom"), emulator.url,
                       tmp_path)
    assert dom.returncode == 0
    text = dom.stdout.decode()
    assert re.search(r"<body[^>]* data-ready=", text)
    assert event_id in text and fault_id in text


def test_the_documented_playwright_example(
    emulator: EmulatorThread, admin: AdminClient, tmp_path: Path
) -> None:
    some_of_everything(admin)
    result = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path,
                            env=clean_environment(VOD_EMULATOR_URL=emulator.url),
                            capture_output=True, text=True, timeout=ONE_SHOT_TIMEOUT)
    assert result.returncode == 0, result.stderr
    picture = (tmp_path / "dashboard.png").read_bytes()
    assert picture.startswith(PNG_MAGIC) and len(picture) > 50_000
