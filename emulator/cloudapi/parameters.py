"""Action parameters: declared types, and parsing of JSON and flattened (``Name.0``) forms.

Every string accepted here is valid Unicode text (no lone surrogate), so whatever a
request stores can be answered back later.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..base.echo import is_text, shown
from ..base.numeric import is_integer
from ..core.errors import (
    MEDIA_PARAMETER_CODES,
    InvalidParameterValue,
    InvalidParameterValueFileId,
    InvalidParameterValueFileIdsEmpty,
    InvalidParameterValueOf,
)
from ..core.ids import InvalidSubAppId, check_sub_app_id, parse_sub_app_id
from .errors import MissingParameter, UnknownParameter

if TYPE_CHECKING:  # the schema is loaded on first use
    from ..events.schema import Field, Schema

_INT64_MAX = 2**63 - 1
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,19}")  # [0-9]: ASCII digits only
# A list index as the SDKs write it: 0, 1, ... 10, no sign, no leading zero, ASCII.
_INDEX_TEXT = re.compile(r"0|[1-9][0-9]{0,8}")
# The VOD API's common SubAppId follows one rule in every API of the emulator.
_SUB_APP_ID = "SubAppId"


class Kind(enum.Enum):
    INTEGER = "Integer"
    STRING = "String"
    STRING_LIST = "Array of String"
    INTEGER_LIST = "Array of Integer"
    OBJECT = "Object"
    OBJECT_LIST = "Array of Object"


@dataclass(frozen=True)
class Parameter:
    kind: Kind
    required: bool = False
    members: tuple[tuple[str, Kind], ...] = ()
    """An OBJECT's or OBJECT_LIST's objects: each member's name and kind (INTEGER or
    STRING)."""


Signature = Mapping[str, Parameter]

_SCALAR_LISTS = {Kind.STRING_LIST: Kind.STRING, Kind.INTEGER_LIST: Kind.INTEGER}
"""The lists of scalars, and the kind of their items."""


def from_json(body: Mapping[str, Any], signature: Signature) -> dict[str, Any]:
    """Check a TC3 JSON body against the action's parameters; JSON values keep their type."""
    values: dict[str, Any] = {}
    for name, value in body.items():
        parameter = _declared(name, signature)
        if value is None:
            continue  # the SDKs leave unset fields out; a null means the same
        if parameter.kind is Kind.OBJECT_LIST:
            values[name] = _check_json_objects(name, value, dict(parameter.members))
        elif parameter.kind is Kind.OBJECT:
            if not isinstance(value, dict):
                raise InvalidParameterValue(f"{name} must be an Object.")
            [values[name]] = _check_json_objects(name, [value], dict(parameter.members))
        else:
            values[name] = _check_json_value(name, value, parameter.kind)
    _check_required(values, signature)
    return values


def _check_json_objects(name: str, value: Any, members: Mapping[str, Kind]) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidParameterValue(f"{name} must be an Array of Object.")
    checked: list[Any] = []
    for index, item in enumerate(value):
        fields: dict[str, Any] = {}
        for member, member_value in item.items():
            kind = members.get(member)
            if kind is None:
                raise UnknownParameter(
                    f"The parameter {shown(f'{name}.{index}.{member}')} is not recognized.")
            if member_value is not None:
                fields[member] = _check_json_value(f"{name}.{index}.{member}", member_value,
                                                   kind)
        checked.append(fields)
    return checked


def from_flat(flat: Mapping[str, str], signature: Signature) -> dict[str, Any]:
    """Rebuild typed parameters from flattened form fields (``EventHandles.0=a``)."""
    values: dict[str, Any] = {}
    indexed: dict[str, dict[int, Any]] = {}
    for key, text in flat.items():
        name, _, index = key.partition(".")
        parameter = _declared(name, signature)
        if not is_text(text):
            raise InvalidParameterValue(f"{name} is not valid Unicode text.")
        if index and parameter.kind is Kind.OBJECT:
            kind = dict(parameter.members).get(index)
            if kind is None:
                raise UnknownParameter(f"The parameter {shown(key)} is not recognized.")
            values.setdefault(name, {})[index] = _flat_scalar(key, text, kind)
        elif index and parameter.kind is Kind.OBJECT_LIST:
            index, _, member = index.partition(".")
            kind = dict(parameter.members).get(member)
            if not _INDEX_TEXT.fullmatch(index) or kind is None:
                raise UnknownParameter(f"The parameter {shown(key)} is not recognized.")
            indexed.setdefault(name, {}).setdefault(int(index), {})[member] = (
                _flat_scalar(f"{name}.{index}.{member}", text, kind))
        elif index:
            if parameter.kind not in _SCALAR_LISTS:
                raise InvalidParameterValue(f"{name} is a {parameter.kind.value}, not a list.")
            if not _INDEX_TEXT.fullmatch(index):
                raise UnknownParameter(f"The parameter {shown(key)} is not recognized.")
            indexed.setdefault(name, {})[int(index)] = _flat_scalar(
                key, text, _SCALAR_LISTS[parameter.kind])
        elif parameter.kind is Kind.OBJECT_LIST:
            raise InvalidParameterValue(
                f"{name} is a list of objects: send it as {name}.0.<member>, ..."
            )
        elif parameter.kind is Kind.OBJECT:
            raise InvalidParameterValue(f"{name} is an object: send it as {name}.<member>.")
        elif parameter.kind in _SCALAR_LISTS:
            raise InvalidParameterValue(
                f"{name} is a list: send it as {name}.0, {name}.1, ..."
            )
        elif name == _SUB_APP_ID:
            values[name] = _sub_app_id(text, parse_sub_app_id)
        else:
            values[name] = _flat_scalar(name, text, parameter.kind)
    for name, items in indexed.items():
        if sorted(items) != list(range(len(items))):
            raise InvalidParameterValue(f"{name} indexes must run 0, 1, 2, ... without gaps.")
        values[name] = [items[i] for i in range(len(items))]
    _check_required(values, signature)
    return values


