"""A callback attempt keeps what the handler answered: the first ANSWER_BODY_LIMIT bytes of
its body (as text), its Content-Type, and whether there was more; null when there was no
HTTP answer. Seen through AdminClient.callbacks, GET /_emulator/callbacks and the
``callbacks`` command.

The handler is a real aiohttp application on 127.0.0.1; the application is put in PUSH
through the official SDK's ModifyEventConfig; every wait is on the emulator's counts.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.base.background import BackgroundServer, listen
from emulator.clients.client import AdminClient
from emulator.core.callbacks import ANSWER_BODY_LIMIT
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

from .conftest import make_settings
from .test_cli import _cli, _json_lines
from .test_pytest_plugin import _STRICT

pytest_plugins = ["pytester"]
WRONG_SIGNATURE = b'{"error": "wrong signature"}'
ANSWER_FIELDS = ("answer_body", "answer_content_type", "answer_truncated")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    endless: bool = False  # stream the body until the sender hangs up


class Handler(BackgroundServer):
    """A webhook handler answering every POST with the reply it is given."""

    def __init__(self) -> None:
        super().__init__("the test handler", "test-handler")
        self.replies = [Reply()]
        """The answers to the requests in turn, the last one to every request after."""
        self.hung_up = threading.Event()  # an endless answer's reader closed the connection

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/vod-callback"

    def answer(self, *replies: Reply) -> None:
        """Answer the next requests with these in turn, the last one every request after."""
        self.replies = list(replies)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        headers = {} if reply.content_type is None else {"Content-Type": reply.content_type}
        if not reply.endless:
            response = web.Response(status=reply.status, body=reply.body, headers=headers)
            if reply.content_type is None:
                response.headers.popall("Content-Type", None)  # aiohttp adds one otherwise
            return response
        stream = web.StreamResponse(status=reply.status, headers=headers)
        await stream.prepare(request)
        try:
            while True:  # ends when the sender closes the connection
                await stream.write(reply.body)
                await asyncio.sleep(0)
        except (ConnectionError, RuntimeError):
            self.hung_up.set()
        return stream

    async def _open(self) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_post("/vod-callback", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        return runner, await listen(runner, "127.0.0.1", 0)


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(callback_retry_seconds=())  # the first failure is final


@pytest.fixture
def handler(sdk: vod_client.VodClient) -> Iterator[Handler]:
    """The handler, the default application in PUSH to it (ModifyEventConfig)."""
    with Handler() as running:
        request = models.ModifyEventConfigRequest()
        request.Mode, request.NotificationUrl = "PUSH", running.url
        sdk.ModifyEventConfig(request)
        yield running


def only_attempt(admin: AdminClient, **wait: int) -> dict[str, Any]:
    """Emit one event, wait for its delivery's outcome, answer its one attempt."""
    (event,) = admin.emit("NewFileUpload")
    admin.wait(**wait)
    (attempt,) = admin.callbacks(event_id=event["event_id"])
    return attempt


def test_a_refusal_keeps_the_handler_s_answer(admin: AdminClient, handler: Handler) -> None:
    handler.answer(Reply(401, WRONG_SIGNATURE, "application/json"))
    attempt = only_attempt(admin, callbacks_undelivered=1)
    assert (attempt["outcome"], attempt["status"], attempt["error"]) == (
        "undelivered", 401, "HTTP 401")
    assert {name: attempt[name] for name in ANSWER_FIELDS} == {
        "answer_body": '{"error": "wrong signature"}',
        "answer_content_type": "application/json", "answer_truncated": False}
    assert json.loads(attempt["answer_body"]) == {"error": "wrong signature"}


def test_a_delivery_keeps_its_answer_too(admin: AdminClient, handler: Handler) -> None:
    handler.answer(Reply(200, b"OK", "text/plain; charset=utf-8"))
    attempt = only_attempt(admin, callbacks_delivered=1)
    assert (attempt["outcome"], attempt["error"]) == ("delivered", None)
    assert {name: attempt[name] for name in ANSWER_FIELDS} == {
        "answer_body": "OK", "answer_content_type": "text/plain; charset=utf-8",
        "answer_truncated": False}


def test_an_empty_answer_without_a_content_type(admin: AdminClient, handler: Handler) -> None:
    handler.answer(Reply(204))
    attempt = only_attempt(admin, callbacks_undelivered=1)
    assert {name: attempt[name] for name in ANSWER_FIELDS} == {
        "answer_body": "", "answer_content_type": None, "answer_truncated": False}


@pytest.mark.parametrize("size", [ANSWER_BODY_LIMIT, ANSWER_BODY_LIMIT + 1, 3_000_000])
def test_an_answer_is_kept_up_to_the_limit(admin: AdminClient, handler: Handler,
                                           size: int) -> None:
    body = bytes(ord("a") + index % 26 for index in range(size))
    handler.answer(Reply(500, body, "text/html"))
    attempt = only_attempt(admin, callbacks_undelivered=1)
    assert attempt["answer_body"] == body[:ANSWER_BODY_LIMIT].decode()
    assert attempt["answer_truncated"] is (size > ANSWER_BODY_LIMIT)


def test_an_endless_answer_is_read_no_further_than_the_limit(
    admin: AdminClient, handler: Handler
) -> None:
    # Reading it all would never end: the attempt would time out instead.
    handler.answer(Reply(200, b"x" * 65536, "application/octet-stream", endless=True))
    attempt = only_attempt(admin, callbacks_delivered=1)
    assert (attempt["status"], attempt["answer_truncated"]) == (200, True)
    assert attempt["answer_body"] == "x" * ANSWER_BODY_LIMIT
    assert handler.hung_up.wait(10), "the emulator kept the connection open"


