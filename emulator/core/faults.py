"""Fault injection: rules that tests add and remove, which make the Cloud API or a
callback misbehave on purpose ("fail twice, then succeed").

A rule names where it acts (a Cloud API action, or ``callback``), what it does (its
effect), what it matches (application, event type, event id, attempt) and how often
(``times``, a seeded ``probability``, or every time). Every time one acts, the journal
gets a ``fault`` entry naming it, on the event it concerned, so a failing test explains
itself. Domain code: no HTTP here; the Cloud API handler, the queues and the callback
dispatcher ask ``Faults.take()`` at the moment each effect could apply.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..base.echo import shown
from ..base.numeric import is_finite_number, is_integer
from ..events.catalog import TASK_ACTIONS
from . import journal as j
from .clock import Clock
from .ids import ANY_APP, AppFilter, InvalidSubAppId, SubAppId, app_from_json
from .journal import Journal
from .operations import CLOUD_API_ACTIONS, CONFIRM_EVENTS, PULL_EVENTS

CALLBACK = "callback"
"""The ``action`` of rules that act on PUSH deliveries."""

MAX_FAULT_SECONDS = 60.0
"""Latency and delay rules wait at most this many real seconds."""
MAX_SLOW_TASK_SECONDS = 7 * 86400.0
"""A slow_task rule adds at most this many emulator seconds to a task."""


@dataclass(frozen=True)
class Effect:
    actions: tuple[str, ...] | None  # None: every Cloud API action
    about_events: bool  # whether it acts on events (so it can match type, id, attempt)
    needs: tuple[str, ...] = ()
    takes: tuple[str, ...] = ()
    description: str = ""


_PULL, _CONFIRM = PULL_EVENTS, CONFIRM_EVENTS
EFFECTS: dict[str, Effect] = {
    # Any Cloud API action, on the request as a whole.
    "error": Effect(None, False, ("code",), ("message",),
                    "answer this error code instead of acting"),
    "latency": Effect(None, False, ("seconds",), (),
                      "wait this many real seconds before acting"),
    # On the events of one action.
    "duplicate": Effect((_PULL, CALLBACK), True, (), (),
                        "deliver each matching event again: pulled, after this answer under "
                        "a new handle; a callback, the same body and signature sent again "
                        "after the receiver's 200"),
    "reorder": Effect((_PULL,), False, (), (),
                      "answer the pulled events in a shuffled order"),
    "drop_confirm": Effect((_CONFIRM,), True, (), (),
                           "answer success but leave the matching events unconfirmed: their "
                           "leases stay and expire"),
    "expire_lease": Effect((_CONFIRM,), True, (), (),
                           "the leases expire just before the confirm, which is refused as "
                           "a late one is"),
    # On callbacks.
    "fail": Effect((CALLBACK,), True, (), ("status",),
                   "the attempt fails with this HTTP status (default 500), nothing is sent"),
    "timeout": Effect((CALLBACK,), True, (), (), "the attempt times out, nothing is sent"),
    "reset": Effect((CALLBACK,), True, (), (),
                    "the connection is reset, nothing is sent"),
    "bad_signature": Effect((CALLBACK,), True, (), (), "sent with a wrong Sign"),
    "expired_signature": Effect((CALLBACK,), True, (), (),
                                "sent with a T (signature expiry) already past"),
    "delay": Effect((CALLBACK,), True, ("seconds",), (),
                    "sent this many real seconds late"),
    # On the tasks the asynchronous actions start.
    "fail_task": Effect(tuple(TASK_ACTIONS), False, (), ("code", "message"),
                        "the task the request starts fails: its event and DescribeTaskDetail "
                        "carry this error (ErrCodeExt) and message"),
    "slow_task": Effect(tuple(TASK_ACTIONS), False, ("seconds",), (),
                        "the task the request starts takes this many more emulator seconds"),
}
MATCH_FIELDS = ("sub_app_id", "event_type", "event_id", "attempt")
RULE_FIELDS = frozenset({"action", "effect", "code", "message", "status", "seconds",
                         *MATCH_FIELDS, "times", "probability"})
"""Every field a rule takes."""
ERROR_CODE = re.compile(r"[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*")
"""What an ``error`` rule's code must be, whole (RequestLimitExceeded, FailedOperation.X)."""


