"""Figures as they may be published: an observations frame under the disclosure policy.

Counts in the policy's range are hidden; a rate or percentage whose count (its numerator, or the
count its value and denominator imply) is in that range is hidden too; then more cells are hidden
until every hidden cell's feasible range, given the published cells and the relations below, is at
least `policy.width` wide (see `cspdash.disclosure`). Every hidden cell is published with the
policy's one label; the `withheld` column ("primary", "secondary") is for analysts only.

The relations, declared once from the kinds (`data_loaders.kinds.disclosure_rules`) and the frame:

- a kind's sum rules and category totals (e.g. MPS total = the sum of its major categories), per
  area, period, breakdown and release, whether or not every part has a row: a part with no row is a
  published 0 to a reader;
- an indicator's breakdowns (the figure for all = the sum of the breakdowns listed, per release);
- periods within one release and series that tile a longer period (months in a quarter or a
  12-month window, where a release states both);
- a kind whose levels count the same rows (data.police.uk: a force's crimes of a type are at least
  its LSOAs'): an inequality, per release, type and month;
- a kind's share rules (a part's denominator is its whole): when the whole is hidden, so are the
  parts' denominators and rates.

A relation is used where it holds on the stored figures (or could, with a figure unknown at source).

Quarterly and 12-month figures that the board and pages add up from published months are hidden
when any of their months is (`withheld_periods`; `cspdash.trends` marks such a sum suppressed), so
they tell a reader nothing about a hidden month.

Relations across releases are not declared: a ward or LSOA file does not add up to a borough file
(not every crime can be placed), and two releases of one figure differ by revisions. Each release is
published whole and protected on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cspdash.catalogue import Catalogue, Indicator
from cspdash.disclosure import (
    DEFAULT_POLICY,
    Bound,
    DisclosurePolicy,
    Relation,
    cells_of,
    independent_blocks,
    protect_block,
)
from cspdash.periods import Quarter
from cspdash.trends import quarter_index

PRIMARY, SECONDARY = "primary", "secondary"
CELL = ["area", "period_start", "period_end", "breakdown"]
RELEASE = ["area_kind", "vintage"]  # used in every relation's grouping where the frame has them


@dataclass(frozen=True)
class Rules:
    """The relations a store's kinds declare, by indicator id."""

    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()  # total = sum(parts)
    shares: tuple[tuple[str, tuple[str, ...]], ...] = ()  # each part's denominator is the whole
    # (indicators, outer area kind, inner area kind): per release, the outer count >= the inner ones' sum
    within: tuple[tuple[tuple[str, ...], str, str], ...] = ()
    row_counted: tuple[str, ...] = ()  # indicators counted from rows: their source cells list each case


def small_count(frame: pd.DataFrame, indicators: Mapping[str, Indicator]) -> pd.Series:
    """The count each figure rests on: a count's value, a rate's numerator (or the count its value and
    denominator imply when the numerator was not given)."""
    unit = _units(frame, indicators)
    count = pd.to_numeric(frame["value"], errors="coerce").where(unit == "count")
    ratio = unit.isin(["rate", "percent"])
    implied = pd.Series(np.nan, index=frame.index, dtype=float)
    if ratio.any():  # only a rate or percentage implies a count
        rates = frame[ratio]
        implied[ratio] = [
            _implied_numerator(indicators.get(i), v, d)
            for i, v, d in zip(rates["indicator"], rates["value"], rates["denominator"], strict=True)
        ]
    numerator = pd.to_numeric(frame["numerator"], errors="coerce").astype(float)
    return count.astype(float).fillna(numerator.where(ratio).fillna(implied.where(ratio)))


def _units(frame: pd.DataFrame, indicators: Mapping[str, Indicator]) -> pd.Series:
    """Each row's unit ("count" for an indicator not in the catalogue)."""
    names = frame["indicator"].unique()
    unit = {i: indicators[i].unit if i in indicators else "count" for i in names}
    return frame["indicator"].map(unit).astype(object)


