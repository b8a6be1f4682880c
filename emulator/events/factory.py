"""EventFactory: realistic EventContent payloads of every type, from the SDK schema.

Every field of the member's model, nested models included, gets a value a VOD engineer
would believe: what a field holds is decided by its name (``FileId``, ``*Time``, ``*Url``,
``Width``...), its declared allowed values, and what its description says in prose
(values listed as "可选值：mp4、hls", ranges as "取值范围：[0, 255]", formats such as a
URL to a picture or to JSON). Values that belong together come from one per-event
context: one FileId and media profile, times in order (created ≤ updated ≤ finished),
spans that start before they end, statuses and error codes that agree. Optional
(nullable) parts are present in most events, not all. Where a model is a tagged union
(a ``Type`` or ``SourceType`` and one member per value), only the member matching the
chosen value is filled; an input given as a FileId, a Url or Base64 carries only the one
its ``Type`` names.

One ``random.Random`` seeded once drives every choice, and Faker (seeded from the same
seed) only fills pools of names and sentences up front: same seed, same events.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..clock import iso8601
from .schema import EventInputError, Field, Schema, load_schema

NEVER_EXPIRES = "9999-12-31T23:59:59Z"
_LIST_SIZES = ((0, 1, 1, 2, 2, 3), (0, 1, 1, 2, 2, 3), (0, 1, 1, 2), (0, 0, 1))  # by depth
_MAX_DEPTH = 6  # deeper nested models are left out: real payloads are not deeper
_NULLABLE_PRESENT = 0.8  # how often an optional part is present
_SUCCESS_RATE = 0.85  # of finished tasks
_FINISHED_RATE = 0.9  # the rest are PROCESSING (a "Change" notification mid-flow)
_NO_PROCEDURE_RATE = 0.2  # uploads and edits with no task flow: ProcedureTaskId ""
_NO_REVIEW_RATE = 0.6  # ... and with no review in it: ReviewAudioVideoTaskId ""
_REGIONS = ("ap-guangzhou", "ap-chongqing", "ap-shanghai", "ap-beijing", "ap-singapore")
_RESOLUTIONS = ((1920, 1080), (1280, 720), (3840, 2160), (854, 480), (640, 360), (1080, 1920),
                (720, 1280))
_FAILURES = (
    (30010, "FailedOperation.SourceFileError",
     "source file error: the input media cannot be decoded"),
    (70000, "InternalError", "internal error, please retry"),
    (40000, "InvalidParameter.MediaFormat", "invalid input: the media format is not supported"),
    (10008, "ResourceNotFound", "the source file does not exist"),
)
_TASK_MODEL = re.compile(r"(?:Task(?:2017)?|Info)$")  # EditMediaTask -> an EditMedia task
# "当 Type 为 Transcode 时有效", "当任务类型为 Cover 时", "当文件来源为 Record 时有效".
_UNION_MEMBER = re.compile(r"(?:类型|Type|来源)\s*为\s*([A-Za-z][A-Za-z0-9.]*)\s*时")
_UNION_TAGS = ("Type", "SourceType")
_SOURCE_OF_KIND = {"File": "FileId", "FILEID": "FileId", "Url": "Url", "URL": "Url",
                   "Base64": "Base64"}


@dataclass
class _Media:
    """One coherent media file: everything a MetaData or a URL says about it agrees."""

    width: int
    height: int
    fps: int
    duration: float
    video_bitrate: int
    audio_bitrate: int
    video_codec: str
    container: str
    ext: str

    @property
    def bitrate(self) -> int:
        return self.video_bitrate + self.audio_bitrate

    @property
    def size(self) -> int:
        return int(self.duration * self.bitrate / 8)


@dataclass
class EventContext:
    """What one event's fields share."""

    rng: random.Random
    app_id: int
    file_id: str
    name: str
    media: _Media
    done: bool  # the task has finished (else it is still PROCESSING)
    success: bool
    failure: tuple[int, str, str]
    created: float
    updated: float
    finished: float
    path_prefix: str
    task_ids: dict[str, str] = field(default_factory=dict)

    @property
    def url_stem(self) -> str:
        """The file name as it appears in URLs: the media's name when it is plain ASCII."""
        return self.name if self.name.isascii() else self.file_id[-12:]

    def url(self, name: str, ext: str) -> str:
        return f"https://{self.app_id}.vod2.myqcloud.com/{self.path_prefix}/{name}.{ext}"

    def task_id(self, kind: str) -> str:
        """One task id per kind per event: a flow's events agree on it."""
        if kind not in self.task_ids:
            self.task_ids[kind] = new_task_id(self.rng, self.app_id, kind)
        return self.task_ids[kind]


Resolver = Callable[["EventFactory", EventContext, Field, str, int], Any]
_SKIP = object()


@dataclass(frozen=True)
class _ModelPlan:
    fields: tuple[tuple[str, bool, Resolver, Field], ...]  # name, nullable, how, spec
    tag: str  # for a tagged union: the field whose value picks the member to fill
    union: dict[str, str]  # tag value -> member field
    sources: dict[str, str]
    spans: tuple[tuple[str, str], ...]


