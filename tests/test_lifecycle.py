"""The server never stalls and stops promptly: bulk emits hand the loop back, time alone
wakes waiters, shutdown answers whatever is held, and a puller that hangs up loses
nothing."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future

import pytest

from emulator.clients.client import AdminClient, AdminError
from emulator.core.backend import VodBackend
from emulator.server import EmulatorThread

from .conftest import make_settings, pull, wait_for_health

LONG = 60.0
"""A long poll no test waits out: an answer that comes is an answer shutdown gave."""


# ----- bulk emits never hold the loop


def test_a_held_pull_wakes_while_a_bulk_emit_is_still_running(sdk, admin: AdminClient,
                                                             background) -> None:
    held = background(pull, sdk)
    admin.wait(held_pulls=1)
    emit = background(admin.request, "POST", "/_emulator/events",
                      {"type": "NewFileUpload", "count": 3000, "with_content": False})
    pulled = held.result(timeout=30)
    assert 1 <= len(pulled) <= 16  # what was queued when it woke, at most a pull's worth
    assert len(emit.result(timeout=60)["events"]) == 3000
    # The journal orders what happened: the pull leased its events between two slices
    # of the emit, not after the last one.
    leased = admin.journal("leased")
    assert [entry["handle"] for entry in leased] == [event.EventHandle for event in pulled]
    assert leased[0]["seq"] < admin.journal("enqueued")[-1]["seq"]


def test_other_requests_are_answered_during_a_bulk_emit(admin: AdminClient, background) -> None:
    count = 5000
    waiting = background(admin.wait, pullable=1, timeout=30)
    wait_for_health(admin, "the wait to be held", lambda health: health["held_waits"] >= 1)
    emit = background(admin.request, "POST", "/_emulator/events",
                      {"type": "NewFileUpload", "count": count, "with_content": False})
    # The wait answers as soon as the first slice is queued: mid-emit, so with fewer
    # than all of them there. A loop held by the whole emit would show all of them.
    state = waiting.result(timeout=30)["state"]
    assert 1 <= state["pullable"] < count
    assert emit.result(timeout=60)["count"] == count


def test_a_reset_stops_an_emit_under_way(emulator: EmulatorThread, admin: AdminClient,
                                        background) -> None:
    # The reset is made on the server's own loop as soon as the first event is queued:
    # sent over HTTP from this thread instead, it could wait on the interpreter's lock
    # while the emit (in the same process) ran to its end.
    def reset_at_the_first_event(backend: VodBackend) -> None:
        async def reset() -> None:
            await backend.journal.wait_for(lambda: backend.journal.count("enqueued") > 0, 30)
            backend.reset()

        tasks.append(asyncio.ensure_future(reset()))

    tasks: list[asyncio.Future[None]] = []  # held here: the loop keeps weak references
    emulator.call(reset_at_the_first_event)
    emit = background(admin.request, "POST", "/_emulator/events",
                      {"type": "NewFileUpload", "count": 100_000, "with_content": False})
    with pytest.raises(AdminError) as raised:
        emit.result(timeout=60)
    assert (raised.value.status, raised.value.code) == (409, "Interrupted")
    emitted = re.fullmatch(r"the emulator was reset during this emit; (\d+) events were "
                           r"emitted before that", raised.value.message)
    assert emitted is not None, raised.value.message
    assert 1 <= int(emitted[1]) < 100_000  # cut short after its first event
    # Nothing emitted after the reset: the queue holds none of that emit's events.
    assert admin.request("GET", "/_emulator/queues")["queues"] == []


def test_a_large_emit_answer_is_streamed_as_one_json_document(admin: AdminClient) -> None:
    answer = admin.request("POST", "/_emulator/events",
                           {"type": "FileDeleted", "count": 2000})
    assert answer["count"] == 2000 and len(answer["events"]) == 2000
    assert all(event["content"]["EventType"] == "FileDeleted" for event in answer["events"])
    assert len({event["event_id"] for event in answer["events"]}) == 2000


# ----- time alone wakes whoever waits


@pytest.fixture
def emulator_settings():
    return make_settings(confirm_window_seconds=0.3, long_poll_seconds=LONG)


def test_wait_sees_a_lease_expire_in_real_time(sdk, admin: AdminClient) -> None:
    admin.emit("NewFileUpload")
    assert len(pull(sdk)) == 1
    # Nobody advances the clock and nothing else happens: the lease's own expiry, 0.3 s
    # on, must wake the waiter.
    result = admin.wait(pullable=1, timeout=10)
    assert result["state"]["pullable"] == 1 and result["state"]["leased"] == 0
    assert [e["kind"] for e in admin.journal()] == ["enqueued", "leased", "expired"]


def test_retention_drops_at_its_moment_on_an_advanced_clock(admin: AdminClient) -> None:
    admin.emit("NewFileUpload")
    retention = admin.health()["retention_seconds"]
    admin.advance_clock(retention)
    dropped = admin.journal("dropped")
    assert len(dropped) == 1
    assert admin.request("GET", "/_emulator/queues")["queues"][0]["pullable"] == 0


# ----- shutdown is prompt, and answers what is held


def test_stopping_a_thread_answers_a_held_pull_at_once(make_sdk) -> None:
    with EmulatorThread(make_settings(long_poll_seconds=LONG)) as emulator:
        admin = AdminClient(emulator.url)
        result: Future[list] = Future()
        sdk = _sdk_for(emulator)
        threading.Thread(target=lambda: result.set_result(pull(sdk)), daemon=True).start()
        admin.wait(held_pulls=1)
        stopper = threading.Thread(target=emulator.stop)
        stopper.start()
        stopper.join(timeout=10)  # the 60 s long poll is not waited out
        assert not stopper.is_alive()
    assert result.result(timeout=5) == []


def test_stopping_a_thread_answers_a_held_wait(background) -> None:
    emulator = EmulatorThread(make_settings()).start()
    try:
        admin = AdminClient(emulator.url)
        waiting = background(admin.request, "POST", "/_emulator/wait",
                             {"pullable": 1, "timeout_seconds": 300})
        wait_for_health(admin, "the wait to be held", lambda health: health["held_waits"] >= 1)
    finally:
        emulator.stop()
    answer = waiting.result(timeout=10)
    assert answer["met"] is False and answer["state"]["pullable"] == 0


def test_sigterm_with_a_held_pull_exits_promptly_and_answers_it() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0",
         "--long-poll-seconds", str(LONG)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TENCENTCLOUD_SECRET_ID": "", "TENCENTCLOUD_SECRET_KEY": "",
             "VOD_EMULATOR_SECRET_ID": "", "VOD_EMULATOR_SECRET_KEY": ""},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        body = b"{}"
        connection.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"X-TC-Action: PullEvents\r\nX-TC-Version: 2018-07-17\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        AdminClient(f"http://127.0.0.1:{port}").wait(held_pulls=1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0  # the 60 s long poll is not waited out
        answer = connection.recv(65536)
        connection.close()
        assert b" 200 " in answer.split(b"\r\n")[0]
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["Response"]["EventSet"] == []
    finally:
        process.kill()
        process.communicate()


def _sdk_for(emulator: EmulatorThread):
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.vod.v20180717 import vod_client

    from .conftest import SECRET_ID, SECRET_KEY

    http = HttpProfile(protocol="http", endpoint=emulator.endpoint, reqTimeout=90)
    return vod_client.VodClient(credential.Credential(SECRET_ID, SECRET_KEY), "",
                                ClientProfile(httpProfile=http))


# ----- connections that never finish a request are closed


def test_a_connection_that_never_finishes_its_headers_is_closed(monkeypatch) -> None:
    from emulator import server

    monkeypatch.setitem(server._HANDLER_ARGS, "keepalive_timeout", 0.2)
    with EmulatorThread(make_settings()) as emulator:
        half_open = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        half_open.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-TC-Act")
        assert half_open.recv(1024) == b""  # closed by the server, no answer
        half_open.close()
        assert AdminClient(emulator.url).health()["status"] == "ok"


# ----- a puller that hangs up loses nothing

_HELD_PULL = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"X-TC-Action: PullEvents\r\nX-TC-Version: 2018-07-17\r\n"
              b"Content-Length: 2\r\n\r\n{}")


@pytest.mark.parametrize("hang_up", ["close", "reset", "half-close"])
def test_a_puller_that_hangs_up_while_held_takes_no_lease(hang_up: str) -> None:
    with EmulatorThread(make_settings(secret_id=None, secret_key=None,
                                      long_poll_seconds=LONG)) as emulator:
        admin = AdminClient(emulator.url)
        puller = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        puller.sendall(_HELD_PULL)
        admin.wait(held_pulls=1)
        if hang_up == "reset":  # an RST, as from a killed process
            puller.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if hang_up == "half-close":
            puller.shutdown(socket.SHUT_WR)
        else:
            puller.close()
        wait_for_health(admin, "the hung-up pull to be let go",
                        lambda health: health["held_pulls"] == 0)
        admin.emit("NewFileUpload")
        queue = admin.queue()
        assert len(queue["pullable"]) == 1 and queue["leased"] == []
        assert [entry["kind"] for entry in admin.journal()] == ["enqueued"]
        puller.close()


def test_events_whose_answer_cannot_be_written_are_put_back_at_once(monkeypatch) -> None:
    # The narrow case: the pull has leased its events, then writing the answer fails
    # because the caller is gone. Forced here by a transport that refuses the write.
    from aiohttp import web
    from aiohttp.client_exceptions import ClientConnectionResetError

    real_write_eof = web.StreamResponse.write_eof

    async def write_eof_to_a_gone_caller(self, data: bytes = b"") -> None:
        if b'"EventSet":[{' in (getattr(self, "body", None) or b""):
            raise ClientConnectionResetError("Cannot write to closing transport")
        await real_write_eof(self, data)

    monkeypatch.setattr(web.StreamResponse, "write_eof", write_eof_to_a_gone_caller)
    with EmulatorThread(make_settings(secret_id=None, secret_key=None)) as emulator:
        admin = AdminClient(emulator.url)
        admin.emit("NewFileUpload", 2)
        puller = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        puller.sendall(_HELD_PULL)
        assert puller.recv(1024) == b""  # no answer: the connection just ends
        puller.close()
        queue = admin.queue()
        assert len(queue["pullable"]) == 2 and queue["leased"] == []
        kinds = [entry["kind"] for entry in admin.journal()]
        assert kinds == ["enqueued"] * 2 + ["leased"] * 2 + ["released"] * 2
        assert [event["deliveries"] for event in queue["pullable"]] == [1, 1]
