"""Allowed values read from the SDK's descriptions.

Every shape in which a description lists a string field's values is read into the schema's
enumeration, and nothing but values is read (no prose, no other thing's values). The
generator draws only values a description names, and values that go with another field's
value (an audio ``Codec`` with its ``Container``, a ``DrmType`` with its packaging, an AIGC
``Resolution`` with the task's ``ModelName``: the schema's pairings) come out together.
"""

from __future__ import annotations

import html
import inspect
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from tencentcloud.vod.v20180717 import models

from emulator.clients.client import AdminClient, AdminError
from emulator.events import EVENT_TYPES, EventFactory, EventInputError, load_schema
from emulator.events.context import new_context
from emulator.events.schema import Field
from emulator.events.schema_build import string_values
from emulator.events.values import value_maker
from emulator.events.vocabulary import APP_IDS

SCHEMA = load_schema()
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SEEDS = range(30)
PER_SEED = 3
DRAWS = 120  # values drawn from each field's value maker
_PARAM = re.compile(r":param _(\w+):(.*?)\n\s*:type \1:", re.S)


@cache
def _descriptions(model: str) -> dict[str, str]:
    """Each field's description in the pinned SDK, as written (HTML entities decoded)."""
    source = inspect.getsource(getattr(models, model).__init__)
    return {name: html.unescape(" ".join(doc.split())) for name, doc in _PARAM.findall(source)}


def _string_fields() -> Iterator[Field]:
    for fields in SCHEMA.models.values():
        yield from (spec for spec in fields.values() if spec.type == "string")


def _listing(spec: Field) -> list[str]:
    """The values the field's description names, as the SDK writes it."""
    return _named(spec.owner, spec.name)


@cache
def _named(model: str, name: str) -> list[str]:
    return [value for value in string_values(_descriptions(model)[name]) if value]


# Every string field whose description names two or more values.
LISTED = [spec for spec in _string_fields() if len(_listing(spec)) >= 2]
LISTED_NAMES = {(spec.owner, spec.name) for spec in LISTED}


def _walk(value: dict[str, Any], model: str, holder: dict[str, Any] | None
          ) -> Iterator[tuple[Field, Any, dict[str, Any], dict[str, Any] | None]]:
    """(field, value, the object holding it, the object holding that) for every field."""
    for name, item in value.items():
        spec = SCHEMA.models[model][name]
        yield spec, item, value, holder
        if spec.model is not None and item is not None:
            for element in item if spec.is_list else [item]:
                yield from _walk(element, spec.model, value)


@cache
def _sample() -> tuple[dict[str, Any], ...]:
    """Every type from every seed, as a running emulator would make them."""
    events = []
    for seed in SEEDS:
        factory = EventFactory(seed, lambda: NOW)
        events += [factory.make(event_type) for _ in range(PER_SEED) for event_type in EVENT_TYPES]
    return tuple(events)


def _visits() -> Iterator[tuple[Field, Any, dict[str, Any], dict[str, Any] | None]]:
    for content in _sample():
        member, model = SCHEMA.member_of(content["EventType"])
        yield from _walk(content[member], model, None)


# ----- 1. the schema keeps what the descriptions list, and only that


def test_every_listed_field_has_its_values_as_enumeration() -> None:
    assert len(LISTED) >= 250
    differing = {f"{spec.owner}.{spec.name}": (spec.enum, _listing(spec)) for spec in LISTED
                 if [value for value in spec.enum if value] != _listing(spec)}
    assert differing == {}


def test_every_value_is_written_in_its_description() -> None:
    """No value comes from anywhere but its own description ("Widevine PlayReady组合" is
    the "Widevine+PlayReady" the SDK writes elsewhere)."""
    missing = []
    for spec in _string_fields():
        description = _descriptions(spec.owner)[spec.name]
        spaced = description.replace(" ", "")
        for value in spec.enum:
            if value not in description and value.replace("+", "") not in spaced:
                missing.append(f"{spec.owner}.{spec.name}: {value}")
    assert missing == []


