"""The Cloud API actions the emulator answers, by name: a leaf that the fault rules, the
Cloud API adapter (which pairs each with its handler) and the command line all read."""

from __future__ import annotations

from ..events.catalog import TASK_ACTIONS, TASK_LOOKUPS, UPLOAD_ACTIONS

PULL_EVENTS = "PullEvents"
CONFIRM_EVENTS = "ConfirmEvents"
DESCRIBE_EVENTS_STATE = "DescribeEventsState"
MODIFY_EVENT_CONFIG = "ModifyEventConfig"
DESCRIBE_EVENT_CONFIG = "DescribeEventConfig"
DESCRIBE_MEDIA_INFOS = "DescribeMediaInfos"
DELETE_MEDIA = "DeleteMedia"
MODIFY_MEDIA_INFO = "ModifyMediaInfo"
SEARCH_MEDIA = "SearchMedia"

DESCRIBE_TASK_DETAIL, DESCRIBE_TASKS = TASK_LOOKUPS
APPLY_UPLOAD, COMMIT_UPLOAD = UPLOAD_ACTIONS

CLOUD_API_ACTIONS = (PULL_EVENTS, CONFIRM_EVENTS, DESCRIBE_EVENTS_STATE, MODIFY_EVENT_CONFIG,
                     DESCRIBE_EVENT_CONFIG, DESCRIBE_MEDIA_INFOS, DELETE_MEDIA,
                     MODIFY_MEDIA_INFO, SEARCH_MEDIA, *UPLOAD_ACTIONS, *TASK_ACTIONS,
                     *TASK_LOOKUPS)
"""Every action, in the order the docs and the fault rules list them."""