def _implied_numerator(ind: Indicator | None, value: float, denominator: float) -> float:
    if ind is None or pd.isna(value) or pd.isna(denominator) or not denominator:
        return np.nan
    per = 100.0 if ind.unit == "percent" else float(ind.per or 1)
    return round(value * denominator / per, 6)


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """`columns` and the release columns the frame has (area kind, vintage)."""
    return [*columns, *(c for c in RELEASE if c in frame)]


def _known(frame: pd.DataFrame) -> pd.Series:
    """Each row's stored value, NaN where it is not known (suppressed at source, or missing)."""
    value = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    return value.where(~frame["suppressed"].astype(bool))


def _holding(known: pd.Series, relations: list[Relation]) -> list[Relation]:
    """The relations that hold on the stored figures (`known`, by row index), all checked at once:
    total = sum(parts), or could, with a figure unknown (the total, or parts summing to no more than
    it). Only a relation that holds lets a reader narrow a hidden figure down."""
    if not relations:
        return relations
    lengths = np.fromiter((len(parts) for _, parts in relations), dtype=np.int64, count=len(relations))
    totals = known.reindex([total for total, _ in relations]).to_numpy(dtype=float)
    parts = known.reindex([p for _, ps in relations for p in ps]).to_numpy(dtype=float)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    missing = np.add.reduceat(np.isnan(parts).astype(np.int64), starts)
    rest = totals - np.add.reduceat(np.nan_to_num(parts, nan=0.0), starts)
    holds = np.isnan(totals) | np.where(missing == 0, np.abs(rest) < 1e-6, rest > -1e-6)
    return [relation for relation, keep in zip(relations, holds.tolist(), strict=True) if keep]


def _group_ids(frame: pd.DataFrame, columns: list) -> np.ndarray:
    """Each row's group over `columns` (NaN a value of its own), numbered in order of first appearance."""
    return frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()


def _sum_relations(frame: pd.DataFrame, rules: Rules, known: pd.Series) -> list[Relation]:
    """The kinds' sum rules and category totals per area, period, breakdown and release; a part with
    no row is a published 0, so it is left out of the parts rather than dropping the relation."""
    named = {name for total, parts in rules.sums for name in (total, *parts)}
    rows = frame[frame["indicator"].isin(named)]
    if rows.empty:
        return []
    group = _group_ids(rows, _keys(rows, CELL)).tolist()
    at = dict(zip(zip(group, rows["indicator"].tolist(), strict=True), rows.index.tolist(), strict=True))
    totals = {total for total, _ in rules.sums}
    with_total = sorted({g for (g, indicator) in at if indicator in totals})
    relations: list[Relation] = []
    for g in with_total:  # groups in order of first appearance, each rule in order (as declared)
        for total, parts in rules.sums:
            present = [at[(g, p)] for p in parts if (g, p) in at]
            if (g, total) in at and present:
                relations.append((at[(g, total)], present))
    return _holding(known, relations)


def _breakdown_relations(frame: pd.DataFrame, known: pd.Series) -> list[Relation]:
    """The figure for all (breakdown "") = the sum of the breakdowns listed, per release."""
    split = np.asarray(frame["breakdown"] != "", dtype=bool)
    if not split.any():
        return []
    whole = np.asarray(frame["breakdown"] == "", dtype=bool)
    keys = _keys(frame, ["area", "indicator", "period_start", "period_end"])
    group = _group_ids(frame[keys].fillna(""), keys)  # one number per series and period, whole or split
    labels = frame.index.to_numpy()
    whole_at = dict(zip(group[whole].tolist(), labels[whole].tolist(), strict=True))
    split_group, split_labels = group[split], labels[split]
    order = np.argsort(split_group, kind="stable")  # each group's rows in frame order
    ordered = split_group[order]
    edges = np.flatnonzero(np.diff(ordered)) + 1
    begins = np.concatenate(([0], edges)).tolist()
    stops = [*edges.tolist(), len(order)]
    firsts = order[begins]  # where each group first appears: the relations in that order
    parts = split_labels[order].tolist()
    relations: list[Relation] = []
    for g in np.argsort(firsts, kind="stable").tolist():
        total = whole_at.get(int(ordered[begins[g]]))
        if total is not None:
            relations.append((total, parts[begins[g] : stops[g]]))
    return _holding(known, relations)


