"""The payloads of the tasks the asynchronous actions start: a task's detail as its
completion event carries it (and DescribeTaskDetail answers it), made from the request.

A detail is made once, when the action is accepted: the fields the request gave are echoed
where the task's model has them (at its top, or in its ``Input``), the ids are the task's
own, and what was asked for is what comes out (one transcode per requested Definition,
one snapshot per requested template...); the rest is generated like any event's, by a
generator seeded by the task's id, so the same seed gives the same details.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..base.times import iso8601
from . import vocabulary as v
from .catalog import FINISH, PROCEDURE, PROCESSING, TASK_ACTIONS, WAITING
from .context import Context, new_context
from .factory import EventFactory
from .schema import EventInputError, Field, Schema

# Fields never echoed from a request: they are the call's, not the task's.
_NOT_ECHOED = frozenset({"SubAppId", "ExtInfo"})
_INPUT = frozenset({"Input"})  # a sub-task's Input is the request's item, not made
# What a task says of a field its request could give but did not: the API's default,
# never a made-up value (a SessionContext the application never sent...).
_UNGIVEN = {"SessionContext": "", "SessionId": "", "TasksPriority": 0,
            "TasksNotifyMode": "Finish"}
_TEMPORARY_SECONDS = 7 * 86400.0  # an AIGC task's Temporary output: "有效期 7 天"
# A request's field and the name its task's Input gives it.
_INPUT_NAMES = {"FileInfos": "FileInfoSet", "StreamInfos": "StreamInfoSet"}
_RESULT_SETS = ("MediaProcessResultSet", "AiContentReviewResultSet", "AiAnalysisResultSet",
                "AiRecognitionResultSet")
# A procedure's AI tasks: the request's parameter, and the result set that answers it.
_AI_TASKS = {"AiContentReviewTask": "AiContentReviewResultSet",
             "AiAnalysisTask": "AiAnalysisResultSet",
             "AiRecognitionTask": "AiRecognitionResultSet"}


@dataclass(frozen=True)
class TaskFacts:
    """What a task's detail is made from."""

    action: str
    task_id: str
    request: Mapping[str, Any]
    created: float
    begins: float
    finishes: float
    file_id: str | None = None  # the file the task works on (or makes: PullUpload)
    basic_info: Mapping[str, Any] | None = None  # that file's, as the library holds it
    meta_data: Mapping[str, Any] | None = None
    failure: v.Failure | None = None  # None: it succeeds


def event_model(schema: Schema, action: str) -> tuple[str, str]:
    """The completion event's type and the model of its member."""
    event_type = TASK_ACTIONS[action].event_type
    return event_type, schema.member_of(event_type)[1]


def task_detail(factory: EventFactory, facts: TaskFacts,
                model: str | None = None) -> dict[str, Any]:
    """The task's detail as it ends (FINISH, or its failure), in ``model`` (by default
    its completion event's member)."""
    schema = factory.schema
    model = model or event_model(schema, facts.action)[1]
    context = _context(factory, facts, model)
    fields = schema.models[model]
    echoed = {name: value for name, value in facts.request.items()
              if name in fields and name not in _NOT_ECHOED
              and _fits(schema, value, fields[name])}
    detail = factory.model(model, context, skip=_made_here(facts, fields, echoed))
    _set_outcome(detail, fields, facts.failure, whole_task=True)
    for name, value in echoed.items():
        detail[name] = copy.deepcopy(value)
    asked = schema.models.get(f"{facts.action}Request", {})
    for name, default in _UNGIVEN.items():
        if name in fields and name in asked and name not in facts.request:
            detail[name] = default
    if "TaskId" in fields:
        detail["TaskId"] = facts.task_id
    if facts.file_id is not None and "FileId" in fields:
        detail["FileId"] = facts.file_id
    input_field = fields.get("Input")
    if input_field is not None and input_field.model is not None and not input_field.is_list:
        detail["Input"] = _echo(schema, facts.request, input_field.model, facts.file_id)
    if TASK_ACTIONS[facts.action].task_type == PROCEDURE and "MediaProcessResultSet" in fields:
        _procedure(factory, context, detail, facts)
    _outputs(factory, context, detail, facts, model)
    return detail


