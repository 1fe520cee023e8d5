"""One heap for the whole ``geoplan`` process.

glibc's malloc gives each thread that allocates under contention an arena of its own, and memory
freed in one arena is not reused by another; Arrow (which reads and writes the layers) keeps
its own pool (mimalloc) beside it. A merge runs the engine in one thread and its bookkeeping
in another, and reads and writes through Arrow between GEOS's work: with separate heaps, what
one freed could not serve the others, and a dissolve of the national layer tiled ten times
peaked 0.5 GB higher (1.38 GB instead of 0.80). One glibc arena and Arrow on the system
allocator make every freed block reusable; the engine allocates in a few large blocks, so it
loses no time.

>>> M_ARENA_MAX  # glibc's mallopt parameter for the number of arenas (see ``man mallopt``)
-8
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter


def share_one_heap() -> bool:
    """Arrow on the system allocator (unless ``ARROW_DEFAULT_MEMORY_POOL`` names another pool),
    and glibc's malloc asked for one arena (unless ``MALLOC_ARENA_MAX`` says how many); whether
    glibc took it (False off glibc, e.g. on macOS or musl, where only Arrow's pool changes)."""
    import pyarrow as pa  # (pandas imports it anyway)

    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:  # (glibc reads that one itself)
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, 1))
