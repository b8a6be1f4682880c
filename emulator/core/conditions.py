"""What a wait can wait for: a count compared with a number, written the same way in the
admin API's JSON, the Python clients and the command line.

A condition is a count (``3``: at least 3; ``0``: none, since "at least 0" always holds)
or a comparison as text: ``"==2"``, ``"<=1"``, ``">=5"``. Tasks running is the one count
waited *down* to: its bare number means at most that many.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..base.echo import shown
from ..base.numeric import is_integer
from .records import LIVE_COUNTS

AT_LEAST, AT_MOST, EXACTLY = ">=", "<=", "=="
COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    AT_LEAST: operator.ge, AT_MOST: operator.le, EXACTLY: operator.eq}
TASKS_RUNNING = "tasks_running"
"""An application's unfinished tasks: the one count a wait waits down to."""
WAITED_COUNTS = (*LIVE_COUNTS, TASKS_RUNNING)
"""Every count a wait can put a condition on."""
MAX_CONDITION_COUNT = 10**9
CONDITION_SYNTAX = "a count (3: at least 3; 0: none), or '==N', '<=N' or '>=N'"
"""How a condition is written, as error messages and help texts say it."""
_AT_MOST_SYNTAX = "a count (2: at most 2), or '==N', '<=N' or '>=N'"
CONDITION_PATTERN = r"^\s*(==|<=|>=)?\s*(\d{1,10})\s*$"
"""A condition written as text (the range of its number is checked apart)."""
_WRITTEN = re.compile(CONDITION_PATTERN)


class ConditionError(ValueError):
    """A condition not written as CONDITION_SYNTAX says."""


@dataclass(frozen=True)
class CountCondition:
    name: str
    comparison: str  # AT_LEAST, AT_MOST or EXACTLY
    count: int

    def holds(self, value: int) -> bool:
        return COMPARISONS[self.comparison](value, self.count)

    def __str__(self) -> str:
        return f"{self.name} {self.comparison} {self.count}"


def parse_condition(name: str, written: object) -> CountCondition:
    """The condition ``written`` (an integer, or text as CONDITION_SYNTAX says) puts on the
    count ``name``; a bare number is at least that many, 0 none, and for TASKS_RUNNING at
    most that many. ConditionError if it is not written so."""
    bare = AT_MOST if name == TASKS_RUNNING else AT_LEAST
    if is_integer(written):
        given, count = None, written
    else:
        match = _WRITTEN.match(written) if isinstance(written, str) else None
        if match is None:
            syntax = _AT_MOST_SYNTAX if bare == AT_MOST else CONDITION_SYNTAX
            raise ConditionError(f"{name} must be {syntax}, got {shown(written)}")
        given, count = match.group(1), int(match.group(2))
    if not 0 <= count <= MAX_CONDITION_COUNT:
        raise ConditionError(f"{name} must compare with 0 to {MAX_CONDITION_COUNT:,}, "
                             f"got {shown(written)}")
    if given is None:  # a bare number; "at least none" would hold at once: 0 means none
        given = EXACTLY if bare == AT_LEAST and count == 0 else bare
    return CountCondition(name, given, count)
