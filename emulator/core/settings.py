"""Settings: one frozen dataclass, read once from flags, then ``VOD_EMULATOR_*``, then defaults.

Each setting is described once, in ``OPTIONS``: its flag, its variable, how its text is
read and what it means. The command line's flags and help, and the reading of the
environment, are all built from that table; the defaults are the dataclass's own.

A setting's value is written the same way wherever it is written (a ``serve`` flag, a
variable, ``settings set``, ``POST /_emulator/settings``, the pytest plugin's options):
as its text, read by its option's reader (``read_option``), or as the JSON value that
text stands for (a number, a list of seconds, an object of TaskType: seconds).
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..base.numeric import is_finite_number
from .callbacks import CALLBACK_POLICIES, SUCCESS_RULES, CallbackSettings, parse_retry_seconds
from .errors import InvalidParameterValue
from .eventconfig import NEW_APP_DEFAULTS, EventConfig, EventConfigs, validate_change
from .journal import DEFAULT_MAX_ENTRIES
from .queue import QueueTimings
from .tasks import REPEATED_SESSION_ID, TASK_SECONDS

DEFAULT_PORT = 4600
ENV_PREFIX = "VOD_EMULATOR_"
# The variables the official SDKs read their credentials from.
SDK_SECRET_VARIABLES = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY")

_TIMINGS = QueueTimings()  # the real service's numbers live there
_CALLBACKS = CallbackSettings()  # and the callbacks' defaults there
CALLBACK_SUCCESS_VALUES = SUCCESS_RULES
"""What ``callback_success`` may be: exactly 200, any 2xx, or any HTTP answer."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    secret_id: str | None = None
    secret_key: str | None = None
    long_poll_seconds: float = _TIMINGS.long_poll_seconds
    confirm_window_seconds: float = _TIMINGS.confirm_window_seconds
    retention_seconds: float = _TIMINGS.retention_seconds
    seed: int = field(default_factory=lambda: secrets.randbelow(2**32))
    journal_max_entries: int = DEFAULT_MAX_ENTRIES
    new_app_defaults: str = "emulator"
    callback_url: str | None = None
    sign_key: str | None = None
    # The three below, None: the callback policy's (``callback_values`` says what is in force).
    callback_timeout_seconds: float | None = None
    callback_retry_seconds: tuple[float, ...] | None = None
    callback_success: str | None = None
    callback_policy: str = "default"
    """The preset (core/callbacks.py, CALLBACK_POLICIES) of the three settings above: the
    values of those not given. Choosing one at run time forgets those given before."""
    signature_ttl_seconds: float = _CALLBACKS.signature_ttl_seconds
    callback_concurrency: int = _CALLBACKS.concurrency
    callback_max_records: int = _CALLBACKS.max_records
    repeated_session_id: str = REPEATED_SESSION_ID[0]
    task_seconds: tuple[tuple[str, float], ...] = ()
    """How long tasks of some kinds process (TaskType, emulator seconds); the others take
    their default (core/tasks.py, TASK_SECONDS)."""
    enforce_rate_limits: bool = False
    """Refuse an action called more often than its documented limit (core/ratetable.py)."""
    count_lag_seconds: float = _TIMINGS.count_lag_seconds
    probe_signatures: bool = False
    state_file: str | None = None
    """The SQLite file the state is kept in, written as it changes and read at start-up
    (core/statefile.py); None: nothing touches the disk."""

    @property
    def task_durations(self) -> dict[str, float]:
        """Every kind of task's processing time, in emulator seconds."""
        return {**TASK_SECONDS, **dict(self.task_seconds)}

    def __post_init__(self) -> None:
        if bool(self.secret_id) != bool(self.secret_key):
            raise ValueError("secret_id and secret_key go together: set both or neither")
        for name in ("journal_max_entries", "callback_concurrency", "callback_max_records"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.callback_policy not in CALLBACK_POLICIES:
            raise ValueError(f"callback_policy must be {' or '.join(CALLBACK_POLICIES)}, "
                             f"got {self.callback_policy!r}")
        timeout = self.callback_values["callback_timeout_seconds"]
        if not timeout > 0:
            raise ValueError("callback_timeout_seconds must be more than 0 (an attempt that "
                             f"waits for ever is no test), got {timeout}")
        if self.new_app_defaults not in NEW_APP_DEFAULTS:
            raise ValueError(f"new_app_defaults must be one of {', '.join(NEW_APP_DEFAULTS)}, "
                             f"got {self.new_app_defaults!r}")
        if self.repeated_session_id not in REPEATED_SESSION_ID:
            raise ValueError(f"repeated_session_id must be one of "
                             f"{', '.join(REPEATED_SESSION_ID)}, got {self.repeated_session_id!r}")
        if self.callback_values["callback_success"] not in CALLBACK_SUCCESS_VALUES:
            raise ValueError(f"callback_success must be {' or '.join(CALLBACK_SUCCESS_VALUES)}, "
                             f"got {self.callback_success!r}")
        if self.sign_key and not self.callback_url:
            raise ValueError("a sign key goes with a callback URL: set --callback-url too")
        try:
            validate_change({"NotificationUrl": self.callback_url or "",
                             "SignKey": self.sign_key or ""})
        except InvalidParameterValue as error:
            raise ValueError(error.message) from None

    @property
    def callback_values(self) -> dict[str, Any]:
        """The callback settings in force: each given one, else its policy's."""
        chosen = policy_settings(self.callback_policy)
        given = {"callback_timeout_seconds": self.callback_timeout_seconds,
                 "callback_retry_seconds": self.callback_retry_seconds,
                 "callback_success": self.callback_success}
        return {name: chosen[name] if value is None else value for name, value in given.items()}

    @property
    def callbacks(self) -> CallbackSettings:
        values = self.callback_values
        return CallbackSettings(
            timeout_seconds=values["callback_timeout_seconds"],
            retry_seconds=values["callback_retry_seconds"],
            success=values["callback_success"],
            signature_ttl_seconds=self.signature_ttl_seconds,
            concurrency=self.callback_concurrency,
            max_records=self.callback_max_records,
            probe_signatures=self.probe_signatures,
        )

    @property
    def event_configs(self) -> EventConfigs:
        return EventConfigs(*self.app_defaults)

    @property
    def app_defaults(self) -> tuple[EventConfig, EventConfig | None]:
        """How applications start: every new one, and the default application when it
        starts otherwise (in PUSH to ``callback_url``, when one is given)."""
        new_app = NEW_APP_DEFAULTS[self.new_app_defaults]
        default_app = None
        if self.callback_url:
            default_app = replace(new_app, mode="PUSH", notification_url=self.callback_url,
                                  sign_key=self.sign_key or "")
        return new_app, default_app

    @property
    def secret_pair(self) -> tuple[str, str] | None:
        """The SecretId and SecretKey whose signatures the Cloud API verifies; None: it
        checks no signatures."""
        if self.secret_id and self.secret_key:
            return self.secret_id, self.secret_key
        return None

    @property
    def verifies_signatures(self) -> bool:
        return self.secret_pair is not None

    @property
    def timings(self) -> QueueTimings:
        return QueueTimings(
            long_poll_seconds=self.long_poll_seconds,
            confirm_window_seconds=self.confirm_window_seconds,
            retention_seconds=self.retention_seconds,
            count_lag_seconds=self.count_lag_seconds,
        )


def policy_settings(policy: str) -> dict[str, Any]:
    """The settings a callback policy stands for, by name."""
    chosen = CALLBACK_POLICIES[policy]
    return {"callback_timeout_seconds": chosen.timeout_seconds,
            "callback_retry_seconds": chosen.retry_seconds,
            "callback_success": chosen.success}


POLICY_SETTINGS = tuple(policy_settings("default"))
"""The settings a callback policy presets."""


class SettingsError(ValueError):
    """A flag or variable that cannot be used; the message names it."""


# ----- reading one value (a ValueError's message says what is wrong with the text)


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"must be a finite number >= 0: {text!r}")
    return value


