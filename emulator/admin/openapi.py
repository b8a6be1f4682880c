"""The OpenAPI 3.1 description of the admin API (everything under ``/_emulator/``),
served at ``GET /_emulator/openapi.json``.

Each enumeration and limit is read from the module that enforces it, never copied, so
the document cannot drift from the server; ``tests/test_openapi.py`` checks every route
and every answer against it. No aiohttp at import: the modules read here are domain
code, and ``emulator.admin.http`` (for its limits and error codes) is imported only when
the document is built, which happens in the server that already loaded it.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from .._version import __version__
from ..core import callbacks, clock, eventconfig, journal, queue
from ..core import settings as config
from ..core.backend import MAX_EVENTS_PER_EMIT, STATS_COUNTS, QueueState
from ..core.ids import MAX_SUB_APP_ID, MIN_SUB_APP_ID

Schema = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
_ERRORS = {
    # status: (name of the response in the components, when); the codes are errors.py's
    400: ("BadRequest",
          "Bad input: the message names what is wrong (an unknown field or query "
          "parameter, a value out of range, a body that is not a strict JSON object)."),
    403: ("Forbidden",
          "A state-changing request (any method but GET, HEAD and OPTIONS) from a browser "
          "page of another origin: its `Origin` is not the address the request was sent "
          "to (the scheme and `Host`, naming `localhost`, an IP address or the host the "
          "emulator listens on), or its `Sec-Fetch-Site` is `cross-site` or `same-site`. "
          "Only the emulator's own pages, and clients that "
          "send no `Origin` (scripts, SDKs, curl), may change its state."),
    404: ("NotFound", "No such route (or no such item, where the route says so)."),
    405: ("MethodNotAllowed", "The route exists, but not with this method."),
    409: ("Interrupted",
          "An emit cut short by a reset or shutdown; the message says how many events were "
          "emitted before it."),
    413: ("TooLarge", "The body is larger than the server takes."),
    500: ("InternalError", "An internal error (logged by the emulator)."),
}
_EVENT_STATES = callbacks.EVENT_STATES
"""An emitted event's states: a queued event's, or its callback's (pending, then an
outcome; ``suppressed`` for one never notified)."""


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document, built once (callers must not change it)."""
    return _Builder().build()


