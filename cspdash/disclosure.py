"""Statistical disclosure control: small counts hidden, and no hidden cell narrowed down again from
the published ones.

Primary suppression hides counts in the policy's range (default 1–4). Every hidden cell, whatever
the reason, is published with the policy's one label, so the label tells a reader nothing about
the value: to a reader a hidden cell is any whole number of at least 0.

Secondary suppression then hides more cells until every hidden cell's feasible range (its smallest
and largest value consistent with the published cells and the table's relations) is at least
`policy.width` wide (5 by default): not one subtraction, and not a solver over all the relations
together, pins a hidden count. The relations are equalities (a total is the sum of its parts; a
part with no row is a published 0 and is simply left out) and inequalities (the sum of some cells
is at least the sum of others, e.g. a force's crimes against those of its LSOAs).

Ranges are exact: a component whose equalities form a tree (each cell the total of at most one
relation and a part of at most one) is solved by interval arithmetic, any other component by linear
programming (`scipy.optimize.linprog`; the relations are sums of whole numbers, so the bounds are
whole numbers too). Each component (cells linked by relations: e.g. one borough's categories in one
month of one release) is protected and solved on its own, and one without a hidden cell not at all;
`independent_blocks` finds the components of a whole table at once. scipy is imported only when used.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Key = Hashable
Relation = tuple[Key, Sequence[Key]]  # (total, parts): total = sum(parts)
Bound = tuple[Sequence[Key], Sequence[Key]]  # (outer, inner): sum(outer) >= sum(inner)
Range = tuple[float, float]
DEFAULT_LABEL = "[c]"


@dataclass(frozen=True)
class DisclosurePolicy:
    """Counts from `low` to `high` are hidden, and so is every cell that would give one away; every
    hidden cell is published as `label` (one label for all: "[c]", confidential, by default)."""

    low: int = 1
    high: int = 4
    label: str = DEFAULT_LABEL

    def __post_init__(self) -> None:
        if not (0 <= self.low <= self.high) or not str(self.label).strip():
            raise ValueError(
                f"[disclosure]: need 0 <= low <= high and a label (got {self.low}, {self.high}, {self.label!r})"
            )
        if str(self.label).lstrip().startswith(("<", "≤")):
            raise ValueError(
                f"[disclosure]: label {self.label!r} claims a range, but it marks every hidden cell "
                "(also those hidden so that a small count cannot be worked out): use a word such as '[c]'"
            )

    def primary(self, value: float | None) -> bool:
        return value is not None and self.low <= value <= self.high

    @property
    def width(self) -> int:
        """How wide every hidden cell's feasible range must be: more than the primary range's top."""
        return self.high + 1


DEFAULT_POLICY = DisclosurePolicy()


# ---- exact recovery (the older, weaker test; validation warns analysts with it) --------------------


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
    """The hidden cells whose exact value follows from the published cells and the relations (a
    cell is determined when its column of the null space of the relations over the hidden cells is
    zero). Exact recovery only: `feasible_ranges` also finds cells pinned to a narrow range."""
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


# ---- feasible ranges ---------------------------------------------------------------------------------


def _tree(relations: Sequence[Relation], bounds: Sequence[Bound]) -> dict[Key, list[Key]] | None:
    """The relations' children by total when they form a forest of equalities, else None."""
    if bounds:
        return None
    children: dict[Key, list[Key]] = {}
    parent: dict[Key, Key] = {}
    for total, parts in relations:
        if total in children or len(set(parts)) < len(parts) or any(p in parent for p in parts):
            return None
        children[total] = list(parts)
        parent.update(dict.fromkeys(parts, total))
    for start in parent:  # each cell has one parent at most: a forest unless a walk up loops
        seen, cell = {start}, parent[start]
        while cell in parent:
            if cell in seen:
                return None
            seen.add(cell)
            cell = parent[cell]
    return children


