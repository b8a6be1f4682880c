"""The generated events: valid for the official SDK's models, realistic, covering the models'
fields, deterministic under a seed, overridable, and unchanged on their way through PullEvents.

Most tests look at one sample made once: every EventType from 15 seeds, several events each,
with a fixed ``now`` (2026-01-01T00:00:00Z).
"""

from __future__ import annotations

import json
import math
import random
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models

from emulator.clients.client import AdminClient, AdminError
from emulator.events import (
    EVENT_TYPES,
    EventFactory,
    EventInputError,
    check_event_content,
    load_schema,
    schema_build,
)
from emulator.events.factory import MODEL_DEPTH
from emulator.events.schema import Field
from emulator.events.vocabulary import FILE_ID, NEVER_EXPIRES, TASK_ID, TIME, VOD_URL, task_kind

from .conftest import confirm, pull

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SCHEMA = load_schema()
SEEDS = range(15)
PER_SEED = 4
COVERAGE_EVENTS = 200

# The models' own walk: every field present in a payload, nested models included.
Visit = tuple[str, Field, Any, dict[str, Any], str]  # model, field, value, parent object, path


def _walk(value: dict[str, Any], model: str, path: str) -> Iterator[Visit]:
    fields = SCHEMA.models[model]
    for name, item in value.items():
        spec = fields[name]
        where = f"{path}.{name}"
        yield model, spec, item, value, where
        if spec.model is not None and item is not None:
            if spec.is_list:
                for index, element in enumerate(item):
                    yield from _walk(element, spec.model, f"{where}[{index}]")
            else:
                yield from _walk(item, spec.model, where)


def _items(spec: Field, value: Any) -> list[Any]:
    return list(value) if spec.is_list else [value]


