"""What the docs say about `vod-emulator listen` is what it does: docs/cli.md's table names
every flag with its default, and the README's session is a real one (run again here, as
a developer runs it: listen started, its SignKey given to the handler, an upload, Ctrl-C;
only times, the SignKey and the two addresses differ)."""

from __future__ import annotations

import argparse
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from emulator.cli import listen as listen_command
from emulator.cli.parser import build_parser
from emulator.clients import listener, vodapi
from emulator.clients.client import AdminClient
from emulator.clients.receiver import refused_url
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .examples.test_listen_examples import Serving, load_example
from .test_listen_cli import SECRET_ID, SECRET_KEY, listen

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
CLI_DOCS = ROOT / "docs" / "cli.md"
SHOWN_ENDPOINT = "https://vod.tencentcloudapi.com"
SHOWN_HANDLER = "http://localhost:8000/vod"
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def listen_parser() -> argparse.ArgumentParser:
    top = build_parser("listen")
    subcommands = next(action for action in top._actions
                       if isinstance(action, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = subcommands.choices["listen"]
    return parser


def test_the_cli_page_documents_every_flag_with_its_default() -> None:
    section = CLI_DOCS.read_text(encoding="utf-8").split("## Real events on localhost", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(--[a-z-]+)[^`]*`[^|]* \| (.*?) \| (.*?) \|$", section, re.M)
    flags = [action for action in listen_parser()._actions if action.option_strings
             and action.option_strings[0] != "-h"]
    assert [flag for flag, _, _ in rows] == [action.option_strings[0] for action in flags]
    for (_, default, _), action in zip(rows, flags, strict=True):
        if action.default not in (None, False, True):
            shown = f"{action.default:g}" if isinstance(action.default, float) else str(
                action.default)
            assert shown in default, (action.option_strings, default)


def test_the_command_line_repeats_the_clients_facts() -> None:
    """The grammar is built without importing the client (and aiohttp): its copies agree."""
    assert listen_command.ENDPOINT == vodapi.REAL_ENDPOINT
    assert listen_command.MAX_TIMEOUT_SECONDS == listener.MAX_TIMEOUT_SECONDS


def readme_session() -> list[str]:
    """The ```text block of the README's listen section: the command and its output."""
    text = README.read_text(encoding="utf-8").split("## Real events on localhost", 1)[1]
    block = re.search(r"```text\n(.*?)```", text, re.S)
    assert block is not None
    return block.group(1).splitlines()


@pytest.fixture
def upstream() -> Iterator[EmulatorThread]:
    settings = Settings(port=0, seed=3, secret_id=SECRET_ID, secret_key=SECRET_KEY)
    with EmulatorThread(settings) as running:
        yield running


def test_the_readme_session_is_what_listen_prints(
        upstream: EmulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = readme_session()
    command = next(line for line in shown if line.startswith("$ vod-emulator listen"))
    assert command.removeprefix("$ vod-emulator listen ").split() == [
        "--forward-to", SHOWN_HANDLER]
    printed = [line for line in shown if not line.startswith(("$ ", "^C"))]
    shown_key = re.search(r"SignKey (\S+) \(generated", "\n".join(printed))
    assert shown_key is not None, "the README shows the generated SignKey"

    handler = refused_url().replace("/callback", "/vod")  # the handler is not up yet
    admin = AdminClient(upstream.url)
    with listen("--endpoint", upstream.url, "--forward-to", handler) as running:
        running.wait_for("the SignKey", lambda _: len(running.err) >= 2)
        sign_key = re.search(r"SignKey ([A-Za-z0-9]{32}) ", running.err[1])
        assert sign_key is not None, running.err
        # The developer gives the printed key to the handler and starts it.
        with Serving(load_example(monkeypatch, sign_key[1]).app, urlsplit(handler).port or 0):
            admin.wait(held_pulls=1)
            emitted = admin.emit_scenario("upload-transcode")  # an upload, its procedure
            admin.wait_for_confirmed([one["event_id"] for one in emitted])
            running.wait_for("the confirm", lambda lines: any(
                "ConfirmEvents: 3 confirmed" in line for line in lines))
            running.process.send_signal(signal.SIGINT)
            assert running.finish() == 0

    def normal(line: str, endpoint: str, address: str, key: str) -> str:
        line = _STAMP.sub("TIME", line)
        return line.replace(endpoint, "ENDPOINT").replace(address, "HANDLER").replace(
            key, "SIGNKEY")

    expected = [normal(line, SHOWN_ENDPOINT, SHOWN_HANDLER, shown_key[1]) for line in printed]
    notes = [normal(line, upstream.url, handler, sign_key[1]) for line in running.err]
    out = [normal(line, upstream.url, handler, sign_key[1]) for line in running.out]
    assert [line for line in expected if line.startswith("vod-emulator listen:")] == notes
    # Answers may come in another order: the lines must match, not their order.
    assert sorted(line for line in expected if not line.startswith("vod-emulator")) == sorted(
        out)