def positive_float(text: str) -> float:
    value = non_negative_float(text)
    if value == 0:
        raise ValueError(f"must be more than 0: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise ValueError(f"port must be 0-65535: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"not an integer: {text!r}") from None
    if value < 1:
        raise ValueError(f"must be >= 1: {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"seed must be an integer: {text!r}") from None


def _text(text: str) -> str:
    return text


BOOLEAN_TEXTS = {"true": True, "false": False}


def _boolean(text: str) -> bool:
    try:
        return BOOLEAN_TEXTS[text]
    except KeyError:
        raise ValueError(f"must be true or false: {text!r}") from None


def _task_seconds(text: str) -> tuple[tuple[str, float], ...]:
    """``Procedure=30,PullUpload=5``: kinds of task (TaskType) and their seconds."""
    durations: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, equals, seconds = item.partition("=")
        if not equals or kind.strip() not in TASK_SECONDS:
            raise ValueError(f"each item is TaskType=seconds, the TaskType one of "
                             f"{', '.join(TASK_SECONDS)}: {item!r:.100}")
        durations[kind.strip()] = non_negative_float(seconds.strip())
    return tuple(durations.items())


def _one_of(*choices: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be {' or '.join(choices)}: {text!r}")
        return text

    return read


def _config_value(parameter: str) -> Callable[[str], str]:
    """A value checked as ModifyEventConfig checks its ``parameter``."""

    def read(text: str) -> str:
        try:
            validate_change({parameter: text})
        except InvalidParameterValue as error:
            raise ValueError(error.message.removeprefix(f"{parameter} ").rstrip(".")) from None
        return text

    return read


# What a setting's value is, which says the JSON values that stand for its text.
TEXT, NUMBER, LIST, MAPPING, BOOLEAN = "text", "number", "list", "mapping", "boolean"
_KIND_FORMS = {
    TEXT: "text",
    NUMBER: "a number, or its text ('0.5')",
    BOOLEAN: "true or false, or its text ('true')",
    LIST: "a list of numbers of seconds ([5, 60]), or their text, comma-separated ('5,60')",
    MAPPING: "an object of TaskType: seconds ({\"Procedure\": 30}), or its text "
             "('Procedure=30,PullUpload=5')",
}
"""What a message says a setting of each kind takes."""


@dataclass(frozen=True)
class Option:
    """One setting as the command line and the environment name it."""

    name: str  # the Settings field
    read: Callable[[str], Any]
    help: str
    sdk_variable: str | None = None  # read after VOD_EMULATOR_<NAME>, as the SDKs do
    kind: str = TEXT  # TEXT, NUMBER, LIST, MAPPING or BOOLEAN

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.variable,) if self.sdk_variable is None else (
            self.variable, self.sdk_variable)

    @property
    def default_text(self) -> str:
        default = _FIELDS[self.name].default
        if self.name in POLICY_SETTINGS:  # unset: the default policy's
            default = policy_settings("default")[self.name]
        if default is dataclasses.MISSING:  # drawn afresh for each Settings (the seed)
            return "random, shown at start"
        if default is None:
            return "unset"
        if isinstance(default, bool):
            return "true" if default else "false"
        if self.kind == MAPPING:
            return "each TaskType's own (docs/tasks.md)"
        if isinstance(default, tuple):
            return ",".join(_number_text(value) for value in default)
        if isinstance(default, float):
            return _number_text(default)
        return str(default)


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}

