"""Pause Python's cyclic garbage collector around bulk work that allocates many small objects."""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector for the block, then restore it.

    Building a store (tens of thousands of frozen statements) and reviewing it (about a
    million small, acyclic objects: paths, evidence dicts) trigger a collection every few
    thousand allocations, each re-walking the whole heap: half the store build, a fifth of
    the review. Reference counting still frees everything as usual; nested use is safe.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
