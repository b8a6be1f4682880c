"""The C allocator under a long-running ``serve``: told to give large blocks back.

glibc's malloc serves a block of at least its "mmap threshold" (128 KiB at start) with a
mapping of its own, unmapped when freed. But the first time such a block is freed, it
raises the threshold to that block's size (up to 32 MiB): from then on the large,
short-lived buffers of a busy server (request bodies, answers, tables being resized) are
carved out of the heap, between long-lived objects, and the holes they leave are kept
by the process. Measured in the soak (bench/soak.py): the heap's free space grew by
12 MiB in 5 minutes while what was in use stayed the same. A fixed threshold keeps
those buffers in mappings of their own, returned whole when freed.
"""

from __future__ import annotations

import sys

M_MMAP_THRESHOLD = -3
"""mallopt's parameter number (malloc.h); setting it also stops the dynamic raise."""
LARGE_BLOCK_BYTES = 128 * 1024
"""glibc's own starting threshold, kept for good."""


def give_large_blocks_back() -> bool:
    """Fix glibc's mmap threshold at LARGE_BLOCK_BYTES for this process; False where
    there is no glibc (another libc, another system), which is left as it is."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # loaded only here: serve calls this once it has answered

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    # musl has a mallopt that does nothing and answers 0, as glibc does on failure.
    return bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES))
