"""Hand memory the C allocator holds but no longer uses back to the system (#15).

An ingest's live memory is flat: each chunk's rows are dropped once it is staged, and
lingua's models are loaded once (``ingest.language``). Its resident size still crept
up with the file, because glibc's ``malloc`` keeps the pages of freed blocks (each
chunk's JSON, compressed blobs, numpy lookups; the temporary tables lingua builds
while it parses its models, ~90-120 MB) in its heaps. :func:`release_free_memory` asks
glibc to return every whole free page (``malloc_trim(0)``, which also releases pages
in the middle of a heap, not just its top).

Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded: the C library's among them
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_free_memory() -> bool:
    """Return the allocator's free pages to the system; ``True`` where it could."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