def _flat_scalar(name: str, text: str, kind: Kind) -> Any:
    if kind is Kind.INTEGER:
        if not _INTEGER_TEXT.fullmatch(text):
            raise InvalidParameterValue(f"{name} must be an integer, got {shown(text)}.")
        return _check_integer(name, int(text))
    return text


def _declared(name: str, signature: Signature) -> Parameter:
    parameter = signature.get(name)
    if parameter is None:
        raise UnknownParameter(f"The parameter {shown(name)} is not recognized.")
    return parameter


def _check_required(values: Mapping[str, Any], signature: Signature) -> None:
    _check_required_names(values, tuple(
        name for name, parameter in signature.items() if parameter.required))


def _check_json_value(name: str, value: Any, kind: Kind) -> Any:
    if kind is Kind.INTEGER:
        if name == _SUB_APP_ID:
            return _sub_app_id(value, check_sub_app_id)
        if not is_integer(value):
            raise InvalidParameterValue(f"{name} must be an Integer, got {_json_type(value)}.")
        return _check_integer(name, value)
    if kind is Kind.STRING:
        if not isinstance(value, str):
            raise InvalidParameterValue(f"{name} must be a String, got {_json_type(value)}.")
        if not is_text(value):
            raise InvalidParameterValue(f"{name} is not valid Unicode text.")
        return value
    if kind is Kind.INTEGER_LIST:
        if not isinstance(value, list) or not all(is_integer(item) for item in value):
            raise InvalidParameterValue(f"{name} must be an Array of Integer.")
        return [_check_integer(name, item) for item in value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidParameterValue(f"{name} must be an Array of String.")
    if not all(is_text(item) for item in value):
        raise InvalidParameterValue(f"{name} holds a string that is not valid Unicode text.")
    return value


def _sub_app_id(value: Any, rule: Callable[[Any], int]) -> int:
    try:
        return rule(value)
    except InvalidSubAppId as error:
        raise InvalidParameterValue(f"{error}.") from None


def _check_integer(name: str, value: int) -> int:
    if not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise InvalidParameterValue(f"{name} is out of the 64-bit integer range.")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# ----- parameters declared by the SDK's request model (the asynchronous actions')


@dataclass(frozen=True)
class RequestModel:
    """An action whose parameters are its SDK request model's fields (``schema.json``):
    nested objects and lists, types and value lists checked as the model declares them."""

    model: str  # e.g. "ProcessMediaRequest"
    required: tuple[str, ...] = ()


def from_model_json(body: Mapping[str, Any], request: RequestModel) -> dict[str, Any]:
    from ..events.schema import EventInputError, load_schema

    schema = load_schema()
    fields = schema.models[request.model]
    values: dict[str, Any] = {}
    for name, value in body.items():
        field = fields.get(name)
        if field is None:
            raise UnknownParameter(f"The parameter {shown(name)} is not recognized.")
        if value is None:
            continue
        if name == _SUB_APP_ID:
            values[name] = _sub_app_id(value, check_sub_app_id)
            continue
        _check_text(name, value)
        _check_members(schema, value, field, name)
        try:
            schema.check_field(value, field, name)
        except EventInputError as error:
            if name in MEDIA_PARAMETER_CODES and _off_the_list(value, field):
                # A value of the right kind the action does not take: its own code
                # (.RestoreTier, .Status, .Sort); a wrong kind stays the generic one.
                raise InvalidParameterValueOf(name, f"{error}.") from None
            raise InvalidParameterValue(f"{error}.") from None
        values[name] = value
    _check_required_names(values, request.required)
    for name in request.required:
        if values[name] in ("", []):  # given, but naming nothing
            message = f"{name} must not be empty."
            if name == "FileId":
                raise InvalidParameterValueFileId(message)
            if name == "FileIds":
                raise InvalidParameterValueFileIdsEmpty(message)
            if name in MEDIA_PARAMETER_CODES:  # TaskId, MediaUrl, Url, VodSessionKey...
                raise InvalidParameterValueOf(name, message)
            raise InvalidParameterValue(message)
    return values


def _off_the_list(value: Any, field: Field) -> bool:
    """Whether ``value`` has the kind ``field`` takes (an object for a model, text for a
    listed string), so that what was refused is its value, not its kind."""
    if field.is_list:
        return False
    if field.model is not None:
        return isinstance(value, dict)
    return bool(field.enum) and isinstance(value, str)


def _check_members(schema: Schema, value: Any, field: Field, path: str,
                   depth: int = 0) -> None:
    """UnknownParameter for a member no model declares, however deep (``A.B.0.C`` as the
    flattened form names it); the types are checked after."""
    if field.model is None or depth >= 64:
        return
    if field.is_list:
        items = ([(f"{path}.{index}", item) for index, item in enumerate(value)]
                 if isinstance(value, list) else [])
    else:
        items = [(path, value)]
    fields = schema.models[field.model]
    for where, item in items:
        if not isinstance(item, dict):
            continue  # not an object: the type check says so
        for name, member in item.items():
            inner = fields.get(name)
            if inner is None:
                raise UnknownParameter(
                    f"The parameter {shown(f'{where}.{name}')} is not recognized.")
            if member is not None:
                _check_members(schema, member, inner, f"{where}.{name}", depth + 1)


def from_model_flat(flat: Mapping[str, str], request: RequestModel) -> dict[str, Any]:
    """Rebuild a request model's parameters from flattened fields
    (``MediaProcessTask.TranscodeTaskSet.0.Definition=10``), each leaf read as its type."""
    from ..events.schema import load_schema

    schema = load_schema()
    tree: dict[str, Any] = {}
    for key, text in flat.items():
        if not is_text(text):
            raise InvalidParameterValue(f"{shown(key)} is not valid Unicode text.")
        path = key.split(".")
        fields = schema.models[request.model]
        node: Any = tree
        index = 0
        while True:
            if index >= len(path):
                raise InvalidParameterValue(f"{shown(key)} names an object: send its members.")
            field = fields.get(path[index])
            if field is None:
                raise UnknownParameter(f"The parameter {shown(key)} is not recognized.")
            name = path[index]
            index += 1
            if field.is_list:
                if index >= len(path) or not _INDEX_TEXT.fullmatch(path[index]):
                    raise InvalidParameterValue(f"{name} is a list: send it as {name}.0, ...")
                items = node.setdefault(name, {})
                position = int(path[index])
                index += 1
                if field.model is None:
                    if index != len(path):
                        raise UnknownParameter(f"The parameter {shown(key)} is not recognized.")
                    items[position] = _flat_leaf(key, text, field.type)
                    break
                node = items.setdefault(position, {})
            elif field.model is not None:
                if index >= len(path):
                    raise InvalidParameterValue(
                        f"{name} is an object: send it as {name}.<member>.")
                node = node.setdefault(name, {})
            else:
                if index != len(path):
                    raise UnknownParameter(f"The parameter {shown(key)} is not recognized.")
                node[name] = (_sub_app_id(text, parse_sub_app_id) if key == _SUB_APP_ID
                              else _flat_leaf(key, text, field.type))
                break
            fields = schema.models[field.model]
    return from_model_json(_lists(tree), request)


def _lists(node: Any) -> Any:
    """The flattened tree with each indexed dict made a list (indexes 0, 1, ... no gaps)."""
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(key, int) for key in node):
        if sorted(node) != list(range(len(node))):
            raise InvalidParameterValue("list indexes must run 0, 1, 2, ... without gaps.")
        return [_lists(node[position]) for position in range(len(node))]
    return {key: _lists(value) for key, value in node.items()}


