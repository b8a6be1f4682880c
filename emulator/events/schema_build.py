"""Build ``data/schema.json`` from the pinned official SDK's models (and ``data/texts.json``).

    python -m emulator.events.schema_build            # rewrite the committed data
    python -m emulator.events.schema_build --check    # exit 1 if it drifted from the SDK

The field names, types and nesting of every event structure come from
``tencentcloud.vod.v20180717.models``: its ``__init__`` docstrings declare each field as
``:param _Name: description`` then ``:type Name: str | int | float | bool | list of X |
:class:`...X```. Each description is read here, once and whole, for the facts it states:
allowed values (in every shape the SDK writes a list), which of them go with the value of
another field (an audio Codec with its Container: a pairing), numeric ranges, units, what a
text or URL holds, and which member of a tagged union a tag value fills. The schema keeps
those facts, not the prose: the emulator reads only the JSON this writes and never needs the
SDK.

``data/texts.json`` holds the names and sentences events carry, made here by the pinned
Faker with a fixed seed, so that generating events needs neither Faker nor its start-up.
"""

from __future__ import annotations

import argparse
import html
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

from .catalog import MEMBER_OF_EVENT_TYPE, TASK_ACTIONS, TASK_LOOKUPS, UPLOAD_ACTIONS

DATA = Path(__file__).with_name("data")
SCHEMA_PATH = DATA / "schema.json"
TEXTS_PATH = DATA / "texts.json"
_TEXTS_SEED = 20180717
_TEXTS_PER_LANGUAGE = 60

_FIELD = re.compile(
    r":param _(?P<name>\w+):(?P<doc>.*?)\n\s*:type (?P=name):\s*(?P<type>[^\n]+)", re.S
)
_MODEL_REF = re.compile(r"models\.(\w+)`")
_PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_NULLABLE = "此字段可能返回 null"

# ----- allowed values of a string field, in the order the description lists them
#
# A value is an identifier-like token: letters and digits joined by _ . + - / (and ":" between
# digits, as in the ratio 16:9): "FINISH", "hei.ttf", "MPEG-DASH", "Widevine+FairPlay",
# "3.0-Omni", "720P". The SDK names values in Latin script only: the Chinese words beside them
# are labels ("FINISH：已完成", "极速模式：Expedited", "WAITING（等待中）"), never values, and
# a field whose values are free text (names, sentences) is described without a list.
_TOKEN = r"[A-Za-z0-9](?:[A-Za-z0-9_]|[.+/-](?=[A-Za-z0-9])|:(?=\d))*"
# "Widevine PlayReady组合" is the value the SDK elsewhere writes "Widevine+PlayReady".
_COMBINED = rf"(?:{_TOKEN}[ \t]+)+{_TOKEN}(?=\s*组合)"
_ONE = re.compile(rf"\s*({_COMBINED}|{_TOKEN})(?:\s*组合)?")
_LABEL = re.compile(r"\s*(?:[（(][^）)<]*[）)]|表示[^、，,；;。<]*)")  # "（等待中）", "表示素材"
_SEPARATOR = re.compile(r"\s*(?:[、，,]|和|或|及|/)\s*|\s+(?:and|or)\s+")
# What ends a value: punctuation, a label, the end; not "vod://…" (a URL's scheme).
_COLON = r"：|:(?=\s|[\u4e00-\u9fff]|$)"
_LIST_END = re.compile(rf"\s*(?:$|[<。；;，,.、]|{_COLON}|[\u4e00-\u9fff])")
_HEAD_END = re.compile(rf"\s*(?:$|[；;。，,]|{_COLON}|表示)|\s+(?=\S)")  # "ON 开启", "vtt"
# What the text is cleaned of: samples of a value ("<pre><code>[{&quot;tag_id&quot;: …}]"),
# whose keys are no values of the field; links; markup that only decorates.
_SAMPLE = re.compile(r"<pre>.*?</pre>", re.S)
_JSON_SAMPLE = re.compile(r"<code>\s*[{\[]")  # "示例：<code>{&quot;AdditionalParameters…"
_LINK = re.compile(r"\]\([^)]*\)")
_DECORATION = re.compile(r"</?(?:p|code|strong|em|b|font|a|span|img|sup)\b[^>]*>")
# Lists are items: "<li>…" and lines after "<br>" ("取值：<br>Kling：可灵；<br>Vidu；").
_ITEM = re.compile(r"<(?:li|br)\s*/?>")
# A list of values after the words that announce one: "可选值：mp4、hls", "取值范围：JPEG、PNG",
# "可取值有 Finish，Change 和 None", "支持的值：AutoMatch（自动匹配）、ZoomIn（推进）",
# "可选值：asset 表示素材、style 表示风格", "Valid values: A, B". Not "图片格式的取值为：jpeg"
# (another thing's values), "Type 取值为 File 时" (a condition) or "默认取值".
_ANNOUNCED = re.compile(
    r"(?:可选值|可取值|可以取的值|取值范围|取值|枚举值|支持的值|可选|Valid values)"
    r"[有为是如下]*\s*[：:]?", re.I)
