"""The C allocator of a long-running ``serve``: large blocks stay in mappings of their
own, returned when freed, instead of holes in the heap (base/allocator.py). Read from a
process of its own, so this one's allocator is left as it is."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emulator.base.allocator import give_large_blocks_back

# After one large block is freed, glibc serves the next one of that size from the heap
# (its threshold raised), unless told otherwise: the mapped bytes say which.
_PROBE = """
import ctypes, sys
from emulator.base.allocator import give_large_blocks_back
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "fixed":
    assert give_large_blocks_back()
first = bytearray(4 << 20)
del first  # a 4 MiB block freed: glibc alone would raise its threshold past it
second = bytearray(4 << 20)
print(libc.mallinfo2().hblkhd >= 4 << 20)
"""


def _large_block_mapped(how: str) -> bool:
    answer = subprocess.run([sys.executable, "-c", _PROBE, how], capture_output=True,
                            text=True, check=True, timeout=60)
    return answer.stdout.strip() == "True"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_large_block_freed_leaves_the_next_one_mapped_apart() -> None:
    assert _large_block_mapped("fixed")
    assert not _large_block_mapped("glibc")  # what it prevents: the next one in the heap


@pytest.mark.skipif(sys.platform.startswith("linux"), reason="elsewhere than Linux")
def test_elsewhere_nothing_is_changed() -> None:
    assert give_large_blocks_back() is False
