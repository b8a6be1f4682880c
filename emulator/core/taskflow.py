"""Starting the tasks the asynchronous actions ask for, and sending what they send.

An accepted request becomes a ``Task`` whose whole detail is made at once; its events are
scheduled on the emulator clock (the procedure's start and each sub-task's end with
``TasksNotifyMode: Change``, the end always, nothing with ``None``) and routed like any
other event when they fall due. The upload actions make files: ``PullUpload`` as a task
(NewFileUpload, then PullComplete), ``ApplyUpload`` + ``CommitUpload`` at once (the bytes
never travel: the commit makes the file from what the application asked for).
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..base.echo import shown
from ..events.catalog import FINISH, PROCEDURE, PROCESSING, TASK_ACTIONS
from .clock import Clock
from .errors import (
    InvalidParameterValue,
    InvalidParameterValueFileId,
    InvalidParameterValueFileIdsEmpty,
    InvalidParameterValueFileIdsTooMany,
    InvalidParameterValueOf,
)
from .faults import Faults
from .ids import SubAppId
from .media import MediaLibrary
from .mediaquery import parse_time
from .scheduler import Scheduler
from .tasks import (
    REPEATED_SESSION_ID,
    TASK_SECONDS,
    TASK_STATES,
    WAIT_SECONDS,
    Task,
    TaskBook,
    check_session,
)

if TYPE_CHECKING:
    from ..events import EventFactory
    from ..events import vocabulary as v
    from ..events.tasks import TaskFacts

Route = Callable[[SubAppId, dict[str, Any], str], str]
"""Routes one event payload (with what caused it); answers the event's id."""

UPLOAD_NOTICE_SECONDS = 1.0
"""How long after a CommitUpload its NewFileUpload follows, in emulator seconds."""
UPLOAD_SESSION_SECONDS = 3 * 86400
"""How long an ApplyUpload's VodSessionKey can be committed (the docs: three days)."""
# RestoreMedia's tiers, and how long each takes (its description: 5 minutes, 5 hours...).
# RestoreMedia's tiers by the file's storage class, and how long each takes (its
# RestoreTier's description: Expedited 5 minutes, Standard 5 hours, Bulk 12 hours from
# ARCHIVE; Standard 24 hours, Bulk 48 hours from DEEP_ARCHIVE).
_RESTORE_SECONDS = {
    "ARCHIVE": {"Expedited": 300.0, "Standard": 5 * 3600.0, "Bulk": 12 * 3600.0},
    "DEEP_ARCHIVE": {"Standard": 24 * 3600.0, "Bulk": 48 * 3600.0},
}
_RESTORE_TIERS = ("Expedited", "Standard", "Bulk")
MAX_RESTORE_FILES = 100  # RestoreMediaRequest.FileIds: "最大长度：100"
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_URL_PARAMETERS = {"PullUpload": "MediaUrl", "ExtractTraceWatermark": "Url",
                   "ExtractCopyRightWatermark": "Url"}


@dataclass
class UploadSession:
    media_type: str
    media_name: str
    cover_type: str
    storage_path: str
    expires: float
    asked: Mapping[str, Any]  # the ApplyUpload's parameters