_NOT_ANNOUNCING = re.compile(r"(?:的|默认|当|[A-Za-z0-9])\s*$")
# "有 PROCESSING，SUCCESS 和 FAIL 三种", "可以取的值为 File，Stream 两种".
_COUNTED = re.compile(
    r"(?:有|值为)\s*([A-Za-z][A-Za-z_]*(?:\s*(?:[，,、]|和)\s*[A-Za-z][A-Za-z_]*)+)\s*\S?种")
# "取值： WAITING：等待中； FINISH：已完成", "文件状态：Normal：正常，Forbidden：封禁".
_INLINE_KEYED = re.compile(rf"(?:^|(?<=[\s；;，,>：、]))({_TOKEN})\s*：")
# "TEHD-100 表示极速高清-100", "，feature 表示特征参考视频" (not "如 100px 表示…": an example).
_MEANING = re.compile(rf"(?:^|(?<=[：:，,、；;>]))\s*({_TOKEN})\s*表示")
_QUOTED = re.compile(rf"\"({_TOKEN})\"")
# A value an item names after its label: "<li>极速模式：Expedited，…", "<li>当输入文件存储在
# 海外时：Oversea；"; not "图片格式应为：jpeg，jpg, png" (a list about something else).
_AFTER_LABEL = re.compile(
    rf"\s*[\u4e00-\u9fff][^：:<]{{0,24}}[：:]\s*({_TOKEN})\s*(?=$|[。；;]|[，,]\s*[\u4e00-\u9fff])")
# Values listed per model ("各模型可选值：<li>OG：1K、2K、4K，默认1K；</li><li>GG 2.5：…"): the
# field's values depend on its task's ModelName (versions of one model are merged).
_PER_MODEL = re.compile(rf"\s*({_TOKEN})(?:[ \t]+{_TOKEN})?\s*[：:]\s*")
_UNSUPPORTED = re.compile(r"\s*暂?不支持")
_MODEL_NAME = "ModelName"
# Values that hold for some values of another field: "当外层参数 Container 为 ogg 或 flac 时，
# 可选值为：<li>flac。</li>", "当 ModelName 是 Kling，可选值为 720P、1080P" (not "当 Type 为
# HDR 时有效": when the field applies at all).
_CONDITION = re.compile(
    rf"当\s*(?:外层参数\s*)?([A-Z][A-Za-z]*)\s*(?:为|是|取值为)\s*"
    rf"({_TOKEN}(?:\s*(?:或|、|，|,)\s*{_TOKEN})*)\s*时?")
_APPLIES = re.compile(r"\s*(?:的时候)?\s*[，,]?\s*(?:本参数|此参数)?(?:有效|生效)")
_CONDITION_LIST = re.compile(r"[\s，,：:]*(?:则)?(?:支持|可选值?[为是]?)?[：:]?")
# A value supported with some values of another field: "cbcs：PlayReady，Widevine，FairPlay支持".
_SUPPORTED = re.compile(rf"\s*({_TOKEN})\s*[：:]\s*")
# Values a container restricts: "av1，H.266 编码容器目前只支持 mp4".
_CONTAINER_ONLY = re.compile(
    rf"({_TOKEN}(?:\s*[，,、]\s*{_TOKEN})*)\s*编码容器(?:目前)?只支持\s*"
    rf"({_TOKEN}(?:\s*[，,、]\s*{_TOKEN})*)")
