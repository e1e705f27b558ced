"""Remember a function's result per object, by the object's identity.

Policies, principals and statements are frozen dataclasses whose hash walks every field
(tens of statements, their tuples): hashing them per call costs more than the work it
would save. A result is kept under ``id(obj)`` with a reference to ``obj``, so the id is
never reused while the entry lives and an equal copy is a different entry.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

Result = TypeVar("Result")


def per_object(limit: int = 50_000) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Cache ``fn(obj, *rest)`` by ``obj`` alone (the result must not depend on ``rest``).

    At ``limit`` entries the table is emptied, so a long-lived kernel that builds store
    after store does not keep every old policy alive.
    """
    def wrap(fn: Callable[..., Result]) -> Callable[..., Result]:
        table: dict[int, tuple[Any, Result]] = {}

        @functools.wraps(fn)
        def call(obj: Any, *rest: Any) -> Result:
            hit = table.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            value = fn(obj, *rest)
            if len(table) >= limit:
                table.clear()
            table[id(obj)] = (obj, value)
            return value

        call.cache_clear = table.clear    # type: ignore[attr-defined]
        return call
    return wrap
