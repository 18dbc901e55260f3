"""Building blocks the matcher's hot paths share: a bounded memo, a direct constructor for frozen
slots dataclasses, and the garbage collector's settings for a process that scores in bulk.

`Memo` remembers `compute(key)` per key, up to a size after which it starts afresh (crawls see
endless new words, numbers and spans). `slot_constructor` builds a frozen dataclass by setting its
slots directly: the dataclass's own `__init__` goes through `object.__setattr__` per field, which
costs more than the rest of a typical reason's or spec's work.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["BULK_GC_THRESHOLDS", "Memo", "settle_heap", "slot_constructor"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class Memo(dict[K, V], Generic[K, V]):
    """`memo[key]` is `compute(key)`, computed once while at most `limit` keys are kept."""

    def __init__(self, compute: Callable[[K], V], limit: int) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, key: K) -> V:
        if len(self) >= self._limit:
            self.clear()
        value = self[key] = self._compute(key)
        return value


def slot_constructor(cls: type[T]) -> Callable[..., T]:
    """A function taking every field of the frozen slots dataclass `cls` positionally, in order,
    and returning the instance `cls(...)` would (same fields, same object), built faster.

    Its code is generated, as dataclasses generate `__init__`: a loop over the fields would cost
    what it saves.
    """
    names: tuple[str, ...] = cls.__slots__  # type: ignore[attr-defined]
    params = ", ".join(f"v{i}" for i in range(len(names)))
    sets = "".join(f"    s{i}(obj, v{i})\n" for i in range(len(names)))
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    namespace.update({f"s{i}": getattr(cls, name).__set__ for i, name in enumerate(names)})
    exec(f"def construct({params}):\n    obj = new(cls)\n{sets}    return obj\n", namespace)
    construct: Callable[..., T] = namespace["construct"]
    construct.__doc__ = f"`{cls.__name__}({', '.join(names)})`, built by setting the slots directly."
    return construct


# The cyclic collector's thresholds (see `gc.set_threshold`) for `settle_heap`: CPython's default
# collects the youngest generation every 700 allocations, a few times per listing scored.
BULK_GC_THRESHOLDS = (20_000, 20, 20)


def settle_heap() -> int:
    """Set the garbage collector for bulk work; returns how many objects it froze.

    Every object alive now (modules, the catalog and the matcher's indexes, the ORM's metadata) is
    moved to the permanent generation, which collections skip, and collections run at
    `BULK_GC_THRESHOLDS`: scoring and storing listings allocate many short-lived objects and next
    to no reference cycles. With CPython's defaults, a re-score of 100,000 stored listings spent
    about a fifteenth of its time in the collector, mostly walking start-up objects in full
    collections; with these settings, under a hundredth.
    """
    gc.freeze()
    gc.set_threshold(*BULK_GC_THRESHOLDS)
    return gc.get_freeze_count()
