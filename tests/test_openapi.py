"""The admin API's OpenAPI document (``emulator.admin.openapi``) is valid, complete and true.

Valid: OpenAPI 3.1 (checked by openapi-spec-validator where it is installed), every
schema in it JSON Schema 2020-12, every reference resolving. Complete: every route the
application registers under ``/_emulator/`` is described with its method, and nothing
else is. True: against a running emulator, each operation is sent the requests of
``CASES`` (each operation needs at least one accepted request and, unless it refuses
nothing, one refused, so a new route cannot be left out) plus a wrong method on every
path and unknown routes; every answer's status must be one the document lists, its media
type one listed for that status, and its body (a JSON document, a file's text, the
stream's first message) and headers must match their schemas; and the document must
accept the accepted requests and refuse the refused ones as the server does.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import re
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.admin.dashboard import UI_DIRECTORY
from emulator.admin.routes import openapi_document as document
from emulator.app import create_app
from emulator.clients.receiver import refused_url
from emulator.core import faults
from emulator.core.backend import MAX_EVENTS_PER_EMIT, VodBackend
from emulator.core.settings import Settings
from emulator.server import EmulatorThread

DOCUMENT = document()
PREFIX = "/_emulator"
METHODS = ("get", "post", "put", "delete", "patch")
STATE_CHANGING = ("post", "put", "delete")
OCTET_STREAM = "application/octet-stream"
FIXTURE = Path(__file__).parent.parent / "fixtures" / "events" / "NewFileUpload.json"
APP = 1500000001  # an application other than the default one
DOC_URI = "urn:vod-emulator:openapi"
REGISTRY = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(DOCUMENT))


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validator(pointer: str) -> Draft202012Validator:
    """A validator of the schema at ``pointer`` in the document, its $refs resolved."""
    return Draft202012Validator({"$ref": f"{DOC_URI}#{pointer}"}, registry=REGISTRY)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A document node, through its local $ref if it is one."""
    while "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    path: str  # the template, as in the document
    method: str  # lower case, as in the document
    spec: dict[str, Any]

    @property
    def pattern(self) -> re.Pattern[str]:
        # A parameter may be empty: /ui/{name} serves index.html at /ui/.
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]*)", re.escape(self.path)))


OPERATIONS = {operation["operationId"]: Operation(path, method, operation)
              for path, item in DOCUMENT["paths"].items()
              for method, operation in item.items() if method in METHODS}


# ----- the document itself


def _schemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema the document holds outside the components (which are listed whole)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                yield f"{where}/{key}", value
            else:
                yield from _schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas(value, f"{where}/{index}")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(DOCUMENT)


def test_every_schema_is_json_schema_2020_12_and_every_reference_resolves() -> None:
    """What the OpenAPI check relies on, checked without it (it is not a test dependency)."""
    assert DOCUMENT["openapi"].startswith("3.1.")
    assert {"title", "version"} <= set(DOCUMENT["info"])
    schemas = [*DOCUMENT["components"]["schemas"].items(), *_schemas(DOCUMENT["paths"]),
               *_schemas(DOCUMENT["components"]["responses"])]
    assert len(schemas) > 40
    for where, schema in schemas:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            raise AssertionError(f"{where}: {error}") from None
    for reference in set(_refs(DOCUMENT)):
        assert reference.startswith("#/components/"), reference
        _resolve({"$ref": reference})  # raises KeyError if it leads nowhere