def _member(content: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    member, model = SCHEMA.member_of(content["EventType"])
    return member, model, content[member]


def _visits(content: dict[str, Any]) -> Iterator[Visit]:
    member, model, value = _member(content)
    return _walk(value, model, member)


def _factory(seed: int, now: float = NOW) -> EventFactory:
    return EventFactory(seed, lambda: now)


@cache
def _sample() -> dict[str, list[dict[str, Any]]]:
    """Every type from every seed, made in mixed order as a running emulator would."""
    sample: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for seed in SEEDS:
        factory = _factory(seed)
        for _ in range(PER_SEED):
            for event_type in EVENT_TYPES:
                sample[event_type].append(factory.make(event_type))
    return dict(sample)


def _all_events() -> list[dict[str, Any]]:
    return [content for contents in _sample().values() for content in contents]


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


# ----- 1. the schema is the pinned SDK's


def test_committed_schema_matches_the_pinned_sdk(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_build.main(["--check"]) == 0, capsys.readouterr().err


def test_the_schema_keeps_every_value_a_description_lists() -> None:
    """Descriptions are read whole: values listed late in a long one are kept."""
    delete_parts = SCHEMA.models["MediaDeleteItem"]["Type"].enum
    assert {"OriginalFiles", "MpsAiMediaSmartEraseFiles",
            "MpsAiMediaSmartSubtitleFiles"} <= set(delete_parts)
    assert len(SCHEMA.models["AigcImageSceneInfo"]["Type"].enum) == 8
    assert SCHEMA.models["AigcImageSceneInfo"]["Type"].enum[-1] == "change_clothes_full_wear"
    # A list nested in an item names the item's parts, not values.
    assert SCHEMA.models["MediaTrack"]["Type"].enum == ("Video", "Audio", "Sticker")
    # Success is an allowed value where the description says so.
    assert SCHEMA.models["EditMediaTask"]["ErrCode"].enum[0] == 0
    assert SCHEMA.models["AigcImageTask"]["ErrCodeExt"].enum[0] == ""


def test_the_schema_states_ranges_units_and_unions() -> None:
    assert SCHEMA.models["ProcedureTask"]["TasksPriority"].range == (-10, 10)
    assert SCHEMA.models["EditMediaTask"]["Progress"].range == (0, 100)
    assert SCHEMA.models["QualityInspectLLMDetectionIssue"]["StartTimeMs"].unit == "ms"
    assert SCHEMA.models["MediaSubtitleItem"]["Url"].holds == "subtitle"
    assert SCHEMA.unions["MediaProcessTaskResult"]["Type"]["Transcode"] == "TranscodeTask"
    assert SCHEMA.unions["AigcImageTaskInputFileInfo"]["Type"] == {
        "File": "FileId", "Url": "Url", "Base64": "Base64"}
    assert SCHEMA.unions["EditMediaTaskInput"]["InputType"] == {
        "File": "FileInfoSet", "Stream": "StreamInfoSet"}


def test_every_event_type_has_a_member_in_the_schema() -> None:
    assert set(SCHEMA.members) == set(EVENT_TYPES)
    for member, model in SCHEMA.members.values():
        assert member in SCHEMA.event_content_fields and model in SCHEMA.models


# ----- 2. valid for the SDK's models


def _type_problems(content: dict[str, Any]) -> list[str]:
    problems = []
    for _, spec, value, _, path in _visits(content):
        if value is None:
            problems.append(f"{path} is null: generated events leave optional parts out")
            continue
        if spec.is_list and not isinstance(value, list):
            problems.append(f"{path} is not a list")
            continue
        for item in _items(spec, value):
            if spec.model is not None:
                ok = isinstance(item, dict)
            elif spec.type == "string":
                ok = isinstance(item, str)
            elif spec.type == "integer":
                ok = type(item) is int
            elif spec.type == "number":
                ok = type(item) in (int, float) and math.isfinite(item)
            elif spec.type == "boolean":
                ok = type(item) is bool
            else:
                ok = False
            if not ok:
                problems.append(f"{path} = {item!r} is not {spec.type_name}")
    return problems


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_events_deserialize_into_the_sdk_model_without_warnings(event_type: str) -> None:
    member, model = SCHEMA.member_of(event_type)
    others = [name for name in SCHEMA.event_content_fields if name not in ("EventType", member)]
    for content in _sample()[event_type]:
        assert set(content) == {"EventType", member}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parsed = models.EventContent()
            parsed._deserialize(json.loads(json.dumps(content)))
        assert [str(w.message) for w in caught] == []
        assert parsed.EventType == event_type
        assert getattr(parsed, member) is not None
        assert [name for name in others if getattr(parsed, name) is not None] == []
        # The SDK's model holds everything that was generated, and nothing else.
        assert _drop_none(json.loads(parsed.to_json_string())) == content

        SCHEMA.check_model(content[member], model, member)
        assert _type_problems(content) == []


# ----- 3. realistic

# URLs that are not the application's own VOD files.
OTHER_URLS = {
    "WechatUrl": re.compile(r"^https://mp\.weixin\.qq\.com/\S+$"),
    "KeyServerUrl": re.compile(r"^https://\S+$"),
}
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.'?!-]*$")
STANDARD_SIZES = {
    (w, h) for landscape in ((3840, 2160), (2560, 1440), (1920, 1080), (1280, 720), (960, 540),
                             (854, 480), (640, 360), (426, 240), (1440, 1080), (640, 480))
    for w, h in (landscape, landscape[::-1])
}
# Models whose Width/Height say how big a video is.
VIDEO_SIZED = {"MediaMetaData", "MediaVideoStreamItem", "MediaTranscodeItem",
               "TranscodePlayInfo2017", "MediaSubStreamInfoItem"}
FINISHED_STATES = {"SUCCESS", "FAIL", "FINISH"}
# The task flow a task started: empty when its template started none.
STARTED_TASK_IDS = {"ProcedureTaskId", "ReviewAudioVideoTaskId"}


def _realism_problems(content: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    member, member_model, _ = _member(content)

    def problem(path: str, message: str) -> None:
        problems.append(f"{path}: {message}")

    app_ids: set[str] = set()
    creates: list[str] = []
    finishes: list[str] = []
    for model, spec, value, parent, path in _visits(content):
        name = spec.name
        if spec.model is not None:
            continue
        for item in _items(spec, value):
            if spec.enum and item not in spec.enum:
                problem(path, f"{item!r} is not one of {spec.enum}")
            if spec.type != "string":
                continue
            if name.endswith("FileId") or name == "FileIdSet":
                if not FILE_ID.match(item):
                    problem(path, f"{item!r} is not a FileId")
            elif name.endswith(("TaskId", "TaskIds")):
                if item == "" and name in STARTED_TASK_IDS:
                    continue  # no task flow was started
                match = TASK_ID.match(item)
                if match is None:
                    problem(path, f"{item!r} is not a task id")
                    continue
                app_ids.add(match[1])
                kind = task_kind("TaskId", member_model)
                if path == f"{member}.TaskId" and match[2] != kind:
                    problem(path, f"{item!r} is not a {kind} task")
                for prefix in ("Procedure", "ReviewAudioVideo"):
                    if name.startswith(prefix) and match[2] != prefix:
                        problem(path, f"{item!r} is not a {prefix} task")
            elif name.endswith(("Url", "UrlSet", "Urls")):
                other = OTHER_URLS.get(name)
                match = (other or VOD_URL).match(item)
                if match is None:
                    problem(path, f"{item!r} is not a URL of its kind")
                elif other is None:
                    app_ids.add(match[1])
            elif name.endswith("Time"):
                if item == "":
                    if not (name.startswith("Finish") and parent.get("Status") == "PROCESSING"):
                        problem(path, "is empty, yet the task is not processing")
                elif not TIME.match(item):
                    problem(path, f"{item!r} is not an ISO 8601 UTC time")
                elif "Expire" not in name and item > "2026-01-01T00:00:00Z":
                    problem(path, f"{item} is after now")
                elif name == "CreateTime":
                    creates.append(item)
                elif name == "FinishTime":
                    finishes.append(item)
        if spec.type == "string" and spec.name == "ExpireTime" and model == "MediaBasicInfo":
            if value != NEVER_EXPIRES:
                problem(path, f"{value!r} is not {NEVER_EXPIRES}")
    if len(app_ids) > 1:
        problem(member, f"task ids and URLs name several applications: {sorted(app_ids)}")
    if creates and finishes and max(creates) > min(finishes):
        problem(member, f"created at {max(creates)}, after a task finished at {min(finishes)}")

    for _, spec, value, _, path in _visits(content):
        if spec.model is not None:
            for index, item in enumerate(_items(spec, value)):
                _check_object(spec.model, item, f"{path}[{index}]" if spec.is_list else path,
                              problem)
    _check_object(member_model, content[member], member, problem)
    return problems


def _check_object(model: str, value: dict[str, Any], path: str,
                  problem: Callable[[str, str], None]) -> None:
    """What must agree inside one object: times in order, status and error, media sizes."""
    ordered = [value[name] for name in ("CreateTime", "UpdateTime", "FinishTime")
               if value.get(name)]
    if ordered != sorted(ordered):
        problem(path, f"CreateTime, UpdateTime, FinishTime out of order: {ordered}")
    begin, finish = value.get("BeginProcessTime"), value.get("FinishTime")
    if begin and finish and begin > finish:
        problem(path, f"BeginProcessTime {begin} after FinishTime {finish}")
    if "StartTimeOffset" in value and "EndTimeOffset" in value:
        if value["StartTimeOffset"] > value["EndTimeOffset"]:
            problem(path, f"StartTimeOffset {value['StartTimeOffset']} after EndTimeOffset "
                          f"{value['EndTimeOffset']}")

    status, code, message = value.get("Status"), value.get("ErrCode"), value.get("Message")
    if isinstance(code, str):  # a few models declare ErrCode a string: "0" is success
        code = int(code) if re.fullmatch(r"-?\d+", code) else code
    ext = value.get("ErrCodeExt")
    if status == "SUCCESS":
        if code not in (None, 0) or message not in (None, "SUCCESS") or ext not in (None, ""):
            problem(path, f"SUCCESS with ErrCode {code!r}, ErrCodeExt {ext!r}, "
                          f"Message {message!r}")
        if value.get("Progress", 100) != 100:
            problem(path, f"SUCCESS at Progress {value['Progress']}")
    elif status == "FAIL":
        if code == 0 or (ext is not None and not ext):
            problem(path, f"FAIL with ErrCode {code!r}, ErrCodeExt {ext!r}")
        if message is not None and not _readable(message):
            problem(path, f"FAIL with Message {message!r}")
    elif status in ("PROCESSING", "WAITING"):
        if code not in (None, 0) or value.get("FinishTime", "") != "":
            problem(path, f"{status} yet ErrCode {code!r}, FinishTime {value.get('FinishTime')}")
    if isinstance(code, int) and message is not None:
        # ErrCode says how it went: 0 with SUCCESS (or nothing yet), else with a reason.
        if code == 0 and message not in ("SUCCESS", ""):
            problem(path, f"ErrCode 0 with Message {message!r}")
        if code != 0 and not _readable(message):
            problem(path, f"ErrCode {code} with Message {message!r}")

    if model in VIDEO_SIZED and "Width" in value and "Height" in value:
        if (value["Width"], value["Height"]) not in STANDARD_SIZES:
            problem(path, f"{value['Width']}x{value['Height']} is not a standard video size")
    for name in ("Duration", "Bitrate", "Size"):
        if model in VIDEO_SIZED | {"MediaAudioStreamItem"} and name in value:
            if not value[name] > 0:
                problem(path, f"{name} {value[name]} is not positive")
    if {"Size", "Duration", "Bitrate"} <= set(value) and model in VIDEO_SIZED:
        expected = value["Duration"] * value["Bitrate"] / 8
        if abs(value["Size"] - expected) > 1 + expected * 1e-6:
            problem(path, f"Size {value['Size']} is not Duration x Bitrate / 8 ({expected:.0f})")
    streams = value.get("VideoStreamSet") or []
    for index, stream in enumerate(streams):
        for name in ("Width", "Height"):
            if name in stream and name in value and stream[name] != value[name]:
                problem(f"{path}.VideoStreamSet[{index}]",
                        f"{name} {stream[name]} differs from the media's {value[name]}")
    audio = value.get("AudioStreamSet") or []
    stream_bitrate = sum(s.get("Bitrate", 0) for s in [*streams, *audio])
    if "Bitrate" in value and stream_bitrate > value["Bitrate"]:
        problem(path, f"streams add up to {stream_bitrate} bps, more than {value['Bitrate']}")
    media = value.get("MediaBasicInfo")
    if isinstance(media, dict) and "Vid" in media and "FileId" in value:
        if media["Vid"] != value["FileId"]:
            problem(path, f"MediaBasicInfo.Vid {media['Vid']} is not FileId {value['FileId']}")


def _readable(message: str) -> bool:
    return bool(message) and message != "SUCCESS" and (
        bool(CJK.search(message)) or len(re.findall(r"[A-Za-z]{2,}", message)) >= 2)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_events_are_realistic(event_type: str) -> None:
    problems = Counter(
        re.sub(r"\[\d+\]", "[]", problem)
        for content in _sample()[event_type] for problem in _realism_problems(content))
    assert dict(problems.most_common(20)) == {}


# What fields hold by their documented format, wherever they appear.
POSITION = re.compile(r"^\d+(\.\d+)?(%|px)$")  # "10%", "120px"
FORMATS: dict[str, re.Pattern[str]] = {
    "Md5": re.compile(r"^[0-9a-f]{32}$"),
    "Sha1": re.compile(r"^[0-9a-f]{40}$"),
    "Uv": re.compile(r"^[0-9a-f]{6}$"),  # "以十六进制表示，共6位"
    "ResultUV": re.compile(r"^[0-9a-f]{6}$"),
    "StorageRegion": re.compile(r"^[a-z]{2}-[a-z]+$"),
    "Domain": re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$"),
    "Language": re.compile(r"^[a-z]{2}(-[A-Za-z]+)?$"),
    "CodecTag": re.compile(r"^(hvc1|hev1)?$"),
    "StoragePath": re.compile(r"^/\S+$"),
    "SourceMedia": re.compile(rf"{FILE_ID.pattern}|{VOD_URL.pattern}"),
    "FaceImage": VOD_URL,
    "XPos": POSITION, "YPos": POSITION, "BoardY": POSITION, "FontSize": POSITION,
    "LineSpacing": POSITION,
    "FontColor": re.compile(r"^0x[0-9A-F]{6}$"), "BoardColor": re.compile(r"^0x[0-9A-F]{6}$"),
    "OutlineColor": re.compile(r"^0x[0-9A-F]{6}$"), "ShadowColor": re.compile(r"^0x[0-9A-F]{6}$"),
    "ExtTimeOffsetSet": re.compile(r"^\d+(\.\d+)?(s|%)$"),  # "3.5s", "10%"
}
# What the file a URL names may be, by what the schema says it holds.
EXTENSIONS_OF = {"subtitle": {"vtt", "srt"}, "json": {"json"}, "image": {"jpg", "png", "webp"},
                 "gif": {"gif"}, "3d": {"glb", "obj"}, "voice": {"mp3", "wav"}}


def _format_problems(content: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for _, spec, value, _, path in _visits(content):
        name = spec.name
        pattern = FORMATS.get(name)
        if spec.type == "string" and name in ("Width", "Height"):
            pattern = POSITION  # a mosaic's or a sticker's size: "10%", "120px"
        for item in _items(spec, value):
            if pattern is not None and not pattern.match(str(item)):
                problems.append(f"{path}: {item!r} does not look like a {name}")
            if spec.range is not None and not spec.range[0] <= item <= spec.range[1]:
                problems.append(f"{path}: {item} is outside {list(spec.range)}")
        if name == "AreaCoordSet" and value:  # [x1, y1, x2, y2]: a box
            if len(value) != 4 or not (0 <= value[0] < value[2] and 0 <= value[1] < value[3]):
                problems.append(f"{path}: {value} is not a box")
        if spec.type == "string" and name.endswith("Url") and VOD_URL.match(value):
            extension = value.rsplit(".", 1)[1]
            if spec.holds is not None and extension not in EXTENSIONS_OF[spec.holds]:
                problems.append(f"{path}: a URL to a {spec.holds} file ending .{extension}")
        if spec.model is not None:
            for item in _items(spec, value):
                problems += _union_problems(spec.model, item, path)
    return problems


def _union_problems(model: str, value: dict[str, Any], path: str) -> list[str]:
    """A tagged union (the schema's ``unions``: Type, SourceType, InputType...) fills only
    the member its tag names: a task's result, or an input given as a FileId, a Url or
    Base64."""
    problems = []
    for tag, members in SCHEMA.unions.get(model, {}).items():
        for tag_value, name in members.items():
            if value.get(name) is not None and value.get(tag) != tag_value:
                problems.append(f"{path}.{name} is filled, yet {tag} is {value.get(tag)}")
    return problems


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_fields_follow_their_documented_formats(event_type: str) -> None:
    problems = Counter(
        re.sub(r"\[\d+\]", "[]", problem)
        for content in _sample()[event_type] for problem in _format_problems(content))
    assert dict(problems.most_common(20)) == {}


def test_every_documented_value_is_generated() -> None:
    """Values listed last in a long description come up too (MpsAiMediaSmartEraseFiles)."""
    factory = _factory(11)
    seen: Counter[str] = Counter()
    for _ in range(400):
        content = factory.make("FileDeleted")
        seen.update(value for model, spec, value, _, _ in _visits(content)
                    if (model, spec.name) == ("MediaDeleteItem", "Type"))
    assert set(seen) == set(SCHEMA.models["MediaDeleteItem"]["Type"].enum)


def test_a_deleted_file_has_one_result() -> None:
    for content in _sample()["FileDeleted"]:
        task = content["FileDeleteEvent"]
        results = task.get("FileDeleteResultInfo", [])
        assert [r.get("FileId") for r in results] in ([], task["FileIdSet"])


def test_a_file_id_is_19_digits_and_vid_is_the_file_id() -> None:
    file_ids: Counter[str] = Counter()
    for content in _sample()["NewFileUpload"]:
        event = content["FileUploadEvent"]
        assert FILE_ID.match(event["FileId"])
        file_ids[event["FileId"]] += 1
        assert event.get("MediaBasicInfo", {}).get("Vid", event["FileId"]) == event["FileId"]
        assert event.get("MediaBasicInfo", {}).get("ExpireTime", NEVER_EXPIRES) == NEVER_EXPIRES
    assert max(file_ids.values()) == 1  # a new file each time
    for content in _sample()["FileDeleted"]:
        assert all(FILE_ID.match(f) for f in content["FileDeleteEvent"]["FileIdSet"])


def test_a_task_flow_is_started_often_not_always() -> None:
    uploads = [c["FileUploadEvent"] for c in _sample()["NewFileUpload"]]
    procedures = Counter(bool(u["ProcedureTaskId"]) for u in uploads)
    reviews = Counter(bool(u["ReviewAudioVideoTaskId"]) for u in uploads)
    assert procedures[True] > procedures[False] > 0
    assert reviews[False] > reviews[True] > 0


def test_names_and_descriptions_are_chinese_and_english() -> None:
    texts = [value for content in _all_events() for _, spec, value, _, _ in _visits(content)
             if spec.name in ("Name", "MediaName", "FileName", "Description")
             and isinstance(value, str)]
    assert sum(bool(CJK.search(text)) for text in texts) > len(texts) / 5
    assert sum(bool(ENGLISH.match(text)) for text in texts) > len(texts) / 5


def test_tasks_succeed_mostly_and_fail_sometimes() -> None:
    statuses: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for content in _all_events():
        for _, spec, value, _, _ in _visits(content):
            if spec.name == "Status" and isinstance(value, str):
                statuses[value] += 1
        _, _, task = _member(content)
        if task.get("Status") in FINISHED_STATES and "ErrCode" in task:
            outcomes["success" if task["ErrCode"] == 0 else "failure"] += 1
    assert statuses["SUCCESS"] > statuses["FAIL"] > 0
    assert statuses["FINISH"] > statuses["PROCESSING"] > 0
    assert outcomes["success"] > outcomes["failure"] > 0


def test_media_metadata_describes_one_video() -> None:
    sizes = set()
    for content in _sample()["NewFileUpload"] + _sample()["ProcedureStateChanged"]:
        _, _, task = _member(content)
        meta = task.get("MetaData")
        if meta is None:
            continue
        sizes.add((meta["Width"], meta["Height"]))
        assert meta["Duration"] > 0 and meta["Bitrate"] > 0 and meta["Size"] > 0
        assert [s["Width"] for s in meta.get("VideoStreamSet", [])] in ([], [meta["Width"]])
    assert len(sizes) >= 4 and sizes <= STANDARD_SIZES


# ----- 4. coverage of the models' fields


def _reachable(model: str) -> set[tuple[str, str]]:
    """(model, field) pairs the factory can fill from ``model``, within its depth limit."""
    pairs: set[tuple[str, str]] = set()
    shallowest: dict[str, int] = {}
    pending = [(model, 0)]
    while pending:
        name, depth = pending.pop()
        if shallowest.get(name, MODEL_DEPTH + 1) <= depth:
            continue
        shallowest[name] = depth
        for spec in SCHEMA.models[name].values():
            if spec.model is None:
                pairs.add((name, spec.name))
            elif depth < MODEL_DEPTH:
                pairs.add((name, spec.name))
                pending.append((spec.model, depth + 1))
    return pairs


@cache
def _coverage(event_type: str) -> tuple[float, set[tuple[str, str]], set[tuple[str, str]]]:
    """(covered fraction, pairs seen filled, pairs seen always present) over 200 events."""
    member, model = SCHEMA.member_of(event_type)
    factory = _factory(2024)
    seen: set[tuple[str, str]] = set()
    counts: Counter[tuple[str, str]] = Counter()
    parents: Counter[str] = Counter()
    for _ in range(COVERAGE_EVENTS):
        content = factory.make(event_type)
        parents[model] += 1
        for owner, spec, value, _, _ in _visits(content):
            if value != []:
                seen.add((owner, spec.name))
            counts[(owner, spec.name)] += 1
            if spec.model is not None:
                parents[spec.model] += len(_items(spec, value))
    reachable = _reachable(model)
    always = {pair for pair, count in counts.items() if count == parents[pair[0]]}
    return len(seen & reachable) / len(reachable), seen, always


COVERAGE_THRESHOLD = 0.95
COVERAGE_THRESHOLD_OVERALL = 0.98


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_generators_fill_the_models_fields(event_type: str) -> None:
    fraction, seen, _ = _coverage(event_type)
    _, model = SCHEMA.member_of(event_type)
    missing = sorted(_reachable(model) - seen)
    assert fraction >= COVERAGE_THRESHOLD, missing


def test_generators_fill_the_models_fields_overall() -> None:
    reachable = seen = 0
    for event_type in EVENT_TYPES:
        _, model = SCHEMA.member_of(event_type)
        pairs = _reachable(model)
        reachable += len(pairs)
        seen += len(pairs & _coverage(event_type)[1])
    assert seen / reachable >= COVERAGE_THRESHOLD_OVERALL


def test_optional_parts_are_sometimes_left_out() -> None:
    nullable = present_always = 0
    for event_type in EVENT_TYPES:
        _, _, always = _coverage(event_type)
        for model, name in _coverage(event_type)[1]:
            if SCHEMA.models[model][name].nullable:
                nullable += 1
                present_always += (model, name) in always
    assert nullable >= 50
    assert present_always <= nullable / 10
    # An upload's MetaData is nullable: it comes with most uploads, not all.
    uploads = _sample()["NewFileUpload"]
    assert len(uploads) / 2 < sum("MetaData" in c["FileUploadEvent"] for c in uploads) < len(
        uploads)


# ----- 5. deterministic


def _mixed(factory: EventFactory, count: int = 3) -> list[dict[str, Any]]:
    return [factory.make(event_type) for _ in range(count) for event_type in EVENT_TYPES]


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items()
                if not k.endswith(("Time", "TimeStamp"))}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def test_same_seed_same_events() -> None:
    assert _mixed(_factory(42)) == _mixed(_factory(42))
    # Only the times depend on the clock.
    later = _mixed(_factory(42, NOW + 86_400))
    assert _without_times(later) == _without_times(_mixed(_factory(42)))
    assert later != _mixed(_factory(42))


def test_different_seeds_different_events() -> None:
    first, second = _mixed(_factory(1), 1), _mixed(_factory(2), 1)
    differing = sum(a != b for a, b in zip(first, second, strict=True))
    assert differing >= len(EVENT_TYPES) - 3  # a few types have little to vary


def test_reseed_replays_the_sequence() -> None:
    factory = _factory(7)
    first = _mixed(factory, 1)
    factory.reseed()
    assert _mixed(factory, 1) == first


def test_the_global_random_state_plays_no_part() -> None:
    random.seed(1)
    expected = _mixed(_factory(9), 1)
    random.seed(12345)
    factory = _factory(9)
    events = []
    for event_type in EVENT_TYPES:
        random.random()
        random.seed(random.random())
        events.append(factory.make(event_type))
    assert events == expected


# ----- 6. overrides

FILE_ID_OVERRIDE = "5285890784273533167"


def test_an_override_keeps_the_other_generated_fields() -> None:
    for seed in range(5):
        generated = _factory(seed).make("NewFileUpload")
        overridden = _factory(seed).make(
            "NewFileUpload", {"FileUploadEvent": {"FileId": FILE_ID_OVERRIDE}})
        old = generated["FileUploadEvent"]["FileId"]
        assert overridden["FileUploadEvent"]["FileId"] == FILE_ID_OVERRIDE
        # Everything else is as generated, and what named the file names the new one.
        text = json.dumps(generated).replace(old, FILE_ID_OVERRIDE)
        expected = json.loads(text.replace(f"/{old[-12:]}.", f"/{FILE_ID_OVERRIDE[-12:]}."))
        assert overridden == expected
        assert _realism_problems(overridden) == []


def test_a_file_id_override_names_the_file_throughout_the_event() -> None:
    factory = _factory(3)
    for _ in range(20):
        content = factory.make("ProcedureStateChanged",
                               {"ProcedureStateChangeEvent": {"FileId": FILE_ID_OVERRIDE}})
        file_ids = {value for _, spec, value, _, _ in _visits(content)
                    if spec.name in ("FileId", "Vid")}
        assert file_ids == {FILE_ID_OVERRIDE}


def test_a_flow_shares_its_task_id() -> None:
    factory = _factory(5)
    uploads = (factory.make("NewFileUpload")["FileUploadEvent"] for _ in range(100))
    upload = next((upload for upload in uploads if upload["ProcedureTaskId"]), None)
    assert upload is not None, "no upload of 100 started a task flow"
    file_id, task_id = upload["FileId"], upload["ProcedureTaskId"]
    change = factory.make("ProcedureStateChanged", {"ProcedureStateChangeEvent": {
        "TaskId": task_id, "FileId": file_id}})["ProcedureStateChangeEvent"]
    assert (change["TaskId"], change["FileId"]) == (task_id, file_id)
    assert _realism_problems({"EventType": "ProcedureStateChanged",
                              "ProcedureStateChangeEvent": change}) == []


def test_a_nested_override_merges_into_the_generated_object() -> None:
    for seed in range(5):
        generated = _factory(seed).make("NewFileUpload")["FileUploadEvent"]
        overridden = _factory(seed).make(
            "NewFileUpload", {"FileUploadEvent": {"MediaBasicInfo": {"Name": "x"}}}
        )["FileUploadEvent"]
        expected = dict(generated)
        expected["MediaBasicInfo"] = {**generated.get("MediaBasicInfo", {}), "Name": "x"}
        assert overridden == expected


def test_a_list_override_replaces_the_list() -> None:
    content = _factory(1).make("FileDeleted", {"FileDeleteEvent": {"FileIdSet": ["1", "2"]}})
    assert content["FileDeleteEvent"]["FileIdSet"] == ["1", "2"]


UPLOAD = "NewFileUpload"
BAD_OVERRIDES = [
    pytest.param(UPLOAD, {"FileUploadEvent": {"Colour": "red"}}, "FileUploadEvent.Colour",
                 id="unknown-field"),
    pytest.param(UPLOAD, {"FileUploadEvent": {"FileId": 5}},
                 "FileUploadEvent.FileId must be string", id="wrong-type"),
    pytest.param(UPLOAD, {"FileUploadEvent": {"MediaBasicInfo": {"Width": 5}}},
                 "FileUploadEvent.MediaBasicInfo.Width", id="nested-unknown-field"),
    pytest.param(UPLOAD, {"FileUploadEvent": {"MediaBasicInfo": {"TagSet": "a"}}},
                 "FileUploadEvent.MediaBasicInfo.TagSet must be a list", id="not-a-list"),
    pytest.param(UPLOAD, {"FileUploadEvent": {"MetaData": {"VideoStreamSet": [{"Fps": "30"}]}}},
                 "FileUploadEvent.MetaData.VideoStreamSet[0].Fps must be integer",
                 id="in-a-list"),
    pytest.param(UPLOAD, {"FileUploadEvent": []}, "FileUploadEvent must be an object",
                 id="not-object"),
    pytest.param(UPLOAD, {"FileDeleteEvent": {"FileIdSet": []}}, "FileDeleteEvent",
                 id="other-member"),
    pytest.param(UPLOAD, {"EventType": "FileDeleted"}, "EventType", id="other-type"),
    pytest.param("FileDeleted", {"FileDeleteEvent": {"FileDeleteResultInfo": [
        {"DeleteParts": [{"Type": "AllFiles"}]}]}},
        "FileDeleteEvent.FileDeleteResultInfo[0].DeleteParts[0].Type must be one of "
        "'OriginalFiles', 'TranscodeFiles'", id="not-an-allowed-value"),
    pytest.param("EditMediaComplete", {"EditMediaCompleteEvent": {"Progress": 101}},
                 "EditMediaCompleteEvent.Progress must be in [0, 100], got 101",
                 id="out-of-range"),
    pytest.param("EditMediaComplete", {"EditMediaCompleteEvent": {"ErrCode": 12345}},
                 "EditMediaCompleteEvent.ErrCode must be one of 0, 40000, 60000, 70000",
                 id="not-a-documented-code"),
]


@pytest.mark.parametrize(("event_type", "overrides", "message"), BAD_OVERRIDES)
def test_a_bad_override_is_refused_naming_the_field(event_type: str, overrides: dict[str, Any],
                                                   message: str) -> None:
    with pytest.raises(EventInputError) as raised:
        _factory(1).make(event_type, overrides)
    assert message in str(raised.value)


def test_a_value_outside_the_allowed_ones_is_refused_with_a_short_message() -> None:
    long_value = "MpsAiMedia" + "x" * 5000
    with pytest.raises(EventInputError) as raised:
        _factory(1).make("FileDeleted", {"FileDeleteEvent": {"FileDeleteResultInfo": [
            {"DeleteParts": [{"Type": long_value}]}]}})
    message = str(raised.value)
    assert "MpsAiMediaSmartSubtitleFiles" in message or message.count("'") >= 4
    assert len(message) < 500 and "…" in message


def test_messages_escape_what_they_echo() -> None:
    for overrides in ({"FileUploadEvent": {"\ud800" + "k" * 500: 1}},
                      {"\ud800\n": {}},
                      {"FileUploadEvent": {"MediaBasicInfo": {"Category": "\udfff"}}}):
        with pytest.raises(EventInputError) as raised:
            _factory(1).make("NewFileUpload", overrides)
        message = str(raised.value)
        message.encode("utf-8")  # no lone surrogate reaches an encoder
        assert "\\ud" in message and len(message) < 300
    with pytest.raises(EventInputError) as raised:
        check_event_content(SCHEMA, {"EventType": "\ud800" * 1000})
    str(raised.value).encode("utf-8")
    assert len(str(raised.value)) < 200


def test_deeply_nested_input_is_refused_not_a_recursion_error() -> None:
    deep: dict[str, Any] = {}
    for _ in range(100_000):
        deep = {"MediaBasicInfo": deep}
    # Refused where the nesting stops naming fields, before anything walks all of it.
    refusal = (r"^FileUploadEvent\.MediaBasicInfo\.MediaBasicInfo "
               r"is not a field of MediaBasicInfo$")
    with pytest.raises(EventInputError, match=refusal):
        _factory(1).make("NewFileUpload", {"FileUploadEvent": deep})
    with pytest.raises(EventInputError, match=refusal):
        check_event_content(SCHEMA, {"EventType": "NewFileUpload", "FileUploadEvent": deep})


@pytest.mark.parametrize(("typed", "suggested"), [
    ("NewFileUplod", "NewFileUpload"), ("newfileupload", None), ("FileDelete", "FileDeleted")])
def test_an_unknown_event_type_suggests_close_ones(typed: str, suggested: str | None) -> None:
    with pytest.raises(EventInputError) as raised:
        _factory(1).make(typed)
    message = str(raised.value)
    assert message.startswith(f"unknown event type {typed!r}")
    assert len(message) < 200
    if suggested:
        assert f"did you mean {suggested}" in message


def test_overrides_through_the_admin_api(admin: AdminClient) -> None:
    body = {"type": "NewFileUpload", "count": 2, "overrides": {"FileUploadEvent": {
        "FileId": FILE_ID_OVERRIDE, "MediaBasicInfo": {"Name": "x"}}}}
    emitted = admin.request("POST", "/_emulator/events", body)["events"]
    for event in emitted:
        task = event["content"]["FileUploadEvent"]
        assert task["FileId"] == FILE_ID_OVERRIDE and task["MediaBasicInfo"]["Name"] == "x"
        assert "ProcedureTaskId" in task  # the rest is generated
    for event_type, overrides, message in [p.values for p in BAD_OVERRIDES]:
        with pytest.raises(AdminError) as raised:
            admin.request("POST", "/_emulator/events",
                          {"type": event_type, "overrides": overrides})
        assert raised.value.status == 400 and message in raised.value.message
    assert admin.queue()["pullable"] and len(admin.queue()["pullable"]) == 2


# ----- 7. end to end through the official SDK


def test_every_type_arrives_through_the_sdk_as_emitted(admin: AdminClient, sdk: Any) -> None:
    emitted = [event for event_type in EVENT_TYPES for event in admin.emit(event_type, 2)]
    pulled: list[Any] = []
    while len(pulled) < len(emitted):
        events = pull(sdk)
        assert events, f"only {len(pulled)} of {len(emitted)} events arrived"
        pulled += events
        confirm(sdk, [event.EventHandle for event in events])
    assert len(pulled) == len(emitted)
    for event, queued in zip(pulled, emitted, strict=True):
        received = _drop_none(json.loads(event.to_json_string()))
        assert received.pop("EventHandle")
        assert received == queued["content"]
