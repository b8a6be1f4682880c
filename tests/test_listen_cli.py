"""`vod-emulator listen` as a user runs it: a subprocess with the SDKs' credential
variables, an emulator verifying signatures as the upstream, a real aiohttp handler.
Ctrl-C mid-batch, the printed lines, the recording replayed into a third emulator, the
redacted recording, and the mistakes that stop it before anything is sent."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from emulator.base.jsontext import plain
from emulator.clients.client import AdminClient
from emulator.clients.receiver import CallbackReceiver
from emulator.clients.recording import read_recording
from emulator.core import signature
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .examples.process import clean_environment

SECRET_ID = "AKIDlistenCliUpstream00000000000"
SECRET_KEY = "listenCliUpstreamSecretKey000000"
CREDENTIALS = {"TENCENTCLOUD_SECRET_ID": SECRET_ID, "TENCENTCLOUD_SECRET_KEY": SECRET_KEY}
SIGN_KEY = "cliSignKey7"
PAST_THE_WINDOW = 31.0


@pytest.fixture
def upstream() -> Iterator[EmulatorThread]:
    settings = Settings(port=0, seed=3, secret_id=SECRET_ID, secret_key=SECRET_KEY)
    with EmulatorThread(settings) as running:
        yield running


@pytest.fixture
def admin(upstream: EmulatorThread) -> AdminClient:
    return AdminClient(upstream.url)


class Listen:
    """``python -m emulator listen ARGS`` with its stdout and stderr read line by line in
    threads, so a test waits for a line (never for time)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "listen", *args], text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=clean_environment(**(CREDENTIALS if env is None else env)))
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[None] = queue.Queue()
        for stream, kept in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, kept), daemon=True).start()

    def _read(self, stream: Any, kept: list[str]) -> None:
        for line in stream:
            kept.append(line.rstrip("\n"))
            self._lines.put(None)
        self._lines.put(None)

    def wait_for(self, what: str, holds: Callable[[list[str]], bool],
                 timeout: float = 20.0) -> list[str]:
        """Until ``holds(stdout lines)``, re-checked on each line either stream prints."""
        deadline = time.monotonic() + timeout
        while not holds(list(self.out)):
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None and self._lines.empty():
                raise AssertionError(f"{what} not printed: {self.out}\n{self.err}")
            try:
                self._lines.get(timeout=left)
            except queue.Empty:
                pass
        return list(self.out)

    def finish(self, timeout: float = 20.0) -> int:
        status = self.process.wait(timeout)
        self.wait_for("the end of its output", lambda _: True)
        return status

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


@contextmanager
def listen(*args: str, env: dict[str, str] | None = None) -> Iterator[Listen]:
    running = Listen(*args, env=env)
    try:
        yield running
    finally:
        running.stop()


def answered_200(lines: list[str]) -> int:
    return sum("<-- [200]" in line for line in lines)


def file_id(content: dict[str, Any]) -> str:
    return str(content["FileUploadEvent"]["FileId"])


# ----- Ctrl-C


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_mid_batch_confirms_what_was_delivered_and_leaves_the_rest(
        upstream: EmulatorThread, admin: AdminClient, signum: int) -> None:
    emitted = {file_id(one["content"]): one["event_id"]
               for one in admin.emit("NewFileUpload", count=5)}
    with CallbackReceiver(sign_key=SIGN_KEY) as receiver, listen(
            "--endpoint", upstream.url, "--forward-to", receiver.url, "--sign-key", SIGN_KEY,
            "--timeout", "20") as running:
        # Two answered at once, three held unanswered: the batch is mid-way.
        receiver.behave(fail_first=2, fail_status=200, hang=True)
        receiver.wait_for(5)
        running.wait_for("two answers", lambda lines: answered_200(lines) == 2)
        asked = time.monotonic()
        running.process.send_signal(signum)
        assert running.finish() == 0
        assert time.monotonic() - asked < 5, "it waited for the hanging handler"
        # The first two to arrive were answered; the others hang (their status is the one
        # they would get once released).
        delivered = {file_id(one.json) for one in receiver.received[:2]}
    assert len(delivered) == 2
    kept = sorted(emitted[one] for one in delivered)
    left = sorted(event_id for key, event_id in emitted.items() if key not in delivered)
    admin.wait_for_confirmed(kept)
    queue_now = admin.queue()
    assert queue_now["confirmed"] == 2  # nothing confirmed that was not delivered
    assert sorted(one["event_id"] for one in queue_now["leased"]) == left
    admin.advance_clock(PAST_THE_WINDOW)  # the rest comes back upstream
    assert sorted(one["event_id"] for one in admin.queue()["pullable"]) == left
    assert "stopping (Ctrl-C again to quit at once)" in running.err[-2]
    assert running.err[-1].endswith("stopped: 2 delivered, 2 confirmed, 3 failed (left "
                                    "unconfirmed upstream), 0 skipped")
    assert not any("Traceback" in line for line in running.err)


