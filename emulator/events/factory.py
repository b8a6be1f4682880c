"""EventFactory: realistic EventContent payloads of every type, from the SDK schema.

Every field of the member's model, nested models included, gets a value a VOD engineer
would believe: what a field holds is decided by its name (``FileId``, ``*Time``, ``*Url``,
``Width``...) and its declared allowed values, and values that belong together come from
one per-event context: one FileId and media profile, times in order (created ≤ updated
≤ finished), statuses and error codes that agree. Optional (nullable) parts are present
in most events, not all. Where a model is a tagged union (a ``Type`` and one result
member per type), only the member matching the chosen ``Type`` is filled.

One ``random.Random`` seeded once drives every choice, and Faker (seeded from the same
seed) only fills pools of names and sentences up front: same seed, same events.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..clock import iso8601
from .schema import EventInputError, Field, Schema, load_schema

NEVER_EXPIRES = "9999-12-31T23:59:59Z"
_MAX_DEPTH = 6  # deeper nested models are left out: real payloads are not deeper
_NULLABLE_PRESENT = 0.8  # how often an optional part is present
_SUCCESS_RATE = 0.85  # of finished tasks
_FINISHED_RATE = 0.9  # the rest are PROCESSING (a "Change" notification mid-flow)
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
_UNION_MEMBER = re.compile(r"(?:类型|Type)\s*为\s*([A-Za-z][A-Za-z0-9.]*)\s*时")


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
            suffix = "".join(self.rng.choices("0123456789abcdef", k=32))
            self.task_ids[kind] = f"{self.app_id}-{kind}-{suffix}t{self.rng.randint(0, 9)}"
        return self.task_ids[kind]


Resolver = Callable[["EventFactory", EventContext, Field, str, int], Any]
_SKIP = object()


class EventFactory:
    """Makes EventContent payloads (without EventHandle), deterministic under a seed."""

    def __init__(self, seed: int, now: Callable[[], float], schema: Schema | None = None):
        self.schema = schema or load_schema()
        self._seed = seed
        self._now = now
        self._plans: dict[str, list[tuple[Field, Resolver]]] = {}
        self._unions: dict[str, dict[str, str]] = {}
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
        content: dict[str, Any] = {"EventType": event_type, member: self.model(model, context)}
        if overrides:
            content = apply_overrides(self.schema, content, overrides)
        return content

    def new_context(self) -> EventContext:
        rng = self.rng
        width, height = rng.choice(_RESOLUTIONS)
        codec, container, ext = rng.choice(
            (("h264", "mov,mp4,m4a,3gp,3g2,mj2", "mp4"), ("h265", "mov,mp4,m4a,3gp,3g2,mj2", "mp4"),
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
            rng=rng, app_id=self.app_id, file_id=str(rng.randrange(10**18 * 5, 10**18 * 6)),
            name=self.pools.title(rng), media=media, done=rng.random() < _FINISHED_RATE,
            success=rng.random() < _SUCCESS_RATE,
            failure=rng.choice(_FAILURES), created=created, updated=updated, finished=finished,
            path_prefix=f"{_hex(rng, 8)}/{_hex(rng, 8)}",
        )

    # ----- models and fields

    def model(self, model: str, context: EventContext, depth: int = 0) -> dict[str, Any]:
        rng = context.rng
        union = self._union(model)
        chosen_type: str | None = None
        value: dict[str, Any] = {}
        for spec, resolve in self._plan(model):
            if union and spec.name in union.values():
                continue  # filled below, to match the chosen Type
            if spec.nullable and rng.random() > _NULLABLE_PRESENT:
                continue
            produced = resolve(self, context, spec, model, depth)
            if produced is _SKIP:
                continue
            value[spec.name] = produced
            if spec.name == "Type" and union:
                chosen_type = produced
        if union and chosen_type in union:
            member = self.schema.models[model][union[chosen_type]]
            produced = _resolve_model(self, context, member, model, depth)
            if produced is not _SKIP:
                value[member.name] = produced
        return value

    def _plan(self, model: str) -> list[tuple[Field, Resolver]]:
        plan = self._plans.get(model)
        if plan is None:
            fields = self.schema.models[model].values()
            plan = [(spec, _resolver_for(spec, model)) for spec in fields]
            self._plans[model] = plan
        return plan

    def _union(self, model: str) -> dict[str, str]:
        """For a tagged-union model: Type value -> the field valid for that type."""
        union = self._unions.get(model)
        if union is None:
            union = {}
            fields = self.schema.models[model]
            type_field = fields.get("Type")
            if type_field is not None and type_field.enum:
                for spec in fields.values():
                    match = _UNION_MEMBER.search(spec.doc) if spec.model else None
                    if match:
                        # The docs are loose ("ImageSprite" for the type "ImageSprites").
                        named = match.group(1)
                        value = next((v for v in type_field.enum
                                      if v == named or v.startswith(named)), named)
                        union[value] = spec.name
            self._unions[model] = union
        return union


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
    return "".join(rng.choices("0123456789abcdef", k=length))


# ----- what each field holds


def _resolver_for(spec: Field, model: str) -> Resolver:
    if spec.model is not None:
        return _resolve_model
    if spec.is_list:
        return _resolve_primitive_list
    if spec.enum and spec.name not in _ENUM_AWARE:
        return _resolve_enum
    rule = _BY_NAME.get(spec.name)
    if rule is None:
        rule = next((r for suffix, r in _BY_SUFFIX if spec.name.endswith(suffix)), None)
    fallback = _BY_TYPE[spec.type or "string"]
    return fallback if rule is None else _as_declared_type(rule, spec.type or "string", fallback)


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
    if spec.name.endswith("StreamSet"):
        count = 1  # one video stream, one audio stream
    elif depth < 3:
        count = context.rng.choice((0, 1, 1, 2, 2, 3))
    else:
        count = context.rng.choice((0, 1))
    return [factory.model(spec.model, context, depth + 1) for _ in range(count)]


def _resolve_primitive_list(factory: EventFactory, context: EventContext, spec: Field,
                            model: str, depth: int) -> Any:
    rng = context.rng
    if spec.name == "FileIdSet":
        return [context.file_id]
    if spec.type == "string":
        if spec.enum:
            return rng.sample(spec.enum, k=rng.randint(1, min(3, len(spec.enum))))
        if spec.name.endswith(("Url", "UrlSet", "Urls")):
            return [context.url(f"{_hex(rng, 6)}", "jpg") for _ in range(rng.randint(0, 2))]
        return rng.sample(factory.pools.words, k=rng.randint(0, 3))
    single = Field(spec.name, spec.type, None, False, spec.enum, False, spec.doc)
    resolver = _resolver_for(single, model)
    return [resolver(factory, context, single, model, depth) for _ in range(rng.randint(0, 3))]


def _resolve_enum(factory: EventFactory, context: EventContext, spec: Field, model: str,
                  depth: int) -> Any:
    return context.rng.choice(spec.enum)


def _status(factory: EventFactory, context: EventContext, spec: Field, model: str,
            depth: int) -> Any:
    """A task is FINISH (or PROCESSING); its sub-tasks SUCCESS or FAIL as the event goes."""
    enum = spec.enum
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
    kind = spec.name[: -len("TaskId")] if spec.name != "TaskId" else model.removesuffix("Task")
    kind = kind.removesuffix("Event").removesuffix("Complete") or "Procedure"
    return context.task_id(kind)


def _time(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
    name = spec.name
    if name.endswith("ExpireTime"):
        if name == "ExpireTime":
            return NEVER_EXPIRES
        return iso8601(context.finished + 24 * 3600)  # signed result URLs expire in a day
    if name.startswith("Create") or name == "StartTime":
        return iso8601(context.created)
    if name.startswith(("Begin", "Update")):
        return iso8601(context.updated)
    if name.startswith("Finish") and not context.done:
        return ""  # not finished yet
    return iso8601(context.finished)


def _url(factory: EventFactory, context: EventContext, spec: Field, model: str,
         depth: int) -> Any:
    name = spec.name
    rng = context.rng
    if "Cover" in name or "Pic" in name or "Img" in name or "Image" in name or "Snapshot" in name:
        return context.url(f"cover-{_hex(rng, 6)}", "jpg")
    if "Subtitle" in name or "WebVtt" in name or name.endswith("FileUrl") and "Segment" in name:
        return context.url(f"{_hex(rng, 8)}", "vtt" if "Vtt" in name or "Subtitle" in name
                           else "json")
    if "ResultSet" in name:
        return context.url(f"result-{_hex(rng, 8)}", "json")
    return context.url(context.url_stem, context.media.ext)


def _name(factory: EventFactory, context: EventContext, spec: Field, model: str,
          depth: int) -> Any:
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
        value = getattr(context.media, attribute)
        return float(value) if spec.type == "number" else value

    return resolve


def _codec(factory: EventFactory, context: EventContext, spec: Field, model: str,
           depth: int) -> Any:
    return "aac" if "Audio" in model else context.media.video_codec


def _bitrate(factory: EventFactory, context: EventContext, spec: Field, model: str,
             depth: int) -> Any:
    if "Audio" in model:
        return context.media.audio_bitrate
    if "Video" in model:
        return context.media.video_bitrate
    return context.media.bitrate


def _definition(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    return context.rng.choice((100010, 100020, 100030, 100040, 100210, 100220, 10, 20))


def _md5(factory: EventFactory, context: EventContext, spec: Field, model: str,
         depth: int) -> Any:
    return _hex(context.rng, 32)


def _confidence(factory: EventFactory, context: EventContext, spec: Field, model: str,
                depth: int) -> Any:
    value = round(context.rng.uniform(50, 100), 2)
    return value if spec.type == "number" else int(value)


def _time_offset(factory: EventFactory, context: EventContext, spec: Field, model: str,
                 depth: int) -> Any:
    offset = round(context.rng.uniform(0, context.media.duration), 2)
    if spec.name.startswith("End"):
        offset = round(min(context.media.duration, offset + context.rng.uniform(1, 30)), 2)
    return offset if spec.type == "number" else int(offset)


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


def _category(factory: EventFactory, context: EventContext, spec: Field, model: str,
              depth: int) -> Any:
    choices = spec.enum or ("Video", "Audio", "Image")
    return "Video" if "Video" in choices and context.rng.random() < 0.85 else context.rng.choice(
        choices)


def _container_format(factory: EventFactory, context: EventContext, spec: Field, model: str,
                      depth: int) -> Any:
    return context.media.ext


def _opaque_id(factory: EventFactory, context: EventContext, spec: Field, model: str,
               depth: int) -> Any:
    return _hex(context.rng, 24)


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


_BY_NAME: dict[str, Resolver] = {
    "Status": _status,
    "ErrCode": _err_code,
    "ErrCodeExt": _err_code_ext,
    "Message": _message,
    "Progress": _progress,
    "FileId": _file_id,
    "Vid": _file_id,
    "TaskId": _task_id,
    "ProcedureTaskId": _task_id,
    "ReviewAudioVideoTaskId": _task_id,
    "Name": _name,
    "FileName": _name,
    "MediaName": _name,
    "Description": _description,
    "Width": _media_value("width"),
    "Height": _media_value("height"),
    "Fps": _media_value("fps"),
    "Duration": _media_value("duration"),
    "VideoDuration": _media_value("duration"),
    "AudioDuration": _media_value("duration"),
    "Size": _media_value("size"),
    "Container": _media_value("container"),
    "Codec": _codec,
    "Bitrate": _bitrate,
    "Definition": _definition,
    "Md5": _md5,
    "Confidence": _confidence,
    "StartTimeOffset": _time_offset,
    "EndTimeOffset": _time_offset,
    "StorageRegion": _choice(*_REGIONS),
    "Region": _choice(*_REGIONS),
    "StorageClass": _choice("STANDARD", "STANDARD_IA", "ARCHIVE"),
    "Category": _category,
    "Type": _container_format,
    "ClassId": _constant(0),
    "ClassName": _constant("其他"),
    "ClassPath": _constant(""),
    "SubAppId": _sub_app_id,
    "SessionId": _session_id,
    "SessionContext": _session_context,
    "Operator": _constant("System"),
    "TasksPriority": _choice(0, 0, 0, 1, 5, 10, -10),
    "Rotate": _choice(0, 0, 0, 90, 180, 270),
    "SamplingRate": _choice(44100, 48000),
    "SampleRate": _choice(44100, 48000),
    "AudioChannel": _choice(1, 2),
    "Suggestion": _choice("pass", "review", "block"),
    "Label": _word,
    "Keyword": _word,
    "Text": _description,
    "Prompt": _description,
    "NegativePrompt": _description,
    "ExtInfo": _constant(""),
}
# Fields whose own rules pick from their allowed values, coherently with the event.
_ENUM_AWARE = frozenset({"Status", "ErrCodeExt", "ErrCode", "Category"})
_BY_SUFFIX: list[tuple[str, Resolver]] = [
    ("Time", _time),
    ("Url", _url),
    ("URL", _url),
    ("Name", _name),
    ("Id", _opaque_id),
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
