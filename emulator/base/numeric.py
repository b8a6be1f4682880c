"""What counts as a number in a JSON value the emulator is given (a setting, a fault rule,
a parameter, a payload field): ``True`` is a JSON boolean, never the integer 1."""

from __future__ import annotations

import math
from typing import Any, TypeGuard


def is_integer(value: Any) -> TypeGuard[int]:
    """An int, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[int | float]:
    """An int or a float (NaN and the infinities included), not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value: Any) -> TypeGuard[int | float]:
    """An int or a finite float, not a bool: NaN and the infinities measure nothing."""
    # An int is finite however large; math.isfinite would overflow on a huge one.
    return is_integer(value) or (isinstance(value, float) and math.isfinite(value))