# (model, field, the values its description lists), one per shape the SDK writes a list in.
SHAPES = [
    pytest.param("AigcVideoTaskOutputFileInfo", "UsageType",
                 ["scene_url", "point_url", "mesh_url", "mesh_simplified_url", "position_info",
                  "image_url"], id="li-value-colon-label-starting-with-a-digit"),
    pytest.param("MediaProcessTaskResult", "Type",
                 ["Transcode", "AnimatedGraphics", "SnapshotByTimeOffset", "SampleSnapshot",
                  "ImageSprites", "CoverBySnapshot", "AdaptiveDynamicStreaming"], id="li-colon"),
    pytest.param("AiReviewPornTaskOutput", "Suggestion", ["pass", "review", "block"],
                 id="li-value-full-stop"),
    pytest.param("AigcImageOutputConfig", "OutputFormat", ["jpeg", "png"], id="li-bare"),
    pytest.param("MPSOverrideEraseParameter", "EraseType", ["subtitle", "watermark", "privacy"],
                 id="li-value-space-label"),
    pytest.param("EditMediaTEHDConfig", "Type", ["TEHD-100", "OFF"], id="li-value-means"),
    pytest.param("CreateAigcVideoTaskRequest", "InputRegion",
                 ["Oversea", "OverseaUSWest", "Mainland"], id="li-label-colon-value"),
    pytest.param("CreateAigcVideoTaskRequest", "ModelName",
                 ["Kling", "Vidu", "Hailuo", "Hunyuan", "Mingmou", "GV", "OS", "PixVerse"],
                 id="br-lines"),
    pytest.param("ThirdPartyDrmInfo", "DrmTypes",
                 ["FairPlay", "Widevine", "PlayReady", "Widevine+FairPlay", "PlayReady+FairPlay",
                  "Widevine+PlayReady+FairPlay", "Widevine+PlayReady"], id="plus-and-combined"),
    pytest.param("SubtitleInfoInput", "FontType", None, id="li-value-or-value"),
    pytest.param("EditMediaOutputConfig", "Type", ["mp4", "hls"], id="optional-values-inline"),
    pytest.param("ImageEncodeConfig", "Format", ["JPEG", "PNG", "BMP", "WebP"],
                 id="value-range-inline"),
    pytest.param("ProcessMediaRequest", "TasksNotifyMode", ["Finish", "Change", "None"],
                 id="values-and"),
    pytest.param("TaskSimpleInfo", "Status", ["WAITING", "PROCESSING", "FINISH", "ABORTED"],
                 id="inline-with-labels"),
    pytest.param("ProductShowcaseConfig", "CameraMovement",
                 ["AutoMatch", "ZoomIn", "ZoomOut", "GlideRight", "GlideLeft", "CraneDown"],
                 id="supported-values"),
    pytest.param("AigcVideoTaskInputFileInfo", "ReferenceType",
                 ["asset", "style", "feature", "base", "subject", "background"],
                 id="value-means-in-text"),
    pytest.param("WechatPublishTask", "Status", ["WAITING", "PROCESSING", "FINISH"],
                 id="inline-value-colon"),
    pytest.param("EditMediaTaskInput", "InputType", ["File", "Stream"], id="counted"),
    pytest.param("AiCutOutConfig", "Type", ["foreground", "pattern"], id="quoted"),
    pytest.param("MPSSmartEraseSubtitleConfig", "SubtitleFormat", ["", "srt", "vtt"],
                 id="empty-allowed"),
    pytest.param("AigcVideoOutputConfig", "Resolution",
                 ["720P", "1080P", "768P", "2K", "4K", "540p", "720p", "1080p", "2k", "4k"],
                 id="per-model-condition"),
    pytest.param("AudioTemplateInfoForUpdate", "Codec",
                 ["libmp3lame", "flac", "libfdk_aac", "ac3", "mp2", "pcm16"],
                 id="per-container-condition"),
    pytest.param("SPEKEDrm", "EncryptionMethod", ["cbcs", "cenc"], id="value-supported-by"),
    pytest.param("EditMediaVideoStream", "ResolutionAdaptive", ["open", "close"],
                 id="field-names-in-labels-are-no-values"),
]


@pytest.mark.parametrize(("model", "name", "expected"), SHAPES)
def test_each_shape_of_list_is_read(model: str, name: str, expected: list[str] | None) -> None:
    enum = list(SCHEMA.models[model][name].enum)
    if expected is None:  # "<li>kai.ttf（推荐）或 simkai.ttf： 楷体</li>"
        assert {"kai.ttf", "simkai.ttf", "hei.ttf"} <= set(enum) and len(enum) > 30
    else:
        assert enum == expected


# Descriptions that name other things: a picture's formats, a URL's schemes, examples,
# a condition, one value alone.
NOT_LISTS = [
    ("AigcImageTaskInputFileInfo", "FileId"),  # "图片格式的取值为：jpeg，jpg, png"
    ("AigcImageTaskInputFileInfo", "Base64"),  # "图片格式应为：jpeg…", "data:image/jpeg;…"
    ("VideoDepthEstimationInput", "Url"),  # "vod:// 开头的…", "data:video/…"
    ("MosaicInput", "XPos"),  # "如 100px 表示 XPos 为 100 像素"
    ("SubtitleInfoInput", "FontSize"),  # "像素：Npx，N范围…"
    ("AigcVideoTaskInput", "SceneType"),  # one value, for one model
    ("AigcVideoTaskInput", "InputRegion"),  # "可选Oversea。默认Mainland"
]


