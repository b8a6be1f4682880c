"""The tasks the asynchronous actions start: each one's timeline on the emulator clock, the
SessionId de-duplication, and what DescribeTaskDetail and DescribeTasks answer.

A task is WAITING from its request until ``begins``, PROCESSING until ``finishes``, then
FINISH: its state is read from the clock, never stored, so a frozen clock holds every
task where it is and an ``advance`` moves them all. What a task sends (its events) is
scheduled by the backend at those times.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..base.times import iso8601
from ..events.catalog import FINISH as FINISH
from ..events.catalog import PROCEDURE, TASK_ACTIONS
from ..events.catalog import PROCESSING as PROCESSING
from ..events.catalog import TASK_STATES as TASK_STATES
from ..events.catalog import WAITING as WAITING
from .errors import InvalidParameterValue, InvalidParameterValueOf
from .ids import ANY_APP, AppFilter, SubAppId

if TYPE_CHECKING:  # the event machinery is loaded when a task starts
    from ..events.tasks import TaskFacts

WAIT_SECONDS = 1.0
"""How long a task waits before it starts processing, in emulator seconds."""

TASK_SECONDS: dict[str, float] = {
    PROCEDURE: 60.0, "PullUpload": 20.0, "EditMedia": 60.0, "SplitMedia": 60.0,
    "ComposeMedia": 90.0, "RemoveWatermark": 120.0, "RestoreMedia": 300.0,
    "RebuildMedia": 120.0, "ReviewAudioVideo": 60.0, "DescribeFileAttributes": 5.0,
    "QualityInspect": 60.0, "QualityEnhance": 120.0, "ExtractTraceWatermark": 30.0,
    "ExtractCopyRightWatermark": 30.0, "ExtractBlindWatermark": 30.0,
    "WechatMiniProgramPublish": 30.0, "ComplexAdaptiveDynamicStreaming": 120.0,
    "ProcessMediaByMPS": 60.0, "AigcImageTask": 30.0, "AigcVideoTask": 180.0,
    "SceneAigcImageTask": 30.0, "ProcessImageAsync": 10.0, "CreateAigcCustomVoice": 60.0,
    "CreateAigcAdvancedCustomElement": 60.0, "DescribeAigcFaceInfoAsync": 10.0,
    "AigcHunyuan3DTask": 120.0,
}
"""How long each kind of task processes, in emulator seconds, by TaskType: realistic
defaults (the docs give none but RestoreMedia's Expedited tier, five minutes); the
``task_seconds`` setting changes any of them."""
assert set(TASK_SECONDS) == {action.task_type for action in TASK_ACTIONS.values()}

REPORTED_TASK_TYPES = {"RemoveWatermark": "RemoveWatermarkTask",
                       "DescribeFileAttributes": "DescribeFileAttributesTask"}
"""DescribeTaskDetailResponse.TaskType's list names these two kinds with a Task suffix."""

NOTIFY_MODES = ("Finish", "Change", "None")
"""TasksNotifyMode: one event at the end (the default), one at each state change of the
procedure and its sub-tasks, or none."""
REPEATED_SESSION_ID = ("error", "first_task")
"""What a repeated SessionId within its window gets: the error the SDK's models describe
(InvalidParameterValue.SessionId, the default), or the first task's answer again."""
MAX_SESSION_CONTEXT = 1000  # "最长 1000 个字符"
MAX_SESSION_ID = 50  # "最长 50 个字符"
MAX_PRIORITY = 10  # TasksPriority: "取值范围是 -10 到 10"
DESCRIBE_TASKS_LIMIT = 100  # DescribeTasksRequest.Limit: "默认值：10，最大值：100"
TASKS_KEPT_SECONDS = 3 * 86400.0
"""How long after its request a task can be looked up: DescribeTaskDetail "最多可以查询3天
之内提交的任务", DescribeTasks "只能查询到最近三天（72 小时）内的任务". A finished task
older than that is forgotten, so the book stays bounded however many tasks run."""


@dataclass
class Task:
    sub_app_id: SubAppId
    task_id: str
    action: str
    created: float
    begins: float
    finishes: float
    make_detail: Callable[[], dict[str, Any]]
    """Makes its detail as it ends, in its completion event's model: on first use, not
    when the request is accepted (a procedure's detail takes ~0.5 ms to make, and most
    are first needed when they end)."""
    request: dict[str, Any]  # the parameters it was started with
    file_id: str | None = None
    session_id: str = ""
    session_context: str = ""
    notify_mode: str = "Finish"
    failed: bool = False  # a fault made it fail
    caused_by: str = ""  # the request: its action and RequestId
    events: list[str] = field(default_factory=list)  # the ids of the events it sent
    facts: TaskFacts | None = None  # what its detail was made from (its failure...)
    _detail: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def detail(self) -> dict[str, Any]:
        """Its detail as it ends (made once, the same whenever: seeded by its TaskId)."""
        if self._detail is None:
            self._detail = self.make_detail()
        return self._detail

    @detail.setter
    def detail(self, detail: dict[str, Any]) -> None:
        self._detail = detail

    def forget_detail(self) -> None:
        """Drop the detail made (a finished task's is rarely looked at again, and 100,000
        of them would hold hundreds of MB); the next look makes it again, the same."""
        self._detail = None

    @property
    def task_type(self) -> str:
        return TASK_ACTIONS[self.action].task_type

    @property
    def reported_type(self) -> str:
        """The TaskType DescribeTaskDetail and DescribeTasks answer (the kind in its TaskId
        but for the two its documentation names otherwise)."""
        return REPORTED_TASK_TYPES.get(self.task_type, self.task_type)

    def status(self, now: float) -> str:
        if now < self.begins:
            return WAITING
        return PROCESSING if now < self.finishes else FINISH

    def progress(self, now: float) -> int:
        if now <= self.begins:
            return 0
        if now >= self.finishes:
            return 100
        return int(100 * (now - self.begins) / (self.finishes - self.begins))

    def detail_at(self, now: float) -> dict[str, Any]:
        """The detail as it stands at ``now``."""
        status = self.status(now)
        if status == FINISH:
            return self.detail
        from ..events.schema import load_schema  # with the event machinery, on first use
        from ..events.tasks import event_model, in_progress

        return in_progress(self.detail, status, self.progress(now),
                           model=event_model(load_schema(), self.action)[1])

    def times(self, now: float) -> dict[str, str]:
        """CreateTime, BeginProcessTime, FinishTime as DescribeTaskDetail gives them: a time
        not reached yet is empty."""
        return {"CreateTime": iso8601(self.created),
                "BeginProcessTime": iso8601(self.begins) if now >= self.begins else "",
                "FinishTime": iso8601(self.finishes) if now >= self.finishes else ""}

    def simple_info(self, now: float) -> dict[str, Any]:
        """DescribeTasks' TaskSimpleInfo."""
        return {"TaskId": self.task_id, "Status": self.status(now),
                "FileId": self.file_id or "", "TaskType": self.reported_type,
                **self.times(now), "SessionId": self.session_id,
                "SessionContext": self.session_context}

    def to_json(self, now: float) -> dict[str, Any]:
        """For the admin API: the task's facts, state and detail as it stands."""
        return {"task_id": self.task_id, "sub_app_id": self.sub_app_id,
                "action": self.action, "task_type": self.task_type,
                "status": self.status(now), "progress": self.progress(now),
                "file_id": self.file_id, "created_at": self.created,
                "begins_at": self.begins, "finishes_at": self.finishes,
                "session_id": self.session_id, "session_context": self.session_context,
                "notify_mode": self.notify_mode, "failed": self.failed,
                "caused_by": self.caused_by, "events": list(self.events),
                "detail": self.detail_at(now)}


class TaskBook:
    """The tasks that can still be looked up, per application, in the order they were
    started; and the SessionIds still within their de-duplication window."""

    def __init__(self) -> None:
        self._apps: dict[SubAppId, dict[str, Task]] = {}
        self._sessions: dict[tuple[SubAppId, str], Task] = {}
        self._index()

    def _index(self) -> None:
        # The same, oldest first, to drop from the front: finding a dict's first key
        # scans past every slot deleted before it (~90 µs a task with 200,000 kept).
        self._started = {sub_app_id: deque(tasks.values())
                         for sub_app_id, tasks in self._apps.items()}
        self._session_order = deque(self._sessions.items())

    # Kept (snapshots, the state file) without the indexes, which are made again.
    def __getstate__(self) -> dict[str, Any]:
        return {"_apps": self._apps, "_sessions": self._sessions}

    def __setstate__(self, kept: dict[str, Any]) -> None:
        self._apps, self._sessions = kept["_apps"], kept["_sessions"]
        self._index()

    def add(self, task: Task) -> None:
        self._forget_old(task.created)
        self._apps.setdefault(task.sub_app_id, {})[task.task_id] = task
        self._started.setdefault(task.sub_app_id, deque()).append(task)
        if task.session_id:
            key = (task.sub_app_id, task.session_id)
            self._sessions.pop(key, None)  # a SessionId used again: now the newest
            self._sessions[key] = task
            self._session_order.append((key, task))

    def find(self, sub_app_id: SubAppId, task_id: str, now: float) -> Task | None:
        task = self._apps.get(sub_app_id, {}).get(task_id)
        return task if task is not None and _kept(task, now) else None

    def by_session(self, sub_app_id: SubAppId, session_id: str, now: float) -> Task | None:
        """The task a SessionId started within its action's de-duplication window."""
        task = self._sessions.get((sub_app_id, session_id))
        return task if task is not None and _in_session_window(task, now) else None

    def tasks(self, now: float, sub_app_id: AppFilter = ANY_APP) -> Iterator[Task]:
        """One application's tasks (None: the default application's), or every
        application's (ANY_APP); oldest first."""
        apps = self._apps.values() if sub_app_id == ANY_APP else [self._apps.get(sub_app_id, {})]
        for tasks in apps:
            yield from (task for task in tasks.values() if _kept(task, now))

    def running(self, now: float) -> list[Task]:
        return [task for task in self.tasks(now) if task.status(now) != FINISH]

    def clear(self) -> None:
        self._apps.clear()
        self._sessions.clear()
        self._index()

    def forget(self, sub_app_id: SubAppId) -> None:
        self._apps.pop(sub_app_id, None)
        self._sessions = {key: task for key, task in self._sessions.items()
                          if key[0] != sub_app_id}
        self._index()

    def _forget_old(self, now: float) -> None:
        """Drop the tasks no lookup finds any more and the SessionIds past their window,
        from the front (oldest first): a few at a time, as tasks start. (Lookups skip the
        ones not dropped yet: the clock may have jumped since.)"""
        for sub_app_id, started in self._started.items():
            tasks = self._apps[sub_app_id]
            while started and not _kept(started[0], now):
                tasks.pop(started.popleft().task_id, None)
        order = self._session_order
        while order:
            key, oldest = order[0]
            if self._sessions.get(key) is oldest:  # else: its SessionId was used again
                if _in_session_window(oldest, now):
                    break
                del self._sessions[key]
            order.popleft()


def _kept(task: Task, now: float) -> bool:
    """Whether lookups still find ``task``: started within TASKS_KEPT_SECONDS, or not
    finished yet."""
    return now - task.created < TASKS_KEPT_SECONDS or task.finishes > now


def _in_session_window(task: Task, now: float) -> bool:
    from ..events.schema import load_schema  # with the event machinery, on first use

    days: float = load_schema().actions.get(task.action, {}).get("session_days", 3)
    return now - task.created < days * 86400


def check_session(params: Mapping[str, Any]) -> tuple[str, str, str]:
    """SessionId, SessionContext and TasksNotifyMode of a request, checked."""
    session_id = params.get("SessionId") or ""
    context = params.get("SessionContext") or ""
    mode = params.get("TasksNotifyMode") or "Finish"
    if len(session_id) > MAX_SESSION_ID:
        raise InvalidParameterValueOf(
            "SessionIdTooLong", f"SessionId is at most {MAX_SESSION_ID} characters.")
    if len(context) > MAX_SESSION_CONTEXT:
        raise InvalidParameterValueOf(
            "SessionContextTooLong",
            f"SessionContext is at most {MAX_SESSION_CONTEXT} characters.")
    priority = params.get("TasksPriority")
    if priority is not None and not -MAX_PRIORITY <= priority <= MAX_PRIORITY:
        raise InvalidParameterValue(
            f"TasksPriority is from -{MAX_PRIORITY} to {MAX_PRIORITY}, got {priority}.")
    if mode not in NOTIFY_MODES:
        raise InvalidParameterValue(
            f"TasksNotifyMode must be one of {', '.join(NOTIFY_MODES)}.")
    return session_id, context, mode
