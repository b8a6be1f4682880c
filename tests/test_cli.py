"""The command line as users run it: `vod-emulator serve` (flags, environment, readiness
line, clean stop, one-line errors), `vod-emulator --version` and `vod-emulator emit`."""

from __future__ import annotations

import argparse
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
from typing import Any

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
from emulator.cli import emit as cli_emit
from emulator.cli import output as cli_output
from emulator.clients.client import AdminClient
from emulator.core.queue import QueueTimings
from emulator.core.settings import OPTIONS, Settings
from emulator.server import EmulatorThread

from .examples.process import clean_environment, serve

SCRIPT = str(Path(sys.executable).parent / "vod-emulator")
CLI_DOCS = Path(__file__).parent.parent / "docs" / "cli.md"


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
         "VOD_EMULATOR_CALLBACK_SUCCESS: must be 200 or 2xx or any: '201'"),
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
    assert result.stdout == f"vod-emulator {cli.parser.version()}\n"


def test_serve_help_lists_every_flag_with_its_variable_and_default() -> None:
    result = _run("serve", "--help")
    assert result.returncode == 0
    help_text = " ".join(result.stdout.split())  # argparse wraps lines
    for option in OPTIONS:
        entry = re.search(rf"{option.flag} (?:[A-Z]+|\[[A-Z]+\]) (.*?)(?= --|$)", help_text)
        assert entry, f"{option.flag} is not in serve --help"
        assert f"(default {option.default_text}; env {' or '.join(option.variables)})" in (
            entry.group(1)), entry.group(1)


def test_readme_table_matches_the_settings() -> None:
    """The docs' table of flags (docs/cli.md) says what `serve --help` says."""
    section = CLI_DOCS.read_text(encoding="utf-8").split("## Running it", 1)[1]
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
        "assert 'emulator.events.factory' not in sys.modules, 'start-up pays for the events'\n"
        "assert 'faker' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


# ----- the client commands


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = cli.main(list(args))
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines()]


def _sdk(thread: EmulatorThread) -> vod_client.VodClient:
    """The official SDK aimed at an emulator that verifies no signature."""
    http = HttpProfile(protocol="http", endpoint=thread.endpoint, reqTimeout=30)
    return vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                                ClientProfile(httpProfile=http))


def _pull(thread: EmulatorThread) -> list[Any]:
    return list(_sdk(thread).PullEvents(models.PullEventsRequest()).EventSet or [])


def _command_paths() -> list[list[str]]:
    """Every command and subcommand of the parser, e.g. ["fault", "add"]."""
    paths: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    paths.append([*path, name])
                    walk(sub, [*path, name])

    walk(cli.parser.build_parser(), [])
    return paths


def test_every_command_has_help_and_every_client_command_url_and_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    paths = _command_paths()
    assert {" ".join(p) for p in paths} >= {
        "serve", "emit", "peek", "history", "callbacks", "advance", "clock", "clock freeze",
        "clock resume", "clock scale", "reset", "fault add", "fault list", "fault clear",
        "settings", "settings set", "stats", "tail", "record", "export-journal", "replay",
        "wait-ready"}
    for path in paths:
        status, out, err = _cli(capsys, *path, "--help")
        assert (status, err) == (0, ""), path
        assert out.startswith(f"usage: vod-emulator {' '.join(path)}"), out
        if path != ["serve"]:
            assert "--url URL" in out and "--json" in out, path


def test_a_command_says_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        for path in (["peek"], ["fault", "list"], ["tail", "--until-idle", "0"]):
            status, out, err = _cli(capsys, *path, "--url", url)
            assert (status, out) == (1, "")
            name = " ".join(path[:2] if path[0] == "fault" else path[:1])
            assert err.startswith(f"vod-emulator {name}: cannot reach the emulator at {url}: ")
            assert err.endswith(" (is it running? --url or VOD_EMULATOR_URL says where it "
                                "listens)\n") and err.count("\n") == 1


