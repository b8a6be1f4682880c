"""An application written only against the real API runs end to end against the emulator.

The first half of this file is that application, as a user would write it for the real
service: it knows VOD only through the official Python SDK, the documented callback format
(a POST of the ``EventContent`` with ``T`` and ``Sign``, ``Sign`` the hex MD5 of SignKey +
``T``, ``T`` the signature's expiry) and aiohttp. It imports nothing of the emulator (a test
below checks). On each ``NewFileUpload`` it reads the file (``DescribeMediaInfos``) and asks
for two transcodes (``ProcessMedia``, ``TasksNotifyMode: Change``, a ``SessionContext``
and a ``SessionId`` of its own); on each ``ProcedureStateChanged`` at FINISH it reads the
transcodes; on each ``FileDeleted`` it checks the file is gone. It takes its events through
either door: a webhook (PUSH) or a worker pulling and confirming (PULL).

The second half drives it: the emulator's clock stands still and is advanced step by step
(never a sleep), each step waits for what the application saw, and after every step the
media library, the tasks and the application's own lookups must agree.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import hmac
import inspect
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.clients.client import AdminClient
from emulator.core.media import DELETE_NOTICE_SECONDS
from emulator.core.settings import Settings
from emulator.core.taskflow import UPLOAD_NOTICE_SECONDS
from emulator.core.tasks import WAIT_SECONDS
from emulator.server import EmulatorThread

from .conftest import SECRET_ID, SECRET_KEY, make_settings

# =====================================================================================
# The application: written against the real API only (no emulator names below this line
# until "The tests").
# =====================================================================================

TRANSCODE_DEFINITIONS = (100030, 100040)  # what the application asks for each new file
PROCESSING, FINISH = "PROCESSING", "FINISH"


def callback_is_genuine(body: Any, sign_key: str, now: float) -> bool:
    """A callback is genuine when ``Sign`` is the hex MD5 of SignKey + ``T``, and fresh
    while ``T`` (the signature's expiry, Unix seconds) is not past."""
    if not isinstance(body, dict):
        return False
    expiry, sign = body.get("T"), body.get("Sign")
    if not isinstance(expiry, int) or isinstance(expiry, bool) or not isinstance(sign, str):
        return False
    expected = hashlib.md5(f"{sign_key}{expiry}".encode()).hexdigest()
    return hmac.compare_digest(expected, sign) and expiry >= now


@dataclass
class Handled:
    """One event the application handled, and what it did about it."""

    event_type: str
    file_id: str | None = None
    task_id: str | None = None
    status: str | None = None
    event: dict[str, Any] = field(default_factory=dict)  # the EventContent as it came
    lookup: dict[str, Any] | None = None  # DescribeMediaInfos' answer, as it read it
    started: str | None = None  # the TaskId of the ProcessMedia it asked for


class VodApplication:
    """Reacts to VOD events through the official SDK; keeps a log of what it handled."""

    def __init__(self, endpoint: str, secret_id: str, secret_key: str,
                 sub_app_id: int | None = None) -> None:
        self._endpoint, self._secret_id, self._secret_key = endpoint, secret_id, secret_key
        self.sub_app_id = sub_app_id
        self._local = threading.local()  # one SDK client per thread
        self.changed = threading.Condition()
        self.log: list[Handled] = []
        self.errors: list[str] = []

    @property
    def client(self) -> vod_client.VodClient:
        client = getattr(self._local, "client", None)
        if client is None:
            http = HttpProfile(protocol="http", endpoint=self._endpoint, reqTimeout=30)
            client = vod_client.VodClient(
                credential.Credential(self._secret_id, self._secret_key), "",
                ClientProfile(httpProfile=http))
            self._local.client = client
        return client

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """One API call; its answer as JSON."""
        if self.sub_app_id is not None:
            params["SubAppId"] = self.sub_app_id
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        answer: dict[str, Any] = json.loads(getattr(self.client, action)(request)
                                            .to_json_string())
        return answer

    # ----- setting up, and the application's own requests

    def receive_by_push(self, url: str, sign_key: str) -> None:
        self.call("ModifyEventConfig", Mode="PUSH", NotificationUrl=url, SignKey=sign_key,
                  UploadMediaCompleteEventSwitch="ON", DeleteMediaCompleteEventSwitch="ON")

    def receive_by_pull(self) -> None:
        self.call("ModifyEventConfig", Mode="PULL", UploadMediaCompleteEventSwitch="ON",
                  DeleteMediaCompleteEventSwitch="ON")

    def upload(self, name: str, media_type: str) -> dict[str, Any]:
        """The two-step upload (the bytes would go to the storage ApplyUpload names)."""
        applied = self.call("ApplyUpload", MediaType=media_type, MediaName=name)
        return self.call("CommitUpload", VodSessionKey=applied["VodSessionKey"])

    def pull_upload(self, url: str, name: str) -> str:
        return str(self.call("PullUpload", MediaUrl=url, MediaName=name)["TaskId"])

    def delete(self, file_id: str) -> None:
        self.call("DeleteMedia", FileId=file_id)

    @staticmethod
    def session_context(file_id: str) -> str:
        return json.dumps({"purpose": "transcode", "file": file_id})

    # ----- what it does on each event

    def handle(self, event: dict[str, Any]) -> None:
        """Handle one EventContent; raising means "not handled, send it again"."""
        try:
            handled = self._handle(event)
        except Exception as error:
            with self.changed:
                self.errors.append(f"{event.get('EventType')}: {error!r}")
                self.changed.notify_all()
            raise
        with self.changed:
            self.log.append(handled)
            self.changed.notify_all()

    def _handle(self, event: dict[str, Any]) -> Handled:
        event_type = str(event.get("EventType"))
        if event_type == "NewFileUpload":
            file_id = event["FileUploadEvent"]["FileId"]
            lookup = self.call("DescribeMediaInfos", FileIds=[file_id])
            if file_id in lookup["NotExistFileIdSet"]:
                raise LookupError(f"VOD does not know the file {file_id} it announced")
            started = self.call(
                "ProcessMedia", FileId=file_id, TasksNotifyMode="Change",
                MediaProcessTask={"TranscodeTaskSet": [
                    {"Definition": definition} for definition in TRANSCODE_DEFINITIONS]},
                SessionContext=self.session_context(file_id),
                SessionId=f"transcode-{file_id}")["TaskId"]
            return Handled(event_type, file_id, event=event, lookup=lookup, started=started)
        if event_type == "ProcedureStateChanged":
            task = event["ProcedureStateChangeEvent"]
            finished = None
            if task["Status"] == FINISH:
                finished = self.call("DescribeMediaInfos", FileIds=[task["FileId"]],
                                   Filters=["basicInfo", "transcodeInfo"])
            return Handled(event_type, task["FileId"], task["TaskId"], task["Status"], event,
                           finished)
        if event_type == "PullComplete":
            task = event["PullCompleteEvent"]
            return Handled(event_type, task["FileId"], task["TaskId"], task["Status"], event)
        if event_type == "FileDeleted":
            [file_id] = event["FileDeleteEvent"]["FileIdSet"]
            lookup = self.call("DescribeMediaInfos", FileIds=[file_id])
            return Handled(event_type, file_id, event=event, lookup=lookup)
        return Handled(event_type, event=event)

    # ----- what it saw

    def seen(self, event_type: str, file_id: str | None = None,
             task_id: str | None = None) -> list[Handled]:
        with self.changed:
            return [entry for entry in self.log if entry.event_type == event_type
                    and (file_id is None or entry.file_id == file_id)
                    and (task_id is None or entry.task_id == task_id)]


class PushDoor:
    """The application's webhook (aiohttp, on a loop of its own): a callback whose signature
    is not genuine or fresh gets 401; a genuine one is handled, then answered 200 (500 if
    handling failed, so that VOD sends it again)."""

    path = "/vod/callback"

    def __init__(self, application: VodApplication, sign_key: str) -> None:
        self.application, self.sign_key = application, sign_key
        self.refused = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._handlers = ThreadPoolExecutor(max_workers=4)  # the SDK calls block
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> PushDoor:
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        self.url = f"http://127.0.0.1:{port}{self.path}"
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._handlers.shutdown(wait=True)

    async def _serve(self) -> int:
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return port

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not callback_is_genuine(body, self.sign_key, time.time()):
            self.refused += 1
            return web.Response(status=401, text="not a genuine VOD callback")
        event = {name: value for name, value in body.items() if name not in ("T", "Sign")}
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._handlers, self.application.handle, event)
        except Exception:
            return web.Response(status=500, text="not handled")
        return web.Response(status=200)


