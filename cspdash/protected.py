"""Figures as they may be published: an observations frame under the disclosure policy.

Counts in the policy's range are hidden ("<5"); a rate or percentage whose count (its numerator,
or the count its value and denominator imply) is in that range is withheld; then more cells are
hidden until none of them can be worked out again from the published cells through the relations
the data declares:

- a kind's sum rules (e.g. knife-injury victims under 25 = under 18 + 18–24), per area, period
  and breakdown;
- a kind's category total (MPS total = the sum of its major categories);
- an indicator's breakdowns (the figure for all = the sum of its breakdowns, where they add up);
- a kind's share rules (a part's denominator is its whole): when the whole is hidden, so are the
  parts' denominators and rates.

Relations across releases (a ward file against a borough file) are not declared: their figures
are published separately and need not add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cspdash.catalogue import Catalogue, Indicator
from cspdash.disclosure import DEFAULT_POLICY, DisclosurePolicy, Relation, protect
from cspdash.periods import Quarter

PRIMARY, SECONDARY = "primary", "secondary"
CELL = ["area", "period_start", "period_end", "breakdown"]


@dataclass(frozen=True)
class Rules:
    """The relations a store's kinds declare, by indicator id."""

    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()  # total = sum(parts)
    shares: tuple[tuple[str, tuple[str, ...]], ...] = ()  # each part's denominator is the whole


def small_count(frame: pd.DataFrame, indicators: Mapping[str, Indicator]) -> pd.Series:
    """The count each figure rests on: a count's value, a rate's numerator (or the count its value and
    denominator imply when the numerator was not given)."""
    unit = frame["indicator"].map(lambda i: indicators[i].unit if i in indicators else "count")
    count = pd.to_numeric(frame["value"], errors="coerce").where(unit == "count")
    ratio = unit.isin(["rate", "percent"])
    implied = pd.Series(
        [
            _implied_numerator(indicators.get(i), v, d)
            for i, v, d in zip(frame["indicator"], frame["value"], frame["denominator"], strict=True)
        ],
        index=frame.index,
        dtype=float,
    )
    numerator = pd.to_numeric(frame["numerator"], errors="coerce").astype(float)
    return count.astype(float).fillna(numerator.where(ratio).fillna(implied.where(ratio)))


def _implied_numerator(ind: Indicator | None, value: float, denominator: float) -> float:
    if ind is None or pd.isna(value) or pd.isna(denominator) or not denominator:
        return np.nan
    per = 100.0 if ind.unit == "percent" else float(ind.per or 1)
    return round(value * denominator / per, 6)


def _positions(frame: pd.DataFrame, columns: list[str]) -> dict:
    """Each row's index by the tuple of its values in `columns`."""
    return dict(zip(frame[columns].itertuples(index=False, name=None), frame.index, strict=True))


def _sum_relations(frame: pd.DataFrame, rules: Rules) -> list[Relation]:
    relations: list[Relation] = []
    if not rules.sums:
        return relations
    at = _positions(frame, [*CELL, "indicator"])
    groups = frame[CELL].drop_duplicates().itertuples(index=False, name=None)
    for cell in groups:
        for total, parts in rules.sums:
            keys = [at.get((*cell, name)) for name in (total, *parts)]
            if all(k is not None for k in keys) and _may_add_up(frame, keys[0], keys[1:]):
                relations.append((keys[0], keys[1:]))
    return relations


def _may_add_up(frame: pd.DataFrame, total, parts) -> bool:
    """Whether total = sum(parts) holds (or, with a figure missing, could hold): only then can a
    reader use it to work out a hidden figure."""
    known = frame.loc[parts, "value"].dropna()
    total_value = frame.at[total, "value"]
    if len(known) < len(parts) or pd.isna(total_value):
        return True
    return abs(known.sum() - total_value) < 1e-6


def _breakdown_relations(frame: pd.DataFrame) -> list[Relation]:
    """The figure for all (breakdown "") = the sum of its breakdowns, where they can add up to it."""
    relations: list[Relation] = []
    split = frame[frame["breakdown"] != ""]
    if split.empty:
        return relations
    whole = frame[frame["breakdown"] == ""]
    whole_at = _positions(whole, ["area", "indicator", "period_start", "period_end"])
    for key, parts in split.groupby(["area", "indicator", "period_start", "period_end"], sort=False):
        total = whole_at.get(key)
        if total is not None and _may_add_up(frame, total, list(parts.index)):
            relations.append((total, list(parts.index)))
    return relations