@pytest.mark.parametrize(("model", "name"), NOT_LISTS)
def test_prose_is_not_read_as_values(model: str, name: str) -> None:
    assert SCHEMA.models[model][name].enum == ()


@pytest.mark.parametrize(("description", "expected"), [
    ("Valid values: HLS, DASH.", ["HLS", "DASH"]),
    ("Valid values: <li>on: enabled</li><li>off: disabled</li>", ["on", "off"]),
    ("任务状态，可选值：WAITING（等待中）、FINISH（已完成）。", ["WAITING", "FINISH"]),
    ("加密类型：<li>Widevine PlayReady组合：…</li><li>FairPlay：…</li>",
     ["Widevine+PlayReady", "FairPlay"]),
    ("当 Type 为 HDR 时有效，取值：<li>hdr10；</li><li>hlg。</li>", ["hdr10", "hlg"]),
    ("输入文件。当 Type 取值为 File 时，本参数有效。", []),
    ("如 10% 表示 10%，100px 表示 100 像素。", []),
    ("截图方式：<code>data:image/png</code>。", []),
])
def test_descriptions_written_otherwise(description: str, expected: list[str]) -> None:
    assert string_values(description) == expected


# ----- 2. the generator draws only the values a description names


def _drawn(spec: Field) -> set[Any]:
    """What the field's value maker gives, over many fresh events."""
    make = value_maker(spec)
    drawn: set[Any] = set()
    for seed in range(DRAWS):
        rng = random.Random(seed)
        value = make(new_context(rng, rng.randrange(*APP_IDS), NOW), spec)
        drawn.update(value if spec.is_list else [value])
    return drawn


def test_every_listed_field_draws_only_listed_values() -> None:
    """For every string field whose description names two or more values, the values its
    maker can give are among them."""
    outside = {f"{spec.owner}.{spec.name}": sorted(_drawn(spec) - set(spec.enum))
               for spec in LISTED}
    assert {name: values for name, values in outside.items() if values} == {}


def test_generated_events_carry_only_listed_values() -> None:
    seen: dict[tuple[str, str], set[Any]] = defaultdict(set)
    for spec, value, _, _ in _visits():
        if (spec.owner, spec.name) in LISTED_NAMES:
            seen[(spec.owner, spec.name)].update(value if spec.is_list else [value])
    outside = {pair: values - set(SCHEMA.models[pair[0]][pair[1]].enum)
               for pair, values in seen.items()}
    assert {pair: values for pair, values in outside.items() if values} == {}
    assert len(seen) >= 120  # the sample reaches most listed fields: the check bites


def test_usage_type_is_one_of_the_six_listed_over_many_seeds() -> None:
    usage_types: Counter[str] = Counter()
    for seed in range(40):
        factory = EventFactory(seed, lambda: NOW)
        for _ in range(5):
            content = factory.make("AigcVideoTaskComplete")
            usage_types.update(value for spec, value, _, _ in _walk(
                content["AigcVideoCompleteEvent"], "AigcVideoTask", None)
                if spec.name == "UsageType")
    assert set(usage_types) == {"scene_url", "point_url", "mesh_url", "mesh_simplified_url",
                                "position_info", "image_url"}


def test_an_unlisted_value_is_refused_as_an_override() -> None:
    factory = EventFactory(1, lambda: NOW)
    output = {"FileInfos": [{"UsageType": "1re522zH"}]}
    refused = r"FileInfos\[0\]\.UsageType must be one of 'scene_url'"
    with pytest.raises(EventInputError, match=refused):
        factory.make("AigcVideoTaskComplete", {"AigcVideoCompleteEvent": {"Output": output}})


def test_emitted_events_carry_listed_values(admin: AdminClient) -> None:
    emitted = admin.emit("AigcVideoTaskComplete", 30)
    usage_types = {value for event in emitted for spec, value, _, _ in _walk(
        event["content"]["AigcVideoCompleteEvent"], "AigcVideoTask", None)
        if spec.name == "UsageType"}
    assert usage_types and usage_types <= set(
        SCHEMA.models["AigcVideoTaskOutputFileInfo"]["UsageType"].enum)
    with pytest.raises(AdminError) as raised:
        admin.emit("AigcVideoTaskComplete", overrides={"AigcVideoCompleteEvent": {
            "Output": {"FileInfos": [{"UsageType": "random text"}]}}})
    assert raised.value.status == 400 and "UsageType must be one of" in raised.value.message