def _period_relations(frame: pd.DataFrame, known: pd.Series) -> list[Relation]:
    """A period = the sum of the shorter periods of its series and release that tile it exactly."""
    relations: list[Relation] = []
    start, end = pd.to_datetime(frame["period_start"]), pd.to_datetime(frame["period_end"])
    timed = frame.assign(_start=start, _end=end, _days=(end - start).dt.days + 1)
    keys = _keys(timed, ["area", "indicator", "breakdown"])
    overlapping = timed[_overlapping(timed, keys)]
    if overlapping.empty:
        return relations
    group = _group_ids(overlapping, keys)
    order = np.argsort(group, kind="stable")  # each series' rows in frame order
    edges = [0, *(np.flatnonzero(np.diff(group[order])) + 1).tolist(), len(order)]
    starts = overlapping["_start"].to_numpy()[order]
    ends = overlapping["_end"].to_numpy()[order]
    days = overlapping["_days"].to_numpy()[order]
    labels = overlapping.index.to_numpy()[order].tolist()
    for begin, stop in zip(edges[:-1], edges[1:], strict=True):
        s, e, d = starts[begin:stop], ends[begin:stop], days[begin:stop]
        for i in range(stop - begin):
            inside = np.flatnonzero((s >= s[i]) & (e <= e[i]) & (d < d[i]))
            if len(inside) > 1 and len(np.unique(s[inside])) == len(inside) and d[inside].sum() == d[i]:
                relations.append((labels[begin + i], [labels[begin + j] for j in inside]))
    return _holding(known, relations)