def test_emit_set_builds_nested_overrides_over_override(
        running: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _cli(
        capsys, "emit", "--url", running.url, "--type", "NewFileUpload",
        "--override", '{"FileUploadEvent": {"MediaBasicInfo": {"Name": "a.mp4", '
                      '"Description": "kept"}}}',
        "--set", "FileUploadEvent.FileId=5285890784273533167",  # text in the schema: kept so
        "--set", "FileUploadEvent.MediaBasicInfo.Name=launch.mp4",
        "--set", "FileUploadEvent.MediaBasicInfo.Vid=null")  # text too: "null", not null
    assert (status, err) == (0, "")
    (event,) = AdminClient(running.url).queue()["pullable"]
    upload = event["content"]["FileUploadEvent"]
    assert upload["FileId"] == "5285890784273533167"
    assert upload["MediaBasicInfo"]["Name"] == "launch.mp4"
    assert upload["MediaBasicInfo"]["Description"] == "kept"
    assert upload["MediaBasicInfo"]["Vid"] == "null"


def test_emit_set_parses_json_values(running: EmulatorThread,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _cli(capsys, "emit", "--url", running.url, "--type", "NewFileUpload",
                          "--set", "FileUploadEvent.MediaBasicInfo.ClassId=12",
                          "--set", 'FileUploadEvent.MediaBasicInfo.TagSet=["a", "b"]',
                          "--set", 'FileUploadEvent.MediaBasicInfo.Name="quoted"')
    assert (status, err) == (0, "")
    (event,) = AdminClient(running.url).queue()["pullable"]
    basic = event["content"]["FileUploadEvent"]["MediaBasicInfo"]
    assert (basic["ClassId"], basic["TagSet"], basic["Name"]) == (12, ["a", "b"], "quoted")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "FileUploadEvent"], "--set takes Field.Path=value, got 'FileUploadEvent'"),
        (["--set", "FileUploadEvent..FileId=1"],
         "--set takes Field.Path=value, got 'FileUploadEvent..FileId=1'"),
        (["--set", "FileUploadEvent=1", "--set", "FileUploadEvent.FileId=x"],
         "--set FileUploadEvent.FileId: FileUploadEvent is already set to 1, not an object"),
        (["--override", "[]", "--set", "A=1"],
         "--override must be a JSON object to be combined with --set"),
    ],
)
def test_emit_set_mistakes_are_usage_errors(
        running: EmulatorThread, capsys: pytest.CaptureFixture[str], args: list[str],
        message: str) -> None:
    assert _cli(capsys, "emit", "--url", running.url, "--type", "NewFileUpload", *args) == (
        2, "", f"vod-emulator: error: {message}\n")
    assert _cli(capsys, "emit", "--url", running.url, "--scenario", "delete",
                "--set", "A=1")[2] == "vod-emulator: error: --set goes with --type, not with " \
                                      "--scenario\n"


