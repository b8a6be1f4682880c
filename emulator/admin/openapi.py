"""The OpenAPI 3.1 description of the admin API (everything under ``/_emulator/``),
served at ``GET /_emulator/openapi.json``.

The routes come from the tables that register them (``routes.ROUTES``, the dashboard's
``ROUTES``), given to ``document()``; each is described here by its operation id, and a
route without a description, or a description without a route, fails the build. Each
enumeration and limit is read from the module that enforces it, never copied, so the
document cannot drift from the server; ``tests/test_openapi.py`` checks every route and
every answer against it. No aiohttp at import: the modules read here are domain code,
and ``emulator.admin.http`` (for its limits and error codes) is imported only when the
document is built, which happens in the server that already loaded it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..core import callbacks, clock, journal
from ..core.backend import MAX_EVENTS_PER_EMIT
from ..core.conditions import CONDITION_PATTERN, CONDITION_SYNTAX
from ..core.event import EVENT_STATES, OUTCOMES
from ..core.records import LIVE_COUNTS
from ..core.tasks import TASK_STATES
from .openapi_schemas import (
    COUNT,
    ERRORS,
    FLAG_TEXT,
    PATH_PARAMETERS,
    TEXT,
    TIME,
    Schema,
    array,
    components,
    described,
    error_responses,
    in_query,
    object_schema,
    ref,
    snapshot_operations,
)

if TYPE_CHECKING:
    from .http import Route

OPENAPI_VERSION = "3.1.0"


@functools.cache
def document(routes: Sequence[Route[Any]]) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (a tuple: the document is built once for it;
    callers must not change it)."""
    return _Builder(routes).build()


@dataclass(frozen=True)
class _Description:
    """An operation as described, before the route table places it."""

    summary: str
    answer: Schema | None
    query: list[Schema]
    body: Schema | None
    errors: tuple[int, ...]
    description: str | None
    answers: dict[str, Any] | None
    headers: list[Schema]


