"""The façade's media library and tasks: DescribeMediaInfos, DeleteMedia, ModifyMediaInfo,
SearchMedia, the asynchronous actions and their lookups, and the admin API's looks at
files and tasks. A part of ``VodBackend`` (its base class), apart for size: it uses the
backend's clock, scheduler, factory, routing and slicing, declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ..base.echo import shown
from .clock import Clock
from .errors import InvalidParameterValueFileId, InvalidParameterValueOf
from .event import EmittedEvent
from .ids import ANY_APP, AppFilter, SubAppId
from .media import (
    DELETE_NOTICE_SECONDS,
    MediaLibrary,
    MediaSearch,
    check_changes,
    check_delete_parts,
    check_file_ids,
    file_deleted_event,
)
from .mediaquery import check_query, parts_of
from .scheduler import Scheduler
from .taskflow import TaskFlow
from .tasks import DESCRIBE_TASKS_LIMIT, Task

if TYPE_CHECKING:
    from ..events import EventFactory

T = TypeVar("T")


class MediaAndTasks:
    clock: Clock
    scheduler: Scheduler
    media: MediaLibrary
    tasks: TaskFlow

    if TYPE_CHECKING:  # the backend's own
        @property
        def factory(self) -> EventFactory: ...

        async def load_factory(self) -> EventFactory: ...

        def now(self) -> float: ...

        def _route(self, sub_app_id: SubAppId, content: dict[str, Any],
                   caused_by: str | None = None) -> EmittedEvent: ...

        async def in_slices(self, items: Iterable[T], work: str,
                            done_by_then: Callable[[int], str] | None = None) -> list[T]: ...

        async def change_clock_in_slices(self, advance: float | None = None,
                                         freeze: bool | None = None,
                                         scale: float | None = None) -> None: ...

    # ----- the media library's actions

    def media_infos(self, sub_app_id: SubAppId, file_ids: list[str],
                    filters: list[str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
        """DescribeMediaInfos: the MediaInfo of each known file (only the parts ``filters``
        names), and the ids the library does not know."""
        wanted, parts = check_file_ids(file_ids), parts_of(filters)
        self.scheduler.run_due()
        return self.media.describe(sub_app_id, wanted, parts, self.factory)

    def delete_media(self, sub_app_id: SubAppId, file_id: str,
                     delete_parts: list[dict[str, Any]] | None = None,
                     caused_by: str | None = None) -> None:
        """DeleteMedia: answered at once; the FileDeleted event follows
        ``DELETE_NOTICE_SECONDS`` of emulator time later, routed like any event (the
        library drops the file then). InvalidParameterValueFileId if the library does not
        know the file."""
        types = self.factory.schema.models["MediaDeleteItem"]["Type"].enum
        parts = check_delete_parts(delete_parts or [], types)
        self.scheduler.run_due()
        if not self.media.knows(sub_app_id, file_id):
            raise InvalidParameterValueFileId(f"FileId {shown(file_id)} does not exist.")
        content = file_deleted_event(file_id, parts)
        self.scheduler.at(self.clock.now() + DELETE_NOTICE_SECONDS, sub_app_id,
                          partial(self._route, sub_app_id, content, caused_by))

    def modify_media_info(self, sub_app_id: SubAppId, file_id: str,
                          params: Mapping[str, Any]) -> str:
        """ModifyMediaInfo: change the file's BasicInfo (UpdateTime on the emulator clock);
        the CoverUrl made for a CoverData, else ""."""
        changes = check_changes(params)
        self.scheduler.run_due()
        return self.media.modify(sub_app_id, file_id, changes, self.factory, self.now())

    async def search_media(self, sub_app_id: SubAppId,
                           params: Mapping[str, Any]) -> tuple[int, list[dict[str, Any]]]:
        """SearchMedia: how many files match, and the page of them asked for, ordered by
        CreateTime. Every file is matched in slices: the loop is never held long."""
        query = check_query(params)
        factory = await self.load_factory()
        self.scheduler.run_due()
        search = MediaSearch(self.media, sub_app_id, query, factory)
        await self.in_slices(search.batches(), "search")
        infos = await self.in_slices(search.page(), "search")
        return search.matched, [info for info in infos if info is not None]

    # ----- the asynchronous actions and their tasks

    async def start_task(self, sub_app_id: SubAppId, action: str, params: Mapping[str, Any],
                         caused_by: str) -> list[Task]:
        """An asynchronous action accepted: its task (RestoreMedia: one per file), whose
        events follow on the emulator clock. ``caused_by`` names the request."""
        factory = await self.load_factory()
        self.scheduler.run_due()
        return self.tasks.start(factory, sub_app_id, action, params, caused_by)

    def task(self, sub_app_id: SubAppId, task_id: str) -> Task | None:
        self.scheduler.run_due()
        return self.tasks.book.find(sub_app_id, task_id, self.clock.now())

    def describe_task_detail(self, sub_app_id: SubAppId, task_id: str) -> dict[str, Any]:
        """DescribeTaskDetail's fields; InvalidParameterValue.TaskId for an unknown task."""
        task = self.task(sub_app_id, task_id)
        if task is None:
            raise InvalidParameterValueOf("TaskId", f"TaskId {shown(task_id)} does not exist.")
        return self.tasks.describe(self.factory, task)

    def describe_tasks(self, sub_app_id: SubAppId,
                       params: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
        """DescribeTasks: a page of TaskSimpleInfo, newest first by default, and the
        ScrollToken of the next page ("" when there is none)."""
        self.scheduler.run_due()
        return self.tasks.search(sub_app_id, params, DESCRIBE_TASKS_LIMIT)

    def task_list(self, sub_app_id: AppFilter = ANY_APP,
                  status: str | None = None) -> list[Task]:
        """The tasks (of one application or all), oldest first, optionally in one state."""
        self.scheduler.run_due()
        now = self.clock.now()
        tasks = self.tasks.book.tasks(now, sub_app_id)
        return [task for task in tasks if status is None or task.status(now) == status]

    async def finish_tasks(self) -> float:
        """Advance the clock until no task is running (their events sent, in slices); the
        emulator seconds it took."""
        now = self.clock.now()
        last = max((task.finishes for task in self.tasks.book.running(now)), default=now)
        seconds = max(0.0, last - now)
        await self.change_clock_in_slices(advance=seconds if seconds else None)
        return seconds

    async def apply_upload(self, sub_app_id: SubAppId, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.tasks.apply_upload(await self.load_factory(), sub_app_id, params)

    async def commit_upload(self, sub_app_id: SubAppId, session_key: str,
                            caused_by: str) -> dict[str, Any]:
        factory = await self.load_factory()
        self.scheduler.run_due()
        return self.tasks.commit_upload(factory, sub_app_id, session_key, caused_by)

    # ----- looking at files

    def media_file_ids(self, sub_app_id: SubAppId) -> list[str]:
        """The files the application's media library knows, oldest first."""
        return self.media.file_ids(sub_app_id)

    def media_file(self, sub_app_id: SubAppId, file_id: str) -> dict[str, Any] | None:
        """One file's whole MediaInfo; None if the library does not know it."""
        self.scheduler.run_due()  # a deletion due by now has happened
        return self.media.media_info(sub_app_id, file_id, self.factory)

    def media_files(self, sub_app_id: SubAppId,
                    limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """The application's files, newest known first (at most ``limit``), each's whole
        MediaInfo; and how many the library knows."""
        self.scheduler.run_due()  # a deletion due by now has happened
        return self.media.newest(sub_app_id, limit, self.factory)

    def seed_media(self, sub_app_id: SubAppId, file_id: str | None = None,
                   basic_info: Mapping[str, Any] | None = None,
                   meta_data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Add a file to the media library without an event (replacing one of the same
        FileId): its parts made as for a file an event named, the fields given replacing
        theirs; a new FileId if none is given. EventInputError, and nothing added, if a
        part does not fit the SDK's MediaBasicInfo or MediaMetaData. Its MediaInfo."""
        return self.media.seed(sub_app_id, file_id, basic_info or {}, meta_data or {},
                               self.factory, self.clock.now())