def _forest_order(children: Mapping[Key, list[Key]]) -> list[Key]:
    """Every cell of a forest, each after all of its parts (a post-order from the roots)."""
    parts_of = {p for parts in children.values() for p in parts}
    order: list[Key] = []
    for root in (cell for cell in children if cell not in parts_of):
        stack = [(root, False)]
        while stack:
            cell, expanded = stack.pop()
            if expanded or cell not in children:
                order.append(cell)
                continue
            stack.append((cell, True))
            stack.extend((part, False) for part in reversed(children[cell]))
    return order


def _tree_ranges(
    children: Mapping[Key, list[Key]], known: Mapping[Key, float], order: Sequence[Key] | None = None
) -> dict[Key, Range]:
    """Exact ranges over a forest: each subtree's possible totals bottom-up, then each cell's range
    top-down from its total's range and its siblings' possible totals. `order`: the cells to find,
    each after its parts (`_forest_order`: all; `_Block._around`: the unknown ones and their totals,
    as a known part's range is its value)."""
    order = _forest_order(children) if order is None else order
    unbounded = (0.0, math.inf)
    up: dict[Key, Range] = {}
    for cell in order:  # every part before its total
        if cell in known:
            up[cell] = (known[cell], known[cell])
        elif cell in children:
            lows = highs = 0.0
            for part in children[cell]:
                part_low, part_high = up[part] if part in up else _span(part, known)
                lows += part_low
                highs += part_high
            up[cell] = (max(0.0, lows), highs)
        else:
            up[cell] = unbounded
    found: dict[Key, Range] = dict(up)  # the roots' ranges are their possible totals; parts narrowed below
    for total in reversed(order):  # every total before its parts
        parts = children.get(total)
        if parts is None:
            continue
        low, high = found[total]
        spans = [up[part] if part in up else _span(part, known) for part in parts]
        lows = highs = 0.0
        for part_low, part_high in spans:
            lows += part_low
            highs += part_high
        for part, (part_low, part_high) in zip(parts, spans, strict=True):
            others_high = highs - part_high if part_high != math.inf else _sum_without(spans, part_high, 1)
            found[part] = (max(part_low, low - others_high), min(part_high, high - (lows - part_low)))
    return found


def _span(cell: Key, known: Mapping[Key, float]) -> Range:
    """A cell left out of a `_tree_ranges` order: known (its subtree's total is its value)."""
    return (known[cell], known[cell])


def _sum_without(spans: list[Range], value: float, side: int) -> float:
    """The sum of one side of `spans` with one entry equal to `value` left out (inf - inf safe)."""
    values = [s[side] for s in spans]
    values.remove(value)
    return sum(values)


def _lp_ranges(
    cells: Sequence[Key],
    relations: Sequence[Relation],
    bounds: Sequence[Bound],
    known: Mapping[Key, float],
    truth: Mapping[Key, float | None],
    enough: float,
) -> dict[Key, Range]:
    """Ranges by linear programming. Feasible points found on the way (the stored values, and the
    solutions of two batch problems: every unknown as large, then as small, as it can be together)
    already show most cells to spread at least `enough`; only the rest get their own min and max."""
    unknown = [c for c in cells if c not in known]
    problem = _problem(unknown, relations, bounds, known)
    points = [np.array([truth[c] for c in unknown])] if all(truth.get(c) is not None for c in unknown) else []
    found: dict[Key, Range] = {}
    remaining = list(range(len(unknown)))
    for sign in (-1.0, 1.0) * BATCHES:
        if not remaining:
            break
        objective = np.zeros(len(unknown))
        objective[remaining] = sign
        points.append(_solve(objective, problem).x)
        spread = np.ptp(np.array(points), axis=0)
        remaining = [i for i in remaining if spread[i] < enough - 1e-6]
    for i, cell in enumerate(unknown):
        if i not in remaining:
            column = np.array(points)[:, i]
            found[cell] = (float(column.min()), float(column.max()))
            continue
        objective = np.zeros(len(unknown))
        objective[i] = 1.0
        low, high = _solve(objective, problem).fun, -_solve(-objective, problem).fun
        found[cell] = (round(low, 6), math.inf if high >= CAP - 1 else round(high, 6))
    return found