# ----- what it prints


def test_without_forward_to_it_prints_each_event_and_confirms_it(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    emitted = admin.emit_scenario("upload-transcode")
    with listen("--endpoint", upstream.url, "--max-events", "3") as running:
        assert running.finish() == 0
    assert len(running.out) == 3
    for line, event in zip(running.out, emitted, strict=True):
        stamp, arrow, event_type, rest = line.split(maxsplit=3)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
        assert (arrow, event_type) == ("-->", event["event_type"])
        assert "FileId=5683268451013967869" in rest and "'video-967869'" in rest
    assert "Status=FINISH Message=SUCCESS" in running.out[2]
    assert running.err[0].startswith(f"vod-emulator listen: ready: pulling the default "
                                     f"application at {upstream.url}, printing")
    admin.wait_for_confirmed([one["event_id"] for one in emitted])


def test_json_prints_each_event_whole_with_its_outcome(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    emitted = admin.emit("PullComplete", count=2, sub_app_id=1500000001)
    with listen("--endpoint", upstream.url, "--sub-app-id", "1500000001", "--json",
                "--max-events", "2", "--no-confirm") as running:
        assert running.finish() == 0
    printed = [json.loads(line) for line in running.out]
    assert [one["content"] for one in printed] == [one["content"] for one in emitted]
    assert {(one["event_type"], one["outcome"], one["confirmed"]) for one in printed} == {
        ("PullComplete", "delivered", False)}
    assert admin.queue(1500000001)["confirmed"] == 0  # --no-confirm


def test_forwarding_prints_arrivals_answers_and_the_confirm(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    admin.emit("FileDeleted", count=2)
    with CallbackReceiver(sign_key=SIGN_KEY) as receiver, listen(
            "--endpoint", upstream.url, "--forward-to", receiver.url, "--sign-key", SIGN_KEY,
            "--max-events", "1") as running:
        receiver.fail_first(1, status=503)
        assert running.finish() == 0
    arrows = sorted(line.split()[1] for line in running.out[:4])
    assert arrows == ["-->", "-->", "<--", "<--"]
    answers = sorted(line.split(maxsplit=2)[2] for line in running.out[2:4])
    assert answers[0].startswith("[200] FileDeleted")
    assert answers[1].startswith("[503] FileDeleted") and answers[1].endswith(
        "not confirmed: it comes back after the confirm window")
    assert running.out[4].endswith("ConfirmEvents: 1 confirmed, 1 not delivered: back after "
                                   "the confirm window")
    assert running.err[1] == (f"vod-emulator listen: SignKey {SIGN_KEY}; your handler checks "
                              "Sign = MD5(SignKey + T)")


def test_a_sign_key_is_generated_and_printed_when_none_is_given(
        upstream: EmulatorThread, admin: AdminClient) -> None:
    admin.emit("NewFileUpload")
    with CallbackReceiver() as receiver, listen(
            "--endpoint", upstream.url, "--forward-to", receiver.url,
            "--max-events", "1") as running:
        assert running.finish() == 0
    key = re.fullmatch(r"vod-emulator listen: SignKey ([A-Za-z0-9]{32}) \(generated: give "
                       r"--sign-key to keep one\); your handler checks Sign = MD5\(SignKey "
                       r"\+ T\)", running.err[1])
    assert key is not None
    (request,) = receiver.received
    assert signature.is_genuine(key[1], request.json["T"], request.json["Sign"])


# ----- recording


def test_the_recording_replays_into_a_third_emulator_identically(
        upstream: EmulatorThread, admin: AdminClient, tmp_path: Path) -> None:
    emitted = admin.emit_scenario("upload-transcode", sub_app_id=1500000001)
    recording = tmp_path / "events.jsonl"
    with CallbackReceiver(sign_key=SIGN_KEY) as receiver, listen(
            "--endpoint", upstream.url, "--sub-app-id", "1500000001", "--forward-to",
            receiver.url, "--sign-key", SIGN_KEY, "--record", str(recording),
            "--max-events", "3") as running:
        assert running.finish() == 0
    lines = read_recording(recording)
    assert [(one.sub_app_id, one.event_type) for one in lines] == [
        (1500000001, one["event_type"]) for one in emitted]
    with EmulatorThread(Settings(port=0, seed=99)) as third:
        replayed = subprocess.run(
            [sys.executable, "-m", "emulator", "replay", str(recording), "--url", third.url],
            capture_output=True, text=True, timeout=30, env=clean_environment())
        assert replayed.returncode == 0, replayed.stderr
        pullable = AdminClient(third.url).queue(1500000001)["pullable"]
    assert [one.content for one in lines] == [one["content"] for one in emitted]
    assert [one["content"] for one in pullable] == [one["content"] for one in emitted]
    # What was recorded is what the handler was sent (less the signature).
    sent = sorted((plain({k: v for k, v in one.json.items() if k not in ("T", "Sign")})
                   for one in receiver.received), key=bytes)
    assert sent == sorted((plain(one.content) for one in lines), key=bytes)


def test_a_redacted_recording_masks_what_identifies_and_keeps_flows_coherent(
        upstream: EmulatorThread, admin: AdminClient, tmp_path: Path) -> None:
    emitted = admin.emit_scenario("upload-transcode", sub_app_id=1500000001)
    recording = tmp_path / "fixture.jsonl"
    with listen("--endpoint", upstream.url, "--sub-app-id", "1500000001", "--record",
                str(recording), "--redact", "--max-events", "3") as running:
        assert running.finish() == 0
    text = recording.read_text(encoding="utf-8")
    upload = emitted[0]["content"]["FileUploadEvent"]
    secrets = [upload["FileId"], upload["ProcedureTaskId"], upload["MediaBasicInfo"]["Name"],
               upload["MediaBasicInfo"]["MediaUrl"], upload["MediaBasicInfo"]["CoverUrl"],
               upload["MediaBasicInfo"]["Description"], "1500000001", "1253994984"]
    assert [one for one in secrets if one in text] == []
    masked_upload, *procedure = (one.content for one in read_recording(recording))
    masked = masked_upload["FileUploadEvent"]
    assert {one["ProcedureStateChangeEvent"]["FileId"] for one in procedure} == {
        masked["FileId"]} and masked["MediaBasicInfo"]["Vid"] == masked["FileId"]
    assert {one["ProcedureStateChangeEvent"]["TaskId"] for one in procedure} == {
        masked["ProcedureTaskId"]}
    assert procedure[0]["ProcedureStateChangeEvent"]["FileUrl"] == (
        masked["MediaBasicInfo"]["MediaUrl"])
    assert re.fullmatch(r"[1-9]\d{18}", masked["FileId"])
    assert re.fullmatch(r"\d{10}-Procedure-[0-9a-f]{32}[g-z]\d", masked["ProcedureTaskId"])
    assert masked["MediaBasicInfo"]["MediaUrl"].endswith(".mp4")
    assert masked["MetaData"] == upload["MetaData"]  # what identifies nothing is kept
    assert all(one.sub_app_id is None for one in read_recording(recording))
    with EmulatorThread(Settings(port=0)) as third:  # a fixture the emulator takes
        queued = AdminClient(third.url).emit_events(
            [one.content for one in read_recording(recording)])
    assert len(queued) == 3


# ----- mistakes


@pytest.mark.parametrize(("args", "env", "says"), [
    ((), {}, "no credentials: give --secret-id and --secret-key (both), or export "
             "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"),
    (("--secret-id", "AKIDonly"), {}, "no credentials"),
    (("--redact",), CREDENTIALS, "--redact masks a recording: give --record FILE too"),
    (("--sign-key", "not_alphanumeric"), CREDENTIALS, "--sign-key: letters and digits"),
    (("--timeout", "25"), CREDENTIALS, "--timeout: more than 0 and at most 20 seconds"),
    (("--sub-app-id", "0"), CREDENTIALS, "--sub-app-id: SubAppId must be"),
    (("--success", "3xx"), CREDENTIALS, "--success: invalid choice"),
    (("--max-events", "0"), CREDENTIALS, "--max-events: at least 1"),
    (("--endpoint", "ftp://x"), CREDENTIALS, "--endpoint: expected https://HOST[:PORT]"),
])
def test_a_usage_mistake_is_one_line_and_exit_2(
        args: tuple[str, ...], env: dict[str, str], says: str) -> None:
    result = subprocess.run([sys.executable, "-m", "emulator", "listen", *args],
                            capture_output=True, text=True, timeout=30,
                            env=clean_environment(**env))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("vod-emulator: error: ") and says in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_refused_credentials_are_exit_1(upstream: EmulatorThread) -> None:
    with listen("--endpoint", upstream.url, env={**CREDENTIALS,
                                                 "TENCENTCLOUD_SECRET_KEY": "wrong"}) as running:
        assert running.finish() == 1
    assert running.err[-1].startswith(f"vod-emulator listen: {upstream.url} refused "
                                      "DescribeEventConfig: AuthFailure.SignatureFailure")