def test_every_operation_is_complete() -> None:
    assert len(OPERATIONS) == sum(  # operationIds are unique
        1 for item in DOCUMENT["paths"].values() for method in item if method in METHODS)
    for name, operation in OPERATIONS.items():
        spec = operation.spec
        responses = spec["responses"]
        assert spec["summary"], name
        assert "500" in responses, name
        assert len([status for status in responses if int(status) < 400]) == 1, name
        for status, response in responses.items():
            response = _resolve(response)
            if int(status) >= 400:  # every refusal is the admin API's JSON error
                assert list(response["content"]) == ["application/json"], (name, status)
            elif int(status) >= 300:  # a redirect: its Location says it all
                assert "Location" in response["headers"], (name, status)
            else:
                assert response["content"], (name, status)
        declared = {p["name"] for p in spec.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", operation.path)), name
        assert ("requestBody" in spec) == (operation.method in ("post", "put")), name
        assert ("413" in responses) == ("requestBody" in spec), name
        # Other origins are refused every state-changing request (emulator.admin.http).
        assert ("403" in responses) == (operation.method in STATE_CHANGING), name
        # Every admin route refuses unknown query parameters; the dashboard's ignore them.
        assert ("400" in responses) == (name not in DASHBOARD), name


def test_the_module_loads_without_aiohttp() -> None:
    """Only building the document reads the admin module's limits (and so aiohttp)."""
    code = ("import sys; sys.modules['aiohttp'] = None; import emulator.admin.openapi; "
            "assert callable(emulator.admin.openapi.document)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fault_rules_are_described_field_by_field() -> None:
    rule = DOCUMENT["components"]["schemas"]["FaultRule"]
    assert set(rule["properties"]) == faults.RULE_FIELDS  # the parser's own list
    assert rule["properties"]["effect"]["enum"] == list(faults.EFFECTS)


# ----- complete: the routes both ways


def test_every_admin_route_is_described_and_every_description_is_a_route() -> None:
    app = create_app(Settings(port=0, seed=1))
    registered: set[tuple[str, str]] = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(PREFIX + "/"):
            registered.add((route.method.lower(), path))
    heads = {path for method, path in registered if method == "head"}
    gets = {path for method, path in registered if method == "get"}
    assert heads == gets  # every GET answers HEAD too, as the document's info says
    described = {(method, path) for path, item in DOCUMENT["paths"].items()
                 for method in item if method in METHODS}
    assert {pair for pair in registered if pair[0] != "head"} == described


# ----- true: a running emulator's answers


SDK_SECRET = ("AKIDany", "any")  # the emulator below verifies no signatures


EVENT_STREAM = "text/event-stream"


def _first_message(response: http.client.HTTPResponse) -> bytes:
    """A server-sent event stream's first message: its lines up to the blank line that
    ends it (comment lines, such as keep-alives, left out)."""
    lines: list[bytes] = []
    while True:
        line = response.readline()
        assert line, f"the stream ended before its first message: {lines}"
        if line.strip() == b"":
            if lines:
                return b"".join(lines)
        elif not line.startswith(b":"):
            lines.append(line)


def _parsed_message(raw: bytes) -> dict[str, Any]:
    """A message as a reader parses it: its fields (``data`` decoded as JSON)."""
    message: dict[str, Any] = {}
    for line in raw.decode("utf-8").splitlines():
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        message[name] = json.loads(value) if name == "data" else value
    return message


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes
    """The body; of an event stream, its first message only (the stream is then closed)."""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type") or ""


@dataclass
class Harness:
    emulator: EmulatorThread
    task_id: str = ""
    """The task a setup started last: a case's ``{task_id}`` (target or body) names it."""

    @property
    def origin(self) -> str:
        """The emulator's own origin, as a browser showing its pages sends it."""
        return f"http://127.0.0.1:{self.emulator.port}"

    def send(self, method: str, target: str, body: Any = None,
             headers: Mapping[str, str] | None = None) -> Answer:
        data = (body if isinstance(body, bytes)
                else b"" if body is None else json.dumps(body).encode())
        connection = http.client.HTTPConnection("127.0.0.1", self.emulator.port, timeout=30)
        try:
            connection.request(method.upper(), target, body=data,
                               headers={"Content-Type": "application/json", **(headers or {})})
            response = connection.getresponse()
            if (response.getheader("Content-Type") or "").startswith(EVENT_STREAM):
                raw = _first_message(response)  # it stays open: then hang up
            else:
                raw = response.read()
            return Answer(response.status, response.headers, raw)
        finally:
            connection.close()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.send(method, PREFIX + path, body)
        assert answer.status == 200, (method, path, body, answer.raw[:500])
        return json.loads(answer.raw)

    def sdk(self) -> vod_client.VodClient:
        http = HttpProfile(protocol="http", endpoint=self.emulator.endpoint, reqTimeout=30)
        return vod_client.VodClient(credential.Credential(*SDK_SECRET), "",
                                    ClientProfile(httpProfile=http))


Setup = Callable[[Harness], None]


def emit(count: int = 2, sub_app_id: int | None = None) -> Setup:
    def run(h: Harness) -> None:
        h.admin("POST", "/events", {"type": "NewFileUpload", "count": count,
                                    "sub_app_id": sub_app_id})
    return run


def pulled(sub_app_id: int | None = None) -> Setup:
    """Events emitted, some leased through the official SDK: both kinds of queue entry."""
    def run(h: Harness) -> None:
        emit(4, sub_app_id)(h)
        request = models.PullEventsRequest()
        request.SubAppId = sub_app_id
        assert len(h.sdk().PullEvents(request).EventSet) == 4
        emit(1, sub_app_id)(h)
    return run


def undelivered(h: Harness) -> None:
    """An application in PUSH whose callbacks fail (a fault: nothing is sent), without
    retries: evt-00000001 ends undelivered, with one attempt on record."""
    config = models.ModifyEventConfigRequest()
    config.SubAppId, config.Mode, config.NotificationUrl = APP, "PUSH", refused_url()
    h.sdk().ModifyEventConfig(config)
    h.admin("POST", "/settings", {"callback_retry_seconds": []})
    h.admin("POST", "/faults", {"action": "callback", "effect": "fail", "status": 503})
    emit(1, APP)(h)
    waited = h.admin("POST", "/wait", {"sub_app_id": APP, "callbacks_undelivered": 1,
                                       "timeout_seconds": 30})
    assert waited["met"] and waited["state"]["callbacks_undelivered"] == 1, waited


def suppressed(h: Harness) -> None:
    """Applications as the real service starts them: events suppressed, on record."""
    h.admin("POST", "/settings", {"new_app_defaults": "real"})
    emit(1)(h)


def fault_rules(h: Harness) -> None:
    h.admin("POST", "/faults", {"action": "PullEvents", "effect": "error",
                                "code": "RequestLimitExceeded", "times": 2})
    h.admin("POST", "/faults", {"action": "callback", "effect": "delay", "seconds": 1.5,
                                "sub_app_id": APP, "probability": 0.5})


def faults_applied(h: Harness) -> None:
    """A rule that acted (journal kind ``fault``), and one still in force."""
    fault_rules(h)
    emit(1)(h)
    with pytest.raises(TencentCloudSDKException) as refused:
        h.sdk().PullEvents(models.PullEventsRequest())
    assert refused.value.code == "RequestLimitExceeded"


SEEDED_FILE = "5285890812345678901"


def seeded(h: Harness) -> None:
    """A file seeded into APP's media library (and none in the default application's)."""
    h.admin("POST", "/media", {"sub_app_id": APP, "file_id": SEEDED_FILE})
    h.admin("POST", "/media", {"sub_app_id": APP})


def tasks_started(h: Harness) -> None:
    """A ProcessMedia task in APP (one event per state change) and a PullUpload in the
    default application, started through the official SDK; the clock frozen."""
    seeded(h)
    h.admin("POST", "/clock", {"freeze": True})
    process = models.ProcessMediaRequest()
    process.from_json_string(json.dumps({
        "SubAppId": APP, "FileId": SEEDED_FILE, "TasksNotifyMode": "Change",
        "SessionContext": "ctx", "MediaProcessTask": {"TranscodeTaskSet": [
            {"Definition": 100030}]}}))
    h.task_id = h.sdk().ProcessMedia(process).TaskId
    pull_upload = models.PullUploadRequest()
    pull_upload.MediaUrl = "http://example.com/a.mp4"
    h.sdk().PullUpload(pull_upload)
    h.admin("POST", "/clock", {"advance_seconds": 2})  # ProcessMedia is PROCESSING


def tasks_finished(h: Harness) -> None:
    tasks_started(h)
    h.admin("POST", "/tasks/finish", {})


def unconfirmed(h: Harness) -> None:
    """Events pulled through the official SDK and never confirmed, their windows passed:
    the consumer report has findings."""
    pulled(APP)(h)
    h.admin("POST", "/clock", {"advance_seconds": 31})


def everything(h: Harness) -> None:
    pulled()(h)
    pulled(APP + 1)(h)
    undelivered(h)
    faults_applied(h)


def saved(h: Harness) -> None:
    """A snapshot "base" of events pulled and not (snapshots outlive resets: saved again)."""
    pulled()(h)
    assert h.send("post", PREFIX + "/snapshots", {"name": "base"}).status == 201


def _exported() -> bytes:
    """An exported snapshot of a fresh emulator's state, for the import's body."""
    backend = VodBackend(Settings(port=0, seed=1))
    backend.save_snapshot("fresh")
    return backend.snapshots.exported("fresh")


EXPORTED = _exported()


@dataclass(frozen=True)
class Case:
    operation: str
    target: str
    """Path and query; relative to /_emulator."""
    body: Any = None
    """A JSON document, or bytes sent as they are."""
    status: int = 200
    setup: Setup | None = None
    document_refuses: bool | None = None
    """Whether the document's request schemas refuse it; by default, as the server does
    (but for a 403: see FOREIGN)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Sent besides Content-Type; ``{origin}`` in a value is the emulator's own origin."""

    @property
    def refused_by_document(self) -> bool:
        if self.document_refuses is None:
            return self.status >= 400 and self.status != 403
        return self.document_refuses


OVERSIZED = b'{"type":"NewFileUpload","description":"' + b"x" * (11 * 2**20) + b'"}'
NOT_JSON = b'{"advance_seconds": 1'
# A browser page of another origin (its Origin header), and one of the emulator's own.
# The 403 depends on the request's Host, which no request schema can compare with, so the
# document describes it as an answer, not as a refused request.
FOREIGN = (("Origin", "http://evil.example"),)
OWN = (("Origin", "{origin}"),)
CROSS_SITE = (("Sec-Fetch-Site", "cross-site"),)
DASHBOARD = {"getDashboardRedirect", "getDashboardFile", "getStream"}
"""The dashboard's routes: they serve what a browser asks for, and ignore its queries."""
REFUSE_NOTHING = {"getDashboardRedirect", "getStream"}
"""No request to these is refused (the server ignores their queries): their cases show
that, with queries the document does not describe."""

CASES = [
    Case("getHealth", "/health"),
    Case("getHealth", "/health?verbose=1", status=400),
    Case("getClock", "/clock"),
    Case("getClock", "/clock?now=1", status=400),
    Case("changeClock", "/clock", {"advance_seconds": 30}),
    Case("changeClock", "/clock", {"freeze": True, "scale": 60, "advance_seconds": 0}),
    Case("changeClock", "/clock", {"freeze": False}),
    Case("changeClock", "/clock", {}, status=400),
    Case("changeClock", "/clock", {"advance_seconds": -1}, status=400),
    Case("changeClock", "/clock", {"scale": 0}, status=400),
    Case("changeClock", "/clock", {"speed": 2}, status=400),
    Case("changeClock", "/clock", NOT_JSON, status=400),
    Case("changeClock", "/clock", b"[1]", status=400),
    Case("changeClock", "/clock?x=1", {"freeze": False}, status=400),
    Case("emitEvents", "/events", {"type": "NewFileUpload", "count": 3}),
    Case("emitEvents", "/events", {"scenario": "upload-transcode", "sub_app_id": APP}),
    Case("emitEvents", "/events", {**json.loads(FIXTURE.read_text()), "with_content": False,
                                   "sub_app_id": "default"}),
    Case("emitEvents", "/events", {"type": "FileDeleted"}, setup=suppressed),
    Case("emitEvents", "/events", {"type": "FileDeleted", "sub_app_id": str(APP)}),
    Case("emitEvents", "/events", {"type": "NewFileUpload", "sub_app_id": APP},
         setup=undelivered),
    Case("emitEvents", "/events", {"type": "NewFileUpload", "colour": "red"}, status=400),
    Case("emitEvents", "/events", {"type": "NewFileUpload", "sub_app_id": 0}, status=400),
    Case("emitEvents", "/events", {"type": "NewFileUpload", "sub_app_id": "01"}, status=400),
    Case("emitEvents", "/events", {"type": "NewFileUpload", "count": 0}, status=400),
    Case("emitEvents", "/events", {"type": "NoSuchEvent"}, status=400),
    Case("emitEvents", "/events", {"scenario": "delete", "count": 2}, status=400),
    Case("emitEvents", "/events", {}, status=400),
    Case("emitEvents", "/events", {"events": []}, status=400),
    Case("emitEvents", "/events", OVERSIZED, status=413, document_refuses=False),
    Case("getEventFeed", "/events", setup=everything),
    Case("getEventFeed", "/events?after=2&limit=2&wait_seconds=0", setup=pulled()),
    Case("getEventFeed", "/events?content=false&wait_seconds=0.01", setup=pulled()),
    Case("getEventFeed", "/events?after=-1", status=400),
    Case("getEventFeed", "/events?limit=0", status=400),
    Case("getEventFeed", "/events?wait_seconds=1000", status=400),
    Case("getEventFeed", "/events?content=maybe", status=400),
    Case("getEventFeed", "/events?kind=enqueued", status=400),
    Case("getEventFeed", "/events?type=NewFileUpload&state=leased&limit=3", setup=everything),
    Case("getEventFeed", f"/events?sub_app_id={APP}&state=undelivered&content=false",
         setup=undelivered),
    Case("getEventFeed", "/events?state=suppressed&sub_app_id=default", setup=suppressed),
    Case("getEventFeed", "/events?q=evt-0000000&before=4", setup=pulled()),
    Case("getEventFeed", "/events?q=&type=&state=", setup=pulled()),
    # An unknown EventType or state is refused (it would match nothing).
    Case("getEventFeed", "/events?type=NoSuchEvent", status=400),
    Case("getEventFeed", "/events?state=lost", status=400),
    Case("getEventFeed", "/events?before=0", status=400),
    Case("getEventFeed", "/events?sub_app_id=0", status=400),
    Case("getEventFeed", "/events?sub_app_id=any", status=400),
    Case("getEventFeed", "/events?limit=0&q=evt", status=400),
    # Following and searching do not mix: a rule between parameters the schemas cannot say.
    Case("getEventFeed", "/events?state=pullable&after=1", status=400,
         document_refuses=False),
    Case("getEventFeed", "/events?q=evt&wait_seconds=0", status=400, document_refuses=False),
    Case("getEvent", "/events/evt-00000001", setup=pulled()),
    Case("getEvent", "/events/evt-00000001", setup=undelivered),
    Case("getEvent", "/events/evt-00000001", setup=suppressed),
    Case("getEvent", "/events/evt-00000099", setup=pulled(), status=404,
         document_refuses=False),
    Case("getEvent", "/events/evt-00000001?content=false", setup=pulled(), status=400),
    Case("getCatalog", "/catalog"),
    Case("getCatalog", "/catalog?type=NewFileUpload", status=400),
    Case("listQueues", "/queues", setup=everything),
    Case("listQueues", "/queues?sub_app_id=1", status=400),
    Case("getQueue", "/queues/default", setup=pulled()),
    Case("getQueue", f"/queues/{APP}?content=false", setup=pulled(APP)),
    Case("getQueue", "/queues/9223372036854775807"),
    Case("getQueue", "/queues/0", status=400),
    Case("getQueue", "/queues/01", status=400),
    Case("getQueue", "/queues/9223372036854775808", status=400, document_refuses=False),
    Case("getQueue", "/queues/abc", status=400),
    Case("getQueue", "/queues/default?content=yes", status=400),
    Case("wait", "/wait", {"pullable": 1, "timeout_seconds": 0}, setup=pulled()),
    Case("wait", "/wait", {"sub_app_id": APP, "callbacks_delivered": 1,
                           "timeout_seconds": 0}),
    Case("wait", "/wait", {"sub_app_id": APP, "callbacks_undelivered": 1},
         setup=undelivered),
    Case("wait", "/wait", {}, status=400),
    Case("wait", "/wait", {"pullable": -1}, status=400),
    Case("wait", "/wait", {"pullable": 1, "sub_app_id": 0}, status=400),
    Case("wait", "/wait", {"pullable": 0, "timeout_seconds": 301}, status=400),
    Case("wait", "/wait", {"pullable": 0, "leased_soon": 1}, status=400),
    Case("wait", "/wait", {"tasks_running": 0, "timeout_seconds": 0}),
    Case("wait", "/wait", {"tasks_running": 0, "sub_app_id": APP, "timeout_seconds": 0},
         setup=tasks_started),
    Case("wait", "/wait", {"task_id": "{task_id}", "pullable": 1}, setup=tasks_finished),
    Case("wait", "/wait", {"task_id": "{task_id}", "timeout_seconds": 0},
         setup=tasks_started),
    Case("wait", "/wait", {"tasks_running": -1}, status=400),
    Case("wait", "/wait", {"task_id": ""}, status=400),
    Case("wait", "/wait", {"task_id": 7}, status=400),
    Case("wait", "/wait", {"task_id": "1-Procedure-0t0"}, status=404, document_refuses=False),
    Case("wait", "/wait", {"task_id": "{task_id}", "sub_app_id": None}, setup=tasks_started,
         status=404, document_refuses=False),
    Case("getJournal", "/journal", setup=everything),
    Case("getJournal", "/journal?kind=fault", setup=faults_applied),
    Case("getJournal", "/journal?kind=enqueued&event_id=evt-00000001", setup=pulled()),
    Case("getJournal", "/journal?after=3&limit=2&wait_seconds=0", setup=pulled()),
    Case("getJournal", "/journal?after=100&wait_seconds=0.01", setup=pulled()),
    Case("getJournal", "/journal?kind=bogus", status=400),
    Case("getJournal", "/journal?after=x", status=400),
    Case("getJournal", "/journal?limit=1.5", status=400),
    Case("getJournal", "/journal?kind=leased&kind=enqueued", status=400),
    Case("getJournal", "/journal?sub_app_id=1", status=400),
    Case("reset", "/reset", {}, setup=everything),
    Case("reset", "/reset", b""),
    Case("reset", "/reset", {"sub_app_id": APP}, setup=everything),
    Case("reset", "/reset", {"sub_app_id": None}, setup=pulled()),
    Case("reset", "/reset", {"sub_app_id": "default"}),
    Case("reset", "/reset", {"sub_app_id": 0}, status=400),
    Case("reset", "/reset", {"everything": True}, status=400),
    Case("getCallbacks", "/callbacks", setup=undelivered),
    Case("getCallbacks", f"/callbacks?sub_app_id={APP}&outcome=failed", setup=undelivered),
    Case("getCallbacks", "/callbacks?sub_app_id=default&outcome=suppressed",
         setup=suppressed),
    Case("getCallbacks", "/callbacks?event_id=evt-00000001&outcome=undelivered",
         setup=undelivered),
    Case("getCallbacks", "/callbacks?outcome=bogus", status=400),
    Case("getCallbacks", "/callbacks?sub_app_id=0", status=400),
    Case("getCallbacks", "/callbacks?sub_app_id=any", status=400),
    Case("getCallbacks", "/callbacks?kind=delivered", status=400),
    Case("redeliverCallbacks", "/callbacks/redeliver", {}, setup=undelivered),
    Case("redeliverCallbacks", "/callbacks/redeliver", {"event_id": "evt-00000001"},
         setup=undelivered),
    Case("redeliverCallbacks", "/callbacks/redeliver", {"event_id": 1}, status=400),
    Case("redeliverCallbacks", "/callbacks/redeliver", {"event_id": "evt-00000009"},
         status=404, document_refuses=False),
    Case("redeliverCallbacks", "/callbacks/redeliver", {"events": []}, status=400),
    Case("getSettings", "/settings"),
    Case("getSettings", "/settings", setup=suppressed),
    Case("getSettings", "/settings?name=long_poll_seconds", status=400),
    Case("changeSettings", "/settings", {"long_poll_seconds": 0.5}),
    Case("changeSettings", "/settings", {
        "long_poll_seconds": 1, "confirm_window_seconds": 2, "retention_seconds": 3,
        "callback_timeout_seconds": 0.25, "callback_retry_seconds": [0, 1.5],
        "callback_success": "2xx", "signature_ttl_seconds": 0, "new_app_defaults": "real"}),
    Case("changeSettings", "/settings", {}, status=400),
    Case("changeSettings", "/settings", {"seed": 5}, status=400),
    Case("changeSettings", "/settings", {"callback_success": "3xx"}, status=400),
    Case("changeSettings", "/settings", {"callback_timeout_seconds": 0}, status=400),
    Case("changeSettings", "/settings", {"callback_retry_seconds": [-1]}, status=400),
    Case("changeSettings", "/settings", {"long_poll_seconds": "5",
                                          "callback_retry_seconds": "5,60",
                                          "task_seconds": "Procedure=30"}),
    Case("changeSettings", "/settings", {"callback_retry_seconds": "5;60"}, status=400,
         document_refuses=False),
    Case("changeSettings", "/settings", {"long_poll_seconds": True}, status=400),
    Case("changeSettings", "/settings", {"long_poll_seconds": 1, "retention": 2},
         status=400),
    Case("listFaults", "/faults", setup=faults_applied),
    Case("listFaults", "/faults"),
    Case("listFaults", "/faults?id=f1", status=400),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "error",
                                 "code": "RequestLimitExceeded", "message": "slow down",
                                 "times": 2}),
    Case("addFault", "/faults", {"action": "callback", "effect": "fail", "status": 503,
                                 "sub_app_id": APP, "attempt": 1, "probability": 0.5}),
    Case("addFault", "/faults", {"action": "ConfirmEvents", "effect": "drop_confirm",
                                 "event_type": "NewFileUpload", "sub_app_id": None}),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "duplicate",
                                 "event_id": "evt-00000001", "sub_app_id": "default"}),
    Case("addFault", "/faults", {"action": "DescribeEventConfig", "effect": "latency",
                                 "seconds": 0}),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "error", "code": "X",
                                 "colour": "red"}, status=400),
    Case("addFault", "/faults", {"action": "callback", "effect": "error", "code": "X"},
         status=400),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "fail"}, status=400),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "latency"}, status=400),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "error", "code": "X",
                                 "event_id": "evt-00000001"}, status=400),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "reorder", "times": 1,
                                 "probability": 0.5}, status=400),
    Case("addFault", "/faults", {"action": "callback", "effect": "timeout",
                                 "sub_app_id": 0}, status=400),
    Case("addFault", "/faults", {"action": "callback", "effect": "delay", "seconds": 61},
         status=400),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "error",
                                 "code": "not a code"}, status=400),
    Case("addFault", "/faults", {"action": "Bogus", "effect": "error", "code": "X"},
         status=400),
    Case("addFault", "/faults", {}, status=400),
    Case("removeFaults", "/faults", setup=fault_rules),
    Case("removeFaults", "/faults"),
    Case("removeFaults", "/faults?id=f1", status=400),
    Case("removeFault", "/faults/f2", setup=fault_rules),
    Case("removeFault", "/faults/f3", setup=fault_rules, status=404, document_refuses=False),
    Case("removeFault", "/faults/f1?all=true", setup=fault_rules, status=400),
    Case("getStats", "/stats"),
    Case("getStats", "/stats", setup=everything),
    Case("getStats", "/stats", setup=suppressed),
    Case("getStats", "/stats?sub_app_id=1", status=400),
    Case("getReport", "/report"),
    Case("getReport", "/report", setup=unconfirmed),
    Case("getReport", f"/report?sub_app_id={APP}", setup=unconfirmed),
    Case("getReport", "/report?sub_app_id=0", status=400),
    Case("getReport", "/report?kind=late_confirm", status=400),
    Case("getEventConfig", "/event-config/default"),
    Case("getEventConfig", f"/event-config/{APP}", setup=undelivered),
    Case("getEventConfig", "/event-config/default", setup=suppressed),
    Case("getEventConfig", "/event-config/0", status=400),
    Case("getEventConfig", "/event-config/01", status=400),
    Case("getEventConfig", "/event-config/default?Mode=PULL", status=400),
    Case("changeEventConfig", "/event-config/default", {"Mode": "PUSH"}),
    Case("changeEventConfig", f"/event-config/{APP}", {
        "Mode": "PUSH", "NotificationUrl": refused_url(), "SignKey": "abc123",
        "UploadMediaCompleteEventSwitch": "ON", "DeleteMediaCompleteEventSwitch": "OFF",
        "PersistenceCompleteEventSwitch": "ON"}),
    Case("changeEventConfig", "/event-config/default", {"NotificationUrl": ""}, headers=OWN),
    Case("changeEventConfig", "/event-config/default", {}, status=400),
    Case("changeEventConfig", "/event-config/default", {"Mode": "POLL"}, status=400),
    Case("changeEventConfig", "/event-config/default", {"Mode": 1}, status=400),
    Case("changeEventConfig", "/event-config/default", {"SubAppId": 1}, status=400),
    Case("changeEventConfig", "/event-config/default", {"NotificationUrl": "ftp://x"},
         status=400),
    Case("changeEventConfig", "/event-config/default", {"NotificationUrl": "http://a b"},
         status=400, document_refuses=False),
    Case("changeEventConfig", "/event-config/default", {"SignKey": "not a key!"},
         status=400, document_refuses=False),
    Case("changeEventConfig", "/event-config/0", {"Mode": "PULL"}, status=400),
    Case("changeEventConfig", "/event-config/default", b"[1]", status=400),
    Case("changeEventConfig", "/event-config/default?x=1", {"Mode": "PULL"}, status=400),
    Case("getDashboardRedirect", "/ui", status=308),
    Case("getDashboardRedirect", "/ui?tab=events", status=308, document_refuses=True),
    Case("getDashboardFile", "/ui/"),
    *(Case("getDashboardFile", f"/ui/{path.name}")  # every file the package ships
      for path in sorted(UI_DIRECTORY.iterdir()) if path.is_file()),
    Case("getDashboardFile", "/ui/index.html?v=2", document_refuses=True),
    Case("getDashboardFile", "/ui/nope.js", status=404, document_refuses=False),
    Case("getDashboardFile", "/ui/..%2Fadmin.py", status=404, document_refuses=False),
    Case("getStream", "/stream", setup=pulled()),
    Case("getStream", "/stream?after=0", setup=pulled()),
    Case("getStream", "/stream", setup=pulled(), headers=(("Last-Event-ID", "0:2"),)),
    # Not refused: a text `after`, a malformed Last-Event-ID, an unknown query are ignored.
    Case("getStream", "/stream?after=x", document_refuses=True),
    Case("getStream", "/stream", headers=(("Last-Event-ID", "latest"),),
         document_refuses=True),
    Case("getStream", "/stream?colour=red", document_refuses=True),
    # Other origins: every state-changing operation refuses them.
    Case("changeClock", "/clock", {"freeze": True}, status=403, headers=FOREIGN),
    Case("changeClock", "/clock", {"freeze": True}, headers=OWN),
    Case("emitEvents", "/events", {"type": "NewFileUpload"}, status=403, headers=FOREIGN),
    Case("emitEvents", "/events", {"type": "NewFileUpload"}, status=403, headers=CROSS_SITE),
    Case("wait", "/wait", {"pullable": 0}, status=403, headers=FOREIGN),
    Case("reset", "/reset", {}, status=403, headers=FOREIGN),
    Case("redeliverCallbacks", "/callbacks/redeliver", {}, status=403, headers=FOREIGN),
    Case("changeSettings", "/settings", {"long_poll_seconds": 1}, status=403,
         headers=FOREIGN),
    Case("addFault", "/faults", {"action": "PullEvents", "effect": "latency",
                                 "seconds": 0}, status=403, headers=FOREIGN),
    Case("removeFaults", "/faults", status=403, headers=FOREIGN),
    Case("removeFault", "/faults/f1", setup=fault_rules, status=403, headers=FOREIGN),
    Case("changeEventConfig", "/event-config/default", {"Mode": "PULL"}, status=403,
         headers=FOREIGN),
    Case("listMedia", "/media", setup=pulled()),
    Case("listMedia", f"/media?sub_app_id={APP}&limit=2", setup=seeded),
    Case("listMedia", "/media?sub_app_id=default"),
    Case("listMedia", "/media?limit=0", status=400),
    Case("listMedia", "/media?sub_app_id=0", status=400),
    Case("listMedia", "/media?content=false", status=400),
    Case("getMediaFile", f"/media/{SEEDED_FILE}?sub_app_id={APP}", setup=seeded),
    Case("getMediaFile", f"/media/{SEEDED_FILE}", setup=seeded, status=404,
         document_refuses=False),
    Case("getMediaFile", f"/media/{SEEDED_FILE}?sub_app_id=abc", status=400),
    Case("getMediaFile", f"/media/{SEEDED_FILE}?limit=1", status=400),
    Case("seedMedia", "/media", {}),
    Case("seedMedia", "/media", {"sub_app_id": APP, "file_id": SEEDED_FILE,
                                 "basic_info": {"Name": "a.mp4", "ClassId": 3},
                                 "meta_data": {"Duration": 12.5}}),
    Case("seedMedia", "/media", {"file_id": None, "basic_info": None, "meta_data": None}),
    Case("seedMedia", "/media", {"file_id": ""}, status=400),
    Case("seedMedia", "/media", {"basic_info": []}, status=400),
    Case("seedMedia", "/media", {"colour": "red"}, status=400),
    Case("seedMedia", "/media", {"sub_app_id": 0}, status=400),
    # The SDK's models, which the document leaves to the server: refused there only.
    Case("seedMedia", "/media", {"basic_info": {"Nmae": "a.mp4"}}, status=400,
         document_refuses=False),
    Case("seedMedia", "/media", {"meta_data": {"Duration": "long"}}, status=400,
         document_refuses=False),
    Case("seedMedia", "/media", {}, status=403, headers=FOREIGN),
    Case("listTasks", "/tasks"),
    Case("listTasks", "/tasks", setup=tasks_started),
    Case("listTasks", f"/tasks?sub_app_id={APP}&status=PROCESSING&limit=1",
         setup=tasks_started),
    Case("listTasks", "/tasks?status=FINISH&sub_app_id=default", setup=tasks_finished),
    Case("listTasks", "/tasks?status=FAIL", status=400),
    Case("listTasks", "/tasks?status=", status=400),
    Case("listTasks", "/tasks?limit=0", status=400),
    Case("listTasks", "/tasks?sub_app_id=0", status=400),
    Case("listTasks", f"/tasks?file_id={SEEDED_FILE}&sub_app_id={APP}", setup=tasks_started),
    Case("listTasks", "/tasks?file_id=1&file_id=2", status=400),
    Case("listTasks", "/tasks?session_id=1", status=400),
    Case("getTask", "/tasks/{task_id}", setup=tasks_started),
    Case("getTask", f"/tasks/{{task_id}}?sub_app_id={APP}", setup=tasks_finished),
    Case("getTask", "/tasks/{task_id}?sub_app_id=default", setup=tasks_started, status=404,
         document_refuses=False),
    Case("getTask", "/tasks/1250000000-Procedure-00t0", status=404, document_refuses=False),
    Case("getTask", "/tasks/{task_id}?sub_app_id=abc", setup=tasks_started, status=400),
    Case("getTask", "/tasks/{task_id}?status=FINISH", setup=tasks_started, status=400),
    Case("finishTasks", "/tasks/finish", {}, setup=tasks_started),
    Case("finishTasks", "/tasks/finish", b""),
    Case("finishTasks", "/tasks/finish", {"sub_app_id": APP}, status=400),
    Case("finishTasks", "/tasks/finish?all=true", {}, status=400),
    Case("finishTasks", "/tasks/finish", b"[1]", status=400),
    Case("finishTasks", "/tasks/finish", {}, status=403, headers=FOREIGN),
    Case("saveSnapshot", "/snapshots", {"name": "base"}, status=201, setup=pulled()),
    Case("saveSnapshot", "/snapshots", {"name": "a.b_c-1"}, status=201, setup=faults_applied),
    Case("saveSnapshot", "/snapshots", {}, status=400),
    Case("saveSnapshot", "/snapshots", {"name": ""}, status=400),
    Case("saveSnapshot", "/snapshots", {"name": 7}, status=400),
    Case("saveSnapshot", "/snapshots", {"name": "base", "at": 1}, status=400),
    Case("saveSnapshot", "/snapshots", {"name": "a/b"}, status=400, document_refuses=False),
    Case("saveSnapshot", "/snapshots?name=base", {"name": "base"}, status=400),
    Case("saveSnapshot", "/snapshots", {"name": "base"}, status=403, headers=FOREIGN),
    Case("listSnapshots", "/snapshots", setup=saved),
    Case("listSnapshots", "/snapshots?name=base", status=400),
    Case("restoreSnapshot", "/snapshots/base/restore", {}, setup=saved),
    Case("restoreSnapshot", "/snapshots/base/restore", b"", setup=saved),
    Case("restoreSnapshot", "/snapshots/never-saved/restore", {}, status=404,
         document_refuses=False),
    Case("restoreSnapshot", "/snapshots/-base/restore", {}, status=400,
         document_refuses=False),
    Case("restoreSnapshot", "/snapshots/base/restore", {"name": "base"}, status=400,
         setup=saved),
    Case("restoreSnapshot", "/snapshots/base/restore", {}, status=403, headers=FOREIGN),
    Case("deleteSnapshot", "/snapshots/base", setup=saved),
    Case("deleteSnapshot", "/snapshots/never-saved", status=404, document_refuses=False),
    Case("deleteSnapshot", "/snapshots/base?all=true", setup=saved, status=400),
    Case("deleteSnapshot", "/snapshots/base", status=403, headers=FOREIGN),
    Case("exportSnapshot", "/snapshots/base/export", setup=saved),
    Case("exportSnapshot", "/snapshots/never-saved/export", status=404,
         document_refuses=False),
    Case("exportSnapshot", "/snapshots/%20/export", status=400, document_refuses=False),
    Case("importSnapshot", "/snapshots/imported", EXPORTED, status=201),
    Case("importSnapshot", "/snapshots/imported", b"", status=400, document_refuses=False),
    Case("importSnapshot", "/snapshots/imported", b"not a snapshot", status=400,
         document_refuses=False),
    Case("importSnapshot", "/snapshots/imported", EXPORTED[:-10], status=400,
         document_refuses=False),
    Case("importSnapshot", "/snapshots/-imported", EXPORTED, status=400,
         document_refuses=False),
    Case("importSnapshot", "/snapshots/imported", EXPORTED, status=403, headers=FOREIGN),
    Case("getOpenApi", "/openapi.json"),
    Case("getOpenApi", "/openapi.json?format=yaml", status=400),
]


