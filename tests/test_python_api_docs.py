"""docs/python-api.md documents the Python API as it is: read from the classes at test time.

Each class section is a ``## `module.Class` `` heading; under it, each entry is a list item
that starts with a code span: the constructor as ``Class(params)``, a method as
``name(params)`` (its ``inspect.signature`` without ``self`` and without annotations, so
exactly as the code has it), a property or an attribute as ``name``. Every public member
of the class (its own and its bases', the attributes ``__init__`` sets, a dataclass's
fields) must have its entry, and every entry must name a member, with its real
signature. The fixtures section lists every fixture of the plugin with its scope. A
method added without its entry fails here: document it.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import emulator.pytest_plugin

DOC = Path(__file__).parent.parent / "docs" / "python-api.md"
_CLASS_HEADING = re.compile(r"^## `([\w.]+)`", re.M)
_ENTRY = re.compile(r"^- `([^`]+)`", re.M)
_FIXTURE_ENTRY = re.compile(r"^- `(\w+)` \((\w+) scope\)", re.M)
FIXTURES_HEADING = "## The fixtures"
# Where a class's members stop being the emulator's: Python's own bases.
_NOT_OURS = ("builtins", "typing", "abc")


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def sections(text: str) -> dict[str, str]:
    """Each class section's text by the dotted name its heading gives."""
    found = {}
    starts = list(_CLASS_HEADING.finditer(text))
    for match in starts:
        end = text.find("\n## ", match.end())
        found[match[1]] = text[match.end():len(text) if end < 0 else end]
    return found


def load(dotted: str) -> type[Any]:
    module, _, name = dotted.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert inspect.isclass(cls), f"{dotted} is not a class"
    return cls


class _Named:
    """A default that is a function, shown as the code names it (``time.time``)."""

    def __init__(self, function: Any) -> None:
        self.name = f"{function.__module__}.{function.__qualname__}"

    def __repr__(self) -> str:
        return self.name


def shown(signature: inspect.Signature, drop_first: bool) -> str:
    """A signature as the doc writes it: no annotations, no ``self``, a function given as
    a default by its name."""
    parameters = [
        p.replace(annotation=inspect.Parameter.empty,
                  default=_Named(p.default) if inspect.isroutine(p.default) else p.default)
        for p in signature.parameters.values()]
    return str(signature.replace(parameters=parameters[1:] if drop_first else parameters,
                                 return_annotation=inspect.Signature.empty))


def ours(cls: type[Any]) -> Iterator[type[Any]]:
    """The class and its bases that belong to the emulator, bases first."""
    for klass in reversed(cls.__mro__):
        if klass.__module__.partition(".")[0] not in _NOT_OURS and klass is not object:
            yield klass


def init_attributes(klass: type[Any]) -> set[str]:
    """The public attributes ``klass.__init__`` sets on ``self``."""
    init = vars(klass).get("__init__")
    if init is None or dataclasses.is_dataclass(klass):  # a dataclass's: its fields
        return set()
    tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    names = set()
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            for leaf in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (isinstance(leaf, ast.Attribute) and isinstance(leaf.value, ast.Name)
                        and leaf.value.id == "self" and not leaf.attr.startswith("_")):
                    names.add(leaf.attr)
    return names


def expected_entries(cls: type[Any]) -> dict[str, str]:
    """Each public member's name, and the entry the doc must give it."""
    entries: dict[str, str] = {}
    for klass in ours(cls):
        for name in sorted(init_attributes(klass)):
            entries[name] = name
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
                entries[name] = name + shown(inspect.signature(value),
                                             drop_first=isinstance(vars(klass)[name],
                                                                   classmethod))
            elif inspect.isfunction(value):
                entries[name] = name + shown(inspect.signature(value), drop_first=True)
            else:  # a property, a class attribute, a dataclass field with a default
                entries[name] = name
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            entries[field.name] = field.name
    return entries


def constructor_entry(cls: type[Any]) -> str:
    return cls.__name__ + shown(inspect.signature(cls), drop_first=False)


DOCUMENTED = sorted(sections(doc_text()))


def test_the_classes_a_test_writes_against_are_documented() -> None:
    assert {"emulator.client.AdminClient", "emulator.client.AdminError",
            "emulator.pytest_plugin.VodEmulator", "emulator.receiver.CallbackReceiver",
            "emulator.receiver.Received", "emulator.server.EmulatorThread"} <= set(DOCUMENTED)


@pytest.mark.parametrize("dotted", DOCUMENTED)
def test_every_public_member_has_its_entry_with_its_real_signature(dotted: str) -> None:
    cls = load(dotted)
    documented = _ENTRY.findall(sections(doc_text())[dotted])
    wanted = {constructor_entry(cls), *expected_entries(cls).values()}
    missing = sorted(wanted - set(documented))
    unknown = sorted(set(documented) - wanted)
    repeated = sorted({entry for entry in documented if documented.count(entry) > 1})
    assert not missing and not unknown and not repeated, (
        f"{DOC.name}, {dotted}:\n"
        + "".join(f"  not documented: add - `{entry}`: what it does\n" for entry in missing)
        + "".join(f"  documented, but no such member or not its signature: {entry}\n"
                  for entry in unknown)
        + "".join(f"  documented twice: {entry}\n" for entry in repeated))


def plugin_fixtures() -> dict[str, str]:
    """Each fixture the plugin defines, by name, with its scope (read from its source:
    how pytest marks a fixture function differs between its versions)."""
    tree = ast.parse(Path(emulator.pytest_plugin.__file__).read_text(encoding="utf-8"))
    fixtures = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            if ast.unparse(target) != "pytest.fixture":
                continue
            scope = next((ast.literal_eval(k.value) for k in (call.keywords if call else [])
                          if k.arg == "scope"), "function")
            fixtures[node.name] = scope
    return fixtures


def test_every_fixture_is_documented_with_its_scope() -> None:
    text = doc_text()
    start = text.index(f"\n{FIXTURES_HEADING}\n")
    end = text.find("\n## ", start + 1)
    documented = dict(_FIXTURE_ENTRY.findall(text[start:end if end > 0 else len(text)]))
    assert documented == plugin_fixtures()
    assert len(documented) >= 6


def test_the_readers_find_what_they_should() -> None:
    """The checks above can fail: a member, a signature change and a fixture are seen."""
    entries = expected_entries(load("emulator.client.AdminClient"))
    assert entries["wait_for_task"] == "wait_for_task(task_id, sub_app_id='any', timeout=10.0)"
    assert entries["base_url"] == "base_url"  # set in __init__
    thread = expected_entries(load("emulator.server.EmulatorThread"))
    assert thread["port"] == "port" and thread["url"] == "url"  # a base's attribute, a property
    assert "start()" in thread.values()  # a base's method
    assert constructor_entry(load("emulator.receiver.Received")).startswith(
        "Received(method, path, headers, body, json, arrived, status, refused=None")
    assert plugin_fixtures()["vod_emulator_server"] == "session"
