"""What each field of a generated event holds: the value makers, chosen once per field:
the values the schema allows (``enum``), else the table by field name (``FIELD_MAKERS``,
then ``SUFFIX_MAKERS``: ``FileId``, ``*Time``, ``*Url``...), else what the schema says the
text holds (JSON) or the range a number lies in, else its type. ``factory.py`` walks the
models and calls them.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any

from ..base.numeric import is_number
from ..base.times import iso8601
from . import vocabulary as v
from .context import Context, Maker
from .schema import Field

_NO_PROCEDURE_RATE = 0.2  # uploads and edits with no task flow: ProcedureTaskId ""
_NO_REVIEW_RATE = 0.6  # ... and with no review in it: ReviewAudioVideoTaskId ""
_ALPHANUMERIC = string.ascii_letters + string.digits


# ----- what each field holds


def value_maker(spec: Field) -> Maker:
    """How to make a value of one primitive field (models are walked by the factory)."""
    assert spec.model is None, f"{spec.owner}.{spec.name} is a model: the factory walks it"
    if spec.is_list:
        return LIST_MAKERS.get(spec.name) or _list_of(spec)
    if spec.enum and spec.name not in _ENUM_AWARE:
        return _from_enum
    type_name = spec.type or "string"
    rule = FIELD_MAKERS.get(spec.name)
    if rule is None and spec.holds == "json" and not spec.name.endswith(("Url", "URL")):
        rule = _json_text
    if rule is None and spec.range is not None:
        rule = _in_range
    if rule is None:
        rule = next((r for suffix, r in SUFFIX_MAKERS if spec.name.endswith(suffix)), None)
    if rule is None:
        return TYPE_MAKERS[type_name]
    typed = _as_declared_type(rule, type_name)
    return typed if spec.range is None else _clamped(typed, spec.range)


def _as_declared_type(rule: Maker, type_name: str) -> Maker:
    """A name rule may meet a field of another type (an integer ``StartTime``): convert
    what converts, and fall back to the type's own maker for the rest."""
    fallback = TYPE_MAKERS[type_name]

    def make(context: Context, spec: Field) -> Any:
        value = rule(context, spec)
        if type_name == "string":
            return value if isinstance(value, str) else str(value)
        if not is_number(value):
            return fallback(context, spec)
        if type_name == "integer":
            return int(value)
        if type_name == "number":
            return float(value)
        return fallback(context, spec)

    return make


def _clamped(rule: Maker, bounds: tuple[float, float]) -> Maker:
    low, high = bounds

    def make(context: Context, spec: Field) -> Any:
        value = rule(context, spec)
        return value if low <= value <= high else type(value)(min(max(value, low), high))

    return make


def _list_of(spec: Field) -> Maker:
    """A list of plain values: what one item holds is what the singular field would."""
    if spec.enum:
        def pick(context: Context, spec: Field) -> Any:
            rng = context.rng
            return rng.sample(spec.enum, k=rng.randint(1, min(3, len(spec.enum))))

        return pick
    single = Field(spec.name.removesuffix("Set").removesuffix("s"), spec.owner, spec.type,
                   None, False, (), spec.range, spec.unit, spec.holds, False)
    item = value_maker(single)

    def make(context: Context, spec: Field) -> Any:
        return [item(context, single) for _ in range(context.rng.randint(0, 3))]

    return make


def _from_enum(context: Context, spec: Field) -> Any:
    return context.rng.choice(spec.enum)


def _choice(*values: Any) -> Maker:
    return lambda context, spec: context.rng.choice(values)


def _constant(value: Any) -> Maker:
    return lambda context, spec: value


def _between(low: float, high: float) -> Maker:
    def make(context: Context, spec: Field) -> Any:
        if spec.type == "integer":
            return context.rng.randint(int(low), int(high))
        return round(context.rng.uniform(low, high), 2)

    return make


def _in_range(context: Context, spec: Field) -> Any:
    assert spec.range is not None
    return _between(*spec.range)(context, spec)


def _hex_of(length: int) -> Maker:
    return lambda context, spec: v.hex_digits(context.rng, length)


def _media(attribute: str) -> Maker:
    def make(context: Context, spec: Field) -> Any:
        if spec.type == "string" and attribute in ("width", "height"):
            return _position(context, spec)  # on the picture: "10%"
        value = getattr(context.media, attribute)
        return float(value) if spec.type == "number" else value

    return make


