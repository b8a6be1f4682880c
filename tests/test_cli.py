"""The command line as users run it: `vod-emulator serve` (flags, environment, readiness
line, clean stop, one-line errors), `vod-emulator --version` and `vod-emulator emit`."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

import emulator
from emulator import cli
from emulator.client import AdminClient
from emulator.config import OPTIONS, Settings
from emulator.queue import QueueTimings
from emulator.server import EmulatorThread

from .examples.process import clean_environment, serve

SCRIPT = str(Path(sys.executable).parent / "vod-emulator")
README = Path(__file__).parent.parent / "README.md"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=30,
                          env=clean_environment(**(env or {})))


# ----- serve


def test_serve_prints_its_address_and_answers_health() -> None:
    with serve("--seed", "42") as (url, _):
        health = AdminClient(url).health()
        assert health["status"] == "ok"
        assert health["seed"] == 42
        assert health["verifies_signatures"] is False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly(signum: int) -> None:
    with serve() as (_, process):
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()


def test_environment_configures_it() -> None:
    env = clean_environment(
        VOD_EMULATOR_LONG_POLL_SECONDS="1.5",
        VOD_EMULATOR_CONFIRM_WINDOW_SECONDS="10",
        VOD_EMULATOR_RETENTION_SECONDS="600",
        VOD_EMULATOR_SEED="7",
        TENCENTCLOUD_SECRET_ID="AKIDfromenv",
        TENCENTCLOUD_SECRET_KEY="keyfromenv",
    )
    with serve(env=env) as (url, _):
        health = AdminClient(url).health()
        assert (health["long_poll_seconds"], health["confirm_window_seconds"],
                health["retention_seconds"], health["seed"]) == (1.5, 10, 600, 7)
        assert health["verifies_signatures"] is True


def test_flags_win_over_environment() -> None:
    env = clean_environment(VOD_EMULATOR_LONG_POLL_SECONDS="9", VOD_EMULATOR_SEED="5")
    with serve("--long-poll-seconds", "2", env=env) as (url, _):
        health = AdminClient(url).health()
        assert (health["long_poll_seconds"], health["seed"]) == (2, 5)


def test_an_empty_variable_counts_as_unset() -> None:
    env = clean_environment(VOD_EMULATOR_LONG_POLL_SECONDS="", TENCENTCLOUD_SECRET_ID="",
                            TENCENTCLOUD_SECRET_KEY="")
    with serve(env=env) as (url, _):
        health = AdminClient(url).health()
        assert (health["long_poll_seconds"], health["verifies_signatures"]) == (5, False)


def test_defaults_are_the_real_services_numbers() -> None:
    with serve() as (url, _):
        health = AdminClient(url).health()
        assert (health["long_poll_seconds"], health["confirm_window_seconds"],
                health["retention_seconds"]) == (5, 30, 4 * 24 * 3600)
        assert health["verifies_signatures"] is False
    assert Settings(seed=0).timings == QueueTimings()  # one home for the timing defaults


def _signs(url: str, secret_id: str, secret_key: str) -> str:
    """Sign a DescribeEventsState with this pair through the SDK: 'ok' or the error code."""
    http = HttpProfile(protocol="http", endpoint=url.removeprefix("http://"), reqTimeout=30)
    client = vod_client.VodClient(credential.Credential(secret_id, secret_key), "",
                                  ClientProfile(httpProfile=http))
    try:
        client.DescribeEventsState(models.DescribeEventsStateRequest())
    except TencentCloudSDKException as error:
        return str(error.code)
    return "ok"


def test_vod_emulator_variables_win_over_sdk_variables() -> None:
    env = clean_environment(VOD_EMULATOR_SECRET_ID="AKIDemulator", VOD_EMULATOR_SECRET_KEY="k1",
                            TENCENTCLOUD_SECRET_ID="AKIDsdk", TENCENTCLOUD_SECRET_KEY="k2")
    with serve(env=env) as (url, _):
        assert _signs(url, "AKIDemulator", "k1") == "ok"
        assert _signs(url, "AKIDsdk", "k2") == "AuthFailure.SecretIdNotFound"


def test_journal_max_entries_bounds_the_journal() -> None:
    with serve("--journal-max-entries", "2") as (url, _):
        admin = AdminClient(url)
        admin.emit("FileDeleted", 3)
        assert [e["event_id"] for e in admin.journal()] == ["evt-00000002", "evt-00000003"]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "70000"], {}, "--port: port must be 0-65535: '70000'"),
        (["--port", "abc"], {}, "--port: not a port number: 'abc'"),
        ([], {"VOD_EMULATOR_PORT": "abc"}, "VOD_EMULATOR_PORT: not a port number: 'abc'"),
        (["--long-poll-seconds", "soon"], {}, "--long-poll-seconds: not a number: 'soon'"),
        (["--confirm-window-seconds", "-1"], {},
         "--confirm-window-seconds: must be a finite number >= 0: '-1'"),
        ([], {"VOD_EMULATOR_RETENTION_SECONDS": "inf"},
         "VOD_EMULATOR_RETENTION_SECONDS: must be a finite number >= 0: 'inf'"),
        ([], {"VOD_EMULATOR_SEED": "abc"}, "VOD_EMULATOR_SEED: seed must be an integer: 'abc'"),
        (["--journal-max-entries", "0"], {}, "--journal-max-entries: must be >= 1: '0'"),
        (["--callback-url", "ftp://x"], {}, "--callback-url: must be an http:// or https:// URL"),
        ([], {"VOD_EMULATOR_CALLBACK_SUCCESS": "201"},
         "VOD_EMULATOR_CALLBACK_SUCCESS: must be 200 or 2xx: '201'"),
        (["--callback-retry-seconds", "5,x"], {}, "--callback-retry-seconds: must be "
         "comma-separated seconds, each a finite number >= 0: '5,x'"),
        (["--sign-key", "abc"], {}, "a sign key goes with a callback URL: set --callback-url too"),
        (["--new-app-defaults", "fake"], {},
         "--new-app-defaults: must be emulator or real: 'fake'"),
        (["--secret-id", "AKID"], {},
         "--secret-key is not set but --secret-id is: set both or neither"),
        ([], {"TENCENTCLOUD_SECRET_ID": "AKID"},
         "TENCENTCLOUD_SECRET_KEY is not set but TENCENTCLOUD_SECRET_ID is: set both or neither"),
        ([], {"VOD_EMULATOR_SECRET_KEY": "k", "TENCENTCLOUD_SECRET_ID": "AKID",
              "TENCENTCLOUD_SECRET_KEY": "k2"},
         "VOD_EMULATOR_SECRET_ID is not set but VOD_EMULATOR_SECRET_KEY is: set both or neither"),
        (["--prot", "1"], {}, "unrecognized arguments: --prot 1"),
    ],
)
def test_bad_configuration_is_a_one_line_error(
    args: list[str], env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in list(os.environ):
        if name.startswith(("VOD_EMULATOR_", "TENCENTCLOUD_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", *args])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f"vod-emulator: error: {message}\n"


def test_console_script_reports_a_bad_variable_in_one_line() -> None:
    result = _run(env={"VOD_EMULATOR_PORT": "abc"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "vod-emulator: error: VOD_EMULATOR_PORT: not a port number: 'abc'\n"


def test_a_taken_port_is_exit_status_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _run("--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and "cannot listen on" in result.stderr


def test_version_comes_from_the_distribution() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout == f"vod-emulator {importlib.metadata.version('vod-emulator')}\n"
    assert result.stdout == f"vod-emulator {emulator.__version__}\n"


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run([sys.executable, "-m", "emulator", "--version"],
                            capture_output=True, text=True, timeout=30)
    assert result.stdout == f"vod-emulator {cli.version()}\n"


def test_serve_help_lists_every_flag_with_its_variable_and_default() -> None:
    result = _run("serve", "--help")
    assert result.returncode == 0
    help_text = " ".join(result.stdout.split())  # argparse wraps lines
    for option in OPTIONS:
        entry = re.search(rf"{option.flag} [A-Z]+ (.*?)(?= --|$)", help_text)
        assert entry, f"{option.flag} is not in serve --help"
        assert f"(default {option.default_text}; env {' or '.join(option.variables)})" in (
            entry.group(1)), entry.group(1)


def test_readme_table_matches_the_settings() -> None:
    """The README's table of flags says what `serve --help` says."""
    section = README.read_text(encoding="utf-8").split("## Running it", 1)[1]
    rows = re.findall(r"^\| `(--[a-z-]+)` \| (.*?) \| (.*?) \|", section, re.M)
    assert [flag for flag, _, _ in rows] == [option.flag for option in OPTIONS]
    for (_, variables, default), option in zip(rows, OPTIONS, strict=True):
        assert re.findall(r"`([A-Z_]+)`", variables) == list(option.variables)
        assert default.replace("`", "").startswith(option.default_text.split(",")[0])