def _made_here(facts: TaskFacts, fields: Mapping[str, Field],
               echoed: Mapping[str, Any]) -> frozenset[str]:
    """The fields ``task_detail`` sets itself, whatever the generator would make: the
    request's echo, the Input, and a procedure's results and the file's MetaData."""
    made = set(echoed)
    input_field = fields.get("Input")
    if input_field is not None and input_field.model is not None and not input_field.is_list:
        made.add("Input")
    if (TASK_ACTIONS[facts.action].task_type == PROCEDURE and "MediaProcessResultSet" in fields
            and facts.action != "ProcessMediaByProcedure"):
        made.add("MediaProcessResultSet")
        made.update(result_set for parameter, result_set in _AI_TASKS.items()
                    if parameter not in facts.request)
        if facts.meta_data is not None:
            made.add("MetaData")
    return frozenset(made)


def _outputs(factory: EventFactory, context: Context, detail: dict[str, Any],
             facts: TaskFacts, model: str) -> None:
    """What the task made, as the request asked: an output when it succeeded (none when
    it failed), named and typed as asked; one result per item asked for."""
    schema = factory.schema
    fields = schema.models[model]
    request, failure = facts.request, facts.failure
    output_field = fields.get("Output")
    if output_field is not None and output_field.model is not None and not (
            output_field.is_list):
        if failure is not None:
            detail.pop("Output", None)
        elif not isinstance(detail.get("Output"), dict) or not detail["Output"]:
            # A successful task always has its output (the generator leaves a nullable
            # field out now and then).
            detail["Output"] = factory.model(output_field.model, context)
    output = detail.get("Output")
    wanted = request.get("Output") if facts.action == "ComposeMedia" else request.get(
        "OutputConfig")
    if isinstance(output, dict) and isinstance(wanted, dict) and "MediaName" in (
            schema.models[output_field.model] if output_field and output_field.model else {}):
        _name_output(output, wanted)
    if isinstance(output, dict) and output_field is not None and output_field.model:
        files = schema.models[output_field.model].get("FileInfos")
        if files is not None and files.model and "StorageMode" in schema.models[files.model]:
            output["FileInfos"] = _generated_files(factory, context, files.model, facts)
    if model == "ProcedureTask" and facts.action == "ProcessMediaByUrl":
        # A URL, not a file of the library: named as the request named it.
        source = request.get("InputInfo") or {}
        detail["FileId"] = ""
        detail["FileUrl"] = source.get("Url") or ""
        detail["FileName"] = source.get("Name") or ""
    elif model == "SplitMediaTask":
        detail["FileInfoSet"] = [
            _split_segment(factory, context, segment, facts)
            for segment in request.get("Segments") or [] if isinstance(segment, dict)]
    elif model == "ComplexAdaptiveDynamicStreamingTask":
        detail["ComplexAdaptiveDynamicStreamingTaskResultSet"] = [
            _streaming_result(factory, context, para, failure)
            for para in request.get("StreamParaSet") or [] if isinstance(para, dict)]
    elif model == "RestoreMediaTask":
        original = (facts.basic_info or {}).get("StorageClass")
        if isinstance(original, str) and original:
            # "对于临时取回，目标存储类型与原始存储类型相同" (and RestoreMedia restores for
            # RestoreDay > 0 days: temporarily).
            detail["OriginalStorageClass"] = detail["TargetStorageClass"] = original