class PullWorker:
    """The application's reliable-callback loop: PullEvents (held while there is
    nothing), handle each event, ConfirmEvents what was handled (an event not confirmed
    comes back). ``stop()`` ends it after the pull in progress answers."""

    def __init__(self, application: VodApplication) -> None:
        self.application = application
        self.pulled = self.confirmed = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> PullWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return not self._thread.is_alive()

    def settled(self) -> bool:
        """Everything pulled so far was handled and confirmed."""
        with self.application.changed:
            return self.pulled == self.confirmed

    def _run(self) -> None:
        app = self.application
        while not self._stopping.is_set():
            try:
                self._pull_once()
            except TencentCloudSDKException as error:
                if self._stopping.is_set():
                    return
                with app.changed:
                    app.errors.append(f"PullWorker: {error}")
                    app.changed.notify_all()

    def _pull_once(self) -> None:
        app = self.application
        events = app.call("PullEvents")["EventSet"] or []
        with app.changed:
            self.pulled += len(events)
        handled = []
        for event in events:
            handle = event.pop("EventHandle")
            try:
                app.handle(event)
            except Exception:
                continue  # not confirmed: it comes back
            handled.append(handle)
        if handled:
            app.call("ConfirmEvents", EventHandles=handled)
        with app.changed:
            self.confirmed += len(handled)
            app.changed.notify_all()