BATCHES = 4  # batch problems (each: all remaining cells up, then down) before cells are solved one by one
CAP = 1e9  # every unknown is at most this in the linear programs; a range reaching it is unbounded


def _problem(unknown: Sequence[Key], relations: Sequence[Relation], bounds: Sequence[Bound], known) -> dict:
    """The relations over the unknown cells as linprog's arguments."""
    column = {c: i for i, c in enumerate(unknown)}
    equal, equal_rhs, upper, upper_rhs = [], [], [], []
    for total, parts in relations:
        row, rhs = _row(((total, 1.0), *((p, -1.0) for p in parts)), column, known)
        if row.any():
            equal.append(row), equal_rhs.append(rhs)
    for outer, inner in bounds:  # sum(inner) - sum(outer) <= 0
        row, rhs = _row(((c, 1.0) for c in inner), column, known)
        extra, extra_rhs = _row(((c, -1.0) for c in outer), column, known)
        if (row + extra).any():
            upper.append(row + extra), upper_rhs.append(rhs + extra_rhs)
    return dict(
        A_eq=np.array(equal) if equal else None,
        b_eq=equal_rhs or None,
        A_ub=np.array(upper) if upper else None,
        b_ub=upper_rhs or None,
        bounds=(0, CAP),
        method="highs",
    )


def _row(signed: Iterable[tuple[Key, float]], column: Mapping[Key, int], known: Mapping[Key, float]):
    """Coefficients over the unknown cells, and the right-hand side the known cells leave."""
    row, rhs = np.zeros(len(column)), 0.0
    for cell, sign in signed:
        if cell in column:
            row[column[cell]] += sign
        else:
            rhs -= sign * known[cell]
    return row, rhs


def _solve(objective: np.ndarray, problem: dict):
    from scipy.optimize import linprog  # here, so that importing this module stays cheap

    result = linprog(objective, **problem)
    if result.status != 0:
        raise ValueError(f"disclosure: the relations have no solution over the published cells ({result.message})")
    return result


class _Block:
    """One component of the relations (no cell shared with another), with what its ranges need that
    does not change as cells are hidden: its cells, and its forest when its equalities form one."""

    def __init__(self, relations: Sequence[Relation], bounds: Sequence[Bound]) -> None:
        self.relations, self.bounds = relations, bounds
        self.cells = cells_of(relations, bounds)
        self.children = _tree(relations, bounds)
        if self.children is not None:
            self.order = _forest_order(self.children)
            self.position = {cell: i for i, cell in enumerate(self.order)}
            self.parent = {part: total for total, parts in self.children.items() for part in parts}

    def ranges(self, known: Mapping[Key, float], truth: Mapping[Key, float | None], enough: float) -> dict[Key, Range]:
        """The ranges of (at least) every cell of the block not in `known`."""
        if self.children is not None:
            return _tree_ranges(self.children, known, self._around(self.cells - known.keys()))
        ordered = sorted(self.cells, key=repr)
        return _lp_ranges(ordered, self.relations, self.bounds, known, truth, enough)

    def _around(self, unknown: set[Key]) -> list[Key]:
        """The unknown cells and every total above one, each after its parts: the only cells whose
        ranges an unknown cell's range depends on, besides the known parts of those totals."""
        parent, around = self.parent, set()
        for cell in unknown:
            while cell not in around:
                around.add(cell)
                if cell not in parent:
                    break
                cell = parent[cell]
        return sorted(around, key=self.position.__getitem__)


def _blocks(relations: Sequence[Relation], bounds: Sequence[Bound]) -> list[_Block]:
    return [_Block(r, b) for r, b in components_of(relations, bounds)]