_CONTAINER = "Container"
# What a packaging format (HLS, DASH) a DRM type is used with: "FairPlay：只能用于HLS",
# "Widevine：可以用于HLS和DASH".
_USED_WITH = re.compile(r"\s*[：:]\s*(?:只能|可以|可)用于\s*")
# An error code field's success value: the SDK says so of most ("0 表示成功", "空字符串表示成功"),
# and it holds for every one, listed failure codes or not.
_SUCCESS: dict[str, Any] = {"ErrCode": 0, "ErrCodeExt": ""}
# "空字符串表示成功", "<li>空字符串：无加密", "可以取值空字符串"
_EMPTY_ALLOWED = re.compile(r"空字符串\s*(?:表示|[：:])|取值为?空字符串")
# A list nested in a value's item that names its parts, not values ("<li>Video ：视频轨道。
# 由以下 Item 组成：<ul><li>VideoTrackItem</li>…</ul>"): innermost, no item described.
_NESTED_BARE_LIST = re.compile(r"<ul>((?:(?!</?ul>).)*)</ul>", re.S)
_DESCRIBED_ITEM = re.compile(rf"<li>\s*{_TOKEN}\s*[：:]")


def _run(text: str, start: int) -> tuple[list[str], int]:
    """The values listed from ``start`` ("mp4、hls", "Finish，Change 和 None", "WAITING（等待中）、
    FINISH（已完成）"), and where the list ends."""
    values: list[str] = []
    position = start
    while (one := _ONE.match(text, position)) is not None:
        values.append(re.sub(r"\s+", "+", one[1]))
        position = one.end()
        label = _LABEL.match(text, position)
        position = label.end() if label else position
        separator = _SEPARATOR.match(text, position)
        if separator is None or _ONE.match(text, separator.end()) is None:
            break
        position = separator.end()
    return values, position


def _plain(doc: str) -> str:
    """The description as lists of items: samples, links and decoration removed."""
    doc = _DECORATION.sub("", _LINK.sub("]", _SAMPLE.sub(" ", doc)))
    return html.unescape(_without_nested_bare_lists(doc))


def _items(text: str) -> list[tuple[int, str]]:
    """Each item of the lists in ``text`` ("<li>…", a line after "<br>"), with its offset."""
    items = []
    for mark in _ITEM.finditer(text):
        end = text.find("<", mark.end())
        items.append((mark.end(), text[mark.end(): len(text) if end < 0 else end]))
    return items


def _head(item: str) -> list[str]:
    """The values an item names first: "FINISH：已完成", "pass。", "vtt", "ON 开启",
    "kai.ttf（推荐）或 simkai.ttf：楷体", "Widevine+FairPlay，Widevine PlayReady组合: …"."""
    values, end = _run(item, 0)
    return values if values and _HEAD_END.match(item, end) else []


_Found = list[tuple[int, str]]  # values named, each with its offset in the description


def _listed(text: str) -> tuple[_Found, _Found]:
    """The values a description (or one condition's part of it) names: those its list items
    name, and those its running text names."""
    items = _items(text)
    listed = [(offset, value) for offset, item in items for value in _head(item)]
    after_label = [(offset, m[1]) for offset, item in items
                   if not _head(item) and (m := _AFTER_LABEL.match(item))]
    if len(after_label) >= 2:  # a list of them, not one item's aside
        listed += after_label
    inline: _Found = []
    for announced in _ANNOUNCED.finditer(text):
        if _NOT_ANNOUNCING.search(text, 0, announced.start()):
            continue
        values, end = _run(text, announced.end())
        if values and _LIST_END.match(text, end):
            inline += [(announced.end(), value) for value in values]
    if not listed:  # beside a list, "Height 表示…" and "X：…" are asides, not values
        for pattern in (_MEANING, _INLINE_KEYED):
            matches = [(m.start(1), m[1]) for m in pattern.finditer(text)]
            inline += matches if len(matches) >= 2 else []
    counted = _COUNTED.search(text)
    if counted:
        inline += [(counted.start(1), value)
                   for value in re.findall(r"[A-Za-z][A-Za-z_]*", counted[1])]
    return listed, inline