# =====================================================================================
# The tests
# =====================================================================================

SIGN_KEY = "consumerSignKey2024"
PROCESS_SECONDS = 40.0  # the emulator's task_seconds for a procedure and a PullUpload
PULL_SECONDS = 10.0
WAIT_TIMEOUT = 10.0  # real seconds a step may take at most
_APPLICATION = (callback_is_genuine, Handled, VodApplication, PushDoor, PullWorker)


@pytest.fixture
def emulator_settings() -> Settings:
    return make_settings(task_seconds=(("Procedure", PROCESS_SECONDS),
                                       ("PullUpload", PULL_SECONDS)))


@dataclass
class Run:
    """One end-to-end run: the application behind one door, and what the test knows."""

    mode: str
    admin: AdminClient
    app: VodApplication
    worker: PullWorker | None
    door: PushDoor | None
    library: dict[str, set[int] | None] = field(default_factory=dict)  # None: deleted

    def advance(self, seconds: float) -> None:
        self.admin.advance_clock(seconds)

    def wait(self, what: str, condition: Callable[[], bool]) -> None:
        """Until ``condition()`` holds and the application is idle (PULL: everything
        pulled is confirmed, so no advance can expire a handle); re-checked whenever
        the application handles something."""
        app = self.app
        deadline = time.monotonic() + WAIT_TIMEOUT

        def holds() -> bool:
            return bool(app.errors) or (
                condition() and (self.worker is None or self.worker.settled()))

        with app.changed:
            while not holds():
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"waited {WAIT_TIMEOUT:g} s for {what}; the application "
                                f"saw {[entry.event_type for entry in app.log]}")
                app.changed.wait(left)
        assert app.errors == [], f"the application failed while waiting for {what}"

    def task(self, task_id: str) -> dict[str, Any]:
        return self.app.call("DescribeTaskDetail", TaskId=task_id)

    def check_library(self) -> None:
        """Every file known so far, as DescribeMediaInfos and the admin API tell it, is
        what the events said: there with the transcodes made so far, or gone."""
        file_ids = list(self.library)
        answer = self.app.call("DescribeMediaInfos", FileIds=file_ids,
                               Filters=["basicInfo", "transcodeInfo"])
        found = {info["FileId"]: info for info in answer["MediaInfoSet"]}
        present = {fid for fid, made in self.library.items() if made is not None}
        assert set(found) == present
        assert set(answer["NotExistFileIdSet"]) == set(file_ids) - present
        for file_id in present:
            transcodes = (found[file_id]["TranscodeInfo"] or {}).get("TranscodeSet") or []
            assert {t["Definition"] for t in transcodes} == self.library[file_id], file_id
        listed = {entry["file_id"] for entry in self.admin.media()["files"]}
        assert listed == present