class FaultInputError(ValueError):
    """A rule that cannot be added; the message says what is wrong."""


ACTIONS = (*CLOUD_API_ACTIONS, CALLBACK)
"""Where rules can act: every Cloud API action, and callbacks."""


@dataclass
class Rule:
    id: str
    action: str
    effect: str
    given: dict[str, Any]  # the rule as posted, shown back as it was given
    sub_app_id: AppFilter = ANY_APP
    event_type: str | None = None
    event_id: str | None = None
    attempt: int | None = None
    probability: float | None = None
    remaining: int | None = None  # None: no count (every time, or by probability)
    applied: int = 0

    def matches(self, action: str, sub_app_id: SubAppId, event_type: str | None,
                event_id: str | None, attempt: int | None) -> bool:
        return (self.action == action
                and (self.sub_app_id == ANY_APP or self.sub_app_id == sub_app_id)
                and (self.event_type is None or self.event_type == event_type)
                and (self.event_id is None or self.event_id == event_id)
                and (self.attempt is None or self.attempt == attempt))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.given, "applied": self.applied,
                "remaining": self.remaining}


@dataclass
class Faults:
    clock: Clock
    journal: Journal
    seed: int | None
    _rules: list[Rule] = field(default_factory=list)
    _next_id: int = 1
    _random: random.Random = field(init=False)
    applied: int = 0  # since the last reset, by every rule

    def __post_init__(self) -> None:
        self._random = random.Random(f"vod-emulator/faults/{self.seed}")

    # ----- managing rules

    def add(self, body: Mapping[str, Any]) -> Rule:
        rule = _parse_rule(body, f"f{self._next_id}")
        self._next_id += 1
        self._rules.append(rule)
        return rule

    def rules(self) -> list[Rule]:
        return list(self._rules)

    @property
    def active(self) -> bool:
        """Whether any rule is in force (the hot paths ask nothing more when none is)."""
        return bool(self._rules)

    def remove(self, rule_id: str | None = None) -> list[str]:
        """Remove one rule (KeyError if unknown) or, without an id, every rule."""
        if rule_id is None:
            removed, self._rules = [rule.id for rule in self._rules], []
            return removed
        for rule in self._rules:
            if rule.id == rule_id:
                self._rules.remove(rule)
                return [rule_id]
        raise KeyError(rule_id)

    def forget(self, sub_app_id: SubAppId) -> None:
        """One application's reset: the rules aimed at it alone go."""
        self._rules = [rule for rule in self._rules if rule.sub_app_id != sub_app_id]

    def reset(self) -> None:
        """No rules; ids and draws start again, as after a start."""
        self._rules.clear()
        self._next_id = 1
        self.applied = 0
        self._random = random.Random(f"vod-emulator/faults/{self.seed}")

    # ----- acting

    def take(
        self, action: str, effects: tuple[str, ...], sub_app_id: SubAppId,
        event_type: str | None = None, event_id: str | None = None,
        attempt: int | None = None,
    ) -> Rule | None:
        """The first rule with one of ``effects`` that matches and whose turn it is (its
        count not spent, its probability drawn); counted as applied and journaled."""
        for rule in self._rules:
            if rule.effect not in effects or not rule.matches(
                    action, sub_app_id, event_type, event_id, attempt):
                continue
            if rule.probability is not None and self._random.random() >= rule.probability:
                continue
            rule.applied += 1
            self.applied += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
            what = rule.effect + (f" {rule.given['code']}" if rule.effect == "error" else "")
            self.journal.record(self.clock.now(), j.FAULT, sub_app_id, event_id or "",
                                detail=f"{rule.id}: {what} on {action}")
            return rule
        return None

    def shuffle(self, items: list[Any]) -> None:
        self._random.shuffle(items)