def _by_condition(text: str) -> tuple[_Found, _Found, dict[str, dict[str, list[str]]]]:
    """The values named before any condition and in each condition's part ("当外层参数
    Container 为 mp3 时，可选值为：<li>libmp3lame。</li>…"), and {the field a condition names:
    {its value: the values named for it}}."""
    conditions = [c for c in _CONDITION.finditer(text) if not _APPLIES.match(text, c.end())]
    listed, inline = _listed(text[: conditions[0].start()] if conditions else text)
    when: dict[str, dict[str, list[str]]] = {}
    for index, condition in enumerate(conditions):
        end = conditions[index + 1].start() if index + 1 < len(conditions) else len(text)
        part = text[condition.end(): end]
        lead = _CONDITION_LIST.match(part)  # "，可选值为 720P、1080P", "时，支持 480p、720p"
        values, stop = _run(part, lead.end() if lead else 0)
        part_listed, part_inline = _listed(part)
        if values and _LIST_END.match(part, stop):
            part_inline = [(0, value) for value in values] + part_inline
        listed += [(condition.end() + offset, value) for offset, value in part_listed]
        inline += [(condition.end() + offset, value) for offset, value in part_inline]
        named = _unique([value for _, value in part_listed + part_inline])
        allowed = when.setdefault(condition[1], {})
        for key in _run(condition[2], 0)[0] if named else ():
            allowed[key] = _unique(allowed.get(key, []) + named)
    return listed, inline, {field: allowed for field, allowed in when.items() if allowed}


def _string_values(doc: str) -> tuple[list[str], dict[str, Any]]:
    """The values a string field's description names, in its order, and what they depend on
    (pending: resolved into a pairing once every model is read, by ``_pairings``)."""
    if _JSON_SAMPLE.search(doc):
        return [], {}  # the value holds JSON: the sample's keys are no values of the field
    text = _plain(doc)
    supported = _supported_with(text)
    if supported:
        return list(supported), {"supported": supported}
    per_model = _per_model(text)
    if per_model:
        values = [value for listed in per_model.values() for value in listed]
        return _unique(values), {"when": {_MODEL_NAME: per_model}}
    listed, inline, when = _by_condition(text)
    # Values in running text count when it names two or more (one alone may be an example).
    if not listed and len({value for _, value in inline}) < 2:
        inline = []
    values = _unique([value for _, value in sorted(listed + inline, key=lambda pair: pair[0])])
    if not values:
        quoted = _QUOTED.findall(text)
        return (_unique(quoted) if len(set(quoted)) >= 2 else []), {}
    pending: dict[str, Any] = {"when": when} if when else {}
    only = _CONTAINER_ONLY.search(text)
    if only:
        containers = _run(only[2], 0)[0]
        pending["only_with"] = {_CONTAINER: {codec: containers for codec in _run(only[1], 0)[0]}}
    used_with = _used_with(text)
    if used_with:
        pending["used_with"] = used_with
    return values, pending


def string_values(doc: str) -> list[str]:
    """The values a string field's description names, as the schema keeps them (its enum):
    ``"<li>FINISH：已完成</li><li>FAIL：失败</li>"`` -> ``["FINISH", "FAIL"]``."""
    values = _string_values(doc)[0]
    return ["", *values] if values and _EMPTY_ALLOWED.search(doc) else values


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _per_model(text: str) -> dict[str, list[str]]:
    """{model: the values listed for it} when items are keyed by model ("OG：1K、2K、4K"); a model
    "不支持" gets none."""
    lists: dict[str, list[str]] = {}
    for _, item in _items(text):
        key = _PER_MODEL.match(item)
        if key is None:
            continue
        if _UNSUPPORTED.match(item, key.end()):
            lists.setdefault(key[1], [])
            continue
        values, end = _run(item, key.end())
        if len(values) >= 2 and _LIST_END.match(item, end):
            lists[key[1]] = _unique(lists.get(key[1], []) + values)
    return lists if len(lists) >= 2 else {}