def _case_id(case: Case) -> str:
    same = [c for c in CASES if (c.operation, c.status) == (case.operation, case.status)]
    return f"{case.operation}-{case.status}-{same.index(case) + 1}"


def test_every_operation_has_an_accepted_and_a_refused_request() -> None:
    accepted = {case.operation for case in CASES if case.status < 400}
    refused = {case.operation for case in CASES if case.status >= 400}
    assert set(OPERATIONS) == accepted
    assert refused == set(OPERATIONS) - REFUSE_NOTHING
    assert {case.operation for case in CASES} <= set(OPERATIONS)
    for name in REFUSE_NOTHING:  # the document lists no refusal for them either
        assert all(int(status) >= 500 or int(status) < 400
                   for status in OPERATIONS[name].spec["responses"]), name
    state_changing = {name for name, operation in OPERATIONS.items()
                      if operation.method in STATE_CHANGING}
    assert {case.operation for case in CASES if case.status == 403} == state_changing


# One emulator for the module; each case starts from a full reset, the clock running.
@pytest.fixture(scope="module")
def running() -> Iterator[Harness]:
    with EmulatorThread(Settings(port=0, seed=4321)) as emulator:
        yield Harness(emulator)


@pytest.fixture
def harness(running: Harness) -> Harness:
    running.task_id = ""
    running.admin("POST", "/reset", {})
    running.admin("POST", "/clock", {"freeze": False, "scale": 1})
    return running


