"""Statistical disclosure control: small counts hidden, and hidden cells that cannot be worked out
again from the published ones.

Primary suppression hides counts in the policy's range (default 1–4, published as "<5").
Secondary suppression then hides more cells until no hidden cell can be recovered exactly from
the published cells and the table's relations (each total is the sum of its parts): not by one
subtraction, and not by solving the relations together. A hidden cell is recoverable exactly when
its unit vector lies in the row space of the relations restricted to the hidden cells.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Key = Hashable
Relation = tuple[Key, Sequence[Key]]  # (total, parts): total = sum(parts)


@dataclass(frozen=True)
class DisclosurePolicy:
    """Counts from `low` to `high` are published as `label`; rates and percentages on them are withheld."""

    low: int = 1
    high: int = 4
    label: str = "<5"

    def __post_init__(self) -> None:
        if not (0 <= self.low <= self.high) or not str(self.label).strip():
            raise ValueError(
                f"[disclosure]: need 0 <= low <= high and a label (got {self.low}, {self.high}, {self.label!r})"
            )

    def primary(self, value: float | None) -> bool:
        return value is not None and self.low <= value <= self.high


DEFAULT_POLICY = DisclosurePolicy()


def _matrix(relations: Sequence[Relation], hidden: list[Key]) -> np.ndarray:
    """Each relation as coefficients over the hidden cells (total +1, parts -1)."""
    index = {key: i for i, key in enumerate(hidden)}
    rows = []
    for total, parts in relations:
        row = np.zeros(len(hidden))
        for key, sign in ((total, 1.0), *((part, -1.0) for part in parts)):
            if key in index:
                row[index[key]] += sign
        if row.any():
            rows.append(row)
    return np.array(rows) if rows else np.zeros((0, len(hidden)))


def recoverable(relations: Sequence[Relation], hidden: set[Key]) -> set[Key]:
    """The hidden cells whose exact value follows from the published cells and the relations.

    With the relations restricted to the hidden cells as a matrix M (M x = what the published cells
    give), a cell is determined exactly when every solution of M x = 0 is zero there, i.e. when its
    column of the null-space basis is zero."""
    ordered = sorted(hidden, key=repr)
    if not ordered:
        return set()
    matrix = _matrix(relations, ordered)
    if matrix.shape[0] == 0:
        return set()
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(matrix.shape)).sum())
    null_space = vt[rank:]
    determined = np.all(np.abs(null_space) < 1e-9, axis=0) if len(null_space) else np.ones(len(ordered), bool)
    return {key for key, known in zip(ordered, determined, strict=True) if known}


def protect(
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    already_hidden: set[Key] = frozenset(),
) -> set[Key]:
    """The cells to hide: every primary cell (and any `already_hidden`, e.g. suppressed at source),
    and as few more as this greedy search finds so that none of them can be recovered. Secondary
    cells are chosen from a relation of an exposed cell, smallest value first (parts before totals),
    so the least information is lost."""
    hidden = {key for key, value in values.items() if policy.primary(value)} | set(already_hidden)
    totals = {total for total, _ in relations}
    while True:
        exposed = recoverable(relations, hidden)
        if not exposed:
            return hidden
        cell = min(exposed, key=repr)
        candidates = [
            key
            for total, parts in relations
            if cell == total or cell in parts
            for key in (total, *parts)
            if key not in hidden and values.get(key) is not None
        ]
        if not candidates:  # nothing left to hide beside it: hide every cell of its relations
            hidden |= {k for total, parts in relations if cell == total or cell in parts for k in (total, *parts)}
            continue
        hidden.add(min(candidates, key=lambda k: (k in totals, values[k] or 0, repr(k))))


def table_relations(rows: Sequence[Key], columns: Sequence[Key], total: Key = "Total") -> list[Relation]:
    """The relations of a two-way table with a total row and a total column (grand total included)."""
    relations: list[Relation] = [((r, total), [(r, c) for c in columns]) for r in (*rows, total)]
    relations += [((total, c), [(r, c) for r in rows]) for c in (*columns, total)]
    return relations