def _supported_with(text: str) -> dict[str, list[str]]:
    """{value: the values of another field it goes with} ("cbcs：PlayReady，Widevine支持")."""
    supported = {}
    for _, item in _items(text):
        head = _SUPPORTED.match(item)
        if head is None:
            continue
        values, end = _run(item, head.end())
        if len(values) >= 2 and item[end:].lstrip().startswith("支持"):
            supported[head[1]] = values
    return supported if len(supported) >= 2 else {}


def _used_with(text: str) -> dict[str, list[str]]:
    """{DRM type: the packaging formats it is used with} ("FairPlay：只能用于HLS")."""
    used: dict[str, list[str]] = {}
    for _, item in _items(text):
        values, end = _run(item, 0)
        with_ = _USED_WITH.match(item, end)
        if values and with_:
            formats = _run(item, with_.end())[0]
            used.update({value: formats for value in values})
    return used


# ----- integer codes, ranges, units, what a text holds, tagged unions
# "<li>0：保留</li>", "<li>16000，仅当…</li>", "<li>32000</li>".
_LISTED_INTEGER = re.compile(r"(?:<li>|&lt;li&gt;)\s*(-?\d+)\s*(?=[：:，,。<])")
_OPEN_LIST = re.compile(r"<li>\s*其他值")  # "<li>其他值：失败</li>": any other code
_ZERO_IS_SUCCESS = re.compile(r"0\s*(?:表示成功|[：:]\s*成功)")
# "取值范围 [0-100]", "取值：0~100", "取值范围：0~ 3840", "取值范围：[0, 255]".
_NUMBER = r"-?\d+(?:\.\d+)?"
_RANGE = re.compile(
    rf"取值(?:范围)?\s*(?:为|是)?\s*[：:]?\s*[\[(]?\s*({_NUMBER})\s*(?:[,，~～-]|\s-\s)\s*"
    rf"({_NUMBER})\s*[\])]?")
_MILLISECONDS = re.compile(r"单位[^。；;，,]{0,20}毫秒")
# What a text (or the file a URL names) holds, by the first word the description uses.
_HOLDS = (("subtitle", ("字幕", "WebVtt")), ("json", ("JSON",)), ("gif", ("动图",)),
          ("image", ("图片", "截图", "封面", "雪碧图")), ("3d", ("glb",)), ("voice", ("音色",)))
_URL_NAMES = ("Url", "URL", "Urls", "UrlSet")  # fields naming files: what the file holds
# A union member: "当 Type 为 Transcode 时有效", "当任务类型为 Cover 时", "当 InputType 为 File 时".
_UNION_MEMBER = re.compile(
    r"(?:当\s*)?(类型|来源|[A-Z][A-Za-z]*)\s*为\s*([A-Za-z][A-Za-z0-9._-]*)\s*时")
_TAG_WORDS = {"类型": ("Type",), "来源": ("SourceType",)}
# An input given as a FileId, a Url or Base64, by its Type.
_INPUT_MEMBERS = {"File": "FileId", "FILEID": "FileId", "Url": "Url", "URL": "Url",
                  "Base64": "Base64"}


def _field_type(declared: str) -> dict[str, Any]:
    declared = declared.strip()
    if declared.startswith("list of "):
        item = declared[len("list of "):].strip()
        return {"list": True, **_field_type(item)}
    reference = _MODEL_REF.search(declared)
    if reference:
        return {"model": reference.group(1)}
    if declared in _PRIMITIVES:
        return {"type": _PRIMITIVES[declared]}
    return {"model": declared}  # "list of X" names the model bare