def _generated_files(factory: EventFactory, context: Context, model: str,
                     facts: TaskFacts) -> list[dict[str, Any]]:
    """An AIGC task's files, as its OutputConfig asked: as many as asked (one by default;
    a 3D model's obj and glb, and the extra format asked for), stored as asked (Temporary
    by default: a URL for 7 days, no FileId; Permanent: a file of the library, named as
    asked)."""
    request = facts.request
    config = request.get("OutputConfig")
    config = config if isinstance(config, dict) else {}
    mode = config.get("StorageMode") or "Temporary"
    fields = factory.schema.models[model]
    types: list[str | None]
    if facts.action == "CreateAigcHunyuan3DTask":
        extra = request.get("ResultFormat")
        types = ["obj", "glb", *([extra.lower()] if isinstance(extra, str) else [])]
    else:
        count = config.get("OutputImageCount")
        types = [None] * (count if isinstance(count, int) and 1 <= count <= 10 else 1)
    made = []
    for file_type in types:
        info = factory.model(model, context)
        info["StorageMode"] = mode
        if file_type is not None:
            info["FileType"] = file_type
        elif isinstance(config.get("OutputFormat"), str) and "FileType" in fields:
            info["FileType"] = config["OutputFormat"]
        if mode == "Temporary":
            if "FileId" in fields:
                info["FileId"] = ""
            info["ExpireTime"] = iso8601(facts.finishes + _TEMPORARY_SECONDS)
        else:
            info["FileId"] = v.new_file_id(context.rng)
            for name in ("MediaName", "ClassId", "ExpireTime"):
                if config.get(name) is not None and name in fields:
                    info[name] = config[name]
        made.append(info)
    return made


def _name_output(output: dict[str, Any], wanted: Mapping[str, Any]) -> None:
    """An output file as its OutputConfig (ComposeMedia: Output) asked: name, type,
    category and expiry."""
    for asked, told in (("MediaName", "MediaName"), ("FileName", "MediaName"),
                        ("Type", "FileType"), ("Container", "FileType"),
                        ("ClassId", "ClassId"), ("ExpireTime", "ExpireTime")):
        value = wanted.get(asked)
        if value is not None and told in output:
            output[told] = value
    if "FileType" in output and not any(wanted.get(name) for name in ("Type", "Container")):
        output["FileType"] = "mp4"  # the documented default container


def _split_segment(factory: EventFactory, context: Context, segment: Mapping[str, Any],
                   facts: TaskFacts) -> dict[str, Any]:
    """SplitMedia's result for one requested segment: its input, and the file it made."""
    info = factory.model("SplitMediaTaskSegmentInfo", context)
    info["Input"] = {**({"FileId": facts.file_id} if facts.file_id else {}),
                     **copy.deepcopy(dict(segment))}
    info["ReviewAudioVideoTaskId"] = ""
    if not segment.get("ProcedureName"):
        info["ProcedureTaskId"] = ""
    if facts.failure is not None:
        info.pop("Output", None)
        return info
    output = factory.model("TaskOutputMediaInfo", context)
    output["FileId"] = v.new_file_id(context.rng)
    basic = output.get("MediaBasicInfo")
    wanted = segment.get("OutputConfig")
    if isinstance(basic, dict) and isinstance(wanted, dict):
        for name in ("MediaName", "Type", "ClassId", "ExpireTime"):
            if wanted.get(name) is not None:
                basic["Name" if name == "MediaName" else name] = wanted[name]
    info["Output"] = output
    return info


def _streaming_result(factory: EventFactory, context: Context, para: Mapping[str, Any],
                      failure: v.Failure | None) -> dict[str, Any]:
    """CreateComplexAdaptiveDynamicStreamingTask's result for one requested stream."""
    model = "ComplexAdaptiveDynamicStreamingTaskResult"
    result = factory.model(model, context)
    _set_outcome(result, factory.schema.models[model], failure, whole_task=False)
    result["Input"] = {"StreamPara": copy.deepcopy(dict(para))}
    if failure is not None:
        result.pop("Output", None)
        return result
    output = result.get("Output")
    if not isinstance(output, dict):
        output = result["Output"] = factory.model(
            "ComplexAdaptiveDynamicStreamingTaskOutput", context)
    if "Definition" in para:
        output["Definition"] = para["Definition"]
    return result


def _context(factory: EventFactory, facts: TaskFacts, model: str) -> Context:
    rng = random.Random(f"task/{facts.task_id}/{model}")
    context = new_context(rng, factory.app_id, facts.finishes)
    if facts.file_id is not None:
        context.file_id = facts.file_id
    name = (facts.basic_info or {}).get("Name")
    if isinstance(name, str) and name:
        context.name = name
    context.done, context.success = True, facts.failure is None
    if facts.failure is not None:
        context.failure = facts.failure
    context.created, context.updated, context.finished = (
        facts.created, facts.begins, facts.finishes)
    context.task_ids[v.task_kind("TaskId", model)] = facts.task_id
    return context