def _overlapping(timed: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The rows of series in which two periods overlap (e.g. a quarter beside its months)."""
    numbered = timed[["_start", "_end"]].assign(_series=_group_ids(timed, keys))
    ordered = numbered.sort_values(["_series", "_start"])
    series = ordered["_series"]
    reach = ordered["_end"].groupby(series).cummax().groupby(series).shift()
    overlap = (ordered["_start"] <= reach).groupby(series).transform("any")
    return overlap.reindex(timed.index).fillna(False).astype(bool)


def _within_bounds(frame: pd.DataFrame, rules: Rules, known: Mapping) -> list[Bound]:
    """Per release, indicator and period: an outer level's count >= the sum of an inner level's
    (a force's crimes against its LSOAs': crimes with no location are in the force's count only)."""
    bounds: list[Bound] = []
    if "area_kind" not in frame:
        return bounds
    for indicators, outer, inner in rules.within:
        rows = frame[frame["indicator"].isin(indicators) & frame["area_kind"].isin([outer, inner])]
        keys = [c for c in ("indicator", "period_start", "period_end", "breakdown", "vintage") if c in rows]
        for _, group in rows.groupby(keys, sort=False, dropna=False):
            outers = list(group.index[group["area_kind"] == outer])
            inners = list(group.index[group["area_kind"] == inner])
            if outers and inners and _may_exceed(known, outers, inners):
                bounds.append((outers, inners))
    return bounds


def _may_exceed(known: Mapping, outer: Sequence, inner: Sequence) -> bool:
    outer_values = [known[k] for k in outer]
    if any(np.isnan(v) for v in outer_values):
        return True
    return sum(outer_values) - sum(known[k] for k in inner if not np.isnan(known[k])) > -1e-6


def relations_of(frame: pd.DataFrame, rules: Rules) -> tuple[list[Relation], list[Bound]]:
    """Every relation over the frame's count rows (by row index): equalities, then inequalities."""
    known = _known(frame)
    relations = _sum_relations(frame, rules, known) + _breakdown_relations(frame, known)
    relations += _period_relations(frame, known)
    return relations, _within_bounds(frame, rules, known.to_dict() if rules.within else {})


def protect_observations(
    frame: pd.DataFrame,
    indicators: Mapping[str, Indicator],
    rules: Rules = Rules(),
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The frame with the policy applied: hidden figures emptied and marked suppressed, and a
    `withheld` column saying why, for analysts only ("primary": a small count, or a rate on one;
    "secondary": hidden so that no hidden figure can be narrowed down; "" when published). Viewers
    are told neither: every hidden figure is published with the policy's one label."""
    out = frame.copy()
    out["withheld"] = ""
    if out.empty:
        return out
    suppressed = out["suppressed"].astype(bool)
    counts = small_count(out, indicators)
    public = out["indicator"].isin([i for i, ind in indicators.items() if ind.public_record])
    primary = counts.between(policy.low, policy.high) & ~suppressed & ~public  # a public record hides nothing
    linear = _units(out, indicators) == "count"
    relations, bounds = relations_of(out[linear], rules)
    hidden = set(out.index[primary | suppressed])
    value = pd.to_numeric(out["value"], errors="coerce").astype(float).to_numpy()
    unknown = suppressed.to_numpy() | np.isnan(value)
    position = {key: i for i, key in enumerate(out.index.tolist())}
    for component, component_bounds in independent_blocks(relations, bounds, hidden):
        cells = cells_of(component, component_bounds)
        values = {k: (None if unknown[position[k]] else float(value[position[k]])) for k in cells}
        hidden |= protect_block(values, component, policy, cells & hidden, component_bounds)
    hidden |= _shares_of_hidden_wholes(out, rules, hidden)
    secondary = out.index.isin(list(hidden)) & ~primary & ~suppressed
    out.loc[primary, "withheld"] = PRIMARY
    out.loc[secondary, "withheld"] = SECONDARY
    emptied = primary | secondary
    out.loc[emptied, ["value", "numerator", "denominator"]] = np.nan  # alike, whatever the reason
    out.loc[emptied, "suppressed"] = True
    return out


def _shares_of_hidden_wholes(frame: pd.DataFrame, rules: Rules, hidden: set) -> set:
    """A part's rate and denominator when its whole is hidden: the denominator would give the whole away."""
    found: set = set()
    if not rules.shares or not hidden:
        return found
    rows = frame.loc[sorted(hidden), [*CELL, "indicator"]]
    hidden_cells = set(rows.itertuples(index=False, name=None))
    for whole, parts in rules.shares:
        candidates = frame[frame["indicator"].isin(parts)]
        for idx, cell in zip(candidates.index, candidates[CELL].itertuples(index=False, name=None), strict=True):
            if (*cell, whole) in hidden_cells:
                found.add(idx)
    return found


def is_hidden(frame: pd.DataFrame) -> pd.Series:
    """The rows a reader sees hidden: withheld by the policy, or suppressed at source (not figures
    that do not apply)."""
    withheld = frame["withheld"].ne("") if "withheld" in frame else pd.Series(False, index=frame.index)
    empty = pd.to_numeric(frame["value"], errors="coerce").isna()
    at_source = frame["suppressed"].astype(bool) & ~_flag(frame, "not_applicable") & empty
    return withheld | at_source


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    """A true/false column, all false where the frame has none."""
    return frame[column].astype(bool) if column in frame else pd.Series(False, index=frame.index)


def published_as(row: pd.Series, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """How a hidden figure is shown: the policy's one label, whatever the reason it is hidden."""
    return policy.label if row.get("withheld", "") else ""


def for_publication(
    frame: pd.DataFrame, catalogue: Catalogue, rules: Rules, policy: DisclosurePolicy | None = None
) -> pd.DataFrame:
    """`protect_observations` with the catalogue's policy; a frame holding several releases of one
    figure (vintages) is protected release by release, as each release is published whole.

    Small areas' monthly totals (LSOAs, wards: `SMALL_AREAS`) come back with their quarters added
    (`with_quarters`), protected with them: the maps publish a small area's quarter, and a quarter
    protected apart from its months could give a hidden month back. Each row is known by what it is
    (`_identities`), not where it sits in the frame, so a figure is hidden alike in every output that
    publishes it, whatever else that output holds. Rows keep their labels; quarters get new ones."""
    whole = frame
    if "area_kind" in frame and frame["area_kind"].isin(SMALL_AREAS).any():
        whole = with_quarters(frame.reset_index(drop=True), quartered(rules))
    published = _publish(whole.set_axis(_identities(whole)), catalogue, rules, policy)
    labels = list(frame.index)
    if len(whole) > len(frame):
        start = int(max(labels)) + 1 if labels and pd.api.types.is_integer_dtype(frame.index) else 0
        labels += list(range(start, start + len(whole) - len(frame)))
    return published.set_axis(pd.Index(labels))


def _identities(frame: pd.DataFrame) -> pd.Index:
    """Each row's identity: what it is a figure of (place, indicator, breakdown, period, release)."""
    keys = [c for c in (*SERIES, "period_start", "period_end") if c in frame]
    if not keys or frame.empty:
        return pd.Index([str(i) for i in range(len(frame))])
    columns = [_as_text(frame[c]) for c in keys]
    identity = columns[0].str.cat(columns[1:], sep="|", na_rep="") if len(columns) > 1 else columns[0]
    repeat = identity.groupby(identity).cumcount()
    return pd.Index(identity.where(repeat == 0, identity + "#" + repeat.astype(str)).to_numpy())


def _as_text(column: pd.Series) -> pd.Series:
    """A key column as text, the same whatever type the frame holds it in (dates as YYYY-MM-DD)."""
    if column.name in ("period_start", "period_end"):
        days = pd.to_datetime(column, errors="coerce").to_numpy().astype("datetime64[D]")
        return pd.Series(np.where(np.isnat(days), "", days.astype(str)), index=column.index, dtype="str")
    return column.astype("str").fillna("")


def _publish(
    frame: pd.DataFrame, catalogue: Catalogue, rules: Rules, policy: DisclosurePolicy | None = None
) -> pd.DataFrame:
    indicators = {ind.id: ind for ind in catalogue.indicators}
    policy = policy or catalogue.disclosure
    missing = [c for c in CELL if c not in frame]  # e.g. one area's releases: no area column
    frame = frame.assign(**dict.fromkeys(missing, ""))
    keys = [*CELL, "indicator"]
    one_release = "vintage" not in frame or frame["vintage"].nunique(dropna=False) <= 1
    if frame.empty or one_release or not frame.duplicated(keys).any():
        out = protect_observations(frame, indicators, rules, policy)
    else:
        releases = frame.groupby(frame["vintage"].fillna(""), sort=False)
        out = pd.concat([protect_observations(group, indicators, rules, policy) for _, group in releases])
        out = out.loc[frame.index]
    return out.drop(columns=missing)


SMALL_AREAS = ("lsoa", "ward")
SERIES = ["area_kind", "parent_area", "area", "area_code", "indicator", "breakdown", "vintage"]


def with_quarters(frame: pd.DataFrame, indicators: Collection[str]) -> pd.DataFrame:
    """Monthly figures with the complete quarters of the series of `indicators` added (the three
    months in one release): a quarter's value is its months' sum, suppressed when any month is.
    Quarters already in the frame, and months of a quarter split between releases, add nothing."""
    starts, ends = pd.to_datetime(frame["period_start"]), pd.to_datetime(frame["period_end"])
    monthly = frame[(starts.dt.day == 1) & (ends == starts + pd.offsets.MonthEnd(0))]
    monthly = monthly[monthly["indicator"].isin(list(indicators)) & monthly["area_kind"].isin(SMALL_AREAS)]
    if monthly.empty:
        return frame
    keys = [c for c in SERIES if c in frame]
    group = [*keys, "_quarter"]
    value = pd.to_numeric(monthly["value"], errors="coerce")
    tagged = monthly.assign(
        _quarter=quarter_index(monthly["period_start"]).to_numpy(),
        _value=value.fillna(0.0),
        _unknown=value.isna() | monthly["suppressed"].astype(bool),
        **{k: monthly[k].fillna("") for k in keys},
    ).sort_values([*group, "period_start"], kind="stable")
    totals = tagged.groupby(group, sort=False).agg(
        _months=("_value", "size"), _sum=("_value", "sum"), _hidden=("_unknown", "any")
    )
    rows = tagged.drop_duplicates(group).merge(totals.reset_index(), on=group)
    rows = rows[rows["_months"] == 3]
    quarters = [Quarter(int(q) // 4, int(q) % 4 + 1) for q in rows["_quarter"]]
    rows = rows.assign(
        period_start=[q.start for q in quarters],
        period_end=[q.end for q in quarters],
        value=rows["_sum"].where(~rows["_hidden"]),
        suppressed=rows["_hidden"],
    )
    for column in ("numerator", "denominator", "source_cell"):
        if column in rows:
            rows[column] = None
    stated = pd.MultiIndex.from_frame(frame[[*keys, "period_start", "period_end"]].fillna(""))
    rows = rows[~pd.MultiIndex.from_frame(rows[[*keys, "period_start", "period_end"]]).isin(stated)]
    return pd.concat([frame, rows[frame.columns]], ignore_index=True)


def quartered(rules: Rules) -> set[str]:
    """The indicators whose small-area quarters are published and protected with their months: the
    kinds' totals (e.g. all recorded crime). Each month's total is the sum of its categories and the
    quarter the sum of its months, a nesting the protection solves exactly and fast; a category's
    quarter is published only when its three months are (`withheld_periods`), adding nothing."""
    return {total for total, _ in rules.sums}


def withheld_quarters(
    published: pd.DataFrame, indicator: Indicator, label: str = DEFAULT_POLICY.label
) -> dict[Quarter, str]:
    """For marking what analysts see: each quarter in which a published figure of an indicator
    (breakdown all) is hidden, with the label it is published as. A quarter with a hidden month is
    hidden as a whole: its sum would give the month back."""
    if published.empty or "withheld" not in published:
        return {}
    rows = published[(published["indicator"] == indicator.id) & (published["withheld"] != "")]
    if "breakdown" in rows:
        rows = rows[rows["breakdown"] == ""]
    return {Quarter.containing(pd.Timestamp(start).date()): label for start in rows["period_start"]}


def withheld_periods(published: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """Which sums over the periods starting from `first` to `last` (a quarter, 12 months) must be
    hidden: one row per series (area, indicator, breakdown, as the frame has them) with `hidden`
    true when any of its figures in the window is hidden, for the sum would give that figure back
    (the board's sums from `cspdash.trends` are marked suppressed then, too)."""
    keys = [c for c in ("area", "indicator", "breakdown") if c in published]
    starts = pd.to_datetime(published["period_start"])
    inside = published[(starts >= pd.Timestamp(first)) & (starts <= pd.Timestamp(last))]
    hidden = inside["suppressed"].astype(bool) & ~_flag(inside, "not_applicable")
    return hidden.groupby([inside[k] for k in keys], sort=False).any().rename("hidden").reset_index()


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
    """An export: the figures under the catalogue's policy, every hidden one with `published_as` the
    policy's one label and no source cell (a cell range or a list of rows could give its count
    away), and figures counted from rows (street-level crime) with no source cells at all."""
    out = for_publication(frame, catalogue, rules)
    hidden = is_hidden(out)
    out["published_as"] = np.where(hidden, catalogue.disclosure.label, "")
    if "source_cell" in out:
        counted = out["indicator"].isin(rules.row_counted)
        out["source_cell"] = out["source_cell"].where(~(hidden | counted), "")
    return out.drop(columns="withheld")


def _ids(catalogue: Catalogue) -> set[str]:
    return {ind.id for ind in catalogue.indicators}