OPTIONS: tuple[Option, ...] = (
    Option("host", _text, "address to listen on"),
    Option("port", _port, "port to listen on; 0 picks a free one, shown in the ready line",
           kind=NUMBER),
    Option("secret_id", _text, "SecretId whose signatures are verified; unset, none are",
           SDK_SECRET_VARIABLES[0]),
    Option("secret_key", _text, "its SecretKey: set both or neither", SDK_SECRET_VARIABLES[1]),
    Option("long_poll_seconds", non_negative_float,
           "how long an empty PullEvents is held", kind=NUMBER),
    Option("confirm_window_seconds", non_negative_float,
           "how long a pulled event waits for ConfirmEvents before it is pullable again",
           kind=NUMBER),
    Option("retention_seconds", non_negative_float,
           "how long an unconfirmed event is kept", kind=NUMBER),
    Option("journal_max_entries", _positive_int,
           "how many journal entries are kept before the oldest are evicted", kind=NUMBER),
    Option("seed", _seed, "seed of generated events and handles", kind=NUMBER),
    Option("new_app_defaults", _one_of(*NEW_APP_DEFAULTS),
           "how a new application starts: emulator (PULL, switches ON: emitted events are "
           "queued) or real (PUSH, no URL, switches OFF, as the real service)"),
    Option("callback_url", _config_value("NotificationUrl"),
           "start the default application in PUSH mode, its callbacks POSTed to this URL"),
    Option("sign_key", _config_value("SignKey"),
           "the SignKey that callbacks to the callback URL are signed with"),
    Option("callback_timeout_seconds", positive_float,
           "how long a callback waits for the receiver's answer (real seconds)",
           kind=NUMBER),
    Option("callback_retry_seconds", parse_retry_seconds,
           "waits before each retry of a failed callback, comma-separated (emulator "
           "seconds); empty: no retries", kind=LIST),
    Option("callback_success", _one_of(*CALLBACK_SUCCESS_VALUES),
           "what counts as a delivered callback: 200, 2xx, or any (any HTTP answer)"),
    Option("callback_policy", _one_of(*CALLBACK_POLICIES),
           "a preset of the three settings above, which override it where given: default "
           "(5 s, Svix's retries, 200) or archived (the archived VOD page's: 5 s, two more "
           "sends at once when no answer comes, any HTTP answer received)"),
    Option("signature_ttl_seconds", non_negative_float,
           "a signed callback's T is now plus this (emulator clock)", kind=NUMBER),
    Option("callback_concurrency", _positive_int,
           "callbacks in flight per application", kind=NUMBER),
    Option("callback_max_records", _positive_int,
           "callback attempt records kept before the oldest are evicted", kind=NUMBER),
    Option("repeated_session_id", _one_of(*REPEATED_SESSION_ID),
           "what a task request repeating a SessionId within its window gets: error "
           "(InvalidParameterValue.SessionId, as the SDK describes) or first_task (the first "
           "task's answer again, no second task)"),
    Option("task_seconds", _task_seconds,
           "how long tasks process, as TaskType=seconds,... (emulator seconds); kinds not "
           "named keep their default", kind=MAPPING),
    Option("enforce_rate_limits", _boolean,
           "true: answer RequestLimitExceeded to an action called more often than its "
           "documented limit per second (emulator clock), over all applications",
           kind=BOOLEAN),
    Option("count_lag_seconds", non_negative_float,
           "how many emulator seconds late DescribeEventsState's CountOfEventsToPull is "
           "(0: exact)", kind=NUMBER),
    Option("probe_signatures", _boolean,
           "send one extra callback per application with a forged Sign and one with an "
           "expired T, to check the handler refuses them (probes are journaled as such and "
           "never counted as deliveries)", kind=BOOLEAN),
    Option("state_file", _text,
           "SQLite file to keep the state in: read at start, written as it changes, so a "
           "restart (even after kill -9) goes on where it stopped; unset, nothing touches "
           "the disk"),
)
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}