def _coerced(text: str, schema: dict[str, Any]) -> Any:
    """A query's or path's text as the value its schema describes."""
    kind = _resolve(schema).get("type")
    if kind == "integer" and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    return text


def request_problems(operation: Operation, target: str, body: Any,
                     headers: Mapping[str, str] | None = None) -> list[str]:
    """Why the document refuses this request (nothing: it accepts it). Headers it does
    not describe as parameters (a browser's Origin) are left to its answers."""
    problems: list[str] = []
    split = urllib.parse.urlsplit(target)
    spec = operation.spec
    parameters = {(p["in"], p["name"]): p for p in spec.get("parameters", [])}
    match = operation.pattern.fullmatch(split.path)
    assert match is not None, (target, operation.path)
    base = _pointer("paths", operation.path, operation.method, "parameters")
    indexes = {key: index for index, key in enumerate(parameters)}
    for name, text in match.groupdict().items():
        pointer = f"{base}/{indexes['path', name]}/schema"
        problems += [f"path {name}: {e.message}"
                     for e in _validator(pointer).iter_errors(text)]
    query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
    names = [name for name, _ in query]
    for name, text in query:
        if ("query", name) not in parameters:
            problems.append(f"query {name} is not described")
            continue
        if names.count(name) > 1:
            problems.append(f"query {name} is repeated")
        parameter = parameters["query", name]
        pointer = f"{base}/{indexes['query', name]}/schema"
        value = _coerced(text, parameter["schema"])
        problems += [f"query {name}: {e.message}"
                     for e in _validator(pointer).iter_errors(value)]
    described = {name.lower(): key for key in parameters if key[0] == "header"
                 for name in [key[1]]}
    for name, text in (headers or {}).items():
        key = described.get(name.lower())
        if key is not None:
            pointer = f"{base}/{indexes[key]}/schema"
            problems += [f"header {name}: {e.message}"
                         for e in _validator(pointer).iter_errors(text)]
    if OCTET_STREAM in spec.get("requestBody", {}).get("content", {}):
        if not isinstance(body, bytes):  # a file's bytes, whatever they are
            problems.append("the body is not a file's bytes")
    elif "requestBody" in spec:
        raw = body if isinstance(body, bytes) else b"" if body is None else None
        document: Any = body
        if raw is not None:
            try:
                document = json.loads(raw) if raw.strip() else {}
            except ValueError:
                return [*problems, "the body is not JSON"]
        pointer = _pointer("paths", operation.path, operation.method, "requestBody",
                           "content", "application/json", "schema")
        problems += [f"body: {e.message}" for e in _validator(pointer).iter_errors(document)]
    elif body is not None:
        problems.append("this operation takes no body")
    return problems


