"""The grouping component tree: what each part of an event contributes to its hash, and why not.

As in Sentry's grouping, every strategy returns a component: an id (`frame`, `function`,
`stacktrace`, `exception`, ...), its values (strings or child components), whether it
contributes to the hash and, when it does not, a hint saying why. The hash of a tree is the
digest of the values of its contributing leaves, in order; the console shows the tree as
"why these group".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator


def digest(values: Iterable[str]) -> str:
    """md5 of the values, each prefixed by its length: two lists digest alike only when they
    are equal. (Sentry digests the values run together, so it also merges the rare lists that
    differ but run together alike, `["ab", "c"]` and `["a", "bc"]`; a hash equal here is
    always equal there.)"""
    md5 = hashlib.md5()
    for value in values:
        data = value.encode("utf-8", "replace")
        md5.update(b"%d:" % len(data))
        md5.update(data)
    return md5.hexdigest()


class Component:
    """One node of a grouping tree."""

    __slots__ = ("contributes", "hint", "id", "values")

    def __init__(
        self,
        id: str,
        values: list[Component | str] | None = None,
        contributes: bool | None = None,
        hint: str | None = None,
    ) -> None:
        self.id = id
        self.values: list[Component | str] = values if values is not None else []
        if contributes is None:
            # A node contributes when any of its values does: a string always, a child when
            # it says so. (A loop: this runs for every node of every event's tree.)
            contributes = False
            for value in self.values:
                if value.__class__ is str or value.contributes:  # type: ignore[union-attr]
                    contributes = True
                    break
        self.contributes: bool = contributes
        self.hint: str | None = hint

    def ignore(self, hint: str) -> Component:
        """Mark this node as not contributing, with the reason; returns itself."""
        self.contributes = False
        if self.hint is None:
            self.hint = hint
        return self

    def leaves(self) -> Iterator[str]:
        """The contributing string values under this node, in order."""
        if not self.contributes:
            return
        for value in self.values:
            if isinstance(value, str):
                yield value
            else:
                yield from value.leaves()

    def hash(self) -> str | None:
        """The `digest` of the contributing values; None when nothing contributes."""
        if not self.contributes:
            return None
        values = list(self.leaves())
        if not values:
            return None
        return digest(values)

    def render(self, depth: int = 0) -> str:
        """An indented text form of the tree, for snapshots and the console."""
        mark = "" if self.contributes else " (ignored)"
        hint = f" — {self.hint}" if self.hint else ""
        lines = [f"{'  ' * depth}{self.id}{mark}{hint}"]
        for value in self.values:
            if isinstance(value, str):
                lines.append(f"{'  ' * (depth + 1)}{value!r}")
            else:
                lines.append(value.render(depth + 1))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        """The tree as plain data (JSON-ready)."""
        return {
            "id": self.id,
            "contributes": self.contributes,
            "hint": self.hint,
            "values": [v if isinstance(v, str) else v.as_dict() for v in self.values],
        }
