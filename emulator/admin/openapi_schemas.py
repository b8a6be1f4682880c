"""The OpenAPI document's components: the schemas of the admin API's bodies and answers,
and its error responses, each enumeration and limit read from the module that enforces it.
No aiohttp at import (see ``openapi``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import callbacks, clock, eventconfig, faults, journal, report, tasks
from ..core import settings as config
from ..core.event import EVENT_STATES, OUTCOMES, ROUTES
from ..core.ids import MAX_SUB_APP_ID, MIN_SUB_APP_ID
from ..core.records import LIVE_COUNTS, QUEUE_COUNTS, STATS_COUNTS
from ..core.snapshots import NAME_SYNTAX
from ..events.catalog import TASK_ACTIONS

Schema = dict[str, Any]

ERRORS = {
    # status: (name of the response in the components, when); the codes are http.py's
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
          "An emit cut short by a reset or shutdown (the message says how many events were "
          "emitted before it), or a long task list by the same."),
    413: ("TooLarge", "The body is larger than the server takes."),
    500: ("InternalError", "An internal error (logged by the emulator)."),
}


# ----- small schema helpers


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def object_schema(properties: dict[str, Schema], required: tuple[str, ...] | None = None,
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


def array(items: Schema, description: str | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if description:
        schema["description"] = description
    return schema


def described(schema: Schema, description: str) -> Schema:
    return {**schema, "description": description}


COUNT: Schema = {"type": "integer", "minimum": 0}
TIME: Schema = {"type": "number", "description": "Emulator time, Unix seconds."}
TEXT: Schema = {"type": "string"}
FLAG_TEXT: Schema = {"type": "string", "enum": ["true", "false"]}


def nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def in_query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}



def _in_path(name: str, schema: Schema, description: str | None = None) -> Schema:
    parameter = {"name": name, "in": "path", "required": True, "schema": schema}
    return parameter if description is None else {**parameter, "description": description}


PATH_PARAMETERS = {
    "event_id": _in_path("event_id", TEXT, "An emitted event's id (evt-…)."),
    "name": _in_path("name", TEXT, "A file of the dashboard; empty (the path ending in "
                                   "`/`) for `index.html`."),
    "sub_app_id": _in_path("sub_app_id", ref("SubAppIdText")),
    "fault_id": _in_path("fault_id", TEXT, "A fault rule's id (f1, f2…)."),
    "file_id": _in_path("file_id", TEXT, "A file's FileId."),
    "task_id": _in_path("task_id", TEXT, "A task's TaskId, as the action that started it "
                                         "answered it."),
    "snapshot": _in_path("snapshot", ref("SnapshotName")),
}
"""The parameters a route's path can hold, by name."""

def components(prefix: str) -> dict[str, Schema]:
    """Every schema of the document's components, by name."""
    return _Components(prefix).build()


def error_responses(codes: Mapping[int, str]) -> dict[str, Schema]:
    """The error responses every operation refers to, one per status."""
    return {
        name: {
            "description": when,
            "content": {"application/json": {"schema": {
                "allOf": [ref("Error"),
                          {"properties": {"error": {"properties": {
                              "code": {"const": codes[status]}}}}}]}}},
        }
        for status, (name, when) in ERRORS.items()
    }