def read_option(option: Option, value: Any, source: str) -> Any:
    """Read a setting's value however it is written: its text (a flag, a variable, a
    ``settings set``, a JSON string), in which a list or an object may also be written as
    JSON (``[5, 60]``), or the JSON value its text stands for (a number, a list, an
    object). A bad value is a SettingsError naming ``source``, its message the same
    wherever the value was written."""
    text = value if isinstance(value, str) else _as_text(option, value, source)
    if option.kind in (LIST, MAPPING) and text.lstrip().startswith(("[", "{")):
        try:
            text = _as_text(option, json.loads(text), source)
        except ValueError:  # not JSON, or not of the setting's kind: say it as written
            raise _refused(option, text, source) from None
    try:
        return option.read(text)
    except ValueError as error:
        raise SettingsError(f"{source}: {error}") from None


def _as_text(option: Option, value: Any, source: str) -> str:
    """The text a JSON value of the setting's kind stands for."""
    if option.kind == NUMBER and is_finite_number(value):
        return json.dumps(value)
    if option.kind == BOOLEAN and isinstance(value, bool):
        return json.dumps(value)
    if option.kind == LIST and isinstance(value, (list, tuple)) and all(
            is_finite_number(item) for item in value):
        return ",".join(json.dumps(item) for item in value)
    if option.kind == MAPPING and isinstance(value, dict) and all(
            isinstance(name, str) and is_finite_number(item) for name, item in value.items()):
        return ",".join(f"{name}={json.dumps(item)}" for name, item in value.items())
    raise _refused(option, value, source)