def _without_nested_bare_lists(doc: str) -> str:
    def keep(match: re.Match[str]) -> str:
        before = doc[: match.start()]
        nested = before.count("<ul>") > before.count("</ul>")
        return "" if nested and not _DESCRIBED_ITEM.search(match.group(1)) else match.group(0)

    return _NESTED_BARE_LIST.sub(keep, doc)


def _integer_values(doc: str) -> list[int]:
    if _OPEN_LIST.search(doc):
        return []
    codes = [int(code) for code in _LISTED_INTEGER.findall(doc)]
    if codes and _ZERO_IS_SUCCESS.search(doc):
        codes.insert(0, 0)
    return codes if len(codes) >= 2 else []


def _facts(name: str, doc: str, spec: dict[str, Any]) -> dict[str, Any]:
    """What a description states about its field's values."""
    facts = _described_facts(name, doc, spec)
    success = _SUCCESS.get(name)
    if "enum" in facts and name in _SUCCESS and success not in facts["enum"]:
        facts["enum"].insert(0, success)
    return facts


def _described_facts(name: str, doc: str, spec: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    kind = spec.get("type")
    if kind == "string":
        values, pending = _string_values(doc)
        values = ["", *values] if values and _EMPTY_ALLOWED.search(doc) else values
        if values:
            facts["enum"] = _unique(values)
        if pending:
            facts[_PENDING] = pending  # resolved by _pairings once every model is read
        holds = next((what for what, words in _HOLDS if any(w in doc for w in words)), None)
        if holds == "json" or (holds and name.endswith(_URL_NAMES)):
            facts["holds"] = holds
    elif kind in ("integer", "number"):
        codes = _integer_values(doc) if kind == "integer" else []
        if codes:
            facts["enum"] = list(dict.fromkeys(codes))
        bounds = _RANGE.search(doc)
        if bounds and not codes:
            low, high = (float(b) for b in bounds.groups())
            if low < high:
                facts["range"] = [int(low), int(high)] if kind == "integer" else [low, high]
        if _MILLISECONDS.search(doc):
            facts["unit"] = "ms"
    return facts


def _unions(fields: dict[str, Any], docs: dict[str, str]) -> dict[str, dict[str, str]]:
    """Tag field -> {tag value: the member field filled for it}."""
    unions: dict[str, dict[str, str]] = {}
    for name, spec in fields.items():
        if "model" not in spec:
            continue
        for word, value in _UNION_MEMBER.findall(docs[name]):
            tags = _TAG_WORDS.get(word, (word,))
            tag = next((t for t in (*tags, "Type", "SourceType")
                        if t in fields and fields[t].get("enum")), None)
            if tag is None or (word not in _TAG_WORDS and word != tag):
                continue
            allowed = fields[tag]["enum"]
            # The docs are loose ("ImageSprite" for the value "ImageSprites").
            chosen = next((v for v in allowed if v == value), None) or next(
                (v for v in allowed if v.startswith(value)), None)
            if chosen is not None:
                unions.setdefault(tag, {})[chosen] = name
                break
    type_field = fields.get("Type")
    if type_field and {"File", "FILEID"} & set(type_field.get("enum", ())):
        for value in type_field["enum"]:
            member = _INPUT_MEMBERS.get(value)
            if member in fields:
                unions.setdefault("Type", {})[value] = member
    return unions


def _describe(models: Any, name: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    cls = getattr(models, name)
    source = inspect.getsource(cls.__init__)
    declared = {m["name"]: m for m in _FIELD.finditer(source)}
    fields: dict[str, Any] = {}
    docs: dict[str, str] = {}
    for attribute in vars(cls()):
        field_name = attribute[1:]
        match = declared.get(field_name)
        if match is None:
            raise RuntimeError(f"{name}.{field_name} has no :type in the SDK docstring")
        doc = " ".join(line.strip() for line in match["doc"].strip().splitlines())
        spec = _field_type(match["type"])
        spec.update(_facts(field_name, doc, spec))
        if _NULLABLE in doc:
            spec["nullable"] = True
        fields[field_name] = spec
        docs[field_name] = doc
    return fields, _unions(fields, docs)


def build_schema() -> dict[str, Any]:
    import tencentcloud  # the pinned SDK: only this script needs it
    from tencentcloud.vod.v20180717 import models

    content_fields = [a[1:] for a in vars(models.EventContent())]
    member_models = {
        f["name"]: _field_type(f["type"])["model"]
        for f in _FIELD.finditer(inspect.getsource(models.EventContent.__init__))
        if f["name"] in content_fields and "models." in f["type"]
    }
    missing = sorted(set(MEMBER_OF_EVENT_TYPE.values()) - set(member_models))
    if missing:
        raise RuntimeError(f"EventContent in this SDK has no member {missing}")
    schema_models: dict[str, Any] = {}
    unions: dict[str, Any] = {}
    actions = _actions(models)
    pending = sorted(set(member_models.values()) | {
        model for action in actions.values() for model in action.values()
        if isinstance(model, str)})
    while pending:
        name = pending.pop()
        if name in schema_models:
            continue
        fields, model_unions = _describe(models, name)
        schema_models[name] = fields
        if model_unions:
            unions[name] = model_unions
        pending.extend(f["model"] for f in fields.values() if "model" in f)
    _pairings(schema_models)
    return {
        "sdk": {"package": "tencentcloud-sdk-python-vod", "version": tencentcloud.__version__},
        "event_content_fields": content_fields,
        "members": {
            event_type: {"member": member, "model": member_models[member]}
            for event_type, member in MEMBER_OF_EVENT_TYPE.items()
        },
        "actions": actions,
        "models": dict(sorted(schema_models.items())),
        "unions": dict(sorted(unions.items())),
    }


# ----- pairings: values allowed by the value of another field

_PENDING = "pending"
# The DRM types the SDK leaves out of its list of what goes with which packaging
# (ThirdPartyDrmInfo.DrmTypes): no DRM goes with either; SimpleAES encrypts HLS segments
# (AES-128), which DASH has no place for.
_DRM_BEYOND_THE_SDK = {"": ["HLS", "DASH"], "SimpleAES": ["HLS"]}
_PACKAGING = {"HLS": "HLS", "DASH": "DASH", "MPEG-DASH": "DASH"}  # Format and Package values
_DRM_TYPE = "DrmType"


def _pairings(models: dict[str, dict[str, Any]]) -> None:
    """Turn what each field's values depend on into its ``pairing``: {"field": the field they
    depend on, "outer": whether it is in the object holding this one (else beside it),
    "allowed": {its value: the values allowed with it}}. A dependency on a field found neither
    beside nor outside is dropped; the values stay the field's enum either way."""
    holders: dict[str, list[str]] = {}
    for name, fields in models.items():
        for spec in fields.values():
            if "model" in spec:
                holders.setdefault(spec["model"], []).append(name)
    used_with = dict(_DRM_BEYOND_THE_SDK)
    used_with.update({drm: formats for fields in models.values() for spec in fields.values()
                      for drm, formats in spec.get(_PENDING, {}).get("used_with", {}).items()})
    for model, fields in models.items():
        for name, spec in fields.items():
            pending = spec.pop(_PENDING, {})
            pairing = _pairing(model, name, spec, pending, models, holders)
            if pairing is None and name == _DRM_TYPE:
                pairing = _drm_pairing(fields, spec, used_with)
            if pairing is not None:
                spec["pairing"] = pairing


def _found(model: str, name: str, wanted: str, models: dict[str, dict[str, Any]],
           holders: dict[str, list[str]]) -> tuple[bool, dict[str, Any]] | None:
    """(outer, spec) of the field ``wanted`` beside ``model.name``, else in a model holding it."""
    if wanted in models[model] and wanted != name:
        return False, models[model][wanted]
    for holder in holders.get(model, ()):
        if wanted in models[holder]:
            return True, models[holder][wanted]
    return None


def _pairing(model: str, name: str, spec: dict[str, Any], pending: dict[str, Any],
             models: dict[str, dict[str, Any]], holders: dict[str, list[str]]
             ) -> dict[str, Any] | None:
    for wanted, allowed in pending.get("when", {}).items():
        found = _found(model, name, wanted, models, holders)
        if found is not None:
            return {"field": wanted, "outer": found[0], "allowed": allowed}
    for wanted, only in pending.get("only_with", {}).items():
        found = _found(model, name, wanted, models, holders)
        if found is not None and found[1].get("enum"):
            return {"field": wanted, "outer": found[0], "allowed": {
                other: [v for v in spec["enum"] if v not in only or other in only[v]]
                for other in found[1]["enum"]}}
    supported: dict[str, list[str]] = pending.get("supported", {})
    if supported:  # the field whose values these are: beside, or in a holder
        named = {value for values in supported.values() for value in values}
        candidates = [(False, models[model])] + [(True, models[h]) for h in holders.get(model, ())]
        for outer, fields in candidates:
            wanted = next((f for f, s in fields.items()
                           if f != name and named <= set(s.get("enum", ()))), None)
            if wanted is not None:
                return {"field": wanted, "outer": outer, "allowed": {
                    other: [v for v, others in supported.items() if other in others]
                    for other in fields[wanted]["enum"]}}
    return None


def _drm_pairing(fields: dict[str, Any], spec: dict[str, Any],
                 used_with: dict[str, list[str]]) -> dict[str, Any] | None:
    """A DRM type beside its packaging (Package HLS/DASH, Format HLS/MPEG-DASH): only the
    types the SDK says go with it."""
    packaging = next((f for f, s in fields.items()
                      if s.get("enum") and set(s["enum"]) <= set(_PACKAGING)), None)
    if packaging is None:
        return None
    drm_types = spec.get("enum") or list(used_with)
    return {"field": packaging, "outer": False, "allowed": {
        value: [drm for drm in drm_types
                if drm not in used_with or _PACKAGING[value] in used_with[drm]]
        for value in fields[packaging]["enum"]}}


_SESSION_DAYS = re.compile(r"([三七])天内")


def _actions(models: Any) -> dict[str, dict[str, Any]]:
    """The asynchronous actions and their lookups: each one's request and response model,
    and, where its SessionId de-duplicates, over how many days (its description says)."""
    actions: dict[str, dict[str, Any]] = {}
    for action in (*TASK_ACTIONS, *UPLOAD_ACTIONS, *TASK_LOOKUPS):
        request = f"{action}Request"
        entry: dict[str, Any] = {"request": request, "response": f"{action}Response"}
        for match in _FIELD.finditer(inspect.getsource(getattr(models, request).__init__)):
            days = _SESSION_DAYS.search(match["doc"])
            if match["name"] == "SessionId" and days:
                entry["session_days"] = {"三": 3, "七": 7}[days[1]]
        actions[action] = entry
    return actions


def build_texts() -> dict[str, list[str]]:
    """Chinese and English titles, sentences, words and people's names."""
    from faker import Faker  # only this script needs it

    faker = Faker(["zh_CN", "en_US"])
    faker.seed_instance(_TEXTS_SEED)
    zh, en = faker["zh_CN"], faker["en_US"]
    count = range(_TEXTS_PER_LANGUAGE)
    return {
        "titles": ["".join(zh.words(3)) for _ in count] + [
            "-".join(en.words(3)).lower() for _ in count],
        "sentences": [zh.sentence(nb_words=8) for _ in count] + [
            en.sentence(nb_words=10) for _ in count],
        "words": list(dict.fromkeys([zh.word() for _ in count] + [en.word() for _ in count])),
        "people": [zh.name() for _ in range(30)] + [en.name() for _ in range(30)],
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the data drifted")
    arguments = parser.parse_args(argv)
    files = {SCHEMA_PATH: render(build_schema()), TEXTS_PATH: render(build_texts())}
    if arguments.check:
        stale = [path for path, text in files.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != text]
        if stale:
            print(f"{', '.join(map(str, stale))} differ from the pinned SDK and Faker: run "
                  "python -m emulator.events.schema_build", file=sys.stderr)
            return 1
        return 0
    DATA.mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