# ----- small schema helpers


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], required: tuple[str, ...] | None = None,
            description: str | None = None, strict: bool = True) -> Schema:
    """An object; by default every property is required and no other is allowed
    (answers the emulator fully controls)."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": list(properties if required is None else required)}
    if strict:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def _array(items: Schema, description: str | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if description:
        schema["description"] = description
    return schema


def _described(schema: Schema, description: str) -> Schema:
    return {**schema, "description": description}


_COUNT: Schema = {"type": "integer", "minimum": 0}
_TIME: Schema = {"type": "number", "description": "Emulator time, Unix seconds."}
_TEXT: Schema = {"type": "string"}
_FLAG_TEXT: Schema = {"type": "string", "enum": ["true", "false"]}


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


class _Builder:
    """Reads every fact from its owner, then assembles the document."""

    def __init__(self) -> None:
        from ..cloudapi.protocol import MAX_BODY_BYTES  # the application's body limit
        from ..core import faults  # admin imports aiohttp: loaded only when building
        from . import http as admin

        self.prefix: str = admin.PREFIX
        self.max_wait_seconds: float = admin.MAX_WAIT_SECONDS
        self.max_wait_count: int = admin.MAX_WAIT_COUNT
        self.max_body_depth: int = admin.MAX_BODY_DEPTH
        self.max_follow_limit: int = admin.MAX_FOLLOW_LIMIT
        self.max_body_bytes: int = MAX_BODY_BYTES
        self.error_codes: dict[int, str] = admin.ADMIN_ERROR_CODES
        self.faults = faults
        self.schemas: dict[str, Schema] = {}
        self.paths: dict[str, dict[str, Any]] = {}

    def build(self) -> dict[str, Any]:
        self._components()
        self._routes()
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
                    "\"message\": …}}` naming what is wrong; an unknown route is 404 "
                    f"`{codes[404]}`, a wrong method 405 `{codes[405]}` (the "
                    f"`{_ERRORS[404][0]}` and `{_ERRORS[405][0]}` responses of the "
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
            "components": {"schemas": self.schemas, "responses": self._error_responses()},
        }

    # ----- components

    def _components(self) -> None:
        s = self.schemas
        s["Error"] = _object(
            {"error": _object({"code": _described(_TEXT, "What kind of refusal, one word."),
                               "message": _described(_TEXT, "What is wrong, for a person.")})},
            description="Every refusal under the admin API.")
        s["SubAppId"] = _nullable({
            "type": "integer", "minimum": MIN_SUB_APP_ID, "maximum": MAX_SUB_APP_ID,
            "description": "An application; null for the account's default application."})
        s["SubAppIdText"] = {
            "type": "string",
            "description": ("An application in a path or a query: `default`, or plain ASCII "
                            f"decimal digits without leading zeros, {MIN_SUB_APP_ID} to "
                            f"{MAX_SUB_APP_ID}."),
            "pattern": f"^(default|[1-9][0-9]{{0,{len(str(MAX_SUB_APP_ID)) - 1}}})$"}
        s["SubAppIdInput"] = {
            "description": (f"An application: an integer from {MIN_SUB_APP_ID} to "
                            f"{MAX_SUB_APP_ID} (a number, or its digits as a string, for "
                            "clients whose numbers are not exact past 2^53), or null or "
                            "\"default\" for the default application."),
            "oneOf": [{"type": "integer", "minimum": MIN_SUB_APP_ID, "maximum": MAX_SUB_APP_ID},
                      {"type": "null"}, _ref("SubAppIdText")]}
        event = self._event_properties()
        s["Event"] = _object(event, tuple(name for name in event if name != "content"),
                             description="An emitted event as the admin API shows it.")
        lease = {"handle": _described(_TEXT, "The EventHandle it was leased under."),
                 "expires_at": _described(_TIME, "When the lease's confirm window ends."),
                 **event}
        s["Lease"] = _object(lease, tuple(name for name in lease if name != "content"),
                             description="A leased event: pulled, not yet confirmed.")
        feed = {"seq": _described(_COUNT, "1, 2, 3… in emit order since the last full "
                                          "reset."), **event}
        s["FeedEvent"] = _object(feed, tuple(name for name in feed if name != "content"),
                                 description="An emitted event in the events feed.")
        s["QueueState"] = _object(
            {name: (_ref("SubAppId") if name == "sub_app_id" else _COUNT)
             for name in self._queue_counts(with_id=True)},
            description="One application's queue, counted.")
        s["Counts"] = _object(
            {"sub_app_id": _ref("SubAppId"),
             **{name: _COUNT for name in self._wait_counts()}},
            description="What `POST /_emulator/wait` can wait on, for one application.")
        s["JournalEntry"] = self._journal_entry()
        s["Attempt"] = self._attempt()
        s["Clock"] = _object({
            "now": _described(_TIME, "The emulator's time now."),
            "offset_seconds": {"type": "number", "minimum": 0,
                               "description": "How far advances have moved emulator time."},
            "scale": {"type": "number", "exclusiveMinimum": 0, "maximum": clock.MAX_SCALE,
                      "description": "Emulator seconds per real second."},
            "frozen": {"type": "boolean",
                       "description": "Frozen, emulator time stands still (advances "
                                      "still move it)."}})
        s["Health"] = self._health()
        s["Settings"] = self._settings(partial=False)
        s["SettingsChange"] = self._settings(partial=True)
        s["FaultRule"] = self._fault_rule()
        s["Fault"] = self._fault()
        config_description = ("An application's event configuration, as DescribeEventConfig "
                              "answers it (SignKey is never answered back).")
        s["EventConfig"] = _object(self._event_config_properties(),
                                   description=config_description)
        s["AppEventConfig"] = _object({"sub_app_id": _ref("SubAppId"),
                                       **self._event_config_properties()},
                                      description=config_description)
        s["EventConfigChange"] = self._event_config_change()
        s["AppStats"] = _object({
            "sub_app_id": _ref("SubAppId"),
            "mode": {"type": "string", "enum": list(eventconfig.MODES)},
            "config": _ref("EventConfig"),
            **{name: _COUNT for name in STATS_COUNTS}})
        bounds = list(callbacks.LATENCY_BOUNDS_MS)
        s["Stats"] = _object({
            "now": _described(_TIME, "The emulator's time now."),
            "applications": _array(_ref("AppStats"), "Every application that has state, the "
                                                     "default first, then by id."),
            "totals": _object({name: _COUNT for name in STATS_COUNTS},
                              description="The applications' counts summed."),
            "faults": _object({"active": _described(_COUNT, "Rules in force."),
                               "applied": _described(_COUNT, "How many times rules acted "
                                                             "since the last full reset.")}),
            "callback_latency_ms": _object({
                "bounds_ms": {"const": bounds, "description": "Upper bounds of the buckets, "
                                                              "in milliseconds."},
                "counts": _array(_COUNT, "Callback attempts since the last full reset by "
                                         "latency: `counts[i]` took at most `bounds_ms[i]` "
                                         "(and more than the bound before); the last, more "
                                         "than every bound.")
                | {"minItems": len(bounds) + 1, "maxItems": len(bounds) + 1}},
                description="A histogram of callback latencies."),
            "journal": _object({"entries": _described(_COUNT, "Entries kept."),
                                "evicted": _described(_COUNT, "Entries no longer kept.")})})
        self._stream_messages()

    @staticmethod
    def _event_config_properties() -> dict[str, Schema]:
        types: dict[str, Schema] = {
            "Mode": {"type": "string", "enum": list(eventconfig.MODES)},
            "NotificationUrl": _described(_TEXT, "Where PUSH callbacks go (empty: nowhere)."),
            **{switch: {"type": "string", "enum": list(eventconfig.SWITCH_VALUES)}
               for switch in eventconfig.SWITCHES},
        }
        # Exactly the fields DescribeEventConfig answers; a new one fails here.
        return {name: types[name] for name in eventconfig.EventConfig().describe()}

    def _event_config_change(self) -> Schema:
        types: dict[str, Schema] = {
            "Mode": {"type": "string", "enum": list(eventconfig.MODES)},
            # A necessary condition only: the server also wants a host, no whitespace...
            "NotificationUrl": {"type": "string", "pattern": "^(https?://.+)?$",
                                "description": "An absolute http:// or https:// URL with a "
                                               "host, or empty for none."},
            **{switch: {"type": "string", "enum": list(eventconfig.SWITCH_VALUES)}
               for switch in eventconfig.SWITCHES},
            "SignKey": _described(_TEXT, "Letters and digits, as ModifyEventConfig takes "
                                         "it: callbacks are signed with it."),
        }
        schema = _object({name: types[name] for name in eventconfig.PARAMETERS}, (),
                         description="ModifyEventConfig's parameters (without SubAppId), "
                                     "each checked as it checks them; absent ones keep "
                                     "their value.")
        schema["minProperties"] = 1
        return schema

    def _stream_messages(self) -> None:
        """The server-sent events of ``GET /stream``, each as a reader parses it: its
        ``event`` name, its ``id`` if it has one, its ``data`` decoded as JSON."""
        from .dashboard import STREAM_BATCH

        s = self.schemas
        resume_id: Schema = {"type": "string", "pattern": "^[0-9]+:[0-9]+$",
                             "description": "`epoch:seq`: where a reconnecting reader "
                                            "resumes (sent back as `Last-Event-ID`)."}
        epoch = _described(_COUNT, "Counts full resets.")

        def message(name: str, data: Schema, with_id: bool, description: str) -> Schema:
            properties = {"event": {"const": name}, **({"id": resume_id} if with_id else {}),
                          "data": data}
            return _object(properties, description=description)

        s["StreamMessage"] = {
            "description": "One message of the live stream.",
            "oneOf": [
                message("hello", _object({
                    "epoch": epoch,
                    "last_seq": _described(_COUNT, "The newest journal seq (0: none)."),
                    "clock": _ref("Clock")}), False,
                    "First, once: where the journal and the clock stand."),
                message("journal", _array(_ref("JournalEntry"), "In order.")
                        | {"minItems": 1, "maxItems": STREAM_BATCH}, True,
                        "New journal entries."),
                message("clock", _ref("Clock"), False,
                        "The clock changed (advanced, frozen, resumed or rescaled)."),
                message("reset", _object({"epoch": epoch}), True,
                        "A full reset: the journal starts again at seq 1."),
            ]}

    def _event_properties(self) -> dict[str, Schema]:
        return {
            "event_id": _described(_TEXT, "The emulator's id of the event (evt-…)."),
            "sub_app_id": _ref("SubAppId"),
            "event_type": _described(_TEXT, "Its EventType."),
            "enqueued_at": _described(_TIME, "When it was emitted."),
            "deliveries": _described(_COUNT, "How many times it was leased."),
            "route": {"type": "string", "enum": list(queue.ROUTES),
                      "description": "Where it went when emitted: `queued` (for PullEvents), "
                                     "`pushed` (a callback) or `suppressed` (not notified)."},
            "state": {"type": "string", "enum": list(_EVENT_STATES),
                      "description": "Where it is now. Queued: `pullable`, `leased`, "
                                     "`confirmed` or `dropped` (past the retention). Pushed: "
                                     "its callback's `pending` (no attempt ended yet), then "
                                     "the last attempt's outcome (`pending_retry`, "
                                     "`delivered`, `undelivered`, `abandoned`: a reset or "
                                     "shutdown ended it). Not notified: `suppressed`."},
            "content": {"type": "object",
                        "description": "The EventContent, without EventHandle (left out "
                                       "with `with_content: false` or `?content=false`)."},
        }

    @staticmethod
    def _queue_counts(with_id: bool = False) -> list[str]:
        names = [f.name for f in dataclasses.fields(QueueState)]
        return names if with_id else [name for name in names if name != "sub_app_id"]

    def _wait_counts(self) -> list[str]:
        # The dispatcher names its counts only as it answers them: ask an empty one.
        empty = callbacks.Dispatcher(clock.Clock.frozen(), journal.Journal(),
                                     callbacks.CallbackSettings())
        return [*self._queue_counts(), *empty.counts(None)]

    def _journal_entry(self) -> Schema:
        types: dict[str, Schema] = {
            "seq": {"type": "integer", "minimum": 1,
                    "description": "1, 2, 3… in recording order since the last full reset."},
            "at": _described(_TIME, "When it was recorded."),
            "kind": {"type": "string", "enum": list(journal.KINDS)},
            "sub_app_id": _ref("SubAppId"),
            "event_id": _described(_TEXT, "The event's id; empty when the entry concerns "
                                          "no one event."),
            "handle": _nullable(_TEXT),
            "detail": _nullable(_TEXT),
        }
        # Every field the entry has, in its order; a new field fails here, not silently.
        return _object({name: types[name] for name in journal.JournalEntry._fields},
                       description="One state change of an event, in order.")

    def _attempt(self) -> Schema:
        return _object({
            "event_id": _TEXT,
            "event_type": _TEXT,
            "sub_app_id": _ref("SubAppId"),
            "attempt": _described(_COUNT, "1-based; 0 for an event never sent."),
            "at": _described(_TIME, "When the attempt started."),
            "url": _TEXT,
            "body": _nullable(_described(_TEXT, "Exactly what was sent.")),
            "status": _nullable({"type": "integer"}),
            "error": _nullable(_TEXT),
            "latency_ms": _nullable({"type": "number", "minimum": 0}),
            "outcome": {"type": "string", "enum": list(callbacks.OUTCOMES)},
        }, description="One callback attempt (or an event never sent).")

    def _health(self) -> Schema:
        positive_count: Schema = {"type": "integer", "minimum": 1}
        return _object({
            "status": {"const": "ok"},
            "version": _TEXT,
            "now": _described(_TIME, "The emulator's time now."),
            "seed": {"type": "integer"},
            "verifies_signatures": {"type": "boolean"},
            "secret_id": _nullable(_described(_TEXT, "The SecretId verified (never the key).")),
            "long_poll_seconds": {"type": "number", "minimum": 0},
            "confirm_window_seconds": {"type": "number", "minimum": 0},
            "retention_seconds": {"type": "number", "minimum": 0},
            "journal_max_entries": positive_count,
            "new_app_defaults": {"type": "string", "enum": list(eventconfig.NEW_APP_DEFAULTS)},
            "callback_url": _nullable(_TEXT),
            "callback_timeout_seconds": {"type": "number", "exclusiveMinimum": 0},
            "callback_retry_seconds": _array({"type": "number", "minimum": 0}),
            "callback_success": {"type": "string", "enum": list(config.CALLBACK_SUCCESS_VALUES)},
            "signature_ttl_seconds": {"type": "number", "minimum": 0},
            "callback_concurrency": positive_count,
            "callback_max_records": positive_count,
            "held_pulls": _COUNT,
            "held_waits": _COUNT,
            "streams": _described(_COUNT, f"Live streams open (`{self.prefix}/stream`)."),
        }, description="Status, version, seed, emulator time, timings and what is held.")

    def _settings(self, partial: bool) -> Schema:
        """The runtime settings, each typed as its flag's reader reads it."""
        properties: dict[str, Schema] = {}
        for name in config.RUNTIME_SETTINGS:
            option = config.OPTIONS_BY_NAME[name]
            properties[name] = {**self._setting_schema(name, option.read),
                                "description": option.help}
        schema = _object(properties, () if partial else None)
        if partial:
            schema["minProperties"] = 1
            schema["description"] = ("Any subset of the runtime settings: all are checked "
                                     "first (a 400 on any bad one changes nothing), then "
                                     "applied.")
        return schema

    @staticmethod
    def _setting_schema(name: str, reader: Any) -> Schema:
        seconds: Schema = {"type": "number", "minimum": 0}
        if name == "new_app_defaults":
            return {"type": "string", "enum": list(eventconfig.NEW_APP_DEFAULTS)}
        if name == "callback_success":
            return {"type": "string", "enum": list(config.CALLBACK_SUCCESS_VALUES)}
        if reader is callbacks.parse_retry_seconds:
            return _array(seconds)
        if reader is config.non_negative_float:
            return seconds
        if reader is config.positive_float:
            return {"type": "number", "exclusiveMinimum": 0}
        raise LookupError(f"no schema for the runtime setting {name}: add one here")

    def _fault_rule_properties(self) -> dict[str, Schema]:
        faults = self.faults
        effects = faults.EFFECTS
        return {
            "action": {"type": "string", "enum": list(faults.ACTIONS),
                       "description": "Where it acts: a Cloud API action, or `callback`."},
            "effect": {"type": "string", "enum": list(effects),
                       "description": "What it does: " + "; ".join(
                           f"`{name}`: {effect.description}" for name, effect in effects.items())
                       + "."},
            "code": {"type": "string", "pattern": f"^(?:{faults.ERROR_CODE.pattern})$",
                     "description": "For `error`: the Cloud API error code answered, e.g. "
                                    "RequestLimitExceeded."},
            "message": _described(_TEXT, "For `error`: its message."),
            "status": {"type": "integer", "minimum": 100, "maximum": 599,
                       "description": "For `fail`: the HTTP status the attempt fails with "
                                      "(default 500)."},
            "seconds": {"type": "number", "minimum": 0, "maximum": faults.MAX_FAULT_SECONDS,
                        "description": "For `latency` and `delay`: real seconds."},
            "sub_app_id": {**_ref("SubAppIdInput"),
                           "description": "Only this application (`null` or \"default\" is "
                                          "the default application; absent matches any)."},
            "event_type": {"type": "string", "minLength": 1,
                           "description": "Only events of this EventType."},
            "event_id": {"type": "string", "minLength": 1,
                         "description": "Only this event."},
            "attempt": {"type": "integer", "minimum": 1,
                        "description": "A callback's attempt number from 1; for PullEvents "
                                       "and ConfirmEvents, the event's delivery number."},
            "times": {"type": "integer", "minimum": 1,
                      "description": "It acts that many times, then is removed."},
            "probability": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                            "description": "Drawn from the emulator's seed: the same seed "
                                           "and the same requests give the same faults."},
        }

    def _fault_rule(self) -> Schema:
        faults = self.faults
        schema = _object(self._fault_rule_properties(), ("action", "effect"),
                         description="A fault rule: where it acts, what it does, what it "
                                     "matches (each optional; absent matches anything) and "
                                     "how often (`times`, `probability`, or neither: every "
                                     "time, until removed). Rules act in the order they were "
                                     "added; the first that matches acts.")
        cloud_actions = [name for name in faults.ACTIONS if name != faults.CALLBACK]
        values = {"code", "message", "status", "seconds"}
        rules: list[Schema] = [{"not": {"required": ["times", "probability"]}}]
        for name, effect in faults.EFFECTS.items():
            refused = sorted(values - set(effect.needs) - set(effect.takes))
            if not effect.about_events:
                refused += [field for field in faults.MATCH_FIELDS if field != "sub_app_id"]
            then: Schema = {"properties": {"action": {"enum": list(effect.actions
                                                                   or cloud_actions)}}}
            if effect.needs:
                then["required"] = list(effect.needs)
            if refused:
                then["not"] = {"anyOf": [{"required": [field]} for field in refused]}
            rules.append({"if": {"properties": {"effect": {"const": name}},
                                 "required": ["effect"]},
                          "then": then})
        schema["allOf"] = rules
        return schema

    def _fault(self) -> Schema:
        properties = {
            "id": {"type": "string", "description": "f1, f2… in order since the last full "
                                                    "reset."},
            **self._fault_rule_properties(),
            "applied": _described(_COUNT, "How many times it acted."),
            "remaining": _nullable(_described(_COUNT, "Times left (null: no count).")),
        }
        return _object(properties, ("id", "action", "effect", "applied", "remaining"),
                       description="A rule as stored: the fields given, its id and counts.")

    def _error_responses(self) -> dict[str, Schema]:
        return {
            name: {
                "description": when,
                "content": {"application/json": {"schema": {
                    "allOf": [_ref("Error"),
                              {"properties": {"error": {"properties": {
                                  "code": {"const": self.error_codes[status]}}}}}]}}},
            }
            for status, (name, when) in _ERRORS.items()
        }

    # ----- routes

    def _operation(self, method: str, path: str, operation_id: str, summary: str,
                   answer: Schema | None, *, query: list[Schema] | None = None,
                   body: Schema | None = None, errors: tuple[int, ...] = (),
                   description: str | None = None, answers: dict[str, Any] | None = None,
                   checks_query: bool = True, headers: list[Schema] | None = None) -> None:
        """One route: its JSON ``answer`` (or its own ``answers`` by status), and the
        errors it can give besides the 400 every admin route gives (unknown query
        parameters; not the dashboard's, ``checks_query=False``), the 403 of every
        state-changing one, the 413 of every one with a body and the 500 any can."""
        statuses = sorted({500, *errors, *((400,) if checks_query else ()),
                           *((413,) if body is not None else ()),
                           *((403,) if method in ("post", "delete") else ())})
        responses: dict[str, Any] = dict(answers) if answers is not None else {
            "200": {"description": summary,
                    "content": {"application/json": {"schema": answer}}}}
        for status in statuses:
            responses[str(status)] = {
                "$ref": f"#/components/responses/{_ERRORS[status][0]}"}
        operation: dict[str, Any] = {"operationId": operation_id, "summary": summary,
                                     "responses": responses}
        if description:
            operation["description"] = description
        parameters = [*(query or []), *(headers or [])]
        if "{event_id}" in path:
            parameters.insert(0, {"name": "event_id", "in": "path", "required": True,
                                  "schema": {"type": "string"},
                                  "description": "An emitted event's id (evt-…)."})
        if "{name}" in path:
            parameters.insert(0, {"name": "name", "in": "path", "required": True,
                                  "schema": {"type": "string"},
                                  "description": "A file of the dashboard; empty (the path "
                                                 "ending in `/`) for `index.html`."})
        if "{sub_app_id}" in path:
            parameters.insert(0, {"name": "sub_app_id", "in": "path", "required": True,
                                  "schema": _ref("SubAppIdText")})
        if "{fault_id}" in path:
            parameters.insert(0, {"name": "fault_id", "in": "path", "required": True,
                                  "schema": {"type": "string"},
                                  "description": "A fault rule's id (f1, f2…)."})
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            operation["requestBody"] = {
                "required": False,
                "description": "A JSON object; an empty body counts as `{}`.",
                "content": {"application/json": {"schema": body}}}
        self.paths.setdefault(self.prefix + path, {})[method] = operation

    def _routes(self) -> None:
        self._health_and_clock()
        self._emit_and_feed()
        self._queues_and_wait()
        self._journal_and_callbacks()
        self._settings_reset_faults()
        self._event_configs()
        self._dashboard()
        self._operation(
            "get", "/stats", "getStats", "Counts per application and in total",
            _ref("Stats"),
            description="Per application: its event configuration; events emitted, "
                        "pullable, leased, confirmed, expired, dropped, suppressed, and its "
                        "callbacks; the same summed; fault rules in force and applied; "
                        "callback latencies; journal entries kept and evicted.")
        self._operation(
            "get", "/openapi.json", "getOpenApi", "This document",
            {"type": "object", "required": ["openapi", "info", "paths"],
             "properties": {"openapi": {"const": OPENAPI_VERSION}}},
            description="The OpenAPI 3.1 description of every route under "
                        f"`{self.prefix}/`.")

    def _health_and_clock(self) -> None:
        self._operation("get", "/health", "getHealth", "The emulator's status",
                        _ref("Health"))
        self._operation("get", "/clock", "getClock", "The emulator clock", _ref("Clock"))
        change: Schema = _object({
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
        self._operation(
            "post", "/clock", "changeClock", "Set the scale, freeze or resume, advance",
            _ref("Clock"), body=change,
            description="Any of them, applied in that order; a refused change changes "
                        "nothing.")

    def _emit_and_feed(self) -> None:
        from ..events import EVENT_TYPES, MEMBER_OF_EVENT_TYPE
        from ..events.scenarios import SCENARIOS

        emit = _object({
            "type": {"type": "string", "enum": list(EVENT_TYPES),
                     "description": "Generate events of this EventType."},
            "count": {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS_PER_EMIT,
                      "description": "With `type`: how many (default 1)."},
            "overrides": {"type": "object",
                          "description": "With `type`: deep-merged into each payload."},
            "scenario": {"type": "string", "enum": list(SCENARIOS),
                         "description": "Emit one run of this scenario."},
            "events": _array({"type": "object"},
                             "EventContent payloads without EventHandle, checked against "
                             "the schema and emitted as given, all or none.")
            | {"minItems": 1, "maxItems": MAX_EVENTS_PER_EMIT},
            "sub_app_id": _ref("SubAppIdInput"),
            "description": _described(_TEXT, "Documentation: ignored (fixture files carry "
                                             "one)."),
            "with_content": {"type": "boolean",
                             "description": "false: the answer leaves the payloads out."},
        }, ())
        emit["oneOf"] = [{"required": [name]} for name in ("type", "scenario", "events")]
        emit["dependentRequired"] = {"count": ["type"], "overrides": ["type"]}
        self._operation(
            "post", "/events", "emitEvents", "Emit events", _object({
                "sub_app_id": _ref("SubAppId"),
                "count": _COUNT,
                "events": _array(_ref("Event"), "The emitted events, in order."),
            }), body=emit, errors=(409,),
            description="Emit generated events (`type`), a scenario run, or given payloads "
                        "(`events`). Events are generated and queued in slices that hand "
                        "the event loop back, so other requests are answered during a "
                        "large emit.")
        self._event_feed()
        self._operation(
            "get", "/events/{event_id}", "getEvent", "One emitted event's whole story",
            _object({
                "event": {"allOf": [_ref("FeedEvent"), {"required": ["content"]}]},
                "history": _array(_ref("JournalEntry"), "Its journal entries kept, in "
                                                        "order."),
                "callbacks": _array(_ref("Attempt"), "Its callback attempts kept, oldest "
                                                     "first."),
                "leases": _array(_object({
                    "handle": _described(_TEXT, "The EventHandle it is leased under."),
                    "expires_at": _described(_TIME, "When the lease's confirm window "
                                                    "ends.")}), "Its leases now."),
            }), errors=(404,),
            description="The event with its payload, its journal entries, its callback "
                        "attempts and its leases; 404 if no emitted event with this id is "
                        "kept (the newest, were the id emitted twice).")
        self._operation(
            "get", "/catalog", "getCatalog", "What can be emitted",
            _object({
                "event_types": _array(_object({
                    "event_type": {"type": "string", "enum": list(MEMBER_OF_EVENT_TYPE)},
                    "member": {"type": "string",
                               "enum": sorted(set(MEMBER_OF_EVENT_TYPE.values())),
                               "description": "Its EventContent member in the SDK."}}),
                    "Every EventType, in the catalog's order.")
                | {"minItems": len(MEMBER_OF_EVENT_TYPE),
                   "maxItems": len(MEMBER_OF_EVENT_TYPE)},
                "scenarios": _array(_object({
                    "name": {"type": "string", "enum": list(SCENARIOS)},
                    "description": _TEXT}), "Every scenario.")
                | {"minItems": len(SCENARIOS), "maxItems": len(SCENARIOS)},
                "event_states": {"type": "array", "const": list(_EVENT_STATES),
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

        common = {
            "last_seq": _described(_COUNT, "The newest emitted event's seq, kept or not "
                                           "(0: none since the last full reset)."),
            "epoch": _described(_COUNT, "Counts full resets: seq restarts at 1 after one."),
        }
        self.schemas["EventFeed"] = _object({
            "events": _array(_ref("FeedEvent"), "Oldest first."), **common,
            "evicted": _described(_COUNT, "Emitted events no longer kept.")},
            description="Following: the events after `after`.")
        self.schemas["EventSearch"] = _object({
            "matched": _described(_COUNT, "How many kept events match in all (before "
                                          "`before` or not)."),
            "events": _array(_ref("FeedEvent"), "Newest first."), **common},
            description="Searching: a page of the matching events.")
        searching = "Searching: "
        self._operation(
            "get", "/events", "getEventFeed", "The emitted events, to follow live or search",
            {"oneOf": [_ref("EventFeed"), _ref("EventSearch")]},
            query=[*self._follow_parameters(
                       "events", "the oldest following, the newest searching"),
                   _query("content", _FLAG_TEXT, "false leaves the payloads out."),
                   _query("before", {"type": "integer", "minimum": 1, "maximum": 2**63},
                          searching + "only events with a seq less than this (the next "
                          "page: the last seq of this one)."),
                   _query("type", {"type": "string", "enum": ["", *EVENT_TYPES]},
                          searching + "only events of this EventType (empty: any)."),
                   _query("sub_app_id", _ref("SubAppIdText"),
                          searching + "only this application's events."),
                   _query("state", {"type": "string", "enum": ["", *_EVENT_STATES]},
                          searching + "only events in this state now (see `FeedEvent`; "
                          "empty: any)."),
                   _query("q", {"type": "string"},
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
            _query("after", _COUNT, f"Only {what} with a seq greater than this."),
            _query("wait_seconds",
                   {"type": "number", "minimum": 0, "maximum": self.max_wait_seconds},
                   f"If no {what} match yet, hold until one does or this many real "
                   "seconds pass (answers early, empty, on a full reset or shutdown; at "
                   "once when `after` is past the newest seq: a follower from before a "
                   "full reset must start again from 0)."),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": self.max_follow_limit},
                   f"At most this many {what}: {limit}."),
        ]

    def _queues_and_wait(self) -> None:
        self._operation(
            "get", "/queues", "listQueues", "Counts per application",
            _object({"queues": _array(_ref("QueueState"))}))
        self._operation(
            "get", "/queues/{sub_app_id}", "getQueue", "One application's queue",
            _object({
                "sub_app_id": _ref("SubAppId"),
                "pullable": _array(_ref("Event"), "Oldest first."),
                "leased": _array(_ref("Lease")),
                "held_pulls": _COUNT,
                "confirmed": _COUNT,
            }),
            query=[_query("content", _FLAG_TEXT, "false leaves the payloads out.")],
            description="The events themselves, pullable and leased (with handles and "
                        "expiries). Looking never makes state.")
        counts = self._wait_counts()
        wait = _object({
            "sub_app_id": _ref("SubAppIdInput"),
            "timeout_seconds": {"type": "number", "minimum": 0,
                                "maximum": self.max_wait_seconds,
                                "description": "Real seconds (default 10)."},
            **{name: {"type": "integer", "minimum": 0, "maximum": self.max_wait_count,
                      "description": f"Wait until {name} is at least this."}
               for name in counts},
        }, ())
        wait["anyOf"] = [{"required": [name]} for name in counts]
        self._operation(
            "post", "/wait", "wait", "Wait until counts are reached",
            _object({"met": {"type": "boolean"}, "state": _ref("Counts")}), body=wait,
            description="Answers once every named count is at least the value, at the "
                        "timeout (`met` false), or at once when the emulator shuts down.")

    def _journal_and_callbacks(self) -> None:
        self._operation(
            "get", "/journal", "getJournal", "Every state change, in order",
            _object({
                "evicted": _described(_COUNT, "Entries recorded since the last full reset "
                                              "that are no longer kept."),
                "max_entries": {"type": "integer", "minimum": 1},
                "entries": _array(_ref("JournalEntry"), "Oldest first."),
                "last_seq": _described(_COUNT, "The newest seq recorded (0: none)."),
                "epoch": _described(_COUNT, "Counts full resets: seq restarts at 1 after "
                                            "one, so a follower seeing a new epoch starts "
                                            "again from 0."),
            }),
            query=[_query("kind", {"type": "string", "enum": list(journal.KINDS)},
                          "Only entries of this kind."),
                   _query("event_id", _TEXT, "Only entries of this event."),
                   *self._follow_parameters("entries")],
            description="Every state change, in order, each with its `seq`. A follower asks "
                        "again with the `last_seq` it was given; with `kind` or `event_id`, "
                        "it is held until an entry of that kind or event arrives. The journal "
                        "is bounded by `journal_max_entries`: past it the oldest entries are "
                        "evicted.")
        self._operation(
            "get", "/callbacks", "getCallbacks", "Every callback attempt, oldest first",
            _object({
                "evicted": _COUNT,
                "max_records": {"type": "integer", "minimum": 1},
                "attempts": _array(_ref("Attempt")),
            }),
            query=[_query("event_id", _TEXT, "Only this event's attempts."),
                   _query("sub_app_id", _ref("SubAppIdText"), "Only this application's."),
                   _query("outcome", {"type": "string",
                                      "enum": [*callbacks.OUTCOMES, callbacks.FAILED]},
                          f"Only attempts with this outcome (`{callbacks.FAILED}`: "
                          "pending_retry or undelivered).")])
        self._operation(
            "post", "/callbacks/redeliver", "redeliverCallbacks", "Send callbacks again",
            _object({"redelivering": _array(_TEXT, "Event ids.")}),
            body=_object({"event_id": _described(_TEXT, "The event to send again.")}, ()),
            description="One event's callback (`{\"event_id\": …}`), or every undelivered "
                        "one (`{}`); its attempts are numbered on.")

    def _settings_reset_faults(self) -> None:
        self._operation("get", "/settings", "getSettings", "The runtime settings",
                        _ref("Settings"))
        self._operation(
            "post", "/settings", "changeSettings", "Change runtime settings",
            _ref("Settings"), body=_ref("SettingsChange"),
            description="A running emulator changes these without a restart, each checked "
                        "as its `serve` flag is, every value before any changes; a full "
                        "reset puts back the values it started with.")
        self._operation(
            "post", "/reset", "reset", "Start over",
            _object({"reset": {"const": True}, "sub_app_id": _ref("SubAppId")}, ("reset",)),
            body=_object({"sub_app_id": _ref("SubAppIdInput")}, ()),
            description="Without `sub_app_id`: forgets events, configuration, journal, "
                        "faults and settings changes; replays the seed from its start; held "
                        "pulls answer empty; an emit under way stops (409); callbacks in "
                        "flight or scheduled are cancelled. The clock keeps its time, scale "
                        "and freeze. With `sub_app_id`: one application only: its queue (its "
                        "held pulls answer empty), callbacks, event configuration, journal "
                        "entries, emitted events and the fault rules aimed at it alone. Event "
                        "ids, the seed, the settings and the other applications go on.")
        self._operation(
            "get", "/faults", "listFaults", "The fault rules in force, oldest first",
            _object({"faults": _array(_ref("Fault"))}))
        self._operation(
            "post", "/faults", "addFault", "Add a fault rule",
            _object({"fault": _ref("Fault")}), body=_ref("FaultRule"),
            description="Every time a rule acts, the journal gets a `fault` entry naming "
                        "it.")
        self._operation(
            "delete", "/faults", "removeFaults", "Remove every fault rule",
            _object({"removed": _array(_TEXT, "The ids removed.")}))
        self._operation(
            "delete", "/faults/{fault_id}", "removeFault", "Remove one fault rule",
            _object({"removed": _array(_TEXT, "The id removed.")}), errors=(404,))


    def _event_configs(self) -> None:
        self._operation(
            "get", "/event-config/{sub_app_id}", "getEventConfig",
            "An application's event configuration",
            _ref("AppEventConfig"),
            description="As DescribeEventConfig answers it, without signing a request.")
        self._operation(
            "post", "/event-config/{sub_app_id}", "changeEventConfig",
            "Change an application's event configuration",
            _ref("AppEventConfig"), body=_ref("EventConfigChange"),
            description="As ModifyEventConfig changes it: the same parameter names, each a "
                        "string checked as it checks it (a bad value is a 400 naming it, and "
                        "changes nothing). Answers the configuration now.")

    def _dashboard(self) -> None:
        from .dashboard import CONTENT_TYPES, STREAM_KEEPALIVE_SECONDS, UI_PREFIX

        self._operation(
            "get", "/ui", "getDashboardRedirect", "To the dashboard", None,
            answers={"308": {"description": "A permanent redirect to the dashboard.",
                             "headers": {"Location": {"required": True,
                                                      "schema": {"const": UI_PREFIX}}}}},
            checks_query=False)
        self._operation(
            "get", "/ui/{name}", "getDashboardFile", "The dashboard's files", None,
            answers={"200": {
                "description": "The file, under a strict Content-Security-Policy (nothing "
                               "but the emulator itself: no CDN, no request leaving it, no "
                               "framing).",
                "content": {media_type: {"schema": {"type": "string"}}
                            for media_type in dict.fromkeys(CONTENT_TYPES.values())}}},
            errors=(404,), checks_query=False,
            description="Only the files the package ships; any other name is 404.")
        stream_schema: Schema = {
            "type": "string",
            "description": "Server-sent events; each message, parsed (its `event` name, its "
                           "`id` if any, its `data` decoded as JSON), is a `StreamMessage`."}
        self._operation(
            "get", "/stream", "getStream", "The journal and the clock, live", None,
            answers={"200": {
                "description": "A stream that stays open until the reader closes it or "
                               "the emulator stops.",
                "content": {"text/event-stream": {
                    "schema": stream_schema,
                    "x-message-schema": _ref("StreamMessage")}}}},
            query=[_query("after", {"type": "integer", "minimum": 0},
                          "Start with the journal entries after this seq (absent, or not "
                          "plain digits: after the newest).")],
            headers=[{"name": "Last-Event-ID", "in": "header", "required": False,
                      "schema": {"type": "string", "pattern": "^[0-9]+:[0-9]+$"},
                      "description": "`epoch:seq` of the last message received, as "
                                     "EventSource sends it on reconnecting: the stream "
                                     "resumes after it (of another epoch, from the journal's "
                                     "start). It takes precedence over `after`."}],
            checks_query=False,
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