def _components(relations: Sequence[Relation]) -> list[list[Relation]]:
    """Relations grouped so that no two groups share a cell (each can be protected on its own)."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for total, parts in relations:
        for part in parts:
            parent[find(part)] = find(total)
    grouped: dict = {}
    for relation in relations:
        grouped.setdefault(find(relation[0]), []).append(relation)
    return list(grouped.values())


def _cells(relations: Iterable[Relation]) -> set:
    return {key for total, parts in relations for key in (total, *parts)}


def protect_observations(
    frame: pd.DataFrame,
    indicators: Mapping[str, Indicator],
    rules: Rules = Rules(),
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The frame with the policy applied: hidden figures emptied and marked suppressed, and a
    `withheld` column saying why ("primary": a small count, or a rate on one; "secondary": hidden so
    that a small count cannot be worked out; "" when published)."""
    out = frame.copy()
    out["withheld"] = ""
    if out.empty:
        return out
    suppressed = out["suppressed"].astype(bool)
    counts = small_count(out, indicators)
    primary = counts.between(policy.low, policy.high) & ~suppressed
    linear = out["indicator"].map(lambda i: i not in indicators or indicators[i].unit == "count")
    relations = _sum_relations(out[linear], rules) + _breakdown_relations(out[linear])
    hidden = set(out.index[primary | suppressed])
    for component in _components(relations):
        cells = _cells(component)
        if not cells & hidden:
            continue
        values = {k: (None if suppressed[k] else float(out.at[k, "value"])) for k in cells}
        hidden |= protect(values, component, policy, already_hidden={k for k in cells if k in hidden})
    hidden |= _shares_of_hidden_wholes(out, rules, hidden)
    secondary = out.index.isin(list(hidden)) & ~primary & ~suppressed
    out.loc[primary, "withheld"] = PRIMARY
    out.loc[secondary, "withheld"] = SECONDARY
    emptied = primary | secondary
    out.loc[emptied, ["value", "numerator"]] = np.nan
    ratio = out["indicator"].map(lambda i: i in indicators and indicators[i].unit in ("rate", "percent"))
    out.loc[emptied & (~ratio | (out["withheld"] == SECONDARY)), "denominator"] = np.nan
    out.loc[emptied, "suppressed"] = True
    return out


def _shares_of_hidden_wholes(frame: pd.DataFrame, rules: Rules, hidden: set) -> set:
    """A part's rate and denominator when its whole is hidden: the denominator would give the whole away."""
    found: set = set()
    if not rules.shares or not hidden:
        return found
    hidden_cells = {tuple(frame.loc[k, [*CELL, "indicator"]]) for k in hidden}
    for whole, parts in rules.shares:
        for idx, row in frame[frame["indicator"].isin(parts)].iterrows():
            if (*(row[c] for c in CELL), whole) in hidden_cells:
                found.add(idx)
    return found


def published_as(row: pd.Series, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """How a withheld figure is shown: "<5" for a small count, "withheld" otherwise."""
    return {PRIMARY: policy.label, SECONDARY: "withheld"}.get(row.get("withheld", ""), "")


def for_publication(
    frame: pd.DataFrame, catalogue: Catalogue, rules: Rules, policy: DisclosurePolicy | None = None
) -> pd.DataFrame:
    """`protect_observations` with the catalogue's policy; a frame holding several releases of one
    figure (vintages) is protected release by release, as each release is published whole."""
    indicators = {ind.id: ind for ind in catalogue.indicators}
    policy = policy or catalogue.disclosure
    missing = [c for c in CELL if c not in frame]  # e.g. one area's releases: no area column
    frame = frame.assign(**dict.fromkeys(missing, ""))
    keys = [*CELL, "indicator"]
    if frame.empty or "vintage" not in frame or not frame.duplicated(keys).any():
        out = protect_observations(frame, indicators, rules, policy)
    else:
        releases = frame.groupby(frame["vintage"].fillna(""), sort=False)
        out = pd.concat([protect_observations(group, indicators, rules, policy) for _, group in releases])
        out = out.loc[frame.index]
    return out.drop(columns=missing)


def withheld_quarters(
    published: pd.DataFrame, indicator: Indicator, label: str = DEFAULT_POLICY.label
) -> dict[Quarter, str]:
    """For marking what analysts see: each quarter in which the published figures of an indicator
    (breakdown all) are hidden, as they are published ("<5" for a small count, else "withheld")."""
    if published.empty or "withheld" not in published:
        return {}
    rows = published[(published["indicator"] == indicator.id) & (published["withheld"] != "")]
    if "breakdown" in rows:
        rows = rows[rows["breakdown"] == ""]
    small = label if indicator.unit == "count" else "withheld"
    marks: dict[Quarter, str] = {}
    for start, why in zip(rows["period_start"], rows["withheld"], strict=True):
        quarter = Quarter.containing(pd.Timestamp(start).date())
        if marks.get(quarter) != "withheld":
            marks[quarter] = small if why == PRIMARY else "withheld"
    return marks


class WithheldMarks(dict):
    """`withheld_quarters` for every indicator of a published frame at once (indicator id -> marks):
    worked out once when the figures change, read for any quarter."""


def withheld_marks(published: pd.DataFrame, catalogue: Catalogue) -> WithheldMarks:
    marks = WithheldMarks()
    if published.empty or "withheld" not in published:
        return marks
    hidden = published[published["withheld"] != ""]
    label = catalogue.disclosure.label
    for indicator_id, rows in hidden.groupby("indicator", sort=False):
        if indicator_id in _ids(catalogue):
            marks[indicator_id] = withheld_quarters(rows, catalogue.indicator(indicator_id), label)
    return marks


def publication_table(frame: pd.DataFrame, catalogue: Catalogue, rules: Rules) -> pd.DataFrame:
    """An export: the figures under the catalogue's policy, with `published_as` saying how each hidden
    one is published ("<5" for a small count, "withheld" for a rate on one or a figure hidden so that
    a small count cannot be worked out)."""
    out = for_publication(frame, catalogue, rules)
    units = out["indicator"].map(lambda i: catalogue.indicator(i).unit if i in _ids(catalogue) else "count")
    label = catalogue.disclosure.label
    out["published_as"] = ""
    out.loc[(out["withheld"] == PRIMARY) & (units == "count"), "published_as"] = label
    out.loc[(out["withheld"] == PRIMARY) & (units != "count"), "published_as"] = f"withheld (count {label})"
    out.loc[out["withheld"] == SECONDARY, "published_as"] = "withheld"
    return out.drop(columns="withheld")


def _ids(catalogue: Catalogue) -> set[str]:
    return {ind.id for ind in catalogue.indicators}