def test_text_that_is_not_utf8_is_replaced_and_a_cut_character_left_out(
    admin: AdminClient, handler: Handler
) -> None:
    handler.answer(Reply(400, b"bad \xff byte", "text/plain"))
    assert only_attempt(admin, callbacks_undelivered=1)["answer_body"] == "bad \ufffd byte"
    # A three-byte character across the limit: what is kept ends before it.
    body = b"a" * (ANSWER_BODY_LIMIT - 1) + "€".encode() + b"tail"
    handler.answer(Reply(400, body, "text/plain"))
    attempt = only_attempt(admin, callbacks_undelivered=2)
    assert attempt["answer_body"] == "a" * (ANSWER_BODY_LIMIT - 1)
    assert attempt["answer_truncated"] is True


def test_a_fault_that_sends_nothing_records_no_answer(admin: AdminClient,
                                                      handler: Handler) -> None:
    handler.answer(Reply(200, b"never seen", "text/plain"))
    admin.add_fault("callback", "fail", status=503)
    attempt = only_attempt(admin, callbacks_undelivered=1)
    assert (attempt["status"], attempt["error"]) == (503, "HTTP 503 (fault f1)")
    assert {name: attempt[name] for name in ANSWER_FIELDS} == {
        "answer_body": None, "answer_content_type": None, "answer_truncated": False}


def test_no_http_answer_records_none(admin: AdminClient, handler: Handler) -> None:
    handler.stop()  # nothing listens there any more: the connection is refused
    attempt = only_attempt(admin, callbacks_undelivered=1)
    assert attempt["status"] is None and attempt["error"]
    assert (attempt["answer_body"], attempt["answer_content_type"]) == (None, None)


def test_the_duplicate_send_keeps_its_own_answer(admin: AdminClient,
                                                 handler: Handler) -> None:
    handler.answer(Reply(200, b"first", "text/plain"),
                   Reply(409, b'{"error": "already handled"}', "application/json"))
    admin.add_fault("callback", "duplicate", times=1)
    (event,) = admin.emit("NewFileUpload")
    delivered_twice(admin, event["event_id"])
    first, again = admin.callbacks(event_id=event["event_id"])
    assert (first["status"], first["answer_body"], first["answer_content_type"]) == (
        200, "first", "text/plain")
    assert (again["outcome"], again["status"], again["error"]) == (
        "delivered", 409, "HTTP 409")
    assert (again["answer_body"], again["answer_content_type"]) == (
        '{"error": "already handled"}', "application/json")


def delivered_twice(admin: AdminClient, event_id: str) -> None:
    """Wait (held by the journal, never polled) for the event's second ``delivered``
    entry: the duplicate send's, journaled once its attempt is recorded."""
    seen: list[dict[str, Any]] = []
    after = 0
    while len(seen) < 2:
        page = admin.request("GET", f"/_emulator/journal?event_id={event_id}&kind=delivered"
                                    f"&after={after}&wait_seconds=10")
        assert page["entries"], f"only {len(seen)} delivered entries within 10 s"
        seen += page["entries"]
        after = page["last_seq"]


def test_the_callbacks_command_shows_a_refusal_s_answer(
    emulator: EmulatorThread, admin: AdminClient, handler: Handler,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler.answer(Reply(401, WRONG_SIGNATURE, "application/json"))
    only_attempt(admin, callbacks_undelivered=1)
    handler.answer(Reply(200, b"fine", "text/plain"))
    only_attempt(admin, callbacks_delivered=1)
    page = b"<html>\n  <body>" + b"boom " * 40 + b"</body>"
    handler.answer(Reply(500, page, "text/html"))
    only_attempt(admin, callbacks_undelivered=2)

    status, out, err = _cli(capsys, "callbacks", "--url", emulator.url)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    refused = next(index for index, line in enumerate(lines) if " 401 " in line)
    assert lines[refused + 1] == '  answered: application/json: {"error": "wrong signature"}'
    delivered = next(index for index, line in enumerate(lines) if " delivered " in line)
    assert "answered" not in lines[delivered + 1]  # a delivery's answer is in --json only
    last = lines[-1]
    assert last.startswith("  answered: text/html: <html> <body>boom boom")
    shown = last.removeprefix("  answered: text/html: ")
    assert len(shown) == 80 and shown.endswith("…")

    status, out, err = _cli(capsys, "callbacks", "--url", emulator.url, "--json")
    assert (status, err) == (0, "")
    assert _json_lines(out) == admin.callbacks()
    assert [a["answer_body"] for a in _json_lines(out)][:2] == [
        '{"error": "wrong signature"}', "fine"]


def test_the_callback_receiver_says_why_it_refused(pytester: pytest.Pytester) -> None:
    """The plugin's receiver answers a refusal with its reason, which the attempt keeps."""
    pytester.makepyfile("""
        def test_wrong_key(vod_emulator, vod_callback_receiver):
            vod_emulator.use_callbacks(vod_callback_receiver, sign_key="TheRightKey")
            vod_callback_receiver.check_signatures("AnotherKey")
            vod_emulator.configure(callback_retry_seconds=[])
            vod_emulator.emit("FileDeleted")
            (attempt,) = vod_emulator.wait_for_callbacks(1, state="undelivered")
            assert attempt["status"] == 401
            assert attempt["answer_content_type"].startswith("application/json")
            assert "wrong signature" in attempt["answer_body"]
    """)
    pytester.runpytest(*_STRICT).assert_outcomes(passed=1)