def _set_outcome(detail: dict[str, Any], fields: Mapping[str, Field],
                 failure: v.Failure | None, whole_task: bool) -> None:
    """Status, error code and message, progress: as a finished task (or sub-task) has them."""
    status = fields.get("Status")
    if status is not None and status.type == "string":
        if whole_task and FINISH in status.enum:
            detail["Status"] = FINISH
        elif "FAIL" in status.enum or "SUCCESS" in status.enum:
            detail["Status"] = "SUCCESS" if failure is None else "FAIL"
    if "ErrCode" in fields:
        detail["ErrCode"] = 0 if failure is None else _err_code(failure, fields["ErrCode"])
    if "ErrCodeExt" in fields:
        detail["ErrCodeExt"] = ("" if failure is None
                                else _err_code_ext(failure, fields["ErrCodeExt"]))
    if "Message" in fields:
        detail["Message"] = v.SUCCESS_MESSAGE if failure is None else failure.message
    if "Progress" in fields:
        detail["Progress"] = 100


# The ErrCode a failure is given where its model lists a few (0, 40000, 60000, 70000):
# by the kind of its ErrCodeExt.
_CODE_BY_KIND = (("InvalidParameter", 40000), ("InternalError", 70000), ("", 60000))
# The ErrCodeExt of a failure no code was given for, in the order taken from a model's list.
_DEFAULT_CODES_EXT = ("FailedOperation.SourceFileError", "ModelGenerateFailed",
                      "InternalError", "FailedOperation")


def _err_code(failure: v.Failure, field: Field) -> int:
    """The failure's ErrCode, one of those its model lists when it lists some."""
    codes = [code for code in field.enum if code]
    if not codes or failure.code in codes:
        return failure.code
    kind = failure.code_ext or v.FAILURES[0].code_ext
    wanted = next(code for prefix, code in _CODE_BY_KIND if kind.startswith(prefix))
    return wanted if wanted in codes else int(codes[0])


def _err_code_ext(failure: v.Failure, field: Field) -> str:
    """The ErrCodeExt the fault gave (as given, listed or not); without one, the usual
    failure, or the first of those its model lists that fits."""
    if failure.code_ext:
        return failure.code_ext
    listed = [code for code in field.enum if code]
    return next((code for code in _DEFAULT_CODES_EXT if not listed or code in listed),
                str(listed[0]) if listed else _DEFAULT_CODES_EXT[0])


def _fits(schema: Schema, value: Any, field: Field) -> bool:
    try:
        schema.check_field(value, field, field.name)
    except EventInputError:
        return False
    return True


def _echo(schema: Schema, request: Mapping[str, Any], model: str,
          file_id: str | None) -> dict[str, Any]:
    """A task's Input: the request's fields its model has (under its name there:
    EditMedia's FileInfos are its Input's FileInfoSet)."""
    fields = schema.models[model]
    echoed = {}
    for name, value in request.items():
        told = name if name in fields else _INPUT_NAMES.get(name, name)
        if told in fields and name not in _NOT_ECHOED and _fits(schema, value, fields[told]):
            echoed[told] = copy.deepcopy(value)
    if file_id is not None and "FileId" in fields:
        echoed.setdefault("FileId", file_id)
    return echoed