def _at(pointer: str) -> Any:
    """The document's node at a JSON pointer (a reference there is not followed)."""
    node: Any = DOCUMENT
    for part in pointer.split("/")[1:]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def check_answer(operation: Operation | None, answer: Answer,
                 fallback: str | None = None) -> None:
    """The answer's status is one the document lists (for the operation, else the
    ``fallback`` response of the components), its media type one listed for it, and its
    headers and body match their schemas: a JSON document; a file's text; an event
    stream's first message, parsed, the message schema the stream names."""
    status, raw = answer.status, answer.raw
    if operation is not None and str(status) in operation.spec["responses"]:
        pointer = _pointer("paths", operation.path, operation.method, "responses",
                           str(status))
    else:
        assert fallback is not None, f"status {status} is not described: {raw[:500]!r}"
        pointer = _pointer("components", "responses", fallback)
    reference = _at(pointer).get("$ref")
    if reference is not None:
        pointer = reference.removeprefix("#")
    response = _at(pointer)
    problems: list[str] = []
    for name, header in response.get("headers", {}).items():
        value = answer.headers.get(name)
        if value is None:
            assert not header.get("required"), f"no {name} header"
            continue
        schema = pointer + _pointer("headers", name, "schema")
        problems += [f"header {name}: {e.message}"
                     for e in _validator(schema).iter_errors(value)]
    if "content" in response:
        media_type = answer.content_type.split(";")[0].strip()
        assert media_type in response["content"], (media_type, list(response["content"]))
        where = pointer + _pointer("content", media_type)
        body: Any = (json.loads(raw) if media_type == "application/json"
                     else raw.decode("latin-1") if media_type == OCTET_STREAM  # any bytes
                     else raw.decode("utf-8"))
        problems += [f"{list(e.absolute_path)}: {e.message}"
                     for e in _validator(where + "/schema").iter_errors(body)]
        if media_type == EVENT_STREAM:
            message = _parsed_message(raw)
            assert message["event"] == "hello", message  # a stream starts with it
            problems += [f"message {list(e.absolute_path)}: {e.message}" for e in
                         _validator(where + "/x-message-schema").iter_errors(message)]
    assert not problems, (status, problems, raw[:1000])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_answers_match_the_document(case: Case, harness: Harness) -> None:
    operation = OPERATIONS[case.operation]
    if case.setup is not None:
        case.setup(harness)
    target = PREFIX + case.target.replace("{task_id}", harness.task_id)
    body = case.body
    if body is not None and not isinstance(body, bytes):
        body = json.loads(json.dumps(body).replace("{task_id}", harness.task_id))
    headers = {name: value.format(origin=harness.origin) for name, value in case.headers}
    answer = harness.send(operation.method, target, body, headers)
    assert answer.status == case.status, answer.raw[:1000]
    check_answer(operation, answer)
    problems = request_problems(operation, target, body, headers)
    if case.refused_by_document:
        assert problems, "the document accepts a request the server refuses"
    else:
        assert not problems, problems