def _parse_rule(body: Mapping[str, Any], rule_id: str) -> Rule:
    unknown = sorted(set(body) - RULE_FIELDS)
    if unknown:
        raise FaultInputError(f"unknown field(s) {', '.join(shown(n) for n in unknown[:5])}; "
                              f"a rule takes: {', '.join(sorted(RULE_FIELDS))}")
    action, effect_name = body.get("action"), body.get("effect")
    known_actions = ACTIONS
    if action not in known_actions:
        raise FaultInputError(f"action must be one of {', '.join(known_actions)}, "
                              f"got {shown(action)}")
    effect = EFFECTS.get(effect_name) if isinstance(effect_name, str) else None
    if effect is None:
        raise FaultInputError(f"effect must be one of {', '.join(EFFECTS)}, "
                              f"got {shown(effect_name)}")
    assert isinstance(effect_name, str) and isinstance(action, str)
    allowed_actions = effect.actions or tuple(a for a in known_actions if a != CALLBACK)
    if action not in allowed_actions:
        raise FaultInputError(f"effect {effect_name} acts on {', '.join(allowed_actions)}, "
                              f"not on {action}")
    for name in effect.needs:
        if name not in body:
            raise FaultInputError(f"effect {effect_name} needs {name}")
    extras = {"code", "message", "status", "seconds"} - set(effect.needs) - set(effect.takes)
    for name in sorted(extras & set(body)):
        raise FaultInputError(f"{name} does not go with effect {effect_name}")
    if not effect.about_events:
        for name in ("event_type", "event_id", "attempt"):
            if name in body:
                raise FaultInputError(f"effect {effect_name} acts on whole requests: it "
                                      f"cannot match {name}")
    rule = Rule(rule_id, action, effect_name, dict(body))
    _check_values(body, rule)
    return rule


def _check_values(body: Mapping[str, Any], rule: Rule) -> None:
    code = body.get("code")
    if "code" in body and not (isinstance(code, str) and ERROR_CODE.fullmatch(code)
                               and len(code) <= 100):
        raise FaultInputError(f"code must be an error code such as RequestLimitExceeded or "
                              f"FailedOperation.Something, got {shown(code)}")
    if "message" in body and not isinstance(body["message"], str):
        raise FaultInputError(f"message must be a string, got {shown(body['message'])}")
    status: Any = body.get("status")
    if "status" in body and not (is_integer(status) and 100 <= status <= 599):
        raise FaultInputError(f"status must be an HTTP status 100-599, got {shown(status)}")
    seconds: Any = body.get("seconds")
    most = MAX_SLOW_TASK_SECONDS if rule.effect == "slow_task" else MAX_FAULT_SECONDS
    if "seconds" in body and not (is_finite_number(seconds) and 0 <= seconds <= most):
        raise FaultInputError(f"seconds must be between 0 and {most:g}, "
                              f"got {shown(seconds)}")
    if "sub_app_id" in body:
        value = body["sub_app_id"]
        try:
            rule.sub_app_id = app_from_json(value)
        except InvalidSubAppId as error:
            raise FaultInputError(f"sub_app_id {shown(value)} is not valid: {error}") from None
    for name in ("event_type", "event_id"):
        if name in body:
            if not isinstance(body[name], str) or not body[name]:
                raise FaultInputError(f"{name} must be a non-empty string, "
                                      f"got {shown(body[name])}")
            setattr(rule, name, body[name])
    if "attempt" in body:
        if not (is_integer(body["attempt"]) and 1 <= body["attempt"] <= 10**6):
            raise FaultInputError(f"attempt must be an integer from 1, "
                                  f"got {shown(body['attempt'])}")
        rule.attempt = body["attempt"]
    if "times" in body and "probability" in body:
        raise FaultInputError("give times or probability, not both")
    if "times" in body:
        if not (is_integer(body["times"]) and 1 <= body["times"] <= 10**9):
            raise FaultInputError(f"times must be an integer from 1, got {shown(body['times'])}")
        rule.remaining = body["times"]
    if "probability" in body:
        chance = body["probability"]
        if not (is_finite_number(chance) and 0 < chance <= 1):
            raise FaultInputError(f"probability must be more than 0 and at most 1, "
                                  f"got {shown(chance)}")
        rule.probability = float(chance)