class TaskFlow:
    def __init__(self, clock: Clock, scheduler: Scheduler, media: MediaLibrary, faults: Faults,
                 route: Route, seed: int) -> None:
        self.clock, self.scheduler, self.media, self.faults = clock, scheduler, media, faults
        self.route = route
        self.book = TaskBook()
        self._seed = seed
        self._uploads: dict[tuple[SubAppId, str], UploadSession] = {}
        self.reseed()
        self.task_seconds = dict(TASK_SECONDS)  # the settings' task_durations
        self.repeated_session_id = REPEATED_SESSION_ID[0]  # the setting's

    def reseed(self) -> None:
        self._rng = random.Random(f"tasks/{self._seed}")

    def clear(self) -> None:
        self.book.clear()
        self._uploads.clear()
        self.reseed()

    def forget(self, sub_app_id: SubAppId) -> None:
        self.book.forget(sub_app_id)
        self._uploads = {key: session for key, session in self._uploads.items()
                         if key[0] != sub_app_id}

    # ----- starting

    def start(self, factory: EventFactory, sub_app_id: SubAppId, action: str,
              params: Mapping[str, Any], caused_by: str) -> list[Task]:
        """Accept one asynchronous action: its task (RestoreMedia: one per file), each
        with its events scheduled. A refused request starts nothing."""
        from ..events import tasks as payloads  # the event machinery, loaded on first use
        from ..events import vocabulary as v

        session_id, context, mode = check_session(params)
        name = _URL_PARAMETERS.get(action)
        if name is not None and not _URL.fullmatch(params.get(name) or ""):
            raise InvalidParameterValueOf(
                name, f"{name} must be an http or https URL, got {shown(params.get(name))}.")
        if action == "EditMedia":
            given = "FileInfos" if params.get("InputType") == "File" else "StreamInfos"
            if not params.get(given):
                raise InvalidParameterValue(
                    f"InputType {params.get('InputType')} edits the {given} given: give one.")
        now = self.clock.now()
        if session_id:
            first = self.book.by_session(sub_app_id, session_id, now)
            if first is not None and self.repeated_session_id == "first_task":
                return [first]  # answered as the first request was; nothing starts
            if first is not None:
                raise InvalidParameterValueOf(
                    "SessionId", f"SessionId {shown(session_id)} was used by task "
                    f"{first.task_id}: this request was de-duplicated.")
        file_ids = self._files_worked_on(factory, sub_app_id, action, params)
        failure, extra = self._faults(action, sub_app_id)
        tasks = []
        for file_id in file_ids:
            task_type = TASK_ACTIONS[action].task_type
            task_id = v.new_task_id(self._rng, factory.app_id, task_type)
            begins = now + WAIT_SECONDS
            storage_class = (self._storage_class(factory, sub_app_id, file_id)
                             if action == "RestoreMedia" and file_id is not None else "")
            finishes = begins + self._seconds(task_type, params, storage_class) + extra
            basic = meta = None
            upload = None
            if action == "PullUpload":
                file_id = v.new_file_id(self._rng)
                upload = payloads.new_upload(
                    factory, random.Random(f"upload/{task_id}"), file_id,
                    params.get("MediaName"),
                    params.get("MediaType") or _extension(params["MediaUrl"]), finishes, params)
                basic, meta = upload.get("MediaBasicInfo"), upload.get("MetaData")
            elif file_id is not None:
                info = self.media.media_info(sub_app_id, file_id, factory)
                assert info is not None
                basic, meta = info["BasicInfo"], info["MetaData"]
            facts = payloads.TaskFacts(action, task_id, params, now, begins, finishes, file_id,
                                       basic, meta, failure)
            if upload is not None and failure is not None:
                file_id = None  # a failed pull makes no file
            task = Task(sub_app_id, task_id, action, now, begins, finishes,
                        _detail_maker(factory, facts, upload),
                        dict(params), file_id, session_id, context, mode, failure is not None,
                        caused_by, facts=facts)
            self.book.add(task)
            self._schedule(factory, task, upload)
            tasks.append(task)
        return tasks

    def _files_worked_on(self, factory: EventFactory, sub_app_id: SubAppId, action: str,
                         params: Mapping[str, Any]) -> list[str | None]:
        """The file each task works on (RestoreMedia: one task per file); every one must be
        known to the library."""
        file_ids: list[str | None]
        if action == "RestoreMedia":
            file_ids = list(dict.fromkeys(params.get("FileIds") or []))
            if not file_ids:
                raise InvalidParameterValueFileIdsEmpty("FileIds must name a file.")
            if len(file_ids) > MAX_RESTORE_FILES:
                raise InvalidParameterValueFileIdsTooMany(
                    f"FileIds names at most {MAX_RESTORE_FILES} files.")
        else:
            file_id = params.get("FileId")
            if file_id == "":
                raise InvalidParameterValueFileId("FileId must name a file, not be empty.")
            file_ids = [file_id if isinstance(file_id, str) else None]
        for file_id in (*file_ids, *_named_files(params)):
            if file_id is not None and not self.media.knows(sub_app_id, file_id):
                raise InvalidParameterValueFileId(f"FileId {shown(file_id)} does not exist.")
        if action == "RestoreMedia":
            self._check_restore(factory, sub_app_id, file_ids, params)
        return file_ids

    def _check_restore(self, factory: EventFactory, sub_app_id: SubAppId,
                       file_ids: list[str | None], params: Mapping[str, Any]) -> None:
        """RestoreMedia: a positive RestoreDay, a known tier, each file archived in a class
        that tier can restore from."""
        day, tier = params.get("RestoreDay"), params.get("RestoreTier")
        if day is not None and day <= 0:
            raise InvalidParameterValueOf(
                "RestoreDay", f"RestoreDay must be more than 0, got {day}.")
        if tier is not None and tier not in _RESTORE_TIERS:
            raise InvalidParameterValueOf(
                "RestoreTier", f"RestoreTier is one of {', '.join(_RESTORE_TIERS)}, "
                f"got {shown(tier)}.")
        for file_id in file_ids:
            assert file_id is not None
            storage_class = self._storage_class(factory, sub_app_id, file_id)
            if storage_class not in _RESTORE_SECONDS:
                raise InvalidParameterValueOf(
                    "NotRestorable", f"File {file_id} is in {shown(storage_class)} storage, "
                    "not ARCHIVE or DEEP_ARCHIVE: there is nothing to restore.")
            if tier is not None and tier not in _RESTORE_SECONDS[storage_class]:
                raise InvalidParameterValueOf(
                    "UnsupportedRestoreTier", f"File {file_id} is in {storage_class} "
                    f"storage, which {tier} does not restore from.")

    def _storage_class(self, factory: EventFactory, sub_app_id: SubAppId,
                       file_id: str) -> str:
        info = self.media.media_info(sub_app_id, file_id, factory)
        basic = (info or {}).get("BasicInfo") or {}
        return str(basic.get("StorageClass") or "STANDARD")

    def _faults(self, action: str, sub_app_id: SubAppId) -> tuple[v.Failure | None, float]:
        from ..events import vocabulary as v  # the event machinery, loaded on first use

        if not self.faults.active:
            return None, 0.0
        failure = None
        rule = self.faults.take(action, ("fail_task",), sub_app_id)
        if rule is not None:
            # No code given: an empty ErrCodeExt, for the payload to say the failure its
            # model lists (events/tasks.py).
            code = rule.given.get("code", "")
            default = v.FAILURES[0]
            known = next((f for f in v.FAILURES if f.code_ext == (code or default.code_ext)),
                         None)
            failure = v.Failure(known.code if known else default.code, code,
                                rule.given.get("message", known.message if known
                                               else f"{code} (injected by fault {rule.id})"))
        slow = self.faults.take(action, ("slow_task",), sub_app_id)
        return failure, float(slow.given["seconds"]) if slow is not None else 0.0

    def _seconds(self, task_type: str, params: Mapping[str, Any],
                 storage_class: str = "") -> float:
        """How long a task processes: its tier's time for a RestoreMedia that names one,
        else its kind's (the task_seconds setting)."""
        tiers = _RESTORE_SECONDS.get(storage_class, {})
        if task_type == "RestoreMedia" and params.get("RestoreTier") in tiers:
            return tiers[params["RestoreTier"]]
        return self.task_seconds[task_type]

    # ----- what a task sends, and when

    def _schedule(self, factory: EventFactory, task: Task,
                  upload: dict[str, Any] | None) -> None:
        from ..events import tasks as payloads  # the event machinery, loaded on first use

        event_type, _ = payloads.event_model(factory.schema, task.action)
        member = factory.schema.member_of(event_type)[0]
        sub_app_id = task.sub_app_id
        # Scheduled as partials of methods, not closures: what is scheduled is part of
        # the state a snapshot or the state file keeps, so it must be picklable.
        if task.notify_mode == "Change" and task.task_type == PROCEDURE:
            steps = payloads.sub_task_count(task.detail)
            span = task.finishes - task.begins
            progress = [(task.begins, payloads.in_progress(task.detail, PROCESSING, 0))]
            progress += [(task.begins + span * settled / steps, payloads.in_progress(
                task.detail, PROCESSING, 100 * settled // steps, settled))
                for settled in range(1, steps)]
            for at, detail in progress:
                self.scheduler.at(at, sub_app_id, partial(
                    self._notify, task, {"EventType": event_type, member: detail}))
        self.scheduler.at(task.finishes, sub_app_id,
                          partial(self._finish, factory, task, upload, event_type, member))

    def _notify(self, task: Task, content: dict[str, Any]) -> None:
        """Route one of the task's events."""
        caused_by = f"{task.caused_by} task {task.task_id}"
        task.events.append(self.route(task.sub_app_id, content, caused_by))

    def _finish(self, factory: EventFactory, task: Task, upload: dict[str, Any] | None,
                event_type: str, member: str) -> None:
        """The task's end: its files made, its last event routed."""
        from ..events import vocabulary as v  # the event machinery, loaded on first use

        sub_app_id = task.sub_app_id
        if task.file_id and not task.failed and task.action != "PullUpload" and not (
                self.media.knows(sub_app_id, task.file_id)):
            self._fail(factory, task, v.FAILURES[-1])  # its file was deleted meanwhile
        if not task.failed:
            if upload is not None:
                self._notify(task, {"EventType": "NewFileUpload", "FileUploadEvent": upload})
            self._add_made_files(task)
            if task.notify_mode == "None" and task.task_type == PROCEDURE:
                # No event, but the outputs are made all the same.
                self.media.add_outputs(sub_app_id, task.detail)
        if task.notify_mode != "None":
            self._notify(task, {"EventType": event_type, member: task.detail})
        task.forget_detail()  # its event holds it encoded; a lookup makes it again

    def _fail(self, factory: EventFactory, task: Task, failure: v.Failure) -> None:
        """The task ends in ``failure`` after all (what it would have made, it does not)."""

        if task.facts is None:
            return
        task.facts = replace(task.facts, failure=failure)
        task.make_detail = _detail_maker(factory, task.facts, None)
        task.forget_detail()
        task.failed = True

    def _add_made_files(self, task: Task) -> None:
        """The files a task made that its event names where the library does not look
        (SplitMedia's FileInfoSet, an AIGC task's Permanent Output.FileInfos): known, as
        the event describes them, when it ends."""
        for info in task.detail.get("FileInfoSet") or []:
            output = info.get("Output") if isinstance(info, dict) else None
            if isinstance(output, dict) and output.get("FileId"):
                basic = output.get("MediaBasicInfo")
                self.media.add(task.sub_app_id, output["FileId"],
                               dict(basic) if isinstance(basic, dict) else None, None,
                               task.finishes)
        output = task.detail.get("Output")
        for made in (output.get("FileInfos") or []) if isinstance(output, dict) else []:
            if isinstance(made, dict) and isinstance(made.get("FileId"), str) and made[
                    "FileId"]:
                basic = {name: made[told] for name, told in (
                    ("Name", "MediaName"), ("Type", "FileType"), ("MediaUrl", "FileUrl"),
                    ("ClassId", "ClassId"), ("ExpireTime", "ExpireTime"))
                    if made.get(told) is not None}
                meta = made.get("MetaData")
                self.media.add(task.sub_app_id, made["FileId"], basic,
                               dict(meta) if isinstance(meta, dict) else None, task.finishes)

    # ----- looking

    def describe(self, factory: EventFactory, task: Task) -> dict[str, Any]:
        """DescribeTaskDetail's fields for ``task`` as it stands now."""
        from ..events import tasks as payloads  # the event machinery, loaded on first use

        now = self.clock.now()
        action = TASK_ACTIONS[task.action]
        answer: dict[str, Any] = {"TaskType": task.reported_type, "Status": task.status(now),
                                  **task.times(now)}
        field = factory.schema.models["DescribeTaskDetailResponse"].get(action.detail_field)
        if field is None or field.model is None:
            return answer  # a kind DescribeTaskDetail has no detail for (RestoreMedia)
        detail = task.detail_at(now)
        if field.model != payloads.event_model(factory.schema, task.action)[1]:
            # The lookup's model differs from the event's (ProcessImageAsync): made alike,
            # from the same facts (its failure too), as it stands now.
            facts = task.facts or payloads.TaskFacts(
                task.action, task.task_id, task.request, task.created, task.begins,
                task.finishes, task.file_id)
            detail = payloads.task_detail(factory, facts, field.model)
            status = task.status(now)
            if status != FINISH:
                detail = payloads.in_progress(detail, status, task.progress(now),
                                              model=field.model)
        answer[action.detail_field] = detail
        return answer

    def search(self, sub_app_id: SubAppId, params: Mapping[str, Any],
               most: int) -> tuple[list[dict[str, Any]], str]:
        """DescribeTasks: the tasks matching the filters, in the order asked (CreateTime
        or FinishTime, newest first by default), a page at a time."""
        now = self.clock.now()
        query = _task_query(params, most)
        tasks = [task for task in self.book.tasks(now, sub_app_id) if query.matches(task, now)]
        # Started at the same moment: in the order they were started (or its reverse).
        order = {id(task): index for index, task in enumerate(tasks)}
        tasks.sort(key=lambda task: (query.sort_key(task), order[id(task)]),
                   reverse=query.descending)
        page = tasks[query.start:query.start + query.limit]
        more = query.start + query.limit < len(tasks)
        return ([task.simple_info(now) for task in page],
                _scroll_token(query.start + query.limit) if more else "")

    # ----- the two-step upload

    def apply_upload(self, factory: EventFactory, sub_app_id: SubAppId,
                     params: Mapping[str, Any]) -> dict[str, Any]:
        """ApplyUpload: where the bytes would go, and the session to commit."""
        from ..events import vocabulary as v  # the event machinery, loaded on first use

        media_type = params["MediaType"]
        path = v.new_path(self._rng)
        key = secrets.token_hex(16)  # unguessable, like the real one; never in a payload
        region = params.get("StorageRegion") or "ap-guangzhou"
        self._uploads[sub_app_id, key] = UploadSession(
            media_type, params.get("MediaName") or "", params.get("CoverType") or "",
            path, self.clock.now() + UPLOAD_SESSION_SECONDS,
            {**params, "StorageRegion": region})
        bucket = f"{_hex(self._rng, 8)}-{factory.app_id}"
        cover = params.get("CoverType")
        return {
            "StorageBucket": bucket, "StorageRegion": region, "VodSessionKey": key,
            "MediaStoragePath": f"/{path}/f0.{media_type}",
            "CoverStoragePath": f"/{path}/cover.{cover}" if cover else "",
            "TempCertificate": {"SecretId": f"AKID{_hex(self._rng, 32)}",
                                "SecretKey": _hex(self._rng, 32), "Token": _hex(self._rng, 64),
                                "ExpiredTime": int(self.clock.now()) + 3600},
        }

    def commit_upload(self, factory: EventFactory, sub_app_id: SubAppId,
                      session_key: str, caused_by: str) -> dict[str, Any]:
        """CommitUpload: the file exists at once (DescribeMediaInfos knows it); its
        NewFileUpload follows ``UPLOAD_NOTICE_SECONDS`` later."""
        from ..events import tasks as payloads  # the event machinery, loaded on first use
        from ..events import vocabulary as v

        session = self._uploads.pop((sub_app_id, session_key), None)
        now = self.clock.now()
        if session is None or session.expires <= now:
            raise InvalidParameterValueOf(
                "VodSessionKey", f"VodSessionKey {shown(session_key)} is unknown, expired "
                "or committed already.")
        file_id = v.new_file_id(self._rng)
        upload = payloads.new_upload(
            factory, random.Random(f"upload/{sub_app_id}/{file_id}"), file_id,
            session.media_name, session.media_type, now, session.asked, session.storage_path)
        basic = upload["MediaBasicInfo"]
        self.media.add(sub_app_id, file_id, basic, upload.get("MetaData"), now)
        content = {"EventType": "NewFileUpload", "FileUploadEvent": upload}
        self.scheduler.at(now + UPLOAD_NOTICE_SECONDS, sub_app_id,
                          partial(self.route, sub_app_id, content, caused_by))
        return {"FileId": file_id, "MediaUrl": basic.get("MediaUrl", ""),
                "CoverUrl": basic.get("CoverUrl", "")}


def _named_files(params: Mapping[str, Any], depth: int = 0) -> list[str]:
    """Every file a request names inside its objects and lists (EditMedia's
    ``FileInfos.N.FileId``, an AIGC task's reference files, ``LastFrameFileId``...)."""
    named: list[str] = []
    for name, value in params.items():
        if isinstance(value, str) and value and name.endswith("FileId") and depth:
            named.append(value)
        elif name == "LastFrameFileId" and isinstance(value, str) and value:
            named.append(value)
        elif depth < 16:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    named.extend(_named_files(item, depth + 1))
    return named


def _detail_maker(factory: EventFactory, facts: TaskFacts,
                  upload: dict[str, Any] | None) -> Callable[[], dict[str, Any]]:
    """What makes a task's detail when it is first needed (a partial, not a closure: it
    is kept with the state)."""
    return partial(_make_detail, factory, facts, upload)


def _make_detail(factory: EventFactory, facts: TaskFacts,
                 upload: dict[str, Any] | None) -> dict[str, Any]:
    """A task's detail; a pull's names the file it made (none if it failed), and no
    procedure or review it did not start."""
    from ..events import tasks as payloads  # the event machinery, loaded on first use

    detail = payloads.task_detail(factory, facts)
    if upload is None:
        return detail
    detail.update(ProcedureTaskId="", ReviewAudioVideoTaskId="")
    if facts.failure is None:
        for name in ("MediaBasicInfo", "MetaData"):
            detail[name] = upload.get(name)
        detail["FileUrl"] = (upload.get("MediaBasicInfo") or {}).get("MediaUrl", "")
    else:
        detail.update(FileId="", FileUrl="", MediaBasicInfo=None, MetaData=None)
    return detail


def _extension(url: str) -> str | None:
    """A URL's file extension (``clip.MOV`` -> ``mov``), if it has a plausible one."""
    name = urlsplit(url).path.rpartition("/")[2]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and ext.isalnum() and len(ext) <= 5 else None


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


@dataclass(frozen=True)
class _TaskQuery:
    status: str | None
    file_id: str | None
    ranges: tuple[tuple[str, float | None, float | None], ...]  # field, after, before
    sort_field: str
    descending: bool
    start: int
    limit: int

    def matches(self, task: Task, now: float) -> bool:
        if self.status is not None and task.status(now) != self.status:
            return False
        if self.file_id is not None and task.file_id != self.file_id:
            return False
        for name, after, before in self.ranges:
            moment = task.created if name == "CreateTime" else task.finishes
            if name == "FinishTime" and task.status(now) != FINISH:
                return False
            if (after is not None and moment < after) or (
                    before is not None and moment >= before):
                return False
        return True

    def sort_key(self, task: Task) -> float:
        return task.created if self.sort_field == "CreateTime" else task.finishes


_SCROLL_PREFIX = "scroll-"
_SORT_FIELDS = ("CreateTime", "FinishTime")


def _scroll_token(start: int) -> str:
    return f"{_SCROLL_PREFIX}{start}"


def _task_query(params: Mapping[str, Any], most: int) -> _TaskQuery:
    status = params.get("Status") or None
    if status is not None and status not in TASK_STATES:
        raise InvalidParameterValueOf(
            "Status", f"Status must be one of {', '.join(TASK_STATES)}, got {shown(status)}.")
    ranges = []
    for name in _SORT_FIELDS:
        bounds = params.get(name) or {}
        after, before = (parse_time(f"{name}.{end}", bounds[end]) if bounds.get(end) else None
                         for end in ("After", "Before"))
        if after is not None or before is not None:
            ranges.append((name, after, before))
    sort = params.get("Sort") or {}
    field = sort.get("Field") or "CreateTime"
    order = sort.get("Order") or "Desc"
    if field not in _SORT_FIELDS or order not in ("Asc", "Desc"):
        raise InvalidParameterValueOf(
            "Sort", "Sort.Field is CreateTime or FinishTime, Sort.Order Asc or Desc.")
    limit = params.get("Limit", 10)
    if not 1 <= limit <= most:
        raise InvalidParameterValueOf("Limit", f"Limit must be between 1 and {most}.")
    token = params.get("ScrollToken") or ""
    start = 0
    if token:
        digits = token.removeprefix(_SCROLL_PREFIX)
        if not (token.startswith(_SCROLL_PREFIX) and digits.isdigit() and len(digits) < 10):
            raise InvalidParameterValue(f"ScrollToken {shown(token)} is not one DescribeTasks "
                                        "answered.")
        start = int(digits)
    return _TaskQuery(status, params.get("FileId") or None, tuple(ranges), field,
                      order == "Desc", start, limit)