def test_a_large_emit_goes_in_chunks_and_says_how_many(
        running: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    count = cli_emit.EMIT_CHUNK * 2 + 5
    status, out, err = _cli(capsys, "emit", "--url", running.url, "--json", "--type",
                            "FileDeleted", "--count", str(count))
    assert (status, err) == (0, f"vod-emulator emit: emitted {count:,} events\n")
    ids = [line["event_id"] for line in _json_lines(out)]
    assert ids == [f"evt-{n:08d}" for n in range(1, count + 1)]
    assert len(AdminClient(running.url).queue(content=False)["pullable"]) == count


def test_peek_shows_pullable_and_leased_events(running: EmulatorThread,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted", 2)
    pulled = _pull(running)
    admin.emit("NewFileUpload")
    status, out, err = _cli(capsys, "peek", "--url", running.url)
    assert (status, err) == (0, "")
    header, *rows, summary = out.splitlines()
    assert header.split() == ["STATE", "EVENT_ID", "EVENT_TYPE", "DELIVERIES", "HANDLE",
                              "EXPIRES_AT"]
    assert [row.split()[:4] for row in rows] == [
        ["pullable", "evt-00000003", "NewFileUpload", "0"],
        ["leased", "evt-00000001", "FileDeleted", "1"],
        ["leased", "evt-00000002", "FileDeleted", "1"]]
    assert [row.split()[4] for row in rows[1:]] == [e.EventHandle for e in pulled]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rows[1].split()[5])
    assert summary == "application default: 1 pullable, 2 leased, 0 held pulls, 0 confirmed"
    status, out, _ = _cli(capsys, "peek", "--url", running.url, "--json")
    assert _json_lines(out) == [admin.queue(content=False)]
    status, out, _ = _cli(capsys, "peek", "--url", running.url, "--sub-app-id", "7")
    assert out == "application 7: 0 pullable, 0 leased, 0 held pulls, 0 confirmed\n"


def test_history_shows_an_events_journal_entries(running: EmulatorThread,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted", 2)
    (first, _) = _pull(running)
    request = models.ConfirmEventsRequest()
    request.EventHandles = [first.EventHandle]
    _sdk(running).ConfirmEvents(request)
    status, out, err = _cli(capsys, "history", "--url", running.url, "evt-00000001")
    assert (status, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["SEQ", "AT", "KIND", "SUB_APP_ID", "EVENT_ID", "HANDLE", "DETAIL"]
    assert [row.split()[2] for row in rows] == ["enqueued", "leased", "confirmed"]
    assert {row.split()[4] for row in rows} == {"evt-00000001"}
    status, out, _ = _cli(capsys, "history", "--url", running.url, "--json", "evt-00000001")
    assert _json_lines(out) == admin.journal(event_id="evt-00000001")
    assert _cli(capsys, "history", "--url", running.url, "evt-00000099") == (
        1, "", "vod-emulator history: no journal entry of 'evt-00000099': not emitted since "
               "the last reset, or its entries were evicted\n")


def test_callbacks_shows_attempt_records(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator.clients.receiver import CallbackReceiver

    with CallbackReceiver() as receiver, EmulatorThread(
            Settings(port=0, seed=3, callback_url=receiver.url)) as thread:
        admin = AdminClient(thread.url)
        admin.add_fault("callback", "fail", status=503, event_id="evt-00000001")
        admin.emit("FileDeleted", 2)
        receiver.wait_for(1)
        admin.wait(callbacks_pending=1, callbacks_delivered=1)  # the failed one: a retry waits
        status, out, err = _cli(capsys, "callbacks", "--url", thread.url)
        assert (status, err) == (0, "")
        header, *rows = out.splitlines()
        assert header.split()[:7] == ["AT", "EVENT_ID", "SUB_APP_ID", "ATTEMPT", "OUTCOME",
                                      "STATUS", "LATENCY_MS"]
        assert sorted(row.split()[1:6] for row in rows) == [
            ["evt-00000001", "default", "1", "pending_retry", "503"],
            ["evt-00000002", "default", "1", "delivered", "200"]]
        status, out, _ = _cli(capsys, "callbacks", "--url", thread.url, "--json",
                              "--sub-app-id", "default", "--outcome", "delivered")
        assert _json_lines(out) == admin.callbacks(sub_app_id=None, outcome="delivered")
        assert [a["event_id"] for a in _json_lines(out)] == ["evt-00000002"]
        status, out, _ = _cli(capsys, "callbacks", "--url", thread.url, "--json",
                              "--sub-app-id", "7")
        assert (status, out) == (0, "")
        status, out, _ = _cli(capsys, "callbacks", "--url", thread.url, "--event-id", "evt-x")
        assert (status, out) == (0, "no callback attempts\n")


def test_advance_and_clock(running: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    status, out, _ = _cli(capsys, "advance", "--url", running.url, "--json", "30")
    assert status == 0 and _json_lines(out)[0]["offset_seconds"] == 30
    status, out, _ = _cli(capsys, "clock", "--url", running.url, "freeze", "--json")
    assert _json_lines(out)[0]["frozen"] is True and admin.clock()["frozen"] is True
    status, out, _ = _cli(capsys, "clock", "--url", running.url, "scale", "60")
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert {name: value.strip() for name, value in lines.items() if name != "now"} == {
        "offset": "30 s", "scale": "60", "frozen": "yes"}
    assert _cli(capsys, "clock", "--json", "--url", running.url, "resume")[0] == 0
    assert (admin.clock()["frozen"], admin.clock()["scale"]) == (False, 60)
    status, out, _ = _cli(capsys, "clock", "--url", running.url)
    assert out.splitlines()[0].startswith("now:") and "frozen: no" in out
    status, _, err = _cli(capsys, "clock", "--url", running.url, "scale", "0")
    assert status == 1 and err.startswith("vod-emulator clock scale: ")
    assert _cli(capsys, "advance", "--url", running.url, "soon")[0] == 2


def test_reset_everything_or_one_application(running: EmulatorThread,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted", 2)
    admin.emit("FileDeleted", 1, sub_app_id=7)
    assert _cli(capsys, "reset", "--url", running.url, "--sub-app-id", "default") == (
        0, "reset application default\n", "")
    assert (len(admin.queue()["pullable"]), len(admin.queue(7)["pullable"])) == (0, 1)
    assert _cli(capsys, "reset", "--url", running.url, "--json") == (0, '{"reset": true}\n', "")
    assert admin.journal() == [] and admin.queue(7)["pullable"] == []


def test_fault_add_list_clear(running: EmulatorThread,
                              capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    status, out, err = _cli(capsys, "fault", "add", "--url", running.url, "--json",
                            "--action", "PullEvents", "--effect", "error",
                            "--code", "RequestLimitExceeded", "--message", "slow down",
                            "--sub-app-id", "default", "--times", "1")
    assert (status, err) == (0, "")
    assert _json_lines(out) == [{"id": "f1", "action": "PullEvents", "effect": "error",
                                 "code": "RequestLimitExceeded", "message": "slow down",
                                 "sub_app_id": None, "times": 1, "applied": 0, "remaining": 1}]
    with pytest.raises(TencentCloudSDKException) as refused:
        _pull(running)
    assert refused.value.code == "RequestLimitExceeded"
    status, out, _ = _cli(capsys, "fault", "add", "--url", running.url, "--action", "callback",
                          "--effect", "fail", "--status", "503", "--event-type", "FileDeleted",
                          "--probability", "0.5")
    assert out.splitlines()[1].split()[:5] == ["f2", "callback", "fail", "0", "p=0.5"]
    status, out, _ = _cli(capsys, "fault", "add", "--url", running.url, "--action",
                          "ConfirmEvents", "--effect", "latency", "--seconds", "0.5")
    status, out, _ = _cli(capsys, "fault", "list", "--url", running.url)
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "ACTION", "EFFECT", "APPLIED", "REMAINING", "DETAILS"]
    assert [row.split()[:5] for row in rows] == [  # f1 is spent and gone
        ["f2", "callback", "fail", "0", "p=0.5"],
        ["f3", "ConfirmEvents", "latency", "0", "every"]]
    assert "seconds=0.5" in rows[1]
    assert _cli(capsys, "fault", "clear", "--url", running.url, "f2") == (0, "removed f2\n", "")
    assert _cli(capsys, "fault", "clear", "--url", running.url, "f2") == (
        1, "", "vod-emulator fault clear: no fault rule 'f2': GET /_emulator/faults lists those "
               "in force\n")
    assert _cli(capsys, "fault", "clear", "--url", running.url, "--json") == (
        0, '{"removed": ["f3"]}\n', "")
    assert _cli(capsys, "fault", "list", "--url", running.url) == (0, "no faults in force\n", "")
    assert admin.faults() == []
    status, _, err = _cli(capsys, "fault", "add", "--url", running.url, "--action", "callback",
                          "--effect", "error", "--code", "X")
    assert status == 1 and err.startswith("vod-emulator fault add: ")
    status, _, err = _cli(capsys, "fault", "add", "--action", "callback", "--effect", "fail",
                          "--times", "1", "--probability", "0.5")
    assert (status, err) == (2, "vod-emulator: error: --probability: not allowed with "
                                "argument --times\n")
    status, _, err = _cli(capsys, "fault", "add", "--action", "Pull", "--effect", "fail")
    assert status == 2 and "--action: invalid choice: 'Pull'" in err


def test_settings_show_and_set(running: EmulatorThread,
                               capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    status, out, _ = _cli(capsys, "settings", "--url", running.url)
    assert status == 0 and "long_poll_seconds:" in out.splitlines()[0]
    status, out, err = _cli(capsys, "settings", "set", "--url", running.url, "--json",
                            "long_poll_seconds=0.5", "callback_success=2xx",
                            "callback_retry_seconds=[1, 2]")
    assert (status, err) == (0, "")
    assert _json_lines(out) == [admin.settings()]
    assert (admin.settings()["long_poll_seconds"], admin.settings()["callback_success"],
            admin.settings()["callback_retry_seconds"]) == (0.5, "2xx", [1, 2])
    status, out, err = _cli(capsys, "settings", "set", "--url", running.url,
                            "confirm_window_seconds=1", "long_poll_seconds=-1")
    assert (status, out) == (1, "") and err.startswith("vod-emulator settings set: ")
    assert admin.settings()["confirm_window_seconds"] == 30  # all or none
    assert _cli(capsys, "settings", "set", "--url", running.url, "long_poll_seconds") == (
        2, "", "vod-emulator: error: settings set takes name=value, got 'long_poll_seconds'\n")


def test_stats(running: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted", 2)
    admin.emit("FileDeleted", 1, sub_app_id=7)
    _pull(running)
    status, out, err = _cli(capsys, "stats", "--url", running.url)
    assert (status, err) == (0, "")
    header, default, seven, total, summary = out.splitlines()
    columns = header.split()
    assert columns[:5] == ["SUB_APP_ID", "MODE", "EMITTED", "PULLABLE", "LEASED"]
    row = dict(zip(columns, default.split(), strict=True))
    assert {name: row[name] for name in columns[:5]} == {
        "SUB_APP_ID": "default", "MODE": "PULL", "EMITTED": "2", "PULLABLE": "0", "LEASED": "2"}
    assert seven.split()[:5] == ["7", "PULL", "1", "1", "0"]
    assert total.split()[:4] == ["total", "3", "1", "2"]
    assert summary.startswith("faults: 0 active, 0 applied; journal: 5 entries, 0 evicted; now ")
    status, out, _ = _cli(capsys, "stats", "--url", running.url, "--json")
    (shown,) = _json_lines(out)
    assert {k: v for k, v in shown.items() if k != "now"} == {
        k: v for k, v in admin.stats().items() if k != "now"}


def test_tail_prints_what_is_kept_or_only_what_comes(
        running: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted", 2)
    _pull(running)
    status, out, err = _cli(capsys, "tail", "--url", running.url, "--from-start",
                            "--until-idle", "0")
    assert (status, err) == (0, "")
    journal = admin.journal()
    assert [line.split()[:5] for line in out.splitlines()] == [
        [str(e["seq"]), cli_output.when(e["at"]), e["kind"], "default", e["event_id"]]
        for e in journal]
    assert [e["kind"] for e in journal] == ["enqueued", "enqueued", "leased", "leased"]
    assert out.splitlines()[2].split()[5] == journal[2]["handle"]
    status, out, _ = _cli(capsys, "tail", "--url", running.url, "--json", "--from-start",
                          "--kind", "leased", "--until-idle", "0")
    assert _json_lines(out) == admin.journal("leased")
    status, out, _ = _cli(capsys, "tail", "--url", running.url, "--from-start",
                          "--max-entries", "1", "--json")
    assert _json_lines(out) == admin.journal()[:1]
    assert _cli(capsys, "tail", "--url", running.url, "--until-idle", "0") == (0, "", "")


def _follow(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([SCRIPT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=clean_environment())


def test_tail_follows_live_and_across_a_reset(running: EmulatorThread) -> None:
    admin = AdminClient(running.url)
    with _follow("tail", "--url", running.url, "--json", "--from-start",
                 "--max-entries", "5") as process:
        assert process.stdout is not None and process.stderr is not None
        admin.emit("FileDeleted")
        assert json.loads(process.stdout.readline())["seq"] == 1
        admin.emit("FileDeleted")
        assert json.loads(process.stdout.readline())["seq"] == 2
        admin.reset()
        # Three new entries: seq 3 is past any cursor tail holds, so it never waits long.
        admin.emit("NewFileUpload", 3)
        rest = [json.loads(process.stdout.readline()) for _ in range(3)]
        assert process.wait(timeout=30) == 0
        assert process.stderr.read() == ""
    assert rest == admin.journal()


def test_tail_ends_quietly_on_ctrl_c(running: EmulatorThread) -> None:
    admin = AdminClient(running.url)
    with _follow("tail", "--url", running.url, "--from-start") as process:
        assert process.stdout is not None and process.stderr is not None
        admin.emit("FileDeleted")
        assert "enqueued" in process.stdout.readline()  # following now
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr.read() == ""


def test_record_writes_the_recording_format(running: EmulatorThread, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("NewFileUpload", 2)
    admin.emit_scenario("delete", 7)
    out_file = tmp_path / "run.jsonl"
    status, out, err = _cli(capsys, "record", "--url", running.url, "--from-start",
                            "--until-idle", "0", "--out", str(out_file))
    assert (status, out, err) == (0, "", f"vod-emulator record: recorded 4 events to "
                                         f"{out_file}\n")
    lines = _json_lines(out_file.read_text(encoding="utf-8"))
    feed = admin.events()["events"]
    assert lines == [{"at": e["enqueued_at"], "sub_app_id": e["sub_app_id"],
                      "event_type": e["event_type"], "event_id": e["event_id"],
                      "content": e["content"]} for e in feed]
    status, out, _ = _cli(capsys, "record", "--url", running.url, "--from-start",
                          "--max-events", "1")
    assert _json_lines(out) == lines[:1]
    assert _cli(capsys, "record", "--url", running.url, "--until-idle", "0") == (0, "", "")


def test_record_follows_live(running: EmulatorThread) -> None:
    admin = AdminClient(running.url)
    with _follow("record", "--url", running.url, "--from-start", "--max-events",
                 "3") as process:
        assert process.stdout is not None
        admin.emit("FileDeleted")
        first = json.loads(process.stdout.readline())
        admin.emit("NewFileUpload", 2, sub_app_id=7)
        rest = [json.loads(process.stdout.readline()) for _ in range(2)]
        assert process.wait(timeout=30) == 0
    assert [(e["event_id"], e["sub_app_id"]) for e in [first, *rest]] == [
        ("evt-00000001", None), ("evt-00000002", 7), ("evt-00000003", 7)]


def test_export_journal(running: EmulatorThread, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted", 2)
    _pull(running)
    status, out, err = _cli(capsys, "export-journal", "--url", running.url)
    assert (status, err) == (0, "") and _json_lines(out) == admin.journal()
    path = tmp_path / "journal.jsonl"
    status, out, err = _cli(capsys, "export-journal", "--url", running.url, "--kind", "leased",
                            "--out", str(path))
    assert (status, out, err) == (0, "", f"vod-emulator export-journal: wrote 2 entries to "
                                         f"{path}\n")
    assert _json_lines(path.read_text(encoding="utf-8")) == admin.journal("leased")


def test_replay_emits_a_recording_again(running: EmulatorThread, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("NewFileUpload", 2)
    admin.emit_scenario("delete", 7)
    path = tmp_path / "run.jsonl"
    _cli(capsys, "record", "--url", running.url, "--from-start", "--until-idle", "0",
         "--out", str(path))
    recorded = admin.events()["events"]
    admin.reset()
    status, out, err = _cli(capsys, "replay", "--url", running.url, str(path))
    assert (status, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["EVENT_ID", "EVENT_TYPE", "SUB_APP_ID", "ROUTE"]
    assert [row.split()[1:3] for row in rows] == [
        [e["event_type"], "default" if e["sub_app_id"] is None else str(e["sub_app_id"])]
        for e in recorded]
    again = admin.events()["events"]
    assert [e["content"] for e in again] == [e["content"] for e in recorded]
    status, out, _ = _cli(capsys, "replay", "--url", running.url, "--json", "--sub-app-id",
                          "9", "--keep-timing", "--speed", "100000", str(path))
    assert [line["sub_app_id"] for line in _json_lines(out)] == [9] * 4
    assert len(admin.queue(9)["pullable"]) == 4


def test_replay_refuses_a_file_that_is_no_recording(
        running: EmulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.emit("FileDeleted")
    journal = tmp_path / "journal.jsonl"
    _cli(capsys, "export-journal", "--url", running.url, "--out", str(journal))
    assert _cli(capsys, "replay", "--url", running.url, str(journal)) == (
        2, "", f"vod-emulator: error: {journal}: line 1 is a journal entry, not a recorded "
               'event: it has no "content" object\n')
    missing = tmp_path / "missing.jsonl"
    assert _cli(capsys, "replay", "--url", running.url, str(missing)) == (
        2, "", f"vod-emulator: error: cannot read {missing}: No such file or directory\n")
    assert _cli(capsys, "replay", "--url", running.url, "--speed", "0", str(journal))[0] == 2
    assert len(admin.journal()) == 1  # nothing was sent


def test_wait_ready_waits_for_a_starting_emulator() -> None:
    with socket.socket() as probe:  # a free port: bound, then left for the emulator
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with subprocess.Popen([SCRIPT, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, env=clean_environment()) as server:
        try:
            result = _run("wait-ready", "--url", f"127.0.0.1:{port}", "--timeout", "30")
            assert (result.returncode, result.stderr) == (0, "")
            assert result.stdout == (f"ready: vod-emulator {emulator.__version__} at "
                                     f"http://127.0.0.1:{port}\n")
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_wait_ready_gives_up_at_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        status, out, err = _cli(capsys, "wait-ready", "--url", url, "--timeout", "0")
    assert (status, out) == (1, "")
    assert err.startswith(f"vod-emulator wait-ready: no emulator was ready at {url} within "
                          "0 s (")
    assert err.endswith("; --url or VOD_EMULATOR_URL says where it listens\n")


def test_media_lists_the_library_and_shows_one_file(running: EmulatorThread,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    admin = AdminClient(running.url)
    admin.reset()
    older = admin.seed_media("5285890800000000011", 1500000001,
                             basic_info={"Name": "older.mp4", "Type": "mp4"})
    newer = admin.seed_media("5285890800000000012", 1500000001,
                             basic_info={"Name": "newer.mov", "Type": "mov"})
    status, out, err = _cli(capsys, "media", "--url", running.url,
                            "--sub-app-id", "1500000001")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["FILE_ID", "NAME", "TYPE", "CREATE_TIME"]
    assert [line.split() for line in lines[1:3]] == [
        ["5285890800000000012", "newer.mov", "mov", newer["BasicInfo"]["CreateTime"]],
        ["5285890800000000011", "older.mp4", "mp4", older["BasicInfo"]["CreateTime"]]]
    assert lines[-1] == "application 1500000001: 2 files"

    status, out, _ = _cli(capsys, "media", "--url", running.url, "--sub-app-id", "1500000001",
                          "--json")
    assert status == 0
    assert [item["file_id"] for item in _json_lines(out)] == [newer["FileId"], older["FileId"]]

    status, out, _ = _cli(capsys, "media", "5285890800000000011", "--url", running.url,
                          "--sub-app-id", "1500000001")
    assert (status, json.loads(out)) == (0, older)
    status, out, _ = _cli(capsys, "media", "5285890800000000011", "--url", running.url,
                          "--sub-app-id", "1500000001", "--json")
    assert (status, _json_lines(out)) == (0, [older])

    status, out, _ = _cli(capsys, "media", "--url", running.url)
    assert (status, out) == (0, "application default: 0 files\n")


def test_media_of_an_unknown_file_is_exit_status_1(running: EmulatorThread,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    AdminClient(running.url).reset()
    status, out, err = _cli(capsys, "media", "123", "--url", running.url)
    assert (status, out) == (1, "")
    assert err.startswith("vod-emulator media: ") and "'123'" in err and err.count("\n") == 1


@pytest.mark.parametrize("args", [("--probe-signatures",), ("--enforce-rate-limits",),
                                  ("--probe-signatures", "true")])
def test_a_switch_given_bare_is_on(args: tuple[str, ...]) -> None:
    from emulator.core.settings import resolve_settings

    parsed = cli.parser.build_parser().parse_args(["serve", *args])
    flags = {option.name: getattr(parsed, option.name) for option in OPTIONS}
    settings = resolve_settings(flags, {})
    name = args[0].removeprefix("--").replace("-", "_")
    assert getattr(settings, name) is True
