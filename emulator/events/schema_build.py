"""Build ``data/schema.json`` from the pinned official SDK's models (and ``data/texts.json``).

    python -m emulator.events.schema_build            # rewrite the committed data
    python -m emulator.events.schema_build --check    # exit 1 if it drifted from the SDK

The field names, types and nesting of every event structure come from
``tencentcloud.vod.v20180717.models``: its ``__init__`` docstrings declare each field as
``:param _Name: description`` then ``:type Name: str | int | float | bool | list of X |
:class:`...X```. Each description is read here, once and whole, for the facts it states:
allowed values, numeric ranges, units, what a text or URL holds, and which member of a
tagged union a tag value fills. The schema keeps those facts, not the prose: the emulator
reads only the JSON this writes and never needs the SDK.

``data/texts.json`` holds the names and sentences events carry, made here by the pinned
Faker with a fixed seed, so that generating events needs neither Faker nor its start-up.
"""

from __future__ import annotations

import argparse
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
_VALUE = r"[A-Za-z][A-Za-z0-9_.+-]*"
# "<li>FINISH：已完成</li>", "<li>Video ：", "<li>OriginalFiles（删除…", "<li><code>x</code>",
# "<li><p>front： 正视图", "<li>vtt</li>", "<li>TEHD-100 表示…".
_LISTED = re.compile(
    rf"<li>\s*(?:<p>)?\s*(?:<code>)?\s*({_VALUE})\s*(?:</code>)?\s*(?=[：:（(；;。，,<]|表示)")
# "可选值：mp4、hls", "可选值为：1:1、3:2" (separated by 、，,).
_INLINE_LIST = re.compile(
    rf"可选值[有为]?[：:]?\s*({_VALUE}(?:\s*[、，,]\s*{_VALUE})+)")
# "有 PROCESSING，SUCCESS 和 FAIL 三种", "可以取的值为 File，Stream 两种".
_COUNTED = re.compile(
    r"(?:有|值为)\s*([A-Za-z][A-Za-z_]*(?:\s*(?:[，,、]|和)\s*[A-Za-z][A-Za-z_]*)+)\s*\S?种")
# "取值： WAITING：等待中； FINISH：已完成", "文件状态：Normal：正常，Forbidden：封禁".
_INLINE_KEYED = re.compile(r"(?:^|[\s；;，,>：])([A-Za-z][A-Za-z0-9_.]*)\s*：")
_QUOTED = re.compile(r"&quot;([A-Za-z][A-Za-z0-9_-]*)&quot;")
# A sample of the value ("<pre><code>[{&quot;tag_id&quot;: …}]</code></pre>"): its keys are
# no values of the field.
_SAMPLE = re.compile(r"<pre>.*?</pre>", re.S)
_JSON_SAMPLE = re.compile(r"<code>\s*[{\[]")  # "示例：<code>{&quot;AdditionalParameters…"
# Lists that depend on another field ("各模型可选值", "当 ModelName 是 Kling，可选值为…") or
# key values by a model ("<li>OG：1K、2K") are not the field's own.
_PER_MODEL = ("各模型", "ModelName")
_KEYED_BY_MODEL = re.compile(rf"<li>\s*{_VALUE}[A-Za-z0-9_.+ -]*\s*[：:]\s*\d")
# Integer codes: "<li>0：保留</li>", "<li>16000，仅当…</li>", "<li>32000</li>".
_LISTED_INTEGER = re.compile(r"(?:<li>|&lt;li&gt;)\s*(-?\d+)\s*(?=[：:，,。<])")
_OPEN_LIST = re.compile(r"<li>\s*其他值")  # "<li>其他值：失败</li>": any other code
_ZERO_IS_SUCCESS = re.compile(r"0\s*(?:表示成功|[：:]\s*成功)")
# An error code field's success value: the SDK says so of most ("0 表示成功", "空字符串表示成功"),
# and it holds for every one, listed failure codes or not.
_SUCCESS: dict[str, Any] = {"ErrCode": 0, "ErrCodeExt": ""}
# "空字符串表示成功", "<li>空字符串：无加密"
_EMPTY_ALLOWED = re.compile(r"空字符串\s*(?:表示|[：:])")
# A list nested in a value's item that names its parts, not values ("<li>Video ：视频轨道。
# 由以下 Item 组成：<ul><li>VideoTrackItem</li>…</ul>"): innermost, no item described.
_NESTED_BARE_LIST = re.compile(r"<ul>((?:(?!</?ul>).)*)</ul>")
_DESCRIBED_ITEM = re.compile(rf"<li>\s*(?:<p>)?\s*(?:<code>)?\s*{_VALUE}\s*(?:</code>)?\s*[：:]")
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


def _string_values(doc: str) -> list[str]:
    if any(word in doc for word in _PER_MODEL) or _KEYED_BY_MODEL.search(doc):
        return []
    if _JSON_SAMPLE.search(doc):
        return []  # the value holds JSON: the sample's keys are no values of the field
    doc = _SAMPLE.sub(" ", _without_nested_bare_lists(doc))
    inline = _INLINE_LIST.search(doc)
    if inline:
        return re.split(r"\s*[、，,]\s*", inline.group(1))
    listed = _LISTED.findall(doc)
    if listed:
        return listed
    counted = _COUNTED.search(doc)
    if counted:
        return re.findall(r"[A-Za-z][A-Za-z_]*", counted.group(1))
    keyed = _INLINE_KEYED.findall(doc)
    if len(keyed) >= 2:
        return keyed
    quoted = _QUOTED.findall(doc)
    return quoted if len(quoted) >= 2 else []


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
        values = _string_values(doc)
        if values and _EMPTY_ALLOWED.search(doc):
            values.insert(0, "")
        if values:
            facts["enum"] = list(dict.fromkeys(values))
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