@contextmanager
def running(mode: str, emulator: EmulatorThread, admin: AdminClient) -> Iterator[Run]:
    app = VodApplication(emulator.endpoint, SECRET_ID, SECRET_KEY)
    door = worker = None
    if mode == "PUSH":
        door = PushDoor(app, SIGN_KEY).start()
        app.receive_by_push(door.url, SIGN_KEY)
    else:
        app.receive_by_pull()
        worker = PullWorker(app).start()
    try:
        yield Run(mode, admin, app, worker, door)
    finally:
        if worker is not None:
            worker.stop(timeout=0)
            # A pull with nothing to answer is held until the long poll ends.
            admin.advance_clock(float(admin.health()["long_poll_seconds"]))
            worker.stop()
            assert worker.stopped
        if door is not None:
            door.stop()


def _as_sdk(model: str, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` read by the SDK's model: a callback leaves null fields out, an API answer
    has them null."""
    parsed = getattr(models, model)()
    parsed._deserialize(value)
    as_json: dict[str, Any] = json.loads(parsed.to_json_string())
    return as_json


def _definitions(entry: Handled) -> set[int]:
    assert entry.lookup is not None
    [info] = entry.lookup["MediaInfoSet"]
    return {t["Definition"] for t in (info["TranscodeInfo"] or {}).get("TranscodeSet") or []}


def _transcode(run: Run, file_id: str) -> str:
    """The application's transcode of ``file_id``, from its start (its NewFileUpload just
    handled) to its end: events, lookups, DescribeTaskDetail and the library agree."""
    [upload] = run.app.seen("NewFileUpload", file_id)
    task_id = upload.started
    assert task_id is not None
    context = VodApplication.session_context(file_id)

    waiting = run.task(task_id)
    assert (waiting["TaskType"], waiting["Status"]) == ("Procedure", "WAITING")
    procedure = waiting["ProcedureTask"]
    assert (procedure["TaskId"], procedure["FileId"]) == (task_id, file_id)
    assert (procedure["SessionContext"], procedure["SessionId"]) == (
        context, f"transcode-{file_id}")
    listed = run.app.call("DescribeTasks", FileId=file_id)["TaskSet"]
    assert [(t["TaskId"], t["Status"], t["SessionContext"]) for t in listed
            if t["TaskType"] == "Procedure"] == [(task_id, "WAITING", context)]
    run.check_library()  # nothing made yet

    run.advance(WAIT_SECONDS)
    run.wait(f"the PROCESSING event of {task_id}",
             lambda: bool(run.app.seen("ProcedureStateChanged", task_id=task_id)))
    assert run.task(task_id)["Status"] == PROCESSING
    run.check_library()  # still nothing made

    run.advance(PROCESS_SECONDS)
    run.wait(f"the FINISH event of {task_id}", lambda: any(
        entry.status == FINISH
        for entry in run.app.seen("ProcedureStateChanged", task_id=task_id)))
    # One event per sub-task settled, the last at FINISH; each carries the request's
    # ids and context. (PUSH: the two due in the same advance may arrive in any order.)
    events = run.app.seen("ProcedureStateChanged", task_id=task_id)
    statuses = [entry.status for entry in events]
    assert statuses[0] == PROCESSING
    assert Counter(statuses) == {PROCESSING: len(TRANSCODE_DEFINITIONS), FINISH: 1}
    if run.mode == "PULL":  # one queue: in order
        assert statuses == [PROCESSING] * len(TRANSCODE_DEFINITIONS) + [FINISH]
    for entry in events:
        task = entry.event["ProcedureStateChangeEvent"]
        assert (task["FileId"], task["SessionContext"], task["SessionId"],
                task["TasksNotifyMode"]) == (file_id, context, f"transcode-{file_id}",
                                              "Change")
    [finished] = [entry for entry in events if entry.status == FINISH]
    # The application's lookup on FINISH already saw what the task made.
    assert _definitions(finished) == set(TRANSCODE_DEFINITIONS)
    outputs = [result["TranscodeTask"]["Output"]["Definition"] for result in
               finished.event["ProcedureStateChangeEvent"]["MediaProcessResultSet"]]
    assert sorted(outputs) == sorted(TRANSCODE_DEFINITIONS)

    detail = run.task(task_id)
    assert (detail["TaskType"], detail["Status"]) == ("Procedure", FINISH)
    assert _as_sdk("ProcedureTask", detail["ProcedureTask"]) == _as_sdk(
        "ProcedureTask", finished.event["ProcedureStateChangeEvent"])
    listed = run.app.call("DescribeTasks", FileId=file_id, Status=FINISH)["TaskSet"]
    assert task_id in [t["TaskId"] for t in listed]
    run.library[file_id] = set(TRANSCODE_DEFINITIONS)
    run.check_library()
    return task_id


def _delete(run: Run, file_id: str) -> None:
    run.app.delete(file_id)
    run.check_library()  # its FileDeleted has not come yet: still there
    run.advance(DELETE_NOTICE_SECONDS)
    run.wait(f"the FileDeleted of {file_id}", lambda: bool(run.app.seen("FileDeleted", file_id)))
    [deleted] = run.app.seen("FileDeleted", file_id)
    assert deleted.lookup is not None
    assert deleted.lookup["MediaInfoSet"] == []
    assert deleted.lookup["NotExistFileIdSet"] == [file_id]
    run.library[file_id] = None
    run.check_library()


@pytest.mark.parametrize("mode", ["PUSH", "PULL"])
def test_upload_process_and_delete_end_to_end(mode: str, emulator: EmulatorThread,
                                              admin: AdminClient) -> None:
    admin.set_clock(freeze=True)
    with running(mode, emulator, admin) as run:
        app = run.app

        # 1. The two-step upload: the file exists at the commit; its NewFileUpload follows.
        committed = app.upload("holiday", "mp4")
        uploaded = committed["FileId"]
        run.library[uploaded] = set()
        run.check_library()
        assert app.log == []  # the clock stands still: nothing has come yet
        run.advance(UPLOAD_NOTICE_SECONDS)
        run.wait("the NewFileUpload of the committed file",
                 lambda: bool(app.seen("NewFileUpload", uploaded)))
        [notice] = app.seen("NewFileUpload", uploaded)
        basic = notice.event["FileUploadEvent"]["MediaBasicInfo"]
        assert notice.lookup is not None
        [info] = notice.lookup["MediaInfoSet"]
        # The lookup answers what the event carried.
        assert _as_sdk("MediaBasicInfo", info["BasicInfo"]) == _as_sdk("MediaBasicInfo", basic)
        assert (basic["Name"], basic["Type"], basic["MediaUrl"]) == (
            "holiday", "mp4", committed["MediaUrl"])
        _transcode(run, uploaded)

        # 2. PullUpload: a task; at its end the new file's NewFileUpload and PullComplete.
        pull_task = app.pull_upload("https://example.com/media/lecture.mp4", "lecture")
        waiting = run.task(pull_task)
        assert (waiting["TaskType"], waiting["Status"]) == ("PullUpload", "WAITING")
        run.check_library()
        run.advance(WAIT_SECONDS + PULL_SECONDS)
        run.wait("the PullComplete and the pulled file's NewFileUpload", lambda: any(
            app.seen("NewFileUpload", entry.file_id)
            for entry in app.seen("PullComplete", task_id=pull_task)))
        [complete] = app.seen("PullComplete", task_id=pull_task)
        pulled = complete.file_id
        assert pulled is not None and pulled != uploaded and complete.status == FINISH
        [notice] = app.seen("NewFileUpload", pulled)
        basic = notice.event["FileUploadEvent"]["MediaBasicInfo"]
        assert notice.lookup is not None
        [info] = notice.lookup["MediaInfoSet"]
        assert basic["Name"] == "lecture"
        assert _as_sdk("MediaBasicInfo", info["BasicInfo"]) == _as_sdk("MediaBasicInfo", basic)
        assert _as_sdk("MediaBasicInfo", complete.event["PullCompleteEvent"]["MediaBasicInfo"]
                       ) == _as_sdk("MediaBasicInfo", basic)
        detail = run.task(pull_task)
        assert detail["Status"] == FINISH
        assert detail["PullUploadTask"]["FileId"] == pulled
        run.library[pulled] = set()
        run.check_library()
        _transcode(run, pulled)

        # 3. Delete both, one after the other: the other file is untouched.
        _delete(run, uploaded)
        _delete(run, pulled)

        # Each event came once, through the door configured, and was handled.
        assert Counter(entry.event_type for entry in app.log) == {
            "NewFileUpload": 2, "PullComplete": 1, "FileDeleted": 2,
            "ProcedureStateChanged": 2 * (len(TRANSCODE_DEFINITIONS) + 1)}
        assert app.errors == []
        if mode == "PUSH":
            assert run.door is not None and run.door.refused == 0
            admin.wait(callbacks_delivered=len(app.log))
            attempts = admin.callbacks()
            assert len(attempts) == len(app.log)
            assert {attempt["status"] for attempt in attempts} == {200}
            assert admin.queue()["pullable"] == []
        else:
            queue = admin.queue()
            assert queue["pullable"] == [] and queue["leased"] == []
            assert admin.callbacks() == []
            assert len(admin.journal("confirmed")) == len(app.log)
        # The events the application's requests caused name them.
        caused = {event["event_type"]: event["caused_by"] for event in admin.events()["events"]}
        assert caused["ProcedureStateChanged"].startswith("ProcessMedia ")
        assert caused["PullComplete"].startswith("PullUpload ")
        assert caused["FileDeleted"].startswith("DeleteMedia ")


def test_the_webhook_refuses_a_callback_not_genuine_or_not_fresh(
        emulator: EmulatorThread) -> None:
    app = VodApplication(emulator.endpoint, SECRET_ID, SECRET_KEY)
    door = PushDoor(app, SIGN_KEY).start()
    try:
        event = {"EventType": "FileDeleted", "FileDeleteEvent": {"FileIdSet": ["1"]}}
        fresh = int(time.time()) + 600
        stale = int(time.time()) - 1

        def post(body: dict[str, Any]) -> int:
            request = urllib.request.Request(door.url, json.dumps(body).encode(),
                                             {"Content-Type": "application/json"})
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=10) as answer:
                    return int(answer.status)
            except urllib.error.HTTPError as error:
                return error.code

        def signed(expiry: int, key: str = SIGN_KEY) -> dict[str, Any]:
            return {**event, "T": expiry,
                    "Sign": hashlib.md5(f"{key}{expiry}".encode()).hexdigest()}

        assert post(event) == 401  # unsigned
        assert post(signed(fresh, "anotherKey")) == 401  # signed with another key
        assert post({**signed(fresh), "T": fresh + 1}) == 401  # T changed after signing
        assert post(signed(stale)) == 401  # expired: a replay
        assert door.refused == 4 and app.log == [] and app.errors == []
        # A genuine one is handled (the file is unknown: its lookup says so).
        assert post(signed(fresh)) == 200
        [deleted] = app.log
        assert deleted.lookup is not None and deleted.lookup["NotExistFileIdSet"] == ["1"]
    finally:
        door.stop()


def test_the_application_uses_no_emulator_name() -> None:
    """The application half of this module is written against the real API only."""
    module = sys.modules[__name__]
    tree = ast.parse(inspect.getsource(module))
    emulator_names = {
        alias.asname or alias.name for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module is not None
        and (node.module.startswith("emulator") or node.level > 0)
        for alias in node.names}
    assert "AdminClient" in emulator_names  # the tests do use them
    for part in _APPLICATION:
        used = {node.id for node in ast.walk(ast.parse(inspect.getsource(part)))
                if isinstance(node, ast.Name)}
        assert used & emulator_names == set(), part.__name__