# ----- 3. values that go with another field's value


def test_audio_codecs_are_paired_with_containers_as_the_description_says() -> None:
    """"当外层参数 Container 为 mp3 时，可选值为：<li>libmp3lame。</li>…"."""
    pairing = SCHEMA.models["AudioTemplateInfoForUpdate"]["Codec"].pairing
    assert pairing is not None and (pairing.field, pairing.outer) == ("Container", True)
    assert dict(pairing.allowed) == {
        "mp3": ("libmp3lame",), "ogg": ("flac",), "flac": ("flac",),
        "m4a": ("libfdk_aac", "libmp3lame", "ac3"), "mp4": ("libfdk_aac", "libmp3lame", "mp2"),
        "flv": ("libfdk_aac", "libmp3lame", "mp2"), "hls": ("libfdk_aac",), "wav": ("pcm16",)}
    # "av1，H.266 编码容器目前只支持 mp4"
    video = SCHEMA.models["VideoTemplateInfoForUpdate"]["Codec"].pairing
    assert video is not None and video.allowed["mp4"] == ("libx264", "libx265", "av1", "H.266")
    assert video.allowed["flv"] == ("libx264", "libx265")


def test_drm_types_are_paired_with_their_packaging() -> None:
    """"FairPlay：只能用于HLS", "Widevine：可以用于HLS和DASH"; SimpleAES is HLS's alone."""
    complex_output = SCHEMA.models["ComplexAdaptiveDynamicStreamingTaskOutput"]["DrmType"]
    assert complex_output.pairing is not None
    assert complex_output.pairing.allowed["MPEG-DASH"] == ("", "Widevine")
    assert set(complex_output.pairing.allowed["HLS"]) == set(complex_output.enum)
    encryption = SCHEMA.models["SPEKEDrm"]["EncryptionMethod"].pairing
    assert encryption is not None and encryption.field == "DrmTypes" and encryption.outer
    assert encryption.allowed["FairPlay"] == ("cbcs",)
    assert encryption.allowed["Widevine+PlayReady"] == ("cbcs", "cenc")
    assert encryption.values_for(["Widevine", "FairPlay"]) == ("cbcs",)


def test_generated_values_go_with_the_value_they_depend_on() -> None:
    """Every pairing the events reach holds in every generated event: an audio Codec its
    Container takes, a DrmType its packaging takes, an EncryptionMethod every one of its
    DrmTypes takes, a Resolution the task's model makes."""
    checked: Counter[str] = Counter()
    broken = []
    for spec, value, holder, outer in _visits():
        pairing = spec.pairing
        beside = outer if pairing is not None and pairing.outer else holder
        if pairing is None or beside is None or pairing.field not in beside:
            continue
        allowed = pairing.values_for(beside[pairing.field])
        if allowed is None:
            continue
        checked[f"{spec.owner}.{spec.name}"] += 1
        if value not in allowed:
            broken.append(f"{spec.owner}.{spec.name}={value!r} with "
                          f"{pairing.field}={beside[pairing.field]!r}")
    assert broken == []
    assert {name for name, count in checked.items() if count >= 3} >= {
        "AudioTemplateInfoForUpdate.Codec", "VideoTemplateInfoForUpdate.Codec",
        "RebuildMediaTargetAudioStream.Codec", "AdaptiveDynamicStreamingInfoItem.DrmType",
        "ComplexAdaptiveDynamicStreamingTaskOutput.DrmType", "SPEKEDrm.EncryptionMethod",
        "AigcVideoOutputConfig.Resolution", "AigcImageOutputConfig.AspectRatio"}


def test_a_task_model_is_one_its_output_settings_name() -> None:
    """A task's ModelName, which the SDK lists no values for, is one the output settings'
    lists name, so its Resolution goes with it (and a model without one has none)."""
    models_seen: Counter[str] = Counter()
    for spec, value, holder, _ in _visits():
        if spec.owner == "AigcImageTaskInput" and spec.name == "ModelName":
            models_seen[value] += 1
            output = holder.get("OutputConfig") or {}
            if value == "Hunyuan":  # "Hunyuan 3.0：暂不支持本字段"
                assert "Resolution" not in output
    pairing = SCHEMA.models["AigcImageOutputConfig"]["Resolution"].pairing
    assert pairing is not None and set(models_seen) <= set(pairing.allowed)
    assert len(models_seen) >= 4
