"""The asynchronous actions (ProcessMedia, PullUpload, EditMedia, the AIGC tasks...), the
two-step upload and the task lookups: parameters as the SDK's request model declares them,
a call to the backend, the fields its response model has."""

from __future__ import annotations

from typing import Any

from ..core.backend import VodBackend
from ..core.operations import APPLY_UPLOAD, COMMIT_UPLOAD, DESCRIBE_TASK_DETAIL, DESCRIBE_TASKS
from ..events.catalog import TASK_ACTIONS
from .actions import Action, Answer, Handler, Params
from .parameters import RequestModel


def _answered(response_model: str) -> dict[str, Any]:
    """A response model's fields, empty: each as the SDK reads an absent value."""
    from ..events.schema import load_schema

    fields = load_schema().models[response_model]
    return {name: [] if field.is_list else "" if field.type == "string" else None
            for name, field in fields.items() if name != "RequestId"}


def _task_handler(action: str, response_model: str) -> Handler:
    async def start(backend: VodBackend, params: Params, request_id: str) -> Answer:
        tasks = await backend.start_task(params.get("SubAppId"), action, params,
                                         f"{action} {request_id}")
        fields = _answered(response_model)
        if "TaskId" in fields:
            fields["TaskId"] = tasks[0].task_id
        return Answer(fields)

    return start


async def apply_upload(backend: VodBackend, params: Params, request_id: str) -> Answer:
    return Answer(await backend.apply_upload(params.get("SubAppId"), params))


async def commit_upload(backend: VodBackend, params: Params, request_id: str) -> Answer:
    return Answer(await backend.commit_upload(params.get("SubAppId"), params["VodSessionKey"],
                                              f"{COMMIT_UPLOAD} {request_id}"))


async def describe_task_detail(backend: VodBackend, params: Params, request_id: str) -> Answer:
    await backend.load_factory()
    return Answer(backend.describe_task_detail(params.get("SubAppId"), params["TaskId"]))


async def describe_tasks(backend: VodBackend, params: Params, request_id: str) -> Answer:
    tasks, token = backend.describe_tasks(params.get("SubAppId"), params)
    return Answer({"TaskSet": tasks, "ScrollToken": token})


def task_actions() -> dict[str, Action]:
    actions = {
        name: Action(RequestModel(f"{name}Request", kind.required),
                     _task_handler(name, f"{name}Response"))
        for name, kind in TASK_ACTIONS.items()
    }
    actions[APPLY_UPLOAD] = Action(RequestModel("ApplyUploadRequest", ("MediaType",)),
                                   apply_upload)
    actions[COMMIT_UPLOAD] = Action(RequestModel("CommitUploadRequest", ("VodSessionKey",)),
                                    commit_upload)
    actions[DESCRIBE_TASK_DETAIL] = Action(
        RequestModel("DescribeTaskDetailRequest", ("TaskId",)), describe_task_detail)
    actions[DESCRIBE_TASKS] = Action(RequestModel("DescribeTasksRequest"), describe_tasks)
    return actions