class _Components:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.schemas: dict[str, Schema] = {}

    def build(self) -> dict[str, Schema]:
        from .http import TASKS_RUNNING  # aiohttp: loaded only when building

        s = self.schemas
        s["Error"] = object_schema(
            {"error": object_schema({"code": described(TEXT, "What kind of refusal, one word."),
                                     "message": described(TEXT, "What is wrong, for a person.")})},
            description="Every refusal under the admin API.")
        s["SubAppId"] = nullable({
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
                      {"type": "null"}, ref("SubAppIdText")]}
        event = self._event_properties()
        s["Event"] = object_schema(event, tuple(name for name in event if name != "content"),
                                   description="An emitted event as the admin API shows it.")
        lease = {"handle": described(TEXT, "The EventHandle it was leased under."),
                 "expires_at": described(TIME, "When the lease's confirm window ends."),
                 **event}
        s["Lease"] = object_schema(lease, tuple(name for name in lease if name != "content"),
                                   description="A leased event: pulled, not yet confirmed.")
        feed = {"seq": described(COUNT, "1, 2, 3… in emit order since the last full "
                                        "reset."), **event}
        s["FeedEvent"] = object_schema(feed, tuple(name for name in feed if name != "content"),
                                       description="An emitted event in the events feed.")
        s["QueueState"] = object_schema(
            {name: (ref("SubAppId") if name == "sub_app_id" else COUNT)
             for name in ("sub_app_id", *QUEUE_COUNTS)},
            description="One application's queue, counted.")
        s["Counts"] = object_schema(
            {"sub_app_id": ref("SubAppId"),
             **{name: COUNT for name in LIVE_COUNTS},
             TASKS_RUNNING: described(COUNT, "Its unfinished tasks (WAITING or "
                                             "PROCESSING).")},
            description="What `POST /_emulator/wait` can wait on, for one application.")
        s["Task"] = self._task()
        s["JournalEntry"] = self._journal_entry()
        s["Attempt"] = self._attempt()
        s["Clock"] = object_schema({
            "now": described(TIME, "The emulator's time now."),
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
        s["EventConfig"] = object_schema(self._event_config_properties(),
                                         description=config_description)
        s["AppEventConfig"] = object_schema({"sub_app_id": ref("SubAppId"),
                                             **self._event_config_properties()},
                                            description=config_description)
        s["EventConfigChange"] = self._event_config_change()
        s["AppStats"] = object_schema({
            "sub_app_id": ref("SubAppId"),
            "mode": {"type": "string", "enum": list(eventconfig.MODES)},
            "config": ref("EventConfig"),
            **{name: COUNT for name in STATS_COUNTS}})
        bounds = list(callbacks.LATENCY_BOUNDS_MS)
        s["Stats"] = object_schema({
            "now": described(TIME, "The emulator's time now."),
            "applications": array(ref("AppStats"), "Every application that has state, the "
                                                   "default first, then by id."),
            "totals": object_schema({name: COUNT for name in STATS_COUNTS},
                                    description="The applications' counts summed."),
            "faults": object_schema({"active": described(COUNT, "Rules in force."),
                                     "applied": described(COUNT, "How many times rules acted "
                                                                 "since the last full reset.")}),
            "callback_latency_ms": object_schema({
                "bounds_ms": {"const": bounds, "description": "Upper bounds of the buckets, "
                                                              "in milliseconds."},
                "counts": array(COUNT, "Callback attempts since the last full reset by "
                                       "latency: `counts[i]` took at most `bounds_ms[i]` "
                                       "(and more than the bound before); the last, more "
                                       "than every bound.")
                | {"minItems": len(bounds) + 1, "maxItems": len(bounds) + 1}},
                description="A histogram of callback latencies."),
            "journal": object_schema({"entries": described(COUNT, "Entries kept."),
                                      "evicted": described(COUNT, "Entries no longer kept.")})})
        self._stream_messages()
        self._event_feeds()
        self._report()
        s["SnapshotName"] = {"type": "string", "minLength": 1, "maxLength": 100,
                             "description": f"A snapshot's name: {NAME_SYNTAX}."}
        s["Snapshot"] = object_schema({
            "name": ref("SnapshotName"),
            "taken_at": described(TIME, "When it was saved, or imported."),
            "events": described(COUNT, "How many events it keeps.")},
            description="A snapshot kept: the whole state, to start again from.")
        return s

    @staticmethod
    def _event_config_properties() -> dict[str, Schema]:
        types: dict[str, Schema] = {
            "Mode": {"type": "string", "enum": list(eventconfig.MODES)},
            "NotificationUrl": described(TEXT, "Where PUSH callbacks go (empty: nowhere)."),
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
            "SignKey": described(TEXT, "Letters and digits, as ModifyEventConfig takes "
                                       "it: callbacks are signed with it."),
        }
        schema = object_schema({name: types[name] for name in eventconfig.PARAMETERS}, (),
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
        epoch = described(COUNT, "Counts full resets.")

        def message(name: str, data: Schema, with_id: bool, description: str) -> Schema:
            properties = {"event": {"const": name}, **({"id": resume_id} if with_id else {}),
                          "data": data}
            return object_schema(properties, description=description)

        s["StreamMessage"] = {
            "description": "One message of the live stream.",
            "oneOf": [
                message("hello", object_schema({
                    "epoch": epoch,
                    "last_seq": described(COUNT, "The newest journal seq (0: none)."),
                    "clock": ref("Clock")}), False,
                    "First, once: where the journal and the clock stand."),
                message("journal", array(ref("JournalEntry"), "In order.")
                        | {"minItems": 1, "maxItems": STREAM_BATCH}, True,
                        "New journal entries."),
                message("clock", ref("Clock"), False,
                        "The clock changed (advanced, frozen, resumed or rescaled)."),
                message("reset", object_schema({"epoch": epoch}), True,
                        "A full reset: the journal starts again at seq 1."),
            ]}

    def _event_properties(self) -> dict[str, Schema]:
        return {
            "event_id": described(TEXT, "The emulator's id of the event (evt-…)."),
            "sub_app_id": ref("SubAppId"),
            "event_type": described(TEXT, "Its EventType."),
            "enqueued_at": described(TIME, "When it was emitted."),
            "deliveries": described(COUNT, "How many times it was leased."),
            "route": {"type": "string", "enum": list(ROUTES),
                      "description": "Where it went when emitted: `queued` (for PullEvents), "
                                     "`pushed` (a callback) or `suppressed` (not notified)."},
            "state": {"type": "string", "enum": list(EVENT_STATES),
                      "description": "Where it is now. Queued: `pullable`, `leased`, "
                                     "`confirmed` or `dropped` (past the retention). Pushed: "
                                     "its callback's `pending` (no attempt ended yet), then "
                                     "the last attempt's outcome (`pending_retry`, "
                                     "`delivered`, `undelivered`, `abandoned`: a reset or "
                                     "shutdown ended it). Not notified: `suppressed`."},
            "caused_by": nullable(described(
                TEXT, "The request that caused it: its action, RequestId and task (e.g. "
                      "`ProcessMedia <RequestId> task <TaskId>`); null for an event emitted "
                      "through this API, a scenario or a fixture.")),
            "content": {"type": "object",
                        "description": "The EventContent, without EventHandle (left out "
                                       "with `with_content: false` or `?content=false`)."},
        }

    def _journal_entry(self) -> Schema:
        types: dict[str, Schema] = {
            "seq": {"type": "integer", "minimum": 1,
                    "description": "1, 2, 3… in recording order since the last full reset."},
            "at": described(TIME, "When it was recorded."),
            "kind": {"type": "string", "enum": list(journal.KINDS)},
            "sub_app_id": ref("SubAppId"),
            "event_id": described(TEXT, "The event's id; empty when the entry concerns "
                                        "no one event."),
            "handle": nullable(TEXT),
            "detail": nullable(TEXT),
        }
        # Every field the entry has, in its order; a new field fails here, not silently.
        return object_schema({name: types[name] for name in journal.JournalEntry._fields},
                             description="One state change of an event, in order.")

    @staticmethod
    def _task() -> Schema:
        return object_schema({
            "task_id": described(TEXT, "Its TaskId, as the action answered it."),
            "sub_app_id": ref("SubAppId"),
            "action": {"type": "string", "enum": list(TASK_ACTIONS),
                       "description": "The Cloud API action that started it."},
            "task_type": {"type": "string", "enum": list(tasks.TASK_SECONDS),
                          "description": "Its TaskType, as DescribeTaskDetail says it."},
            "status": {"type": "string", "enum": list(tasks.TASK_STATES),
                       "description": "Read from the emulator clock: WAITING until "
                                      "`begins_at`, PROCESSING until `finishes_at`, then "
                                      "FINISH (a failed task too: see `failed`)."},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100,
                         "description": "Percent of its processing time passed."},
            "file_id": nullable(described(TEXT, "The file it works on or made (null: "
                                                "none, e.g. an AIGC task).")),
            "created_at": described(TIME, "When the request was accepted."),
            "begins_at": described(TIME, "When it starts processing."),
            "finishes_at": described(TIME, "When it finishes (and its completion event "
                                           "is sent)."),
            "session_id": described(TEXT, "The request's SessionId (empty: none)."),
            "session_context": described(TEXT, "The request's SessionContext (empty: "
                                               "none)."),
            "notify_mode": {"type": "string", "enum": list(tasks.NOTIFY_MODES),
                            "description": "The request's TasksNotifyMode (Finish when it "
                                           "gave none)."},
            "failed": {"type": "boolean",
                       "description": "A fault rule (`fail_task`) made it fail."},
            "caused_by": described(TEXT, "The request: its action and RequestId."),
            "events": array(TEXT, "The ids of the events it has sent so far, in order."),
            "detail": {"type": "object",
                       "description": "Its detail as it stands, in its completion event's "
                                      "model (e.g. ProcedureTask): as in progress until it "
                                      "finishes, then as its completion event carries it."},
        }, description="A task an asynchronous action started.")

    def _attempt(self) -> Schema:
        return object_schema({
            "event_id": TEXT,
            "event_type": TEXT,
            "sub_app_id": ref("SubAppId"),
            "attempt": described(COUNT, "1-based; 0 for an event never sent."),
            "at": described(TIME, "When the attempt started."),
            "url": TEXT,
            "body": nullable(described(TEXT, "Exactly what was sent.")),
            "status": nullable({"type": "integer"}),
            "error": nullable(TEXT),
            "latency_ms": nullable({"type": "number", "minimum": 0}),
            "outcome": {"type": "string", "enum": list(OUTCOMES)},
            "answer_body": nullable(described(
                {"type": "string", "maxLength": callbacks.ANSWER_BODY_LIMIT},
                f"The start of the body the handler answered (its first "
                f"{callbacks.ANSWER_BODY_LIMIT} bytes, as UTF-8, undecodable bytes "
                f"replaced): what explains a refusal. Null when there was no HTTP answer "
                f"(refused, reset, timed out, a fault that sends nothing, an event never "
                f"sent).")),
            "answer_content_type": nullable(described(
                TEXT, "The answer's Content-Type as the handler sent it; null when it sent "
                      "none or there was no answer.")),
            "answer_truncated": {"type": "boolean",
                                 "description": "Whether the answer's body was longer than "
                                                "`answer_body` keeps."},
        }, description="One callback attempt (or an event never sent).")

    def _health(self) -> Schema:
        positive_count: Schema = {"type": "integer", "minimum": 1}
        return object_schema({
            "status": {"const": "ok"},
            "version": TEXT,
            "now": described(TIME, "The emulator's time now."),
            "seed": {"type": "integer"},
            "verifies_signatures": {"type": "boolean"},
            "secret_id": nullable(described(TEXT, "The SecretId verified (never the key).")),
            "journal_max_entries": positive_count,
            "callback_url": nullable(TEXT),
            "callback_concurrency": positive_count,
            "callback_max_records": positive_count,
            **{name: _Components._setting_schema(name, config.OPTIONS_BY_NAME[name].read)
               for name in config.RUNTIME_SETTINGS},  # those in force now
            "held_pulls": COUNT,
            "held_waits": COUNT,
            "streams": described(COUNT, f"Live streams open (`{self.prefix}/stream`)."),
        }, description="Status, version, seed, emulator time, timings and what is held.")

    def _settings(self, partial: bool) -> Schema:
        """The runtime settings, each typed as its flag's reader reads it."""
        properties: dict[str, Schema] = {}
        for name in config.RUNTIME_SETTINGS:
            option = config.OPTIONS_BY_NAME[name]
            typed = self._setting_schema(name, option.read)
            if partial and option.kind != config.TEXT:  # a change may also be its text
                typed = {"anyOf": [typed, described(TEXT, "Its text, as its serve flag "
                                                          "takes it.")]}
            properties[name] = {**typed, "description": option.help}
        schema = object_schema(properties, () if partial else None)
        if partial:
            schema["minProperties"] = 1
            schema["description"] = ("Any subset of the runtime settings, each as its "
                                     "value (a number, a list, an object) or as its text, "
                                     "read as its serve flag reads it ('5,60', "
                                     "'Procedure=30', JSON text too): all are checked "
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
        if name == "callback_policy":
            return {"type": "string", "enum": list(callbacks.CALLBACK_POLICIES)}
        if config.OPTIONS_BY_NAME[name].kind == config.BOOLEAN:
            return {"type": "boolean"}
        if name == "repeated_session_id":
            return {"type": "string", "enum": list(tasks.REPEATED_SESSION_ID)}
        if reader is callbacks.parse_retry_seconds:
            return array(seconds)
        if reader is config.non_negative_float:
            return seconds
        if reader is config.positive_float:
            return {"type": "number", "exclusiveMinimum": 0}
        if name == "task_seconds":
            return {"type": "object", "additionalProperties": False,
                    "properties": {kind: seconds for kind in tasks.TASK_SECONDS},
                    "description": "Emulator seconds each kind of task (TaskType) processes; "
                                   "a change names some kinds, the others take their default."}
        raise LookupError(f"no schema for the runtime setting {name}: add one here")

    def _fault_rule_properties(self) -> dict[str, Schema]:
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
            "message": described(TEXT, "For `error`: its message."),
            "status": {"type": "integer", "minimum": 100, "maximum": 599,
                       "description": "For `fail`: the HTTP status the attempt fails with "
                                      "(default 500)."},
            "seconds": {"type": "number", "minimum": 0, "maximum": faults.MAX_FAULT_SECONDS,
                        "description": "For `latency` and `delay`: real seconds."},
            "sub_app_id": {**ref("SubAppIdInput"),
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
        schema = object_schema(self._fault_rule_properties(), ("action", "effect"),
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
            "applied": described(COUNT, "How many times it acted."),
            "remaining": nullable(described(COUNT, "Times left (null: no count).")),
        }
        return object_schema(properties, ("id", "action", "effect", "applied", "remaining"),
                             description="A rule as stored: the fields given, its id and counts.")

    def _event_feeds(self) -> None:
        """What GET /events answers: following, or searching."""
        common = {
            "last_seq": described(COUNT, "The newest emitted event's seq, kept or not "
                                         "(0: none since the last full reset)."),
            "epoch": described(COUNT, "Counts full resets: seq restarts at 1 after one."),
        }
        self.schemas["EventFeed"] = object_schema({
            "events": array(ref("FeedEvent"), "Oldest first."), **common,
            "evicted": described(COUNT, "Emitted events no longer kept.")},
            description="Following: the events after `after`.")
        self.schemas["EventSearch"] = object_schema({
            "matched": described(COUNT, "How many kept events match in all (before "
                                        "`before` or not)."),
            "events": array(ref("FeedEvent"), "Newest first."), **common},
            description="Searching: a page of the matching events.")

    def _report(self) -> None:
        """What GET /report answers: the consumer report's findings."""
        self.schemas["Finding"] = object_schema({
            "kind": {"enum": list(report.KINDS)}, "title": TEXT,
            "sub_app_id": ref("SubAppId"),
            "client": object_schema({"address": TEXT, "user_agent": TEXT}),
            "count": COUNT, "first_at": {"type": "number"}, "last_at": {"type": "number"},
            "ids": array(TEXT, f"At most {report.IDS_KEPT}: the event ids, RequestIds or "
                               "types that show it."),
            "ids_are": {"enum": [report.EVENT_IDS, report.REQUEST_IDS, report.EVENT_TYPES,
                                 report.NOTES]},
            "explanation": TEXT, "fix": TEXT, "see": TEXT},
            description="One kind of mistake of one client (or callback handler) of one "
                        "application.")


def snapshot_operations(prefix: str, max_import_bytes: int) -> dict[str, dict[str, Any]]:
    """The snapshot routes' operations (``admin/snapshots.py``), by operation id, as
    ``openapi`` describes each one (its summary, answer, body, errors, description)."""
    def answer(description: str, media_type: str, schema: Schema,
               status: str = "200") -> dict[str, Any]:
        return {status: {"description": description,
                         "content": {media_type: {"schema": schema}}}}

    file: Schema = {"type": "string", "contentMediaType": "application/octet-stream"}
    listed = f"`GET {prefix}/snapshots` lists those kept"
    return {
        "saveSnapshot": {
            "summary": "Keep the whole state under a name", "answer": None,
            "answers": answer("Kept (one of that name is replaced).", "application/json",
                              ref("Snapshot"), "201"),
            "body": object_schema({"name": ref("SnapshotName")}),
            "description": "Everything a restore puts back: the events and queues (leases "
                           "and their handles too), event configurations, media library, "
                           "tasks, callback records, fault rules, journal, runtime settings "
                           "and the clock. A reset keeps the snapshots: they are starting "
                           "points."},
        "listSnapshots": {
            "summary": "The snapshots kept, by name",
            "answer": object_schema({"snapshots": array(ref("Snapshot"), "By name.")})},
        "restoreSnapshot": {
            "summary": "Stand as a snapshot does", "answer": ref("Snapshot"),
            "body": object_schema({}, ()), "errors": (404,),
            "description": "As a full reset (held pulls answer empty, callbacks in flight "
                           "are abandoned), then the snapshot's state, its clock reading "
                           "what it read when it was saved: handles leased before the save "
                           "confirm again. It stays kept, to restore again. 404 if none of "
                           f"that name is kept ({listed})."},
        "deleteSnapshot": {
            "summary": "Forget a snapshot",
            "answer": object_schema({"deleted": ref("SnapshotName")}), "errors": (404,)},
        "exportSnapshot": {
            "summary": "A snapshot as one file", "answer": None, "errors": (404,),
            "answers": answer("The file: a header line, then the state compressed. "
                              "`PUT` takes it back, here or in another emulator of the "
                              "same version.", "application/octet-stream", file)},
        "importSnapshot": {
            "summary": "Keep an exported file under a name", "answer": None,
            "answers": answer("Kept (one of that name is replaced).", "application/json",
                              ref("Snapshot"), "201"),
            "body": described(file, "The bytes `GET …/export` answered, as they are (no "
                                    f"Content-Encoding), at most {max_import_bytes // 2**20} "
                                    "MB."),
            "description": "A file that is not an exported snapshot, is damaged, or was "
                           "written by an emulator of another state format is a 400 saying "
                           "so; nothing is kept then."},
    }