def _procedure(factory: EventFactory, context: Context, detail: dict[str, Any],
               facts: TaskFacts) -> None:
    """A procedure's results: one per sub-task the request asked for, each echoing its
    input, its output made for it (a transcode of the requested Definition...)."""
    schema = factory.schema
    basic = facts.basic_info or {}
    if isinstance(basic.get("Name"), str):
        detail["FileName"] = basic["Name"]
    if isinstance(basic.get("MediaUrl"), str):
        detail["FileUrl"] = basic["MediaUrl"]
    if facts.meta_data is not None:
        detail["MetaData"] = copy.deepcopy(dict(facts.meta_data))
    request = facts.request
    if facts.action == "ProcessMediaByProcedure":
        return  # its template's sub-tasks are not known here: the generated ones stand
    wanted = request.get("MediaProcessTask")
    detail["MediaProcessResultSet"] = list(
        _media_process_results(factory, context, wanted if isinstance(wanted, dict) else {},
                               facts.failure))
    for parameter, result_set in _AI_TASKS.items():
        if parameter not in request:
            detail[result_set] = []
            continue
        if not detail.get(result_set):  # asked for: at least one result
            item_model = schema.models["ProcedureTask"][result_set].model
            assert item_model is not None
            detail[result_set] = [factory.model(item_model, context)]
        for result in detail[result_set]:
            for member, sub in result.items():
                if member != "Type" and isinstance(sub, dict):
                    _set_outcome(sub, schema.models[_result_member_model(
                        schema, result_set, member)], facts.failure, whole_task=False)
                    if isinstance(sub.get("Input"), dict) and isinstance(
                            request[parameter], dict):
                        sub["Input"].update(copy.deepcopy(request[parameter]))


def _result_member_model(schema: Schema, result_set: str, member: str) -> str:
    item_model = schema.models["ProcedureTask"][result_set].model
    assert item_model is not None
    member_model = schema.models[item_model][member].model
    assert member_model is not None
    return member_model


def _media_process_results(factory: EventFactory, context: Context, wanted: Mapping[str, Any],
                           failure: v.Failure | None) -> Iterator[dict[str, Any]]:
    schema = factory.schema
    result_fields = schema.models["MediaProcessTaskResult"]
    by_input: dict[str, tuple[str, str, str]] = {}  # input model -> (Type, member, model)
    for type_value, member in schema.unions["MediaProcessTaskResult"]["Type"].items():
        member_model = result_fields[member].model
        assert member_model is not None
        input_model = schema.models[member_model]["Input"].model
        assert input_model is not None
        by_input[input_model] = (type_value, member, member_model)
    input_fields = schema.models["MediaProcessTaskInput"]
    for set_name, items in wanted.items():
        field = input_fields.get(set_name)
        if field is None or field.model not in by_input or not isinstance(items, list):
            continue
        type_value, member, member_model = by_input[field.model]
        for item in items:
            sub = factory.model(member_model, context, skip=_INPUT)
            _set_outcome(sub, schema.models[member_model], failure, whole_task=False)
            sub["Input"] = copy.deepcopy(item)
            output_model = schema.models[member_model]["Output"].model
            assert output_model is not None
            if failure is not None:
                sub.pop("Output", None)
                yield {"Type": type_value, member: sub}
                continue
            # A successful sub-task always has its output (the generator leaves a nullable
            # field out now and then).
            output = sub.get("Output")
            if not isinstance(output, dict):
                output = sub["Output"] = factory.model(output_model, context)
            if isinstance(item, dict) and "Definition" in item and (
                    "Definition" in schema.models[output_model]):
                output["Definition"] = item["Definition"]
            yield {"Type": type_value, member: sub}


# ----- the task before it ends


def in_progress(detail: Mapping[str, Any], status: str, progress: int,
                settled: int = 0, model: str | None = None) -> dict[str, Any]:
    """The detail (in ``model``) as the task is ``status`` (WAITING or PROCESSING) with
    ``progress`` percent done: no outcome yet, no outputs, nothing it makes at its end (a
    PullUpload's file); a procedure's first ``settled`` sub-tasks (in result order) already
    as they end, the others PROCESSING, not begun or ended. A model whose Status knows no
    WAITING says PROCESSING (DescribeTaskDetail's own Status says WAITING).

    Only what changes is copied (the rest is shared with ``detail``, never changed): a
    running task is looked at often, and its detail can be large."""
    snapshot = dict(detail)
    if "Status" in snapshot and isinstance(snapshot["Status"], str):
        snapshot["Status"] = status if status != WAITING or _lists_waiting(model) else PROCESSING
    for name, empty in _NO_OUTCOME:
        if name in snapshot:
            snapshot[name] = empty
    if "Progress" in snapshot:
        snapshot["Progress"] = progress
    snapshot.pop("Output", None)
    if "MediaBasicInfo" in snapshot:  # a PullUpload's file exists once it ends
        snapshot.update(FileId="", FileUrl="", MediaBasicInfo=None, MetaData=None)
    index = 0
    for result_set in _RESULT_SETS:
        results = snapshot.get(result_set)
        if not isinstance(results, list):
            continue
        copied = snapshot[result_set] = []
        for result in results:
            if isinstance(result, dict):
                result = {member: _unsettled(sub, status) if (
                    member != "Type" and isinstance(sub, dict) and "Status" in sub
                    and (index := index + 1) > settled) else sub
                    for member, sub in result.items()}
            copied.append(result)
    return snapshot


