"""What loading a file would change: new figures, revised figures (old → new), and figures far
outside their history. Used for warnings at ingest and for the upload preview."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from cspdash.observations import LoadedReturn
from cspdash.store.queries import current_observations

KEY = ["indicator", "area", "breakdown", "period_start"]


def in_force_for(engine: Engine, loaded: LoadedReturn) -> pd.DataFrame:
    """The figures in force for the keys the file touches (its indicators and areas, at the file's
    levels: borough, ward, LSOA...; every breakdown of its periods) and the totals of every period
    before (the history its figures are checked against): one read of the store, shared below."""
    touched = loaded.observations[["area", "area_kind"]].drop_duplicates()
    if touched.empty:
        return pd.DataFrame()
    starts = loaded.observations["period_start"]
    current = current_observations(
        engine,
        area=None,
        breakdown=None,
        area_kind=None,
        areas=touched["area"],
        indicators=loaded.observations["indicator"].unique(),
        breakdowns_within=(starts.min(), starts.max()),
        with_provenance=False,
    )
    if current.empty:
        return current
    return current.merge(touched, on=["area", "area_kind"]).reset_index(drop=True)


def _totals(current: pd.DataFrame, area: str) -> pd.DataFrame:
    if current.empty:
        return current
    return current[(current["area"] == area) & (current["breakdown"] == "")]


def compare_with_store(loaded: LoadedReturn, current: pd.DataFrame) -> pd.DataFrame:
    """The file's figures beside those in force (`in_force_for`): columns old_value, value and change
    ('new', 'revised', 'unchanged') for each indicator, area, breakdown and period."""
    new = loaded.observations.copy()
    if current.empty:
        return new.assign(old_value=None, old_suppressed=False, change="new")
    current = current[current["indicator"].isin(set(new["indicator"]))]
    old = current[KEY + ["value", "suppressed"]].rename(columns={"value": "old_value", "suppressed": "old_suppressed"})
    merged = new.merge(old, on=KEY, how="left", indicator="_match")
    same = (merged["old_value"].fillna(-1.0).round(9) == merged["value"].fillna(-1.0).round(9)) & (
        merged["old_suppressed"].fillna(False).astype(bool) == merged["suppressed"]
    )
    merged["change"] = "revised"
    merged.loc[merged["_match"] == "left_only", "change"] = "new"
    merged.loc[(merged["_match"] == "both") & same, "change"] = "unchanged"
    return merged.drop(columns="_match")


def history_outliers(loaded: LoadedReturn, current: pd.DataFrame, minimum_history: int = 4) -> pd.DataFrame:
    """Figures far outside the same indicator's stored history for the area (3 × IQR fences)."""
    rows = []
    for area in loaded.areas:
        history = _totals(current, area)
        if history.empty:
            continue
        for obs in loaded.observations[loaded.observations["area"] == area].itertuples():
            if obs.value is None or pd.isna(obs.value):
                continue
            past = history[(history["indicator"] == obs.indicator) & (history["period_start"] < obs.period_start)][
                "value"
            ].dropna()
            if len(past) < minimum_history:
                continue
            q1, q3 = past.quantile(0.25), past.quantile(0.75)
            fence = 3 * max(q3 - q1, 0.1 * abs(past.median()), 1.0)
            if obs.value > q3 + fence or obs.value < q1 - fence:
                rows.append(
                    dict(
                        indicator=obs.indicator,
                        area=area,
                        period_start=obs.period_start,
                        value=obs.value,
                        low=past.min(),
                        high=past.max(),
                        source_sheet=obs.source_sheet,
                        source_cell=obs.source_cell,
                    )
                )
    return pd.DataFrame(rows)


def status_changes(
    loaded: LoadedReturn, current_all: pd.DataFrame, catalogue, targets, as_published=lambda frame: frame
) -> pd.DataFrame:
    """RAG statuses the file would change, per area and quarter it covers: indicator, before, after.
    Statuses are judged on the figures as published (`as_published`), as every view judges them."""
    from cspdash.board import prepare_all
    from cspdash.overview import overview_rows
    from cspdash.periods import Quarter

    rows = []
    new = loaded.observations[loaded.observations["breakdown"] == ""]
    for area in loaded.areas:
        current = _totals(current_all, area)
        incoming = new[(new["area"] == area) & (new["area_kind"] == "la")]
        if incoming.empty:
            continue
        key = ["indicator", "period_start"]
        kept = current.merge(incoming[key], on=key, how="left", indicator=True)
        kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
        after = pd.concat([kept, incoming.assign(vintage=loaded.vintage)], ignore_index=True)
        quarters = sorted({Quarter.containing(d) for d in incoming["period_start"]})
        current, after = as_published(current), as_published(after)
        before, after_file = prepare_all(catalogue, current), prepare_all(catalogue, after)  # once per area
        for quarter in quarters[-4:]:
            before_rows = {
                r.indicator.id: r for r in overview_rows(catalogue, current, quarter, targets, histories=before)
            }
            for row in overview_rows(catalogue, after, quarter, targets, histories=after_file):
                old = before_rows.get(row.indicator.id)
                old_status = old.judgement.status.word if old else "no figure"
                if old_status != row.judgement.status.word:
                    rows.append(
                        dict(
                            area=area,
                            quarter=quarter.label,
                            indicator=row.indicator.name,
                            before=old_status,
                            after=row.judgement.status.word,
                            why=row.judgement.reason,
                        )
                    )
    return pd.DataFrame(rows, columns=["area", "quarter", "indicator", "before", "after", "why"])
