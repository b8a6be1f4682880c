"""Event notification configuration per SubAppId (ModifyEventConfig / DescribeEventConfig)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ..base.echo import is_text, shown
from .errors import InvalidParameterValue
from .ids import SubAppId

MODES = ("PUSH", "PULL")
SWITCH_VALUES = ("ON", "OFF")
SWITCHES = (
    "UploadMediaCompleteEventSwitch",  # governs NewFileUpload
    "DeleteMediaCompleteEventSwitch",  # governs FileDeleted
    "PersistenceCompleteEventSwitch",  # governs PersistenceComplete
)
_SIGN_KEY = re.compile(r"[A-Za-z0-9]{0,32}")
_NOTIFICATION_URL_MAX = 1024
# Whitespace (Unicode's too) and C0/C1 control characters, which no URL carries as such.
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class EventConfig:
    # The real service's new application: PUSH with no URL and every switch OFF. The
    # emulator's new applications start from EMULATOR_DEFAULTS instead (see below).
    mode: str = "PUSH"
    notification_url: str = ""
    upload_media_complete_event_switch: str = "OFF"
    delete_media_complete_event_switch: str = "OFF"
    persistence_complete_event_switch: str = "OFF"
    sign_key: str = ""  # stored for signing callbacks; never answered back

    def describe(self) -> dict[str, Any]:
        """The DescribeEventConfig fields (SignKey is deliberately absent)."""
        return {
            "Mode": self.mode,
            "NotificationUrl": self.notification_url,
            "UploadMediaCompleteEventSwitch": self.upload_media_complete_event_switch,
            "DeleteMediaCompleteEventSwitch": self.delete_media_complete_event_switch,
            "PersistenceCompleteEventSwitch": self.persistence_complete_event_switch,
        }


REAL_DEFAULTS = EventConfig()
EMULATOR_DEFAULTS = EventConfig(
    mode="PULL",
    upload_media_complete_event_switch="ON",
    delete_media_complete_event_switch="ON",
    persistence_complete_event_switch="ON",
)
"""A new application in the emulator: PULL with every switch ON, so an emitted event is
observable (queued, pullable) without configuring anything. ``--new-app-defaults real``
starts every application as the real service does instead."""
NEW_APP_DEFAULTS = {"emulator": EMULATOR_DEFAULTS, "real": REAL_DEFAULTS}

# The switch that governs an EventType: OFF means such events are not notified at all.
_SWITCH_OF_EVENT_TYPE = {
    "NewFileUpload": ("UploadMediaCompleteEventSwitch", "upload_media_complete_event_switch"),
    "FileDeleted": ("DeleteMediaCompleteEventSwitch", "delete_media_complete_event_switch"),
    "PersistenceComplete": ("PersistenceCompleteEventSwitch",
                            "persistence_complete_event_switch"),
}


def suppression(config: EventConfig, event_type: str) -> str | None:
    """Why an event of ``event_type`` is not notified at all under ``config``, or None."""
    switch = _SWITCH_OF_EVENT_TYPE.get(event_type)
    if switch is not None and getattr(config, switch[1]) == "OFF":
        return f"{switch[0]} is OFF: {event_type} events are not notified"
    if config.mode == "PUSH" and not config.notification_url:
        return "Mode is PUSH but no NotificationUrl is set: nowhere to send the callback"
    return None


_FIELD_OF_PARAMETER = {
    "Mode": "mode",
    "NotificationUrl": "notification_url",
    "UploadMediaCompleteEventSwitch": "upload_media_complete_event_switch",
    "DeleteMediaCompleteEventSwitch": "delete_media_complete_event_switch",
    "PersistenceCompleteEventSwitch": "persistence_complete_event_switch",
    "SignKey": "sign_key",
}
PARAMETERS = tuple(_FIELD_OF_PARAMETER)
"""The ModifyEventConfig parameters besides SubAppId."""


def validate_change(changes: dict[str, str]) -> None:
    """Raise InvalidParameterValue for the first ModifyEventConfig value out of its domain."""
    mode = changes.get("Mode")
    if mode is not None and mode not in MODES:
        raise InvalidParameterValue(f"Mode must be PUSH or PULL, got {shown(mode)}.")
    for switch in SWITCHES:
        value = changes.get(switch)
        if value is not None and value not in SWITCH_VALUES:
            raise InvalidParameterValue(f"{switch} must be ON or OFF, got {shown(value)}.")
    url = changes.get("NotificationUrl")
    if url:
        _check_notification_url(url)
    sign_key = changes.get("SignKey")
    if sign_key is not None and not _SIGN_KEY.fullmatch(sign_key):
        raise InvalidParameterValue("SignKey must be at most 32 letters and digits.")


def _check_notification_url(url: str) -> None:
    """An absolute http(s) URL with a host, as a callback could be sent to: no whitespace,
    no control characters, valid Unicode text (it is answered back by DescribeEventConfig)."""
    if len(url) > _NOTIFICATION_URL_MAX:
        raise InvalidParameterValue(
            f"NotificationUrl is longer than {_NOTIFICATION_URL_MAX} characters."
        )
    if not url.startswith(("http://", "https://")):
        raise InvalidParameterValue("NotificationUrl must be an http:// or https:// URL.")
    if _NOT_IN_URL.search(url) or not is_text(url):
        raise InvalidParameterValue(
            "NotificationUrl must not hold whitespace, control characters or invalid text."
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError for a port that is not 0-65535
    except ValueError:
        raise InvalidParameterValue("NotificationUrl is not a well-formed URL.") from None
    if not host:
        raise InvalidParameterValue("NotificationUrl must name a host.")


class EventConfigs:
    def __init__(
        self, new_app: EventConfig = EMULATOR_DEFAULTS, default_app: EventConfig | None = None
    ) -> None:
        """``new_app``: how every application starts; ``default_app``: how the default
        application (no SubAppId) starts, if otherwise (``serve --callback-url``)."""
        self._configs: dict[SubAppId, EventConfig] = {}
        self.set_defaults(new_app, default_app)

    def set_defaults(self, new_app: EventConfig, default_app: EventConfig | None = None) -> None:
        """How applications not configured yet start, from now on."""
        self._new_app = new_app
        self._default_app = default_app or new_app

    def get(self, sub_app_id: SubAppId) -> EventConfig:
        config = self._configs.get(sub_app_id)
        if config is None:
            return self._default_app if sub_app_id is None else self._new_app
        return config

    def modify(self, sub_app_id: SubAppId, changes: dict[str, str]) -> EventConfig:
        """Apply the parameters given; absent ones keep their value."""
        validate_change(changes)
        updates = {_FIELD_OF_PARAMETER[name]: value for name, value in changes.items()}
        config = replace(self.get(sub_app_id), **updates)
        self._configs[sub_app_id] = config
        return config

    def configured(self) -> list[SubAppId]:
        """The applications whose configuration was modified, in no particular order."""
        return list(self._configs)

    def forget(self, sub_app_id: SubAppId) -> None:
        """One application is back to how applications start."""
        self._configs.pop(sub_app_id, None)

    def clear(self) -> None:
        self._configs.clear()