def _side(longest: bool) -> Maker:
    def make(context: Context, spec: Field) -> Any:
        sides = (context.media.width, context.media.height)
        return max(sides) if longest else min(sides)

    return make


# Status, errors and progress: how the task went.


def _status(context: Context, spec: Field) -> Any:
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


def _err_code(context: Context, spec: Field) -> Any:
    if not context.failed:
        return 0
    documented = [code for code in spec.enum if code != 0]  # this task's own failure codes
    return context.rng.choice(documented) if documented else context.failure.code


def _err_code_ext(context: Context, spec: Field) -> Any:
    if not context.failed:
        return ""
    code_ext = context.failure.code_ext
    if not spec.enum or code_ext in spec.enum:
        return code_ext
    return next(value for value in spec.enum if value)


def _message(context: Context, spec: Field) -> Any:
    if context.failed:
        return context.failure.message
    return v.SUCCESS_MESSAGE if context.done else ""


def _progress(context: Context, spec: Field) -> Any:
    return 100 if context.done else context.rng.randint(0, 99)


# Ids.


def _file_id(context: Context, spec: Field) -> Any:
    return context.file_id


def _task_id(context: Context, spec: Field) -> Any:
    return context.task_id(v.task_kind(spec.name, spec.owner))


def _started_task_id(context: Context, spec: Field) -> Any:
    """The task flow a task started, if its template asked for one: else empty, as the
    real service sends it (a review far more often than not)."""
    absent = _NO_REVIEW_RATE if spec.name.startswith("ReviewAudioVideo") else _NO_PROCEDURE_RATE
    return "" if context.rng.random() < absent else _task_id(context, spec)


def _opaque_id(context: Context, spec: Field) -> Any:
    return v.hex_digits(context.rng, 24)


def _token(context: Context, spec: Field) -> Any:
    return "".join(context.rng.choices(_ALPHANUMERIC, k=12))


# Times.


def _time(context: Context, spec: Field) -> Any:
    name = spec.name
    if spec.type != "string":  # a Unix timestamp, or a point in the media
        if "Expire" in name:
            return int(context.finished) + v.URL_LIFETIME
        return _time_offset(context, spec)
    if name.endswith("ExpireTime"):
        if name == "ExpireTime":
            return v.NEVER_EXPIRES
        return iso8601(context.finished + v.URL_LIFETIME)
    if name.startswith("Create") or name.endswith("StartTime"):
        return iso8601(context.created)
    if name.startswith(("Begin", "Update")):
        return iso8601(context.updated)
    if name.startswith("Finish") and not context.done:
        return ""  # not finished yet
    return iso8601(context.finished)


def _timestamp(context: Context, spec: Field) -> Any:
    return int(context.finished) + v.URL_LIFETIME  # PicUrlExpireTimeStamp: when it goes


def _time_offset(context: Context, spec: Field) -> Any:
    """Seconds into the media (milliseconds where the schema says so)."""
    duration = context.media.duration
    offset = round(context.rng.uniform(0, duration), 2)
    if spec.name.startswith("End"):
        offset = round(min(duration, offset + context.rng.uniform(1, 30)), 2)
    if spec.unit == "ms" or spec.name.endswith("Ms"):
        return int(offset * 1000)
    return offset if spec.type == "number" else int(offset)


def _offsets(unit: str) -> Maker:
    """Points in the media, in order: "ms" (numbers), "s" ("3.5s" and "10%" strings)."""

    def make(context: Context, spec: Field) -> Any:
        rng, duration = context.rng, context.media.duration
        points = sorted(round(rng.uniform(0, duration), 1) for _ in range(rng.randint(1, 3)))
        if unit == "ms":
            return [float(int(point * 1000)) for point in points]
        return [f"{point}s" if rng.random() < 0.7 else f"{round(100 * point / duration)}%"
                for point in points]

    return make


# URLs and files.


def _url(context: Context, spec: Field) -> Any:
    """A file of this application; the extension says what it is, as the schema does."""
    ext = v.url_extension(spec)
    if ext is None:
        return context.url(context.url_stem, context.media.ext)
    prefix = {"vtt": "", "json": "result-", "gif": f"{context.url_stem}-", "m3u8": "adp.",
              "glb": "model-", "mp3": "voice-", "mp4": "clip-",
              "jpg": "cover-" if "Cover" in spec.name else "shot-"}[ext]
    digits = 4 if ext == "gif" else 8 if ext in ("vtt", "json") else 6
    return context.url(prefix + v.hex_digits(context.rng, digits), ext)