def _flat_leaf(name: str, text: str, type_name: str | None) -> Any:
    if type_name == "integer":
        return _flat_scalar(name, text, Kind.INTEGER)
    if type_name == "number":
        try:
            number = float(text)
        except ValueError:
            raise InvalidParameterValue(f"{name} must be a number, got {shown(text)}.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidParameterValue(f"{name} must be a finite number, got {shown(text)}.")
        return number
    if type_name == "boolean":
        if text not in ("true", "false"):
            raise InvalidParameterValue(f"{name} must be true or false, got {shown(text)}.")
        return text == "true"
    return text


def _check_text(name: str, value: Any, depth: int = 0) -> None:
    """Every string inside ``value`` is valid Unicode text (no lone surrogate)."""
    if isinstance(value, str):
        if not is_text(value):
            raise InvalidParameterValue(f"{name} holds a string that is not valid Unicode text.")
    elif isinstance(value, list) and depth < 64:
        for item in value:
            _check_text(name, item, depth + 1)
    elif isinstance(value, dict) and depth < 64:
        for key, item in value.items():
            _check_text(name, key, depth + 1)
            _check_text(name, item, depth + 1)


def _check_required_names(values: Mapping[str, Any], required: tuple[str, ...]) -> None:
    for name in required:
        if name not in values:
            raise MissingParameter(f"The request is missing a required parameter `{name}`.")
