"""What counts as a number in a JSON value the emulator is given (a setting, a fault rule)."""

from __future__ import annotations

import math
from typing import Any


def is_finite_number(value: Any) -> bool:
    """An int or a finite float, not a bool: NaN and the infinities measure nothing."""
    if isinstance(value, bool):
        return False
    # An int is finite however large; math.isfinite would overflow on a huge one.
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