def feasible_ranges(
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    hidden: Iterable[Key],
    bounds: Sequence[Bound] = (),
    enough: float = math.inf,
    blocks: Sequence[_Block] | None = None,
) -> dict[Key, Range]:
    """Each hidden cell's (smallest, largest) value given the published cells (those of `values` not
    hidden and not None) and the relations, over non-negative values; cells outside every relation
    are unbounded. With `enough`, a range found to be at least that wide may be given narrower than
    it is (fewer linear programs). Each component of the relations is solved on its own, and only
    one holding a hidden cell (`blocks`: the components, when already found)."""
    hidden = set(hidden) | {k for k, v in values.items() if v is None}
    known = {k: float(v) for k, v in values.items() if k not in hidden and v is not None}
    found: dict[Key, Range] = dict.fromkeys(hidden, (0.0, math.inf))
    for block in _blocks(relations, bounds) if blocks is None else blocks:
        inside = block.cells & hidden
        if inside:
            ranges = block.ranges(known, values, enough)
            found.update({k: ranges[k] for k in inside})
    return found


def components_of(relations: Sequence[Relation], bounds: Sequence[Bound] = ()) -> list[tuple[list, list]]:
    """The relations and bounds grouped so that no two groups share a cell."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    linked = [(total, *parts) for total, parts in relations] + [(*outer, *inner) for outer, inner in bounds]
    for cells in linked:
        for cell in cells[1:]:
            parent[find(cell)] = find(cells[0])
    grouped: dict = defaultdict(lambda: ([], []))
    for relation in relations:
        grouped[find(relation[0])][0].append(relation)
    for bound in bounds:
        grouped[find((*bound[0], *bound[1])[0])][1].append(bound)
    return list(grouped.values())


def independent_blocks(
    relations: Sequence[Relation], bounds: Sequence[Bound] = (), touching: Iterable[Key] | None = None
) -> list[tuple[list, list]]:
    """`components_of` for many relations at once (the connected components of a sparse graph, in
    order of their first relation); with `touching`, only the components holding one of those cells."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    linked = [(total, *parts) for total, parts in relations] + [(*outer, *inner) for outer, inner in bounds]
    if not linked:
        return []
    number: dict = {}
    heads: list[int] = []
    tails: list[int] = []
    firsts: list[int] = []
    for cells in linked:
        first = number.setdefault(cells[0], len(number))
        firsts.append(first)
        for cell in cells[1:]:
            heads.append(first)
            tails.append(number.setdefault(cell, len(number)))
    size = len(number)
    graph = coo_matrix((np.ones(len(heads)), (heads, tails)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    wanted = None if touching is None else {int(label[number[c]]) for c in touching if c in number}
    grouped: dict = {}
    for i, first in enumerate(firsts):
        block = int(label[first])
        if wanted is not None and block not in wanted:
            continue
        relation_list, bound_list = grouped.setdefault(block, ([], []))
        if i < len(relations):
            relation_list.append(relations[i])
        else:
            bound_list.append(bounds[i - len(relations)])
    return list(grouped.values())


def cells_of(relations: Iterable[Relation], bounds: Iterable[Bound] = ()) -> set:
    return {k for total, parts in relations for k in (total, *parts)} | {
        k for outer, inner in bounds for k in (*outer, *inner)
    }


# ---- secondary suppression ---------------------------------------------------------------------------


def protect(
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    already_hidden: Iterable[Key] = frozenset(),
    bounds: Sequence[Bound] = (),
) -> set[Key]:
    """The cells to hide: every primary cell (and any `already_hidden`, e.g. suppressed at source,
    or None in `values`), and more, smallest first, until every hidden cell's feasible range is at
    least `policy.width` wide. A cell's partner comes from the relations it is in: the smallest
    part that makes its range wide enough, else the largest part, else a total."""
    hidden = {k for k, v in values.items() if v is None or policy.primary(v)} | set(already_hidden)
    for component_relations, component_bounds in components_of(relations, bounds):
        cells = cells_of(component_relations, component_bounds)
        if cells & hidden:
            hidden |= _protect_component(values, component_relations, component_bounds, policy, hidden & cells)
    return hidden


def protect_block(
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    already_hidden: Iterable[Key] = frozenset(),
    bounds: Sequence[Bound] = (),
) -> set[Key]:
    """`protect` for relations and bounds that form one component (as `independent_blocks` gives
    them), with `values` holding at least that component's cells: no search for components."""
    hidden = {k for k, v in values.items() if v is None or policy.primary(v)} | set(already_hidden)
    cells = cells_of(relations, bounds)
    if not cells & hidden:
        return hidden
    return hidden | _protect_component(values, relations, bounds, policy, hidden & cells)


def _protect_component(
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    bounds: Sequence[Bound],
    policy: DisclosurePolicy,
    hidden: set[Key],
) -> set[Key]:
    """Widen over the equalities first (fast: usually a tree), then over the inequalities too (an
    inequality only narrows ranges further), widening every narrow cell of a round at once. The
    relations and bounds are one component (`components_of`); without the bounds it may fall apart."""
    equalities = _blocks(relations, ()) if bounds else [_Block(relations, ())]
    hidden = _widen(values, relations, (), policy, set(hidden), True, equalities)
    if not bounds:
        return hidden
    return _widen(values, relations, bounds, policy, hidden, False, [_Block(relations, bounds)])


def _widen(
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    bounds: Sequence[Bound],
    policy: DisclosurePolicy,
    hidden: set[Key],
    one_at_a_time: bool,
    blocks: Sequence[_Block],
) -> set[Key]:
    """Hide partners until no hidden cell's range is too narrow (`blocks`: the relations' components,
    found once, as hiding a cell changes none of them)."""
    while True:
        ranges = feasible_ranges(values, relations, hidden, bounds, enough=policy.width, blocks=blocks)
        narrow = {k: high - low for k, (low, high) in ranges.items() if high - low < policy.width - 1e-6}
        if not narrow:
            return hidden
        cells = sorted(narrow, key=lambda k: (narrow[k], repr(k)))
        partners = set()
        for cell in cells[:1] if one_at_a_time else cells:
            partner = _partner(cell, narrow[cell], values, relations, bounds, hidden | partners, policy)
            if partner is not None:
                partners.add(partner)
        if not partners:  # every cell beside them is hidden already: nothing more to hide
            return hidden
        hidden |= partners


def _partner(
    cell: Key,
    width: float,
    values: Mapping[Key, float | None],
    relations: Sequence[Relation],
    bounds: Sequence[Bound],
    hidden: set[Key],
    policy: DisclosurePolicy,
) -> Key | None:
    """The published cell to hide beside `cell`: the smallest part big enough to widen its range,
    else the largest part, else the smallest total; from its own relations first, then any."""
    own = [r for r in relations if cell == r[0] or cell in r[1]]
    own_bounds = [b for b in bounds if cell in b[0] or cell in b[1]]
    for chosen_relations, chosen_bounds in ((own, own_bounds), (relations, bounds)):
        totals = {r[0] for r in chosen_relations} | {k for outer, _ in chosen_bounds for k in outer}
        open_cells = [k for k in cells_of(chosen_relations, chosen_bounds) if k not in hidden and values.get(k)]
        parts = sorted((k for k in open_cells if k not in totals), key=lambda k: (values[k], repr(k)))
        need = policy.width - max(width, values.get(cell) or 0.0)
        enough = [k for k in parts if values[k] >= need]
        if enough or parts:
            return enough[0] if enough else parts[-1]
        ordered = sorted(open_cells, key=lambda k: (values[k], repr(k)))
        if ordered:
            return ordered[0]
    return None


def table_relations(rows: Sequence[Key], columns: Sequence[Key], total: Key = "Total") -> list[Relation]:
    """The relations of a two-way table with a total row and a total column (grand total included)."""
    relations: list[Relation] = [((r, total), [(r, c) for c in columns]) for r in (*rows, total)]
    relations += [((total, c), [(r, c) for r in rows]) for c in (*columns, total)]
    return relations
