"""Connected components (union-find) for the identity engine: which clusters are one person,
which name blocks a record ties together. Each component is known by its smallest member, so
the answer does not depend on the order the links come in."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Components(Generic[T]):
    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def find(self, x: T) -> T:
        """The smallest member of x's component (x itself when it was never linked)."""
        parent = self._parent
        while (up := parent.get(x, x)) != x:
            parent[x] = parent.get(up, up)  # path halving
            x = up
        return x

    def union(self, x: T, y: T) -> T:
        """Join the components of x and y; the joined component's smallest member."""
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return rx
        low, high = (rx, ry) if rx < ry else (ry, rx)  # type: ignore[operator]
        self._parent[high] = low
        return low