def _wechat_url(context: Context, spec: Field) -> Any:
    alphabet = _ALPHANUMERIC + "-_"
    return "https://mp.weixin.qq.com/s/" + "".join(context.rng.choices(alphabet, k=22))


def _source_media(context: Context, spec: Field) -> Any:
    """A track's material: a file of this application, or a URL."""
    if context.rng.random() < 0.8:
        return context.file_id
    return context.url(context.url_stem, context.media.ext)


def _url_list_json(context: Context, spec: Field) -> Any:
    ext = "mp4" if "Video" in spec.name else "jpg"
    return json.dumps([context.url(f"element-{v.hex_digits(context.rng, 6)}", ext)])


def _storage_path(context: Context, spec: Field) -> Any:
    return f"/{context.path}/{context.url_stem}.{context.media.ext}"


def _type(context: Context, spec: Field) -> Any:
    """A Type its description does not enumerate: a media's format, or a beauty item."""
    if spec.owner == "BeautyEffectItem":
        return context.rng.choice(("Whiten", "Smooth", "FaceSlim", "EyeEnlarge"))
    if spec.owner == "BeautyFilterItem":
        return context.rng.choice(("Natural", "Fresh", "Vintage"))
    return context.media.ext


def _file_type(context: Context, spec: Field) -> Any:
    if "3D" in spec.owner:
        return "glb"
    if "Image" in spec.owner:
        return "jpg"  # as its URL says
    return context.media.ext


def _format(context: Context, spec: Field) -> Any:
    """A subtitle's format, or an image encoding's."""
    if "Image" in spec.owner or "Encode" in spec.owner:
        return context.rng.choice(("jpg", "png", "webp"))
    return context.rng.choice(("vtt", "srt"))


def _base64(context: Context, spec: Field) -> Any:
    return "iVBORw0KGgoAAAANSUhEUgAA" + "".join(
        context.rng.choices(_ALPHANUMERIC + "+/", k=40)) + "=="


# Media.


def _codec(context: Context, spec: Field) -> Any:
    return v.AUDIO_CODEC if "Audio" in spec.owner else context.media.video_codec


def _codec_tag(context: Context, spec: Field) -> Any:
    return "hvc1" if context.media.video_codec == "hevc" else ""  # only H.265 has one


def _bitrate(context: Context, spec: Field) -> Any:
    if "Audio" in spec.owner:
        return context.media.audio_bitrate
    if "Video" in spec.owner:
        return context.media.video_bitrate
    return context.media.bitrate


def _definition(context: Context, spec: Field) -> Any:
    if spec.name == "SourceDefinition" and context.rng.random() < 0.5:
        return 0  # the original file
    return context.rng.choice(v.DEFINITIONS)


def _category(context: Context, spec: Field) -> Any:
    choices = spec.enum or ("Video", "Audio", "Image")
    if "Video" in choices and context.rng.random() < 0.85:
        return "Video"
    return context.rng.choice(choices)


def _position(context: Context, spec: Field) -> Any:
    rng = context.rng
    if rng.random() < 0.5:
        return f"{rng.randint(0, 100)}%"
    return f"{rng.randint(0, min(context.media.width, context.media.height))}px"