def _wrong_methods() -> list[tuple[str, str]]:
    return [(method, path) for path, item in DOCUMENT["paths"].items()
            for method in METHODS if method not in item]


@pytest.mark.parametrize(("method", "path"), _wrong_methods(),
                         ids=[f"{m}-{p}" for m, p in _wrong_methods()])
def test_a_wrong_method_is_the_documented_405(method: str, path: str,
                                              harness: Harness) -> None:
    target = re.sub(r"\{\w+\}", "default", path)
    answer = harness.send(method, target, {})
    assert answer.status == 405, answer.raw[:500]
    check_answer(None, answer, fallback="MethodNotAllowed")


@pytest.mark.parametrize("target", [
    PREFIX, PREFIX + "/", PREFIX + "/nope", PREFIX + "/queues/default/events",
    PREFIX + "/faults/f1/applied", PREFIX + "/openapi.yaml"])
def test_an_unknown_route_is_the_documented_404(target: str, harness: Harness) -> None:
    for method in ("GET", "POST", "DELETE"):
        answer = harness.send(method, target, {})
        assert answer.status == 404, (method, answer.raw[:500])
        check_answer(None, answer, fallback="NotFound")


def test_an_emit_cut_short_by_a_reset_is_the_documented_409(harness: Harness) -> None:
    body = {"type": "NewFileUpload", "count": MAX_EVENTS_PER_EMIT, "with_content": False}
    # The reset is made on the server's own loop once the emit's first event is queued
    # (over HTTP from here it could wait on the interpreter's lock while the emit, in this
    # same process, ran to its end).
    tasks: list[asyncio.Future[None]] = []  # held here: the loop keeps weak references

    def reset_at_the_first_event(backend: VodBackend) -> None:
        start = backend.journal.count("enqueued")

        async def reset() -> None:
            await backend.journal.wait_for(
                lambda: backend.journal.count("enqueued") > start, 60)
            backend.reset()

        tasks.append(asyncio.ensure_future(reset()))

    harness.emulator.call(reset_at_the_first_event)
    answer = harness.send("post", PREFIX + "/events", body)
    assert answer.status == 409, answer.raw[:500]
    check_answer(OPERATIONS["emitEvents"], answer)


def test_the_served_document_is_this_document(harness: Harness) -> None:
    served = harness.admin("GET", "/openapi.json")
    assert served == json.loads(json.dumps(DOCUMENT))