def test_settings_refuse_half_a_secret_pair_and_an_empty_journal() -> None:
    with pytest.raises(ValueError, match="set both or neither"):
        Settings(secret_id="AKID")
    with pytest.raises(ValueError, match="journal_max_entries"):
        Settings(journal_max_entries=0)


# ----- emit


@pytest.fixture
def running() -> Iterator[EmulatorThread]:
    with EmulatorThread(Settings(port=0, seed=11)) as thread:
        yield thread


def _emit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = cli.main(["emit", *args])
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_emit_prints_a_table_row_per_event(running: EmulatorThread,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _emit(capsys, "--url", running.url, "--type", "FileDeleted",
                             "--count", "3", "--sub-app-id", "1500000001")
    assert (status, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["EVENT_ID", "EVENT_TYPE", "SUB_APP_ID", "ROUTE"]
    ids = [e["event_id"] for e in AdminClient(running.url).queue(1500000001)["pullable"]]
    assert [row.split() for row in rows] == [[i, "FileDeleted", "1500000001", "queued"]
                                              for i in ids]
    assert len(ids) == 3


def test_emit_json_prints_one_json_line_per_event(running: EmulatorThread,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _emit(capsys, "--url", running.url, "--json", "--type", "FileDeleted",
                             "--count", "2")
    assert (status, err) == (0, "")
    assert [json.loads(line) for line in out.splitlines()] == [
        {"event_id": e["event_id"], "event_type": "FileDeleted", "sub_app_id": None,
         "route": "queued"} for e in AdminClient(running.url).queue()["pullable"]]


def test_emit_takes_a_url_without_a_scheme(running: EmulatorThread,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _emit(capsys, "--url", running.endpoint, "--scenario", "delete")
    assert (status, err) == (0, "")
    assert len(AdminClient(running.url).queue()["pullable"]) == 2


def test_emit_reads_vod_emulator_url(running: EmulatorThread, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOD_EMULATOR_URL", running.url)
    assert _emit(capsys, "--type", "FileDeleted")[0] == 0
    monkeypatch.setenv("VOD_EMULATOR_URL", "ftp://127.0.0.1:1")
    assert _emit(capsys, "--type", "FileDeleted") == (
        2, "", "vod-emulator: error: VOD_EMULATOR_URL: expected http://HOST:PORT, "
               "got 'ftp://127.0.0.1:1'\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "delete", "--count", "3"], "--count goes with --type, not with --scenario"),
        (["--scenario", "delete", "--override", "{}"],
         "--override goes with --type, not with --scenario"),
        (["--file", "fixtures/events/FileDeleted.json", "--count", "2"],
         "--count goes with --type, not with --file"),
        (["--type", "FileDeleted", "--scenario", "delete"],
         "--scenario: not allowed with argument --type"),
        (["--type", "FileDeleted", "--count", "many"], "--count: not an integer: 'many'"),
        (["--type", "FileDeleted", "--override", "{"],
         "--override is not valid JSON: Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1)"),
    ],
)
def test_emit_refuses_what_does_not_apply(
    running: EmulatorThread, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = (2, "", f"vod-emulator: error: {message}\n")
    assert _emit(capsys, "--url", running.url, *args) == expected
    assert AdminClient(running.url).journal() == []  # nothing was sent


def test_emit_prints_the_emulators_refusal_in_one_line(running: EmulatorThread,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _emit(capsys, "--url", running.url, "--type", "NewFileUplod")
    assert (status, out) == (1, "")
    assert err.startswith("vod-emulator emit: ") and err.count("\n") == 1
    assert "NewFileUplod" in err


def test_emit_says_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"  # bound, never listening
        status, out, err = _emit(capsys, "--url", url, "--type", "FileDeleted")
    assert (status, out) == (1, "")
    assert err.startswith(f"vod-emulator emit: cannot reach the emulator at {url}: ")
    assert err.count("\n") == 1


def test_what_each_command_imports() -> None:
    """``emit`` needs no aiohttp, and the server needs no event machinery until the first
    emit: start-up and a command pay only for what they use."""
    probe = (
        "import sys\n"
        "import emulator, emulator.cli\n"
        "assert 'aiohttp' not in sys.modules, 'emit pays for aiohttp'\n"
        "import emulator.server\n"
        "assert 'emulator.events' not in sys.modules, 'start-up pays for the events'\n"
        "assert 'faker' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