class EventFactory:
    """Makes EventContent payloads (without EventHandle), deterministic under a seed."""

    def __init__(self, seed: int, now: Callable[[], float], schema: Schema | None = None):
        self.schema = schema or load_schema()
        self._seed = seed
        self._now = now
        self._plans: dict[str, _ModelPlan] = {}
        self._unions: dict[str, tuple[str, dict[str, str]]] = {}
        self._source_fields: dict[str, dict[str, str]] = {}
        self._span_fields: dict[str, list[tuple[str, str]]] = {}
        self._pools: _TextPools | None = None
        self.reseed()

    def reseed(self) -> None:
        self.rng = random.Random(self._seed)
        self.app_id = 1_250_000_000 + random.Random(f"app/{self._seed}").randrange(10_000_000)

    @property
    def pools(self) -> _TextPools:
        if self._pools is None:
            self._pools = _TextPools(self._seed)
        return self._pools

    # ----- events

    def make(self, event_type: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        member, model = self.schema.member_of(event_type)
        context = self.new_context()
        file_id = _overridden_file_id(overrides, member)
        if file_id is not None:
            context.file_id = file_id  # the file an override names is the event's file throughout
        content: dict[str, Any] = {"EventType": event_type, member: self.model(model, context)}
        if overrides:
            content = apply_overrides(self.schema, content, overrides)
        return content

    def new_context(self) -> EventContext:
        rng = self.rng
        width, height = rng.choice(_RESOLUTIONS)
        codec, container, ext = rng.choice(
            (("h264", "mov,mp4,m4a,3gp,3g2,mj2", "mp4"), ("hevc", "mov,mp4,m4a,3gp,3g2,mj2", "mp4"),
             ("h264", "flv", "flv"), ("h264", "hls,applehttp", "m3u8"))
        )
        pixels = width * height
        media = _Media(
            width=width, height=height, fps=rng.choice((24, 25, 30, 60)),
            duration=round(rng.uniform(5, 3600), 3),
            video_bitrate=int(pixels * rng.uniform(1.0, 2.5)), audio_bitrate=rng.choice(
                (64_000, 128_000, 192_000)),
            video_codec=codec, container=container, ext=ext,
        )
        now = self._now()
        created = now - rng.uniform(30, 3600)
        updated = created + rng.uniform(1, 20)
        finished = min(now, updated + rng.uniform(0, 600))
        return EventContext(
            rng=rng, app_id=self.app_id, file_id=new_file_id(rng),
            name=self.pools.title(rng), media=media, done=rng.random() < _FINISHED_RATE,
            success=rng.random() < _SUCCESS_RATE,
            failure=rng.choice(_FAILURES), created=created, updated=updated, finished=finished,
            path_prefix=f"{_hex(rng, 8)}/{_hex(rng, 8)}",
        )

    # ----- models and fields

    def model(self, model: str, context: EventContext, depth: int = 0) -> dict[str, Any]:
        plan = self._plans.get(model) or self._compile(model)
        chance = context.rng.random
        value: dict[str, Any] = {}
        for name, nullable, resolve, spec in plan.fields:
            if nullable and chance() > _NULLABLE_PRESENT:
                continue
            produced = resolve(self, context, spec, model, depth)
            if produced is not _SKIP:
                value[name] = produced
        if plan.union:
            member_name = plan.union.get(value.get(plan.tag))  # type: ignore[arg-type]
            if member_name is not None:
                member = self.schema.models[model][member_name]
                produced = _resolve_model(self, context, member, model, depth)
                if produced is not _SKIP:
                    value[member_name] = produced
        if plan.sources:  # an input given as a FileId, a Url or Base64: only what Type says
            for kind, name in plan.sources.items():
                if kind != value.get("Type"):
                    value.pop(name, None)
        for start, end in plan.spans:
            if (start in value and end in value and type(value[start]) is type(value[end])
                    and value[start] > value[end]):
                value[start], value[end] = value[end], value[start]
        return value

    def _compile(self, model: str) -> _ModelPlan:
        """Work out once per model what making one takes."""
        tag, union = self._union(model)
        members = set(union.values())
        fields = tuple(
            (spec.name, spec.nullable, _resolver_for(spec, model), spec)
            for spec in self.schema.models[model].values()
            if spec.name not in members  # filled after, to match the chosen tag
        )
        plan = _ModelPlan(fields, tag, union, self._sources(model), tuple(self._spans(model)))
        self._plans[model] = plan
        return plan

    def _spans(self, model: str) -> list[tuple[str, str]]:
        """Fields that start and end one span (StartTimeOffset, EndTimeOffset): in order."""
        spans = self._span_fields.get(model)
        if spans is None:
            fields = self.schema.models[model]
            spans = [(name, name.replace("Start", "End")) for name, spec in fields.items()
                     if "Start" in name and spec.model is None and not spec.is_list
                     and name.replace("Start", "End") in fields]
            self._span_fields[model] = spans
        return spans

    def _sources(self, model: str) -> dict[str, str]:
        """For an input that is a FileId, a Url or Base64 by its Type: Type value -> field."""
        sources = self._source_fields.get(model)
        if sources is None:
            fields = self.schema.models[model]
            type_field = fields.get("Type")
            sources = {}
            if type_field is not None and {"File", "FILEID"} & set(type_field.enum):
                sources = {kind: name for kind, name in _SOURCE_OF_KIND.items()
                           if kind in type_field.enum and name in fields}
            self._source_fields[model] = sources
        return sources

    def _union(self, model: str) -> tuple[str, dict[str, str]]:
        """For a tagged-union model: the tag field (``Type``, ``SourceType``), and each of
        its values -> the member field valid for it."""
        known = self._unions.get(model)
        if known is None:
            union: dict[str, str] = {}
            fields = self.schema.models[model]
            tag = next((name for name in _UNION_TAGS if name in fields and fields[name].enum),
                       "")
            if tag:
                allowed = fields[tag].enum
                for spec in fields.values():
                    match = _UNION_MEMBER.search(spec.doc) if spec.model else None
                    if match:
                        # The docs are loose ("ImageSprite" for the type "ImageSprites").
                        named = match.group(1)
                        value = next((v for v in allowed
                                      if v == named or v.startswith(named)), named)
                        union[value] = spec.name
            known = self._unions[model] = (tag, union)
        return known


# ----- overrides


def apply_overrides(
    schema: Schema, content: dict[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Deep-merge ``overrides`` into ``content``; objects merge, anything else replaces.

    Refused with EventInputError when an override names a field the model lacks or has the
    wrong type.
    """
    if not isinstance(overrides, Mapping):
        raise EventInputError("overrides must be an object, e.g. {\"FileUploadEvent\": {...}}")
    event_type = content["EventType"]
    member, model = schema.member_of(event_type)
    for key, value in overrides.items():
        if key == "EventType":
            if value != event_type:
                raise EventInputError("overrides cannot change EventType")
        elif key != member:
            raise EventInputError(
                f"{key} cannot be overridden in a {event_type} event: only {member}"
            )
        else:
            schema.check_model(value, model, member)
    return _merge(content, overrides)


def _overridden_file_id(overrides: Mapping[str, Any] | None, member: str) -> str | None:
    """The FileId (or the one file of a FileIdSet) an override gives the member, if any."""
    if not isinstance(overrides, Mapping) or not isinstance(overrides.get(member), Mapping):
        return None
    task = overrides[member]
    file_id = task.get("FileId")
    if file_id is None and isinstance(task.get("FileIdSet"), list) and task["FileIdSet"]:
        file_id = task["FileIdSet"][0]
    return file_id if isinstance(file_id, str) and file_id else None


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


# ----- text pools (Faker, once)


class _TextPools:
    """Names and sentences in Chinese and English, made once by a Faker seeded like the rest."""

    def __init__(self, seed: int) -> None:
        from faker import Faker  # imported on first use: start-up stays fast

        faker = Faker(["zh_CN", "en_US"])
        faker.seed_instance(seed)
        zh, en = faker["zh_CN"], faker["en_US"]
        self.titles = ["".join(zh.words(3)) for _ in range(40)] + [
            "-".join(en.words(3)).lower() for _ in range(40)]
        self.sentences = [zh.sentence(nb_words=8) for _ in range(40)] + [
            en.sentence(nb_words=10) for _ in range(40)]
        self.words = [zh.word() for _ in range(40)] + [en.word() for _ in range(40)]
        self.people = [zh.name() for _ in range(20)] + [en.name() for _ in range(20)]

    def title(self, rng: random.Random) -> str:
        return rng.choice(self.titles)


def _hex(rng: random.Random, length: int) -> str:
    return format(rng.getrandbits(4 * length), f"0{length}x")


def new_task_id(rng: random.Random, app_id: int, kind: str) -> str:
    """A task id in the real pattern: ``<appid>-<Kind>-<32 hex>t<digit>``."""
    return f"{app_id}-{kind}-{_hex(rng, 32)}t{rng.randint(0, 9)}"


def new_file_id(rng: random.Random) -> str:
    """A FileId in the real pattern: a 19-digit number."""
    return str(rng.randrange(5 * 10**18, 6 * 10**18))


# ----- what each field holds


def _resolver_for(spec: Field, model: str) -> Resolver:
    if spec.model is not None:
        return _resolve_model
    if spec.is_list:
        return _LISTS.get(spec.name) or _list_of(spec, model)
    if spec.enum and spec.name not in _ENUM_AWARE:
        return _resolve_enum
    type_name = spec.type or "string"
    rule = _BY_NAME.get(spec.name)
    if rule is None or spec.name == "Type":  # most Types say their values; a media's does not
        documented = _documented(spec)
        if documented is not None:
            return documented
    if rule is None:
        rule = next((r for suffix, r in _BY_SUFFIX if spec.name.endswith(suffix)), None)
    fallback = _BY_TYPE[type_name]
    return fallback if rule is None else _as_declared_type(rule, type_name, fallback)


def _documented(spec: Field) -> Resolver | None:
    """What a field's description allows, when it says so in prose rather than as a list
    the schema recognized: "可选值：mp4、hls", "<li>normal：...", "取值范围：[0, 255]"."""
    doc = spec.doc
    if spec.type == "string":
        if _PER_MODEL in doc:
            return None  # values per AI model ("OG：1K、2K"), not the field's own
        inline = _DOC_INLINE_VALUES.search(doc)
        values = (re.split(r"\s*[、，,]\s*", inline.group(1)) if inline
                  else _DOC_LISTED_VALUES.findall(doc) or _DOC_QUOTED_VALUES.findall(doc))
        if values:
            return _choice(*dict.fromkeys(values))
        if "JSON" in doc and not spec.name.endswith(("Url", "URL")):
            return _json_text
        return None
    if spec.type in ("integer", "number"):
        bounds = _DOC_RANGE.search(doc)
        if bounds:
            low, high = float(bounds.group(1)), float(bounds.group(2))
            if low < high:
                return _between(low, high)
    return None


def _as_declared_type(rule: Resolver, type_name: str, fallback: Resolver) -> Resolver:
    """A name rule may meet a field of another type (an integer ``StartTime``): convert
    what converts, and fall back to the type's own generator for the rest."""

    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        value = rule(factory, context, spec, model, depth)
        if type_name == "string":
            return value if isinstance(value, str) else str(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return fallback(factory, context, spec, model, depth)
        if type_name == "integer":
            return int(value)
        if type_name == "number":
            return float(value)
        return fallback(factory, context, spec, model, depth)

    return resolve


def _resolve_model(factory: EventFactory, context: EventContext, spec: Field, model: str,
                   depth: int) -> Any:
    assert spec.model is not None
    if depth >= _MAX_DEPTH:
        return [] if spec.is_list else _SKIP
    if not spec.is_list:
        return factory.model(spec.model, context, depth + 1)
    if spec.name.endswith("StreamSet") or spec.name in _ONE_PER_FILE:
        count = 1  # one video stream, one audio stream; one result per file
    else:
        # Top-level lists (result sets, file lists) hold a few items; the lists nested in a
        # task's input (watermarks, mosaics, subtitles) are mostly empty in real payloads.
        count = context.rng.choice(_LIST_SIZES[min(depth, len(_LIST_SIZES) - 1)])
    return [factory.model(spec.model, context, depth + 1) for _ in range(count)]


def _list_of(spec: Field, model: str) -> Resolver:
    """A list of plain values: what one item holds is what the singular field would."""
    if spec.type == "string" and spec.enum:
        def pick(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
            rng = context.rng
            return rng.sample(spec.enum, k=rng.randint(1, min(3, len(spec.enum))))

        return pick
    single = Field(re.sub(r"(?:Set|s)$", "", spec.name), spec.type, None, False, spec.enum,
                   False, spec.doc)
    item = _resolver_for(single, model)

    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        return [item(factory, context, single, model, depth)
                for _ in range(context.rng.randint(0, 3))]

    return resolve


def _resolve_enum(factory: EventFactory, context: EventContext, spec: Field, model: str,
                  depth: int) -> Any:
    return context.rng.choice(spec.enum)


def _status(factory: EventFactory, context: EventContext, spec: Field, model: str,
            depth: int) -> Any:
    """A task is FINISH (or PROCESSING); its sub-tasks SUCCESS or FAIL as the event goes."""
    enum = spec.enum
    if spec.type == "integer":
        return 0  # RestoreMediaTask: deprecated, 0
    if "FINISH" in enum:
        return "FINISH" if context.done else "PROCESSING"
    if "SUCCESS" in enum and "FAIL" in enum:
        if not context.done:
            return "PROCESSING"
        return "SUCCESS" if context.success else "FAIL"
    if "Normal" in enum:
        return "Normal" if context.rng.random() < 0.95 else context.rng.choice(enum)
    return context.rng.choice(enum) if enum else "SUCCESS"


def _failed(context: EventContext) -> bool:
    return context.done and not context.success


def _err_code(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    if not _failed(context):
        return 0
    documented = [code for code in spec.enum if code != 0]  # this task's own failure codes
    return context.rng.choice(documented) if documented else context.failure[0]


def _err_code_ext(factory: EventFactory, context: EventContext, spec: Field, model: str,
                  depth: int) -> Any:
    if not _failed(context):
        return ""
    return context.failure[1] if not spec.enum or context.failure[1] in spec.enum else spec.enum[0]


def _message(factory: EventFactory, context: EventContext, spec: Field, model: str,
             depth: int) -> Any:
    if _failed(context):
        return context.failure[2]
    return "SUCCESS" if context.done else ""


def _progress(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    return 100 if context.done else context.rng.randint(0, 99)


def _file_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
             depth: int) -> Any:
    return context.file_id


def _task_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
             depth: int) -> Any:
    # ProcedureTaskId -> Procedure; TaskId of an EditMediaTask -> EditMedia.
    kind = spec.name[: -len("TaskId")] if spec.name != "TaskId" else _TASK_MODEL.sub("", model)
    kind = kind.removesuffix("Event").removesuffix("Complete") or "Procedure"
    return context.task_id(kind)


def _started_task_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
                     depth: int) -> Any:
    """The task flow a task started, if its template asked for one: else empty, as the
    real service sends it (a review far more often than not)."""
    absent = _NO_REVIEW_RATE if spec.name.startswith("ReviewAudioVideo") else _NO_PROCEDURE_RATE
    if context.rng.random() < absent:
        return ""
    return _task_id(factory, context, spec, model, depth)


def _time(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    name = spec.name
    if spec.type != "string":  # a Unix timestamp, or a point in the media
        if "Expire" in name:
            return int(context.finished) + 24 * 3600
        return _time_offset(factory, context, spec, model, depth)
    if name.endswith("ExpireTime"):
        if name == "ExpireTime":
            return NEVER_EXPIRES
        return iso8601(context.finished + 24 * 3600)  # signed result URLs expire in a day
    if name.startswith("Create") or name.endswith("StartTime"):
        return iso8601(context.created)
    if name.startswith(("Begin", "Update")):
        return iso8601(context.updated)
    if name.startswith("Finish") and not context.done:
        return ""  # not finished yet
    return iso8601(context.finished)


def _timestamp(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    return int(context.finished) + 24 * 3600  # PicUrlExpireTimeStamp: when the picture goes


def _url(factory: EventFactory, context: EventContext, spec: Field, model: str,
         depth: int) -> Any:
    """A file of this application; the extension says what it is, as the description does."""
    name, doc = spec.name, spec.doc
    rng = context.rng
    if "Vtt" in name or "字幕" in doc:
        return context.url(_hex(rng, 8), "vtt")
    if "JSON" in doc or "ResultSet" in name:
        return context.url(f"result-{_hex(rng, 8)}", "json")
    if "动图" in doc:
        return context.url(f"{context.url_stem}-{_hex(rng, 4)}", "gif")
    if "AdaptiveDynamicStreaming" in model:
        return context.url(f"adp.{_hex(rng, 6)}", "m3u8")
    if ("Cover" in name or "Pic" in name or "Img" in name or "Image" in name
            or "Snapshot" in name or "Image" in model or any(w in doc for w in _IMAGE_WORDS)):
        return context.url(f"{'cover' if 'Cover' in name else 'shot'}-{_hex(rng, 6)}", "jpg")
    if "3D" in model or "glb" in doc:
        return context.url(f"model-{_hex(rng, 6)}", "glb")
    if "Voice" in name or "音色" in doc:
        return context.url(f"voice-{_hex(rng, 6)}", "mp3")
    if "Video" in name:
        return context.url(f"clip-{_hex(rng, 6)}", "mp4")
    return context.url(context.url_stem, context.media.ext)


def _wechat_url(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "https://mp.weixin.qq.com/s/" + "".join(context.rng.choices(alphabet, k=22))


def _name(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    """The media's name, unless the object is a person, a thing or a subtitle."""
    if "Face" in model or "Political" in model:
        return context.rng.choice(factory.pools.people)
    if "Object" in model or "Subject" in model:
        return context.rng.choice(factory.pools.words)
    if "Subtitle" in model:
        return context.rng.choice(("中文", "English", "中英双语"))
    return context.name


def _description(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
    return context.rng.choice(factory.pools.sentences)


def _word(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    return context.rng.choice(factory.pools.words)


def _media_value(attribute: str) -> Resolver:
    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        if spec.type == "string" and attribute in ("width", "height"):
            return _position(factory, context, spec, model, depth)  # on the picture: "10%"
        value = getattr(context.media, attribute)
        return float(value) if spec.type == "number" else value

    return resolve


def _side(longest: bool) -> Resolver:
    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        sides = (context.media.width, context.media.height)
        return max(sides) if longest else min(sides)

    return resolve


def _position(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    rng = context.rng
    if rng.random() < 0.5:
        return f"{rng.randint(0, 100)}%"
    return f"{rng.randint(0, min(context.media.width, context.media.height))}px"


def _codec(factory: EventFactory, context: EventContext, spec: Field, model: str,
           depth: int) -> Any:
    return "aac" if "Audio" in model else context.media.video_codec


def _codec_tag(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    return "hvc1" if context.media.video_codec == "hevc" else ""  # only H.265 has one


def _bitrate(factory: EventFactory, context: EventContext, spec: Field, model: str,
             depth: int) -> Any:
    if "Audio" in model:
        return context.media.audio_bitrate
    if "Video" in model:
        return context.media.video_bitrate
    return context.media.bitrate


def _definition(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    if spec.name == "SourceDefinition" and context.rng.random() < 0.5:
        return 0  # the original file
    return context.rng.choice((100010, 100020, 100030, 100040, 100210, 100220, 10, 20))


def _md5(factory: EventFactory, context: EventContext, spec: Field, model: str,
         depth: int) -> Any:
    return _hex(context.rng, 32)


def _sha1(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    return _hex(context.rng, 40)


def _hex_of(length: int) -> Resolver:
    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        return _hex(context.rng, length)

    return resolve


def _confidence(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    value = round(context.rng.uniform(50, 100), 2)
    return value if spec.type == "number" else int(value)


def _score(factory: EventFactory, context: EventContext, spec: Field, model: str,
           depth: int) -> Any:
    value = round(context.rng.uniform(60, 100), 2)
    return value if spec.type == "number" else int(value)


def _time_offset(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
    """Seconds into the media (milliseconds where the field says so)."""
    offset = round(context.rng.uniform(0, context.media.duration), 2)
    if spec.name.startswith("End"):
        offset = round(min(context.media.duration, offset + context.rng.uniform(1, 30)), 2)
    if spec.name.endswith("Ms") or "毫秒" in spec.doc:
        return int(offset * 1000)
    return offset if spec.type == "number" else int(offset)


def _between(low: float, high: float) -> Resolver:
    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        if spec.type == "integer":
            return context.rng.randint(int(low), int(high))
        return round(context.rng.uniform(low, high), 2)

    return resolve


def _small_int(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    return context.rng.randint(0, 1000)


def _number(factory: EventFactory, context: EventContext, spec: Field, model: str,
            depth: int) -> Any:
    return round(context.rng.uniform(0, 100), 2)


def _boolean(factory: EventFactory, context: EventContext, spec: Field, model: str,
             depth: int) -> Any:
    return context.rng.random() < 0.5


def _text(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    rng = context.rng
    if rng.random() < 0.5:
        return rng.choice(factory.pools.words)
    return "".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(6, 16)))


def _json_text(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    """A field the description says holds JSON."""
    return json.dumps({"FileId": context.file_id, "Definition": _definition(
        factory, context, spec, model, depth)}, separators=(",", ":"))


def _category(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    choices = spec.enum or ("Video", "Audio", "Image")
    return "Video" if "Video" in choices and context.rng.random() < 0.85 else context.rng.choice(
        choices)


def _type(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    """A Type its description does not enumerate: a media's format, or a beauty item."""
    if model == "BeautyEffectItem":
        return context.rng.choice(("Whiten", "Smooth", "FaceSlim", "EyeEnlarge"))
    if model == "BeautyFilterItem":
        return context.rng.choice(("Natural", "Fresh", "Vintage"))
    return context.media.ext


def _file_type(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    if "3D" in model:
        return "glb"
    if "Image" in model:
        return "jpg"  # as its URL says
    return context.media.ext


def _format(factory: EventFactory, context: EventContext, spec: Field, model: str,
            depth: int) -> Any:
    """A subtitle's format, or an image encoding's."""
    if "Image" in model or "Encode" in model:
        return context.rng.choice(("jpg", "png", "webp"))
    return context.rng.choice(("vtt", "srt"))


def _source_media(factory: EventFactory, context: EventContext, spec: Field, model: str,
                  depth: int) -> Any:
    """A track's material: a file of this application, or a URL."""
    if context.rng.random() < 0.8:
        return context.file_id
    return context.url(context.url_stem, context.media.ext)


def _image_url(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    return context.url(f"face-{_hex(context.rng, 6)}", "jpg")


def _url_list_json(factory: EventFactory, context: EventContext, spec: Field, model: str,
                   depth: int) -> Any:
    ext = "mp4" if "Video" in spec.name else "jpg"
    return json.dumps([context.url(f"element-{_hex(context.rng, 6)}", ext)])


def _storage_path(factory: EventFactory, context: EventContext, spec: Field, model: str,
                  depth: int) -> Any:
    return f"/{context.path_prefix}/{context.url_stem}.{context.media.ext}"


def _live_domain(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
    return f"{context.rng.randint(10000, 99999)}.livepush.myqcloud.com"


def _trtc_app_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
    return 1_400_000_000 + context.rng.randrange(1_000_000)


def _opaque_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    return _hex(context.rng, 24)


def _token(factory: EventFactory, context: EventContext, spec: Field, model: str,
           depth: int) -> Any:
    return "".join(context.rng.choices(string.ascii_letters + string.digits, k=12))


def _base64(factory: EventFactory, context: EventContext, spec: Field, model: str,
            depth: int) -> Any:
    return "iVBORw0KGgoAAAANSUhEUgAA" + "".join(
        context.rng.choices(string.ascii_letters + string.digits + "+/", k=40)) + "=="


def _color(factory: EventFactory, context: EventContext, spec: Field, model: str,
           depth: int) -> Any:
    return context.rng.choice(("0xFFFFFF", "0x000000", "0xFFD700", "0xFF0000", "0x1E90FF"))


def _constant(value: Any) -> Resolver:
    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        return value

    return resolve


def _choice(*values: Any) -> Resolver:
    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        return context.rng.choice(values)

    return resolve


def _sub_app_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    return 1_500_000_000 + context.rng.randrange(100_000)


def _session_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    return "" if context.rng.random() < 0.5 else f"session-{_hex(context.rng, 12)}"


def _session_context(factory: EventFactory, context: EventContext, spec: Field, model: str,
                     depth: int) -> Any:
    return "" if context.rng.random() < 0.5 else f"uid={context.rng.randint(1, 99999)}"


def _area(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    """[x1, y1, x2, y2]: a box inside the picture."""
    rng, media = context.rng, context.media
    x1, y1 = rng.randrange(media.width // 2), rng.randrange(media.height // 2)
    return [x1, y1, x1 + rng.randint(16, media.width // 2), y1 + rng.randint(16, media.height // 2)]


def _offsets(unit: str) -> Resolver:
    """Points in the media, in order: "ms" (numbers), "s" ("3.5s" and "10%" strings)."""

    def resolve(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
        rng, duration = context.rng, context.media.duration
        points = sorted(round(rng.uniform(0, duration), 1) for _ in range(rng.randint(1, 3)))
        if unit == "ms":
            return [float(int(point * 1000)) for point in points]
        return [f"{point}s" if rng.random() < 0.7 else f"{round(100 * point / duration)}%"
                for point in points]

    return resolve


def _user_ids(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    return [f"user_{context.rng.randint(1000, 99999)}" for _ in range(context.rng.randint(1, 3))]


def _definitions(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
    return context.rng.sample((10, 20, 100010, 100020), k=context.rng.randint(0, 2))


def _stream_selects(factory: EventFactory, context: EventContext, spec: Field, model: str,
                    depth: int) -> Any:
    return [0] if context.rng.random() < 0.7 else [0, 1]


def _file_ids(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    return [context.file_id]


def _procedure_task_ids(factory: EventFactory, context: EventContext, spec: Field, model: str,
                        depth: int) -> Any:
    return [context.task_id("Procedure")]  # the task flow this task started


def _words(factory: EventFactory, context: EventContext, spec: Field, model: str,
           depth: int) -> Any:
    return context.rng.sample(factory.pools.words, k=context.rng.randint(0, 3))


def _subtitle_ids(factory: EventFactory, context: EventContext, spec: Field, model: str,
                  depth: int) -> Any:
    return [_hex(context.rng, 16) for _ in range(context.rng.randint(0, 2))]


_BY_NAME: dict[str, Resolver] = {
    "Status": _status,
    "ErrCode": _err_code,
    "ErrCodeExt": _err_code_ext,
    "Message": _message,
    "Progress": _progress,
    "FileId": _file_id,
    "Vid": _file_id,
    "TaskId": _task_id,
    "ProcedureTaskId": _started_task_id,
    "ReviewAudioVideoTaskId": _started_task_id,
    "Name": _name,
    "FileName": _name,
    "MediaName": _name,
    "Description": _description,
    "Width": _media_value("width"),
    "Height": _media_value("height"),
    "LongSide": _side(longest=True),
    "ShortSide": _side(longest=False),
    "Fps": _media_value("fps"),
    "Duration": _media_value("duration"),
    "VideoDuration": _media_value("duration"),
    "AudioDuration": _media_value("duration"),
    "Size": _media_value("size"),
    "Container": _media_value("container"),
    "Codec": _codec,
    "CodecTag": _codec_tag,
    "Bitrate": _bitrate,
    "MaxVideoBitrate": _media_value("video_bitrate"),
    "Gop": _choice(0, 0, 50, 250),
    "Definition": _definition,
    "SourceDefinition": _definition,
    "Md5": _md5,
    "Sha1": _sha1,
    "Confidence": _confidence,
    "QualityEvaluationMeanOpinionScore": _between(1, 5),
    "StartTimeOffset": _time_offset,
    "EndTimeOffset": _time_offset,
    "PositionValue": _time_offset,
    "Interval": _choice(5, 10, 30),
    "StorageRegion": _choice(*_REGIONS),
    "Region": _choice(*_REGIONS),
    "StorageClass": _choice("STANDARD", "STANDARD_IA", "ARCHIVE"),
    "OriginalStorageClass": _choice("ARCHIVE", "DEEP_ARCHIVE"),
    "TargetStorageClass": _choice("STANDARD", "STANDARD_IA"),
    "RestoreDay": _choice(0, 1, 3, 7),
    "StoragePath": _storage_path,
    "Category": _category,
    "Type": _type,
    "FileType": _file_type,
    "ClassId": _constant(0),
    "ClassName": _constant("其他"),
    "ClassPath": _constant(""),
    "SubAppId": _sub_app_id,
    "SdkAppId": _trtc_app_id,
    "SessionId": _session_id,
    "SessionContext": _session_context,
    "SourceContext": _session_context,
    "Operator": _constant("System"),
    "TasksPriority": _choice(0, 0, 0, 1, 5, 10, -10),
    "Rotate": _choice(0, 0, 0, 90, 180, 270),
    "RotateAngle": _choice(0.0, 90.0, 180.0, 270.0),
    "SamplingRate": _choice(44100, 48000),
    "SampleRate": _choice(44100, 48000),
    "AudioChannel": _choice(1, 2),
    "Mute": _choice(0, 0, 0, 1),
    "Suggestion": _choice("pass", "review", "block"),
    "Label": _word,
    "SubLabel": _word,
    "Keyword": _word,
    "Word": _word,
    "Tag": _word,
    "Classification": _word,
    "ElementName": _word,
    "VoiceName": _word,
    "Text": _description,
    "TextContent": _description,
    "Translation": _description,
    "Prompt": _description,
    "NegativePrompt": _description,
    "ElementDescription": _description,
    "ProductDesc": _description,
    "MoreRequirement": _description,
    "Language": _choice("zh", "zh", "en", "ja"),
    "InputType": _choice("File", "File", "Stream"),
    "InputRegion": _choice("Mainland", "Mainland", "Oversea"),
    "ModelName": _choice("Hunyuan", "Kling", "Vidu", "Hailuo", "GV", "OG"),
    "ModelVersion": _choice("1.0", "2.0", "2.1", "3.0"),
    "AspectRatio": _choice("16:9", "9:16", "1:1", "4:3", "3:4"),
    "Resolution": _choice("720P", "1080P", "1K", "2K", "4K"),
    "ProcedureName": _choice("QCVB_SimpleProcessFile", "QCVB_ProcessUGCFile", "LongVideoPreset"),
    "DrmType": _choice("", "", "SimpleAES", "Widevine", "FairPlay"),
    "Uv": _hex_of(6),
    "ResultUV": _hex_of(6),
    "Vector": _hex_of(32),
    "WechatVid": _token,
    "Uid": _constant(""),  # deprecated
    "SpecialInfo": _constant(""),  # "please ignore"
    "StdExtInfo": _constant(""),
    "ResourcePath": _constant(""),
    "ExtInfo": _constant(""),
    "Domain": _live_domain,
    "Path": _constant("live"),
    "SourceMedia": _source_media,
    "FaceImage": _image_url,
    "ElementImageList": _url_list_json,
    "ElementVideoList": _url_list_json,
    "Base64": _base64,
    "SvgContent": _constant('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40">'
                            '<text x="8" y="28">VOD</text></svg>'),
    "XPos": _position,
    "YPos": _position,
    "BoardY": _position,
    "FontSize": _position,
    "LineSpacing": _position,
    "Value": _between(0, 100),
    "Percent": _choice(1.5, 2.0, 4.0),
    "StreamIndex": _between(0, 3),
    "EdgeExpansionStep": _between(1, 10),
    "FaceCount": _choice(40_000, 150_000, 500_000),
    "Seed": _between(0, 2**31 - 1),
    "Result": _word,
    "ElementInfo": _word,
    "TagList": _word,
    "VoiceInfo": _word,
    "CopyRightWatermarkText": _word,
    "Style": _choice("", "realistic", "cartoon"),
    "SceneType": _choice("", "3d_panorama"),
    "DrmEncryptType": _constant(""),
    "WechatUrl": _wechat_url,
    "KeyServerUrl": _constant("https://kms.pallycon.com/cpix/getKey"),
}
# Fields whose own rules pick from their allowed values, coherently with the event.
_ENUM_AWARE = frozenset({"Status", "ErrCodeExt", "ErrCode", "Category"})
_BY_SUFFIX: list[tuple[str, Resolver]] = [
    ("TimeStamp", _timestamp),
    ("Time", _time),
    ("TimeOffset", _time_offset),  # HeadTimeOffset, TailTimeOffset
    ("TimeMs", _time_offset),
    ("Url", _url),
    ("URL", _url),
    ("Name", _name),
    ("FileId", _file_id),  # SrcFileId, LastFrameFileId: files of this application
    ("TaskId", _task_id),  # RecordTaskId
    ("Id", _opaque_id),
    ("Definition", _definition),  # BlindWatermarkDefinition
    ("Confidence", _confidence),
    ("Score", _score),
    ("Color", _color),
    ("Alpha", _between(0, 1)),
    ("Format", _format),
    ("Count", _between(1, 10)),  # InputImageCount, TotalCount
    ("Tokens", _between(100, 5000)),
    ("Seconds", _choice(5, 8, 10)),
    ("Duration", _media_value("duration")),
    ("Width", _media_value("width")),
    ("Height", _media_value("height")),
]
_BY_TYPE: dict[str, Resolver] = {
    "string": _text,
    "integer": _small_int,
    "number": _number,
    "boolean": _boolean,
}
# Lists whose items belong together.
_LISTS: dict[str, Resolver] = {
    "FileIdSet": _file_ids,
    "ProcedureTaskIds": _procedure_task_ids,
    "CategorySet": _words,
    "AreaCoordSet": _area,
    "TimeOffsetSet": _offsets("ms"),
    "TimestampSet": _offsets("ms"),
    "ExtTimeOffsetSet": _offsets("s"),
    "UserIds": _user_ids,
    "SubtitleSet": _subtitle_ids,
    "StreamSelects": _stream_selects,
    "WaterMarkDefinition": _definitions,
}
_ONE_PER_FILE = frozenset({"FileDeleteResultInfo"})  # one entry per file of FileIdSet
_IMAGE_WORDS = ("图片", "截图", "封面", "雪碧图")
# Values a description lists in prose: "可选值：mp4、hls", "<li>normal：正常...</li>",
# "<li>TEHD-100 表示...", "&quot;foreground&quot; / &quot;pattern&quot;".
_PER_MODEL = "各模型"
_DOC_INLINE_VALUES = re.compile(
    r"可选值[：:为]?\s*([A-Za-z0-9][A-Za-z0-9_.-]*(?:\s*[、，,]\s*[A-Za-z0-9][A-Za-z0-9_.-]*)+)")
_DOC_LISTED_VALUES = re.compile(
    r"<li>\s*(?:<code>)?([A-Za-z][A-Za-z0-9_.+-]*)(?:</code>)?\s*(?=[：:（(；;。<]|表示)")
_DOC_QUOTED_VALUES = re.compile(r"&quot;([A-Za-z][A-Za-z0-9_-]*)&quot;")
# A numeric range: "取值范围：[0, 255]", "取值范围0~10", "取值：0~100", "取值范围：1 - 100".
_DOC_RANGE = re.compile(
    r"(?:取值范围|取值|范围)\s*(?:为|是)?\s*[：:]?\s*[\[(]?\s*(-?\d+(?:\.\d+)?)\s*"
    r"(?:[,，~～]|\s-\s)\s*(-?\d+(?:\.\d+)?)\s*[\])]?")