def _area(context: Context, spec: Field) -> Any:
    """[x1, y1, x2, y2]: a box inside the picture."""
    rng, media = context.rng, context.media
    x1, y1 = rng.randrange(media.width // 2), rng.randrange(media.height // 2)
    return [x1, y1, x1 + rng.randint(16, media.width // 2), y1 + rng.randint(16, media.height // 2)]


# Text.


def _name(context: Context, spec: Field) -> Any:
    """The media's name, unless the object is a person, a thing or a subtitle."""
    owner = spec.owner
    if "Face" in owner or "Political" in owner:
        return context.rng.choice(context.texts.people)
    if "Object" in owner or "Subject" in owner:
        return context.rng.choice(context.texts.words)
    if "Subtitle" in owner:
        return context.rng.choice(("中文", "English", "中英双语"))
    return context.name


def _sentence(context: Context, spec: Field) -> Any:
    return context.rng.choice(context.texts.sentences)


def _word(context: Context, spec: Field) -> Any:
    return context.rng.choice(context.texts.words)


def _text(context: Context, spec: Field) -> Any:
    rng = context.rng
    if rng.random() < 0.5:
        return rng.choice(context.texts.words)
    return "".join(rng.choices(_ALPHANUMERIC, k=rng.randint(6, 16)))


def _json_text(context: Context, spec: Field) -> Any:
    """A field the schema says holds JSON."""
    return json.dumps({"FileId": context.file_id, "Definition": _definition(context, spec)},
                      separators=(",", ":"))


def _maybe(maker: Callable[[Context], str]) -> Maker:
    """Empty half the time, as optional context strings are."""
    return lambda context, spec: "" if context.rng.random() < 0.5 else maker(context)


# By type, when nothing else says.


def _small_int(context: Context, spec: Field) -> Any:
    return context.rng.randint(0, 1000)


def _number(context: Context, spec: Field) -> Any:
    return round(context.rng.uniform(0, 100), 2)


def _boolean(context: Context, spec: Field) -> Any:
    return context.rng.random() < 0.5


# ----- the table: field name -> value maker

# Fields whose own makers pick from their allowed values, coherently with the event.
_ENUM_AWARE = frozenset({"Status", "ErrCode", "ErrCodeExt", "Category"})
FIELD_MAKERS: dict[str, Maker] = {
    # how the task went
    "Status": _status,
    "ErrCode": _err_code,
    "ErrCodeExt": _err_code_ext,
    "Message": _message,
    "Progress": _progress,
    # ids
    "FileId": _file_id,
    "Vid": _file_id,
    "TaskId": _task_id,
    "ProcedureTaskId": _started_task_id,
    "ReviewAudioVideoTaskId": _started_task_id,
    "SdkAppId": lambda context, spec: context.rng.randrange(*v.TRTC_APP_IDS),
    "SessionId": _maybe(lambda context: f"session-{v.hex_digits(context.rng, 12)}"),
    "SessionContext": _maybe(lambda context: f"uid={context.rng.randint(1, 99999)}"),
    "SourceContext": _maybe(lambda context: f"uid={context.rng.randint(1, 99999)}"),
    "WechatVid": _token,
    "Uv": _hex_of(6),
    "ResultUV": _hex_of(6),
    "Vector": _hex_of(32),
    "Md5": _hex_of(32),
    "Sha1": _hex_of(40),
    # names and text
    "Name": _name,
    "FileName": _name,
    "MediaName": _name,
    "Description": _sentence,
    "Text": _sentence,
    "TextContent": _sentence,
    "Translation": _sentence,
    "Prompt": _sentence,
    "NegativePrompt": _sentence,
    "ElementDescription": _sentence,
    "ProductDesc": _sentence,
    "MoreRequirement": _sentence,
    "Label": _word,
    "SubLabel": _word,
    "Word": _word,
    "Keyword": _word,  # the items of a KeywordSet
    "Tag": _word,
    "Classification": _word,
    "ElementName": _word,
    "VoiceName": _word,
    "Result": _word,
    "ElementInfo": _word,
    "TagList": _word,
    "VoiceInfo": _word,
    "CopyRightWatermarkText": _word,
    "Language": _choice("zh", "zh", "en", "ja"),
    # media
    "Width": _media("width"),
    "Height": _media("height"),
    "LongSide": _side(longest=True),
    "ShortSide": _side(longest=False),
    "Fps": _media("fps"),
    "Duration": _media("duration"),
    "VideoDuration": _media("duration"),
    "AudioDuration": _media("duration"),
    "Size": _media("size"),
    "Container": _media("container"),
    "Codec": _codec,
    "CodecTag": _codec_tag,
    "Bitrate": _bitrate,
    "MaxVideoBitrate": _media("video_bitrate"),
    "Gop": _choice(0, 0, 50, 250),
    "Definition": _definition,
    "SourceDefinition": _definition,
    "Rotate": _choice(0, 0, 0, 90, 180, 270),
    "RotateAngle": _choice(0.0, 90.0, 180.0, 270.0),
    "SamplingRate": _choice(*v.SAMPLE_RATES),
    "Mute": _choice(0, 0, 0, 1),
    "Category": _category,
    "Type": _type,
    "FileType": _file_type,
    "DrmType": _choice("", "", "SimpleAES", "Widevine", "FairPlay"),
    "DrmEncryptType": _constant(""),
    # where and when
    "StartTimeOffset": _time_offset,
    "EndTimeOffset": _time_offset,
    "PositionValue": _time_offset,
    "Interval": _choice(5, 10, 30),
    "StorageRegion": _choice(*v.REGIONS),
    "OriginalStorageClass": _choice("ARCHIVE", "DEEP_ARCHIVE"),
    "TargetStorageClass": _choice("STANDARD", "STANDARD_IA"),
    "RestoreDay": _choice(0, 1, 3, 7),
    "StoragePath": _storage_path,
    "Domain": lambda context, spec: f"{context.rng.randint(10000, 99999)}.livepush.myqcloud.com",
    "Path": _constant("live"),
    "SourceMedia": _source_media,
    "FaceImage": lambda context, spec: context.url(
        f"face-{v.hex_digits(context.rng, 6)}", "jpg"),
    "ElementImageList": _url_list_json,
    "ElementVideoList": _url_list_json,
    "WechatUrl": _wechat_url,
    "KeyServerUrl": _constant("https://kms.pallycon.com/cpix/getKey"),
    "Base64": _base64,
    "SvgContent": _constant('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40">'
                            '<text x="8" y="28">VOD</text></svg>'),
    # positions and amounts
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
    "QualityEvaluationMeanOpinionScore": _between(1, 5),
    "TasksPriority": _choice(0, 0, 0, 1, 5, 10, -10),
    # task settings
    "ClassId": _constant(0),
    "ClassName": _constant("其他"),
    "ClassPath": _constant(""),
    "ProcedureName": _choice("QCVB_SimpleProcessFile", "QCVB_ProcessUGCFile", "LongVideoPreset"),
    "InputRegion": _choice("Mainland", "Mainland", "Oversea"),
    "ModelName": _choice("Hunyuan", "Kling", "Vidu", "Hailuo", "GV", "OG"),
    "ModelVersion": _choice("1.0", "2.0", "2.1", "3.0"),
    "AspectRatio": _choice("16:9", "9:16", "1:1", "4:3", "3:4"),
    "Resolution": _choice("720P", "1080P", "1K", "2K", "4K"),
    "Style": _choice("", "realistic", "cartoon"),
    "SceneType": _choice("", "3d_panorama"),
    "Uid": _constant(""),  # deprecated
    "SpecialInfo": _constant(""),  # "please ignore"
    "StdExtInfo": _constant(""),
    "ResourcePath": _constant(""),
    "ExtInfo": _constant(""),
}
SUFFIX_MAKERS: tuple[tuple[str, Maker], ...] = (
    ("TimeStamp", _timestamp),
    ("Time", _time),
    ("TimeOffset", _time_offset),  # HeadTimeOffset, TailTimeOffset
    ("TimeMs", _time_offset),
    ("Url", _url),
    ("FileId", _file_id),  # SrcFileId, LastFrameFileId: files of this application
    ("TaskId", _task_id),  # RecordTaskId
    ("Id", _opaque_id),
    ("Definition", _definition),  # BlindWatermarkDefinition
    ("Confidence", lambda context, spec: round(context.rng.uniform(50, 100), 2)),
    ("Score", lambda context, spec: round(context.rng.uniform(60, 100), 2)),
    ("Color", _choice("0xFFFFFF", "0x000000", "0xFFD700", "0xFF0000", "0x1E90FF")),
    ("Alpha", _between(0, 1)),
    ("Format", _format),
    ("Count", _between(1, 10)),  # InputImageCount, TotalCount
    ("Tokens", _between(100, 5000)),
    ("Seconds", _choice(5, 8, 10)),
    ("Duration", _media("duration")),
    ("Width", _media("width")),
    ("Height", _media("height")),
)
TYPE_MAKERS: dict[str, Maker] = {
    "string": _text,
    "integer": _small_int,
    "number": _number,
    "boolean": _boolean,
}
# Lists whose items belong together.
LIST_MAKERS: dict[str, Maker] = {
    "FileIdSet": lambda context, spec: [context.file_id],
    "ProcedureTaskIds": lambda context, spec: [context.task_id("Procedure")],
    "CategorySet": lambda context, spec: context.rng.sample(
        context.texts.words, k=context.rng.randint(0, 3)),
    "AreaCoordSet": _area,
    "TimeOffsetSet": _offsets("ms"),
    "TimestampSet": _offsets("ms"),
    "ExtTimeOffsetSet": _offsets("s"),
    "UserIds": lambda context, spec: [
        f"user_{context.rng.randint(1000, 99999)}" for _ in range(context.rng.randint(1, 3))],
    "SubtitleSet": lambda context, spec: [
        v.hex_digits(context.rng, 16) for _ in range(context.rng.randint(0, 2))],
    "StreamSelects": lambda context, spec: [0] if context.rng.random() < 0.7 else [0, 1],
    "WaterMarkDefinition": lambda context, spec: context.rng.sample(
        (10, 20, 100010, 100020), k=context.rng.randint(0, 2)),
}