_NO_OUTCOME = (("ErrCode", 0), ("ErrCodeExt", ""), ("Message", ""))


def _unsettled(sub: Mapping[str, Any], status: str) -> dict[str, Any]:
    """A sub-task still running: no outcome, no output, not ended (nor begun while its
    task is WAITING)."""
    running = {**sub, "Status": PROCESSING}
    if status == WAITING and "BeginProcessTime" in running:
        running["BeginProcessTime"] = ""
    for name, empty in _NO_OUTCOME:
        if name in running:
            running[name] = empty
    if "Progress" in running:
        running["Progress"] = 0
    if "FinishTime" in running:
        running["FinishTime"] = ""
    running.pop("Output", None)
    return running


def _lists_waiting(model: str | None) -> bool:
    if model is None:
        return False
    from .schema import load_schema

    status = load_schema().models[model].get("Status")
    return status is not None and WAITING in status.enum


def sub_task_count(detail: Mapping[str, Any]) -> int:
    """How many sub-tasks a procedure's detail holds (0 for any other task)."""
    return sum(1 for _ in _sub_tasks(detail))


def _sub_tasks(detail: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for result_set in _RESULT_SETS:
        for result in detail.get(result_set) or []:
            if isinstance(result, dict):
                for member, sub in result.items():
                    if member != "Type" and isinstance(sub, dict) and "Status" in sub:
                        yield sub


def new_upload(factory: EventFactory, rng: random.Random, file_id: str,
               media_name: str | None, media_type: str | None, now: float,
               asked: Mapping[str, Any] | None = None,
               path: str | None = None) -> dict[str, Any]:
    """A FileUploadEvent for a file an action makes (PullUpload, CommitUpload): its
    MediaBasicInfo named and typed as the request asked, with the category, expiry,
    region and source context ``asked`` gives; an upload, not a recording. With ``path``
    (an ApplyUpload's), the file and its cover are where ApplyUpload said they go."""
    context = new_context(rng, factory.app_id, now)
    context.file_id = file_id
    context.created = context.updated = now
    if media_name:
        context.name = media_name
    upload = factory.model("FileUploadTask", context)
    upload["FileId"] = file_id
    basic = upload.setdefault("MediaBasicInfo", {})
    if media_name:
        basic["Name"] = media_name
    if media_type:
        basic["Type"] = media_type
        if isinstance(basic.get("MediaUrl"), str):
            stem, dot, _ = basic["MediaUrl"].rpartition(".")
            basic["MediaUrl"] = f"{stem}.{media_type}" if dot else basic["MediaUrl"]
    basic["CreateTime"] = basic["UpdateTime"] = iso8601(now)
    asked = asked or {}
    for name in ("ClassId", "ExpireTime", "StorageRegion"):
        if asked.get(name) is not None:
            basic[name] = asked[name]
    if asked.get("ClassId") is not None and asked["ClassId"] == 0:
        basic["ClassName"], basic["ClassPath"] = "其他", ""
    basic["SourceInfo"] = {"SourceType": "Upload",
                           "SourceContext": asked.get("SourceContext") or ""}
    if path is not None:
        ext = media_type or "mp4"
        basic["MediaUrl"] = v.vod_url(factory.app_id, path, "f0", ext)
        basic["StoragePath"] = f"/{path}/f0.{ext}"
        cover = asked.get("CoverType")
        basic["CoverUrl"] = v.vod_url(factory.app_id, path, "cover", cover) if cover else ""
    upload["ProcedureTaskId"] = upload["ReviewAudioVideoTaskId"] = ""
    return upload
