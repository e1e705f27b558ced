"""Remember results per object, by the object's identity.

Policies, principals and statements are frozen dataclasses whose hash walks every field
(tens of statements, their tuples): hashing them per call costs more than the work it
would save. A result is kept under ``id(obj)`` with a reference to ``obj``, so the id is
never reused while the entry lives and an equal copy is a different entry.

``per_object`` caches a module-level function; ``ObjectTable`` is the same table for a
cache that belongs to one object (the bulk reachability's per-grid matcher).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Generic, Hashable, TypeVar

Result = TypeVar("Result")
Value = TypeVar("Value")
_MISSING: Any = object()


class ObjectTable(Generic[Value]):
    """Values per (object identity, optional extra key); holds each object so its id stays its own.

    With ``limit``, the table is emptied when it reaches that many entries.
    """

    __slots__ = ("_limit", "_table")

    def __init__(self, limit: int | None = None) -> None:
        self._table: dict[tuple[int, Hashable], tuple[Any, Value]] = {}
        self._limit = limit

    def get(self, obj: Any, extra: Hashable = None, default: Any = None) -> Value | Any:
        hit = self._table.get((id(obj), extra))
        if hit is not None and hit[0] is obj:
            return hit[1]
        return default

    def put(self, obj: Any, value: Value, extra: Hashable = None) -> Value:
        if self._limit is not None and len(self._table) >= self._limit:
            self._table.clear()
        self._table[(id(obj), extra)] = (obj, value)
        return value

    def __len__(self) -> int:
        return len(self._table)

    def clear(self) -> None:
        self._table.clear()


def per_object(limit: int = 50_000) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Cache ``fn(obj, *rest)`` by ``obj`` alone (the result must not depend on ``rest``).

    At ``limit`` entries the table is emptied, so a long-lived kernel that builds store
    after store does not keep every old policy alive.
    """
    def wrap(fn: Callable[..., Result]) -> Callable[..., Result]:
        table: ObjectTable[Result] = ObjectTable(limit)

        @functools.wraps(fn)
        def call(obj: Any, *rest: Any) -> Result:
            hit = table.get(obj, None, _MISSING)
            if hit is not _MISSING:
                return hit
            return table.put(obj, fn(obj, *rest))

        call.cache_clear = table.clear    # type: ignore[attr-defined]
        return call
    return wrap