class _Builder:
    """Reads every fact from its owner, then assembles the document."""

    def __init__(self, routes: Sequence[Route[Any]]) -> None:
        from ..cloudapi.protocol import MAX_BODY_BYTES  # the application's body limit
        from . import http, snapshots, waits  # import aiohttp: loaded only when building

        self.routes = routes
        self.prefix: str = http.PREFIX
        self.max_wait_seconds: float = http.MAX_WAIT_SECONDS
        self.max_wait_count: int = http.MAX_WAIT_COUNT
        self.max_body_depth: int = http.MAX_BODY_DEPTH
        self.max_follow_limit: int = http.MAX_FOLLOW_LIMIT
        self.tasks_running: str = http.TASKS_RUNNING
        self.wait_conditions: tuple[str, ...] = waits.WAIT_CONDITIONS
        self.max_waited_events: int = waits.MAX_WAITED_EVENTS
        self.condition_syntax: str = CONDITION_SYNTAX
        self.condition_pattern: str = CONDITION_PATTERN
        self.max_body_bytes: int = MAX_BODY_BYTES
        self.max_import_bytes: int = snapshots.MAX_IMPORT_BYTES
        self.error_codes: dict[int, str] = http.ADMIN_ERROR_CODES
        self.descriptions: dict[str, _Description] = {}
        self.paths: dict[str, dict[str, Any]] = {}

    def build(self) -> dict[str, Any]:
        self._operations()
        for route in self.routes:
            self._place(route)
        unrouted = set(self.descriptions) - {route.operation_id for route in self.routes}
        if unrouted:
            raise LookupError(f"described, but no route has the id: {sorted(unrouted)}")
        codes = self.error_codes
        return {
            "openapi": OPENAPI_VERSION,
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {
                "title": "vod-emulator admin API",
                "version": __version__,
                "description": (
                    "Control of a vod-emulator from tests and people. Everything under "
                    f"`{self.prefix}/` answers JSON, whatever the request (but the "
                    "dashboard's files, its redirect and the live stream): bad input is "
                    f"HTTP 400 with `{{\"error\": {{\"code\": \"{codes[400]}\", "
                    "\"message\": …}}` naming what is wrong; an unknown route, or an id "
                    "that names nothing kept (an event, a fault rule, a callback to send "
                    f"again), is 404 `{codes[404]}`, a wrong method 405 `{codes[405]}` (the "
                    f"`{ERRORS[404][0]}` and `{ERRORS[405][0]}` responses of the "
                    f"components), an emit cut short by a reset 409 `{codes[409]}`, "
                    f"a body over {self.max_body_bytes // 2**20} MB 413 `{codes[413]}`. "
                    "Bodies are strict JSON objects sent as they are: a repeated field, "
                    "`NaN`/`Infinity` or a number no double holds, text that is not valid "
                    "Unicode, nesting deeper than "
                    f"{self.max_body_depth} levels, or a `Content-Encoding` is a 400. "
                    "Unknown fields and unknown query parameters are refused too, never "
                    "ignored. Every GET route also answers HEAD. A state-changing request "
                    "from a browser page of another origin is 403 "
                    f"`{codes[403]}`. The dashboard's routes (`{self.prefix}/ui`, "
                    f"`{self.prefix}/ui/…`, `{self.prefix}/stream`) ignore query "
                    "parameters they do not know; their refusals are JSON too."
                ),
                "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
            },
            "servers": [{"url": "/", "description": "the emulator that serves this document"}],
            "paths": self.paths,
            "components": {"schemas": components(self.prefix),
                           "responses": error_responses(codes)},
        }

    # ----- routes

    def _describe(self, operation_id: str, summary: str, answer: Schema | None, *,
                  query: list[Schema] | None = None, body: Schema | None = None,
                  errors: tuple[int, ...] = (), description: str | None = None,
                  answers: dict[str, Any] | None = None,
                  headers: list[Schema] | None = None) -> None:
        """One operation: its JSON ``answer`` (or its own ``answers`` by status), and the
        errors it can give besides those every route of its kind gives (``_place``)."""
        self.descriptions[operation_id] = _Description(
            summary, answer, query or [], body, errors, description, answers, headers or [])

    def _place(self, route: Route[Any]) -> None:
        """The route's operation, at its path and method, with the 400 of every route
        that refuses unknown query parameters (not the dashboard's), the 403 of every
        state-changing one, the 413 of every one with a body and the 500 any can."""
        described = self.descriptions.get(route.operation_id)
        if described is None:
            raise LookupError(f"the route {route.method} {route.path} ({route.operation_id}) "
                              "is not described: describe it in openapi.py")
        query_names = [parameter["name"] for parameter in described.query]
        if sorted(query_names) != sorted(route.query):
            raise LookupError(f"{route.operation_id}: the route takes the query parameters "
                              f"{sorted(route.query)}, the description {sorted(query_names)}")
        method = route.method.lower()
        path = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", route.path)  # {name:regex} is {name}
        statuses = sorted({500, *described.errors, *((400,) if route.checks_query else ()),
                           *((413,) if described.body is not None else ()),
                           *((403,) if method in ("post", "put", "delete") else ())})
        responses: dict[str, Any] = (
            dict(described.answers) if described.answers is not None else {
                "200": {"description": described.summary,
                        "content": {"application/json": {"schema": described.answer}}}})
        for status in statuses:
            responses[str(status)] = {
                "$ref": f"#/components/responses/{ERRORS[status][0]}"}
        operation: dict[str, Any] = {"operationId": route.operation_id,
                                     "summary": described.summary, "responses": responses}
        if described.description:
            operation["description"] = described.description
        parameters = [*(PATH_PARAMETERS[name] for name in re.findall(r"\{(\w+)\}", path)),
                      *described.query, *described.headers]
        if parameters:
            operation["parameters"] = parameters
        if described.body is not None:
            file = described.body.get("contentMediaType")  # a file's bytes, sent as they are
            operation["requestBody"] = {
                "required": file is not None,
                "description": (described.body["description"] if file
                                else "A JSON object; an empty body counts as `{}`."),
                "content": {file or "application/json": {"schema": described.body}}}
        self.paths.setdefault(self.prefix + path, {})[method] = operation

    def _operations(self) -> None:
        self._health_and_clock()
        self._emit_and_feed()
        self._queues_and_wait()
        self._journal_and_callbacks()
        self._settings_reset_faults()
        self._event_configs()
        self._media()
        self._tasks()
        self._dashboard()
        for operation_id, operation in snapshot_operations(self.prefix,
                                                           self.max_import_bytes).items():
            self._describe(operation_id, **operation)
        self._describe(
            "getStats", "Counts per application and in total",
            ref("Stats"),
            description="Per application: its event configuration; events emitted, "
                        "pullable, leased, confirmed, expired, dropped, suppressed, and its "
                        "callbacks; the same summed; fault rules in force and applied; "
                        "callback latencies; journal entries kept and evicted.")
        self._describe(
            "getReport", "What the consumers do that the real service would punish",
            object_schema({"clean": {"type": "boolean"}, "findings": array(ref("Finding"))}),
            query=[in_query("sub_app_id", ref("SubAppIdText"),
                            "Only this application's findings (`default`: the default one).")],
            description="Since the last full reset, per application and per client "
                        "(address and User-Agent; for callbacks, the handler's URL): "
                        "confirms after the window, events never confirmed, handles "
                        "confirmed twice, refused confirms, DescribeEventsState polling, "
                        "pulls hung up or looping, rates above the real limits, slow or "
                        "failing callback handlers, accepted forged or expired signatures, "
                        "types never accepted. Each with a count, the first and last time, "
                        "ids, what it means and what to change. `clean` when there is none.")
        self._describe(
            "getOpenApi", "This document",
            {"type": "object", "required": ["openapi", "info", "paths"],
             "properties": {"openapi": {"const": OPENAPI_VERSION}}},
            description="The OpenAPI 3.1 description of every route under "
                        f"`{self.prefix}/`.")

    def _health_and_clock(self) -> None:
        self._describe("getHealth", "The emulator's status", ref("Health"))
        self._describe("getClock", "The emulator clock", ref("Clock"))
        change: Schema = object_schema({
            "advance_seconds": {
                "type": "number", "minimum": 0, "maximum": clock.MAX_ADVANCE_SECONDS,
                "description": "Move emulator time forward: the leases, holds, retention "
                               "and callback retries due in that span end at once. The "
                               "clock never passes 9900-01-01."},
            "freeze": {"type": "boolean", "description": "true: stop emulator time; false: "
                                                         "let it run again."},
            "scale": {"type": "number", "exclusiveMinimum": 0, "maximum": clock.MAX_SCALE,
                      "description": "Run emulator time this many times faster than real "
                                     "time."},
        }, ())
        change["minProperties"] = 1
        self._describe(
            "changeClock", "Set the scale, freeze or resume, advance",
            ref("Clock"), body=change,
            description="Any of them, applied in that order; a refused change changes "
                        "nothing.")

    def _emit_and_feed(self) -> None:
        from ..events import EVENT_TYPES, MEMBER_OF_EVENT_TYPE
        from ..events.scenarios import SCENARIOS

        emit = object_schema({
            "type": {"type": "string", "enum": list(EVENT_TYPES),
                     "description": "Generate events of this EventType."},
            "count": {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS_PER_EMIT,
                      "description": "With `type`: how many (default 1)."},
            "overrides": {"type": "object",
                          "description": "With `type`: deep-merged into each payload."},
            "scenario": {"type": "string", "enum": list(SCENARIOS),
                         "description": "Emit one run of this scenario."},
            "events": array({"type": "object"},
                            "EventContent payloads without EventHandle, checked against "
                            "the schema and emitted as given, all or none.")
            | {"minItems": 1, "maxItems": MAX_EVENTS_PER_EMIT},
            "sub_app_id": ref("SubAppIdInput"),
            "description": described(TEXT, "Documentation: ignored (fixture files carry "
                                           "one)."),
            "with_content": {"type": "boolean",
                             "description": "false: the answer leaves the payloads out."},
        }, ())
        emit["oneOf"] = [{"required": [name]} for name in ("type", "scenario", "events")]
        emit["dependentRequired"] = {"count": ["type"], "overrides": ["type"]}
        self._describe(
            "emitEvents", "Emit events", object_schema({
                "sub_app_id": ref("SubAppId"),
                "count": COUNT,
                "events": array(ref("Event"), "The emitted events, in order."),
            }), body=emit, errors=(409,),
            description="Emit generated events (`type`), a scenario run, or given payloads "
                        "(`events`). Events are generated and queued in slices that hand "
                        "the event loop back, so other requests are answered during a "
                        "large emit.")
        self._event_feed()
        self._describe(
            "getEvent", "One emitted event's whole story",
            object_schema({
                "event": {"allOf": [ref("FeedEvent"), {"required": ["content"]}]},
                "history": array(ref("JournalEntry"), "Its journal entries kept, in "
                                                      "order."),
                "callbacks": array(ref("Attempt"), "Its callback attempts kept, oldest "
                                                   "first."),
                "leases": array(object_schema({
                    "handle": described(TEXT, "The EventHandle it is leased under."),
                    "expires_at": described(TIME, "When the lease's confirm window "
                                                  "ends.")}), "Its leases now."),
            }), errors=(404,),
            description="The event with its payload, its journal entries, its callback "
                        "attempts and its leases; 404 if no emitted event with this id is "
                        "kept (the newest, were the id emitted twice).")
        self._describe(
            "getCatalog", "What can be emitted",
            object_schema({
                "event_types": array(object_schema({
                    "event_type": {"type": "string", "enum": list(MEMBER_OF_EVENT_TYPE)},
                    "member": {"type": "string",
                               "enum": sorted(set(MEMBER_OF_EVENT_TYPE.values())),
                               "description": "Its EventContent member in the SDK."}}),
                    "Every EventType, in the catalog's order.")
                | {"minItems": len(MEMBER_OF_EVENT_TYPE),
                   "maxItems": len(MEMBER_OF_EVENT_TYPE)},
                "scenarios": array(object_schema({
                    "name": {"type": "string", "enum": list(SCENARIOS)},
                    "description": TEXT}), "Every scenario.")
                | {"minItems": len(SCENARIOS), "maxItems": len(SCENARIOS)},
                "event_states": {"type": "array", "const": list(EVENT_STATES),
                                 "description": "Every state an event can be in (the "
                                                "search's `state`)."},
                "journal_kinds": {"type": "array", "const": list(journal.KINDS),
                                  "description": "Every kind of journal entry."},
            }),
            description="Every EventType `POST /events` generates (`type`), with the SDK's "
                        "member, every scenario (`scenario`), and the value lists a client "
                        "filters by: event states and journal kinds.")

    def _event_feed(self) -> None:
        from ..events import EVENT_TYPES

        searching = "Searching: "
        self._describe(
            "getEventFeed", "The emitted events, to follow live or search",
            {"oneOf": [ref("EventFeed"), ref("EventSearch")]},
            query=[*self._follow_parameters(
                       "events", "the oldest following, the newest searching"),
                   in_query("content", FLAG_TEXT, "false leaves the payloads out."),
                   in_query("before", {"type": "integer", "minimum": 1, "maximum": 2**63},
                            searching + "only events with a seq less than this (the next "
                            "page: the last seq of this one)."),
                   in_query("type", {"type": "string", "enum": ["", *EVENT_TYPES]},
                            searching + "only events of this EventType (empty: any)."),
                   in_query("sub_app_id", ref("SubAppIdText"),
                            searching + "only this application's events."),
                   in_query("state", {"type": "string", "enum": ["", *EVENT_STATES]},
                            searching + "only events in this state now (see `FeedEvent`; "
                            "empty: any)."),
                   in_query("q", {"type": "string"},
                            searching + "only events with this text in their id or anywhere "
                            "in their payload's JSON (empty: any).")],
            description="Every emitted event (queued, pushed or suppressed) with its `seq` "
                        "and payload, oldest first, the newest `journal_max_entries` kept: "
                        "what `vod-emulator record` saves. Followed as the journal is "
                        "(`after`, `wait_seconds`, `limit`: answers `EventFeed`). With any "
                        "of `before`, `type`, `sub_app_id`, `state` or `q`, a search "
                        "instead (answers `EventSearch`): the kept events matching all of "
                        "them, newest first; `after` and `wait_seconds` are refused with "
                        "them (400). The server does not refuse an unknown `type` or "
                        "`state`: it matches nothing.")

    def _follow_parameters(self, what: str, limit: str = "the oldest") -> list[Schema]:
        return [
            in_query("after", COUNT, f"Only {what} with a seq greater than this."),
            in_query("wait_seconds",
                     {"type": "number", "minimum": 0, "maximum": self.max_wait_seconds},
                     f"If no {what} match yet, hold until one does or this many real "
                     "seconds pass (answers early, empty, on a full reset or shutdown; at "
                     "once when `after` is past the newest seq: a follower from before a "
                     "full reset must start again from 0)."),
            in_query("limit",
                     {"type": "integer", "minimum": 1, "maximum": self.max_follow_limit},
                     f"At most this many {what}: {limit}."),
        ]

    def _queues_and_wait(self) -> None:
        self._describe(
            "listQueues", "Counts per application",
            object_schema({"queues": array(ref("QueueState"))}))
        self._describe(
            "getQueue", "One application's queue",
            object_schema({
                "sub_app_id": ref("SubAppId"),
                "pullable": array(ref("Event"), "Oldest first."),
                "leased": array(ref("Lease")),
                "held_pulls": COUNT,
                "confirmed": COUNT,
            }),
            query=[in_query("content", FLAG_TEXT, "false leaves the payloads out.")],
            description="The events themselves, pullable and leased (with handles and "
                        "expiries). Looking never makes state.")
        condition = {"oneOf": [
            {"type": "integer", "minimum": 0, "maximum": self.max_wait_count},
            {"type": "string", "pattern": self.condition_pattern}]}
        event_ids = {"type": "array", "minItems": 1, "maxItems": self.max_waited_events,
                     "items": {"type": "string", "minLength": 1}}
        wait = object_schema({
            "sub_app_id": ref("SubAppIdInput"),
            "timeout_seconds": {"type": "number", "minimum": 0,
                                "maximum": self.max_wait_seconds,
                                "description": "Real seconds (default 10)."},
            **{name: {**condition, "description": f"Wait until {name} is as said: "
                                                  f"{self.condition_syntax}."}
               for name in LIVE_COUNTS},
            self.tasks_running: {**condition,
                                 "description": "Wait until the application has at most "
                                                "this many unfinished tasks (WAITING or "
                                                "PROCESSING): 0, until every one is FINISH; "
                                                "or a comparison ('==N', '>=N')."},
            "task_id": {"type": "string", "minLength": 1,
                        "description": "Wait until this task is FINISH (it may have "
                                       "failed: see its `failed`); looked for in the "
                                       "application `sub_app_id` names, else in any. 404 "
                                       "if it is not known."},
            "events_confirmed": {**event_ids, "description": "Wait until every one of these "
                                                             "events is confirmed (404 for "
                                                             "an unknown one)."},
            "events_delivered": {**event_ids, "description": "Wait until every one of these "
                                                             "events' callback is delivered "
                                                             "(404 for an unknown one)."},
        }, ())
        wait["anyOf"] = [{"required": [name]} for name in self.wait_conditions]
        self._describe(
            "wait", "Wait until counts are reached, events confirmed or delivered, or tasks "
                    "finished",
            object_schema({"met": {"type": "boolean"}, "state": ref("Counts"),
                           "events": described(
                               {"type": "object", "additionalProperties": {"type": "string"}},
                               "With `events_confirmed` or `events_delivered`: each named "
                               "event's state at the answer."),
                           "task": described(ref("Task"), "With `task_id`: the task as it "
                                                          "stands at the answer.")},
                          ("met", "state")),
            body=wait, errors=(404,),
            description="Answers once every named condition holds (each count as its "
                        "condition says: a bare number at least that many, 0 none, or "
                        "'==N', '<=N', '>=N'; `tasks_running` at most its bare number; the "
                        "`task_id` task FINISH; the listed events confirmed or delivered), "
                        "at the timeout (`met` false), or at once when the emulator "
                        "shuts down. Waiting never moves the clock: tasks finish as "
                        "emulator time passes (`POST /tasks/finish` or `POST /clock` move "
                        "it).")

    def _journal_and_callbacks(self) -> None:
        self._describe(
            "getJournal", "Every state change, in order",
            object_schema({
                "evicted": described(COUNT, "Entries recorded since the last full reset "
                                            "that are no longer kept."),
                "max_entries": {"type": "integer", "minimum": 1},
                "entries": array(ref("JournalEntry"), "Oldest first."),
                "last_seq": described(COUNT, "The newest seq recorded (0: none)."),
                "epoch": described(COUNT, "Counts full resets: seq restarts at 1 after "
                                          "one, so a follower seeing a new epoch starts "
                                          "again from 0."),
            }),
            query=[in_query("kind", {"type": "string", "enum": list(journal.KINDS)},
                            "Only entries of this kind."),
                   in_query("event_id", TEXT, "Only entries of this event."),
                   *self._follow_parameters("entries")],
            description="Every state change, in order, each with its `seq`. A follower asks "
                        "again with the `last_seq` it was given; with `kind` or `event_id`, "
                        "it is held until an entry of that kind or event arrives. The journal "
                        "is bounded by `journal_max_entries`: past it the oldest entries are "
                        "evicted.")
        self._describe(
            "getCallbacks", "Every callback attempt, oldest first",
            object_schema({
                "evicted": COUNT,
                "max_records": {"type": "integer", "minimum": 1},
                "attempts": array(ref("Attempt")),
            }),
            query=[in_query("event_id", TEXT, "Only this event's attempts."),
                   in_query("sub_app_id", ref("SubAppIdText"), "Only this application's."),
                   in_query("outcome", {"type": "string",
                                        "enum": [*OUTCOMES, callbacks.FAILED]},
                            f"Only attempts with this outcome (`{callbacks.FAILED}`: "
                            "pending_retry or undelivered).")])
        self._describe(
            "redeliverCallbacks", "Send callbacks again",
            object_schema({"redelivering": array(TEXT, "Event ids.")}),
            body=object_schema({"event_id": described(TEXT, "The event to send again.")}, ()),
            errors=(404,),
            description="One event's callback (`{\"event_id\": …}`), or every undelivered "
                        "one (`{}`); its attempts are numbered on. 404 if no callback of that "
                        "event is kept (it was not routed to PUSH, or was forgotten).")

    def _settings_reset_faults(self) -> None:
        self._describe("getSettings", "The runtime settings",
                        ref("Settings"))
        self._describe(
            "changeSettings", "Change runtime settings",
            ref("Settings"), body=ref("SettingsChange"),
            description="A running emulator changes these without a restart, each checked "
                        "as its `serve` flag is, every value before any changes; a full "
                        "reset puts back the values it started with.")
        self._describe(
            "reset", "Start over",
            object_schema({"reset": {"const": True}, "sub_app_id": ref("SubAppId")}, ("reset",)),
            body=object_schema({"sub_app_id": ref("SubAppIdInput")}, ()),
            description="Without `sub_app_id`: forgets events, configuration, journal, "
                        "faults, settings changes, the media library and the tasks (what "
                        "they were still to send is not sent); replays the seed from its "
                        "start; held pulls answer empty; an emit under way stops (409); "
                        "callbacks in flight or scheduled are cancelled. The clock keeps its "
                        "time, scale and freeze. With `sub_app_id`: one application only: "
                        "its queue (its held pulls answer empty), callbacks, event "
                        "configuration, journal entries, emitted events, media library, "
                        "tasks and the fault rules aimed at it alone. Event "
                        "ids, the seed, the settings and the other applications go on.")
        self._describe(
            "listFaults", "The fault rules in force, oldest first",
            object_schema({"faults": array(ref("Fault"))}))
        self._describe(
            "addFault", "Add a fault rule",
            object_schema({"fault": ref("Fault")}), body=ref("FaultRule"),
            description="Every time a rule acts, the journal gets a `fault` entry naming "
                        "it.")
        self._describe(
            "removeFaults", "Remove every fault rule",
            object_schema({"removed": array(TEXT, "The ids removed.")}))
        self._describe(
            "removeFault", "Remove one fault rule",
            object_schema({"removed": array(TEXT, "The id removed.")}), errors=(404,))

    def _event_configs(self) -> None:
        self._describe(
            "getEventConfig",
            "An application's event configuration",
            ref("AppEventConfig"),
            description="As DescribeEventConfig answers it, without signing a request.")
        self._describe(
            "changeEventConfig",
            "Change an application's event configuration",
            ref("AppEventConfig"), body=ref("EventConfigChange"),
            description="As ModifyEventConfig changes it: the same parameter names, each a "
                        "string checked as it checks it (a bad value is a 400 naming it, and "
                        "changes nothing). Answers the configuration now.")

    def _media(self) -> None:
        from ..core.media import MEDIA_INFO_FIELDS

        media_info = described(
            {"type": "object", "required": list(MEDIA_INFO_FIELDS),
             "properties": {"FileId": TEXT, "BasicInfo": {"type": "object"},
                            "MetaData": {"type": "object"}}},
            "The file's MediaInfo as DescribeMediaInfos answers it (every field of the "
            "SDK's MediaInfo; the parts the emulator holds nothing for are null).")
        answer = object_schema({"sub_app_id": ref("SubAppId"), "media_info": media_info})
        text_or_null = {"type": ["string", "null"]}
        self._describe(
            "listMedia", "One application's media library",
            object_schema({
                "sub_app_id": ref("SubAppId"),
                "total": described(COUNT, "How many files the library knows."),
                "files": array(object_schema({
                    "file_id": TEXT, "name": text_or_null, "type": text_or_null,
                    "create_time": text_or_null}), "Newest known first."),
            }),
            query=[in_query("sub_app_id", ref("SubAppIdText"),
                            "The application (absent: the default one)."),
                   in_query("limit",
                            {"type": "integer", "minimum": 1,
                             "maximum": self.max_follow_limit},
                            "At most this many files: the newest.")],
            description="The files the application's media library knows (those its events "
                        "made known, and those seeded), each with its BasicInfo's Name, Type "
                        "and CreateTime. Looking never makes state.")
        self._describe(
            "getMediaFile", "One file of the media library", answer,
            query=[in_query("sub_app_id", ref("SubAppIdText"),
                            "The application (absent: the default one).")],
            errors=(404,),
            description="The file's whole MediaInfo, as DescribeMediaInfos answers it; 404 "
                        "if the application's library does not know it.")
        self._describe(
            "seedMedia", "Add a file to the media library, without an event", answer,
            body=object_schema({
                "sub_app_id": ref("SubAppIdInput"),
                "file_id": described({"type": ["string", "null"], "minLength": 1},
                                     "Its FileId (absent: a new one); a file of the same "
                                     "FileId is replaced."),
                "basic_info": described({"type": ["object", "null"]},
                                        "Fields of the SDK's MediaBasicInfo, each checked "
                                        "as an event's overrides are."),
                "meta_data": described({"type": ["object", "null"]},
                                       "Fields of the SDK's MediaMetaData, checked the same "
                                       "way."),
            }, ()),
            description="The file's parts are made as for a file an event names, the fields "
                        "given replacing theirs (a field of the SDK's model that is absent "
                        "or of the wrong type is a 400). No event is emitted. Answers the "
                        "file's MediaInfo; a reset clears the library with the rest.")

    def _tasks(self) -> None:
        app_query = in_query("sub_app_id", ref("SubAppIdText"),
                             "Only this application's (absent: every application's).")
        self._describe(
            "listTasks", "The tasks the asynchronous actions started",
            object_schema({
                "tasks": array(ref("Task"), "Newest first (by creation time; of tasks "
                                            "created at the same moment, the one started "
                                            "last first)."),
                "count": described(COUNT, "How many tasks match (the list holds at most "
                                          "`limit` of them: the newest)."),
            }),
            query=[app_query,
                   in_query("status", {"type": "string", "enum": list(TASK_STATES)},
                            "Only tasks in this state now."),
                   in_query("file_id", TEXT,
                            "Only tasks on this file (or, for PullUpload, making it)."),
                   in_query("limit",
                            {"type": "integer", "minimum": 1,
                             "maximum": self.max_follow_limit},
                            "At most this many tasks: the newest.")],
            errors=(409,),
            description="Every task an accepted request started (ProcessMedia, PullUpload, "
                        "EditMedia…; RestoreMedia one per file) and still known, each with "
                        "its state, progress and detail as they stand on the emulator "
                        "clock. A reset forgets them (one that comes while a long list is "
                        "being made answers 409). Looking never makes state (but what was "
                        "due by now is sent first).")
        self._describe(
            "getTask", "One task", ref("Task"),
            query=[in_query("sub_app_id", ref("SubAppIdText"),
                            "Look in this application only (absent: in every one).")],
            errors=(404,),
            description="The task's facts, state and detail as they stand now; 404 if no "
                        "task of that id is known (in that application).")
        self._describe(
            "finishTasks", "Advance the clock until no task is running",
            object_schema({
                "advanced_seconds": {"type": "number", "minimum": 0,
                                     "description": "How far the clock was moved (0: no "
                                                    "task was running)."},
                "now": described(TIME, "The emulator's time now."),
            }),
            body=object_schema({}, ()),
            description="Moves the emulator clock forward to the moment the last "
                        "unfinished task (of any application) finishes, so every task is "
                        "FINISH and every event they send has been sent (routed as any "
                        "event: queued, pushed or suppressed) before the answer. Everything "
                        "else due in that span happens too, as with `POST /clock`.")

    def _dashboard(self) -> None:
        from .dashboard import CONTENT_TYPES, STREAM_KEEPALIVE_SECONDS, UI_PREFIX

        self._describe(
            "getDashboardRedirect", "To the dashboard", None,
            answers={"308": {"description": "A permanent redirect to the dashboard.",
                             "headers": {"Location": {"required": True,
                                                      "schema": {"const": UI_PREFIX}}}}})
        self._describe(
            "getDashboardFile", "The dashboard's files", None,
            answers={"200": {
                "description": "The file, under a strict Content-Security-Policy (nothing "
                               "but the emulator itself: no CDN, no request leaving it, no "
                               "framing).",
                "content": {media_type: {"schema": {"type": "string"}}
                            for media_type in dict.fromkeys(CONTENT_TYPES.values())}}},
            errors=(404,),
            description="Only the files the package ships; any other name is 404.")
        stream_schema: Schema = {
            "type": "string",
            "description": "Server-sent events; each message, parsed (its `event` name, its "
                           "`id` if any, its `data` decoded as JSON), is a `StreamMessage`."}
        self._describe(
            "getStream", "The journal and the clock, live", None,
            answers={"200": {
                "description": "A stream that stays open until the reader closes it or "
                               "the emulator stops.",
                "content": {"text/event-stream": {
                    "schema": stream_schema,
                    "x-message-schema": ref("StreamMessage")}}}},
            query=[in_query("after", {"type": "integer", "minimum": 0},
                            "Start with the journal entries after this seq (absent, or not "
                            "plain digits: after the newest).")],
            headers=[{"name": "Last-Event-ID", "in": "header", "required": False,
                      "schema": {"type": "string", "pattern": "^[0-9]+:[0-9]+$"},
                      "description": "`epoch:seq` of the last message received, as "
                                     "EventSource sends it on reconnecting: the stream "
                                     "resumes after it (of another epoch, from the journal's "
                                     "start). It takes precedence over `after`."}],
            description="Server-sent events (`text/event-stream`), what the dashboard "
                        "follows: first `hello` (the journal's epoch and newest seq, and the "
                        "clock); then `journal` messages, each a list of new entries in "
                        "order (id `epoch:seq` of the last); `clock` whenever the clock is "
                        "advanced, frozen, resumed or rescaled; `reset` (id `epoch:0`) when "
                        "a full reset starts the journal again, its entries following from "
                        "seq 1. A comment line (`: keep-alive`) comes after "
                        f"{STREAM_KEEPALIVE_SECONDS:g} quiet seconds. Each message's `data` "
                        "is one line of JSON; `StreamMessage` describes them, parsed. Entries "
                        "evicted from the journal while a reader lagged are skipped.")
