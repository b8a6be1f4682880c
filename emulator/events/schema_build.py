"""Build ``data/schema.json`` from the pinned official SDK's models.

    python -m emulator.events.schema_build            # rewrite the committed schema
    python -m emulator.events.schema_build --check    # exit 1 if it drifted from the SDK

The field names, types, nesting and allowed values of every event structure come from
``tencentcloud.vod.v20180717.models``: its ``__init__`` docstrings declare each field as
``:param _Name: description`` then ``:type Name: str | int | float | bool | list of X |
:class:`...X```. The emulator reads only the JSON this writes; it never needs the SDK.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

from .catalog import MEMBER_OF_EVENT_TYPE

SCHEMA_PATH = Path(__file__).with_name("data") / "schema.json"

_FIELD = re.compile(
    r":param _(?P<name>\w+):(?P<doc>.*?)\n\s*:type (?P=name):\s*(?P<type>[^\n]+)", re.S
)
_MODEL_REF = re.compile(r"models\.(\w+)`")
# Allowed values listed in a description: "<li>FINISH：已完成。</li>" or "<li>ON: ...".
_LISTED_VALUE = re.compile(r"<li>\s*([A-Za-z][A-Za-z0-9_.+-]*)\s*[：:]")
# ... or inline: "取值： WAITING：等待中； FINISH：已完成" ...
_INLINE_VALUE = re.compile(r"(?:^|[\s；;，,>：])([A-Za-z][A-Za-z0-9_.]*)\s*：")
# Lists keyed by model name ("各模型可选值: <li>OG：1K、2K</li>") name models, not values.
_PER_MODEL_LIST = "各模型"
_KEYED_LIST_ITEM = re.compile(r"<li>\s*[A-Za-z][A-Za-z0-9_.+ -]*\s*[：:]\s*\d")
# ... or counted: "有 PROCESSING，SUCCESS 和 FAIL 三种".
_COUNTED_VALUES = re.compile(
    r"有\s*([A-Z][A-Z_]*(?:\s*[，,、]\s*[A-Z][A-Z_]*)*\s*和\s*[A-Z][A-Z_]*)\s*\S?种"
)
# Integer codes: "<li>0：保留</li><li>1：去除</li>" (sometimes HTML-escaped).
_LISTED_INTEGER = re.compile(r"(?:<li>|&lt;li&gt;)\s*(-?\d+)\s*[：:]")
_NULLABLE = "此字段可能返回 null"
_PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


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


def _allowed_values(doc: str) -> list[str]:
    """The values a description lists for a string field, in its order (none: free text)."""
    if _PER_MODEL_LIST in doc or _KEYED_LIST_ITEM.search(doc):
        return []
    for pattern in (_LISTED_VALUE, _COUNTED_VALUES, _INLINE_VALUE):
        found = pattern.findall(doc)
        if pattern is _COUNTED_VALUES and found:
            found = re.findall(r"[A-Z][A-Z_]*", found[0])
        if len(found) >= 2:
            return list(dict.fromkeys(found))
    return []


def _describe(models: Any, name: str) -> dict[str, Any]:
    cls = getattr(models, name)
    source = inspect.getsource(cls.__init__)
    declared = {m["name"]: m for m in _FIELD.finditer(source)}
    fields: dict[str, Any] = {}
    for attribute in vars(cls()):
        field_name = attribute[1:]
        match = declared.get(field_name)
        if match is None:
            raise RuntimeError(f"{name}.{field_name} has no :type in the SDK docstring")
        doc = " ".join(line.strip() for line in match["doc"].strip().splitlines())
        spec = _field_type(match["type"])
        if spec.get("type") == "string":
            values = _allowed_values(doc)
            if len(values) >= 2:
                spec["enum"] = values
        elif spec.get("type") == "integer":
            codes = list(dict.fromkeys(int(v) for v in _LISTED_INTEGER.findall(doc)))
            if len(codes) >= 2:
                spec["enum"] = codes
        if _NULLABLE in doc:
            spec["nullable"] = True
        spec["doc"] = doc[:300]
        fields[field_name] = spec
    return fields


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
    pending = sorted(set(member_models.values()))
    while pending:
        name = pending.pop()
        if name in schema_models:
            continue
        fields = _describe(models, name)
        schema_models[name] = fields
        pending.extend(f["model"] for f in fields.values() if "model" in f)
    return {
        "sdk": {"package": "tencentcloud-sdk-python-vod", "version": tencentcloud.__version__},
        "event_content_fields": content_fields,
        "members": {
            event_type: {"member": member, "model": member_models[member]}
            for event_type, member in MEMBER_OF_EVENT_TYPE.items()
        },
        "models": dict(sorted(schema_models.items())),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the schema drifted")
    arguments = parser.parse_args(argv)
    text = render(build_schema())
    if arguments.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} differs from the SDK: run "
                  "python -m emulator.events.schema_build", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