def _refused(option: Option, value: Any, source: str) -> SettingsError:
    try:  # text quoted, as a reader's message quotes it; any other value as JSON
        shown = repr(value) if isinstance(value, str) else json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):  # not JSON: a value given in Python
        shown = repr(value)
    return SettingsError(f"{source}: must be {_KIND_FORMS[option.kind]}, got {shown:.100}")


def resolve_settings(flags: Mapping[str, str | None], env: Mapping[str, str]) -> Settings:
    """Settings from the flags given (text, or None when absent), then the environment.

    A flag wins over its variable. An empty variable counts as unset. The secret pair is
    taken whole from the first place that names either half: the flags, then
    ``VOD_EMULATOR_SECRET_ID/KEY``, then ``TENCENTCLOUD_SECRET_ID/KEY``.
    """
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.name in ("secret_id", "secret_key"):
            continue
        text = flags.get(option.name)
        if text is not None:
            values[option.name] = read_option(option, text, option.flag)
        elif env.get(option.variable):
            values[option.name] = read_option(option, env[option.variable], option.variable)
    values["secret_id"], values["secret_key"] = secret_pair(flags, env)
    try:
        return Settings(**values)
    except ValueError as error:  # a rule between settings: each value alone was fine
        raise SettingsError(str(error)) from None


def secret_pair(
    flags: Mapping[str, str | None], env: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """The SecretId and SecretKey, taken whole from the first place that names either:
    the flags, then each pair of variables in turn; SettingsError for half a pair."""
    id_option, key_option = OPTIONS_BY_NAME["secret_id"], OPTIONS_BY_NAME["secret_key"]
    places = [
        (id_option.flag, key_option.flag, flags.get("secret_id"), flags.get("secret_key")),
        *((id_name, key_name, env.get(id_name), env.get(key_name))
          for id_name, key_name in zip(id_option.variables, key_option.variables, strict=True)),
    ]
    for id_name, key_name, secret_id, secret_key in places:
        if secret_id and secret_key:
            return secret_id, secret_key
        if secret_id or secret_key:
            missing, present = (key_name, id_name) if secret_id else (id_name, key_name)
            raise SettingsError(f"{missing} is not set but {present} is: set both or neither")
    return None, None


# ----- changing settings while the emulator runs (``POST /_emulator/settings``)

RUNTIME_SETTINGS = (
    "long_poll_seconds", "confirm_window_seconds", "retention_seconds",
    "callback_timeout_seconds", "callback_retry_seconds", "callback_success",
    "callback_policy", "signature_ttl_seconds", "new_app_defaults", "repeated_session_id",
    "task_seconds", "enforce_rate_limits", "count_lag_seconds", "probe_signatures",
)
"""The settings a running emulator can change (per test); the others need a restart."""


def runtime_view(settings: Settings) -> dict[str, Any]:
    """The runtime settings in force (a callback setting not given: its policy's)."""
    in_force = {**{name: getattr(settings, name) for name in RUNTIME_SETTINGS},
                **settings.callback_values}
    view = {name: list(value) if isinstance(value := in_force[name], tuple) else value
            for name in RUNTIME_SETTINGS}
    view["task_seconds"] = settings.task_durations
    return view


def with_changes(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """``settings`` with ``changes`` to runtime settings, each read as its flag's value
    is (``read_option``: its text, or the JSON value it stands for); a SettingsError
    names the first bad one."""
    unknown = sorted(set(changes) - set(RUNTIME_SETTINGS))
    if unknown:
        raise SettingsError(f"{', '.join(map(repr, unknown[:5]))} cannot be changed while the "
                            f"emulator runs; these can: {', '.join(RUNTIME_SETTINGS)}")
    values = {name: read_option(OPTIONS_BY_NAME[name], value, name)
              for name, value in changes.items()}
    if "callback_policy" in values:  # a policy chosen: those given before are forgotten
        values = {**dict.fromkeys(POLICY_SETTINGS), **values}
    try:
        return replace(settings, **values)
    except ValueError as error:
        raise SettingsError(str(error)) from None
