"""What loading a file would change: new figures, revised figures (old → new), and figures far
outside their history. Used for warnings at ingest and for the upload preview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from cspdash.catalogue import Catalogue
from cspdash.observations import LoadedReturn
from cspdash.periods import Quarter
from cspdash.store.queries import current_observations, release_observations

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


STATUS_COLUMNS = ["area", "quarter", "indicator", "before", "after", "why"]
NO_FIGURE = "no figure"
NEWEST_QUARTERS = 4


@dataclass(frozen=True)
class StatusPreview:
    """The statuses a file would change (`STATUS_COLUMNS`), and the quarters judged for each of the
    partnership's areas it has figures for."""

    changes: pd.DataFrame
    judged: dict[str, tuple[Quarter, ...]]


def status_changes(
    engine: Engine,
    loaded: LoadedReturn,
    catalogue: Catalogue,
    targets: dict,
    as_published: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame,
    quarter: Quarter | None = None,
    provisional_months: dict[str, int] | None = None,
    board_histories: Callable[[str], dict] | None = None,
) -> StatusPreview:
    """RAG statuses the file would change, for each of the partnership's areas it has figures for, as
    the board would judge them after storing it: figures in force before and after (a release added
    as the newest submission, with its vintage; `add_to_force`), the releases beside them, every
    status judged on the figures as published (`as_published`). Quarters judged: `quarter` (the
    board's) and the newest four complete quarters the file covers (`quarters_judged`).

    `board_histories(area)`, when given, is the board service's histories of the area's published
    figures as they are now: the statuses before are read from them (what the board shows), not
    prepared again."""
    rows, judged = [], {}
    for area, incoming in partnership_figures(loaded, catalogue).items():
        quarters = quarters_judged(incoming, quarter)
        judged[area] = quarters
        before_obs = current_observations(engine, area=area, with_provenance=False)
        before_rel = release_observations(engine, area)
        after_obs = add_to_force(before_obs, stored_like(incoming, loaded, catalogue, area, before_obs))
        after_rel = add_release(before_rel, incoming, loaded)
        before = published(before_obs, before_rel, as_published)
        after = published(after_obs, after_rel, as_published)
        touched = changed_indicators(before, after)
        judge = dict(quarters=quarters, targets=targets, provisional_months=provisional_months)
        if board_histories is not None:
            now_shown = board_histories(area)
            was = judge_histories(catalogue, {k: v for k, v in now_shown.items() if k in touched}, quarters, targets)
        else:
            was = judge_quarters(catalogue, *only(before, touched), **judge)
        now = judge_quarters(catalogue, *only(after, touched), **judge)
        rows.extend(_differences(area, was, now, catalogue))
    return StatusPreview(pd.DataFrame(rows, columns=STATUS_COLUMNS), judged)


Figures = tuple[pd.DataFrame, pd.DataFrame]  # an area's figures in force and its releases


def published(observations: pd.DataFrame, releases: pd.DataFrame, as_published: Callable) -> Figures:
    """An area's figures in force and releases as published (as the board judges them)."""
    return (
        as_published(observations) if not observations.empty else observations,
        as_published(releases) if not releases.empty else releases,
    )


def changed_indicators(before: Figures, after: Figures) -> set[str]:
    """The indicators with any published figure or release that differs: only their statuses can change
    (each indicator's history is prepared from its own figures)."""
    changed = set()
    for old, new in zip(before, after, strict=True):
        was, now = _fingerprints(old), _fingerprints(new)
        changed |= {ind for ind in was.keys() | now.keys() if was.get(ind) != now.get(ind)}
    return changed


def _fingerprints(frame: pd.DataFrame) -> dict[str, int]:
    """Each indicator's rows, as one number that does not depend on their order."""
    if frame.empty:
        return {}
    columns = sorted(c for c in frame.columns if c != "submission_id")
    hashes = pd.util.hash_pandas_object(frame[columns].astype(str), index=False)
    return {ind: hash(tuple(sorted(group.tolist()))) for ind, group in hashes.groupby(frame["indicator"].to_numpy())}


def only(figures: Figures, indicators: set[str]) -> Figures:
    """The figures and releases of these indicators."""
    return tuple(frame[frame["indicator"].isin(indicators)] if not frame.empty else frame for frame in figures)


def partnership_figures(loaded: LoadedReturn, catalogue: Catalogue) -> dict[str, pd.DataFrame]:
    """The file's totals (no breakdown) for each of the partnership's areas, in catalogue order."""
    obs = loaded.observations
    totals = obs[(obs["breakdown"] == "") & (obs["area_kind"] == "la")]
    found = {area.name: totals[totals["area"] == area.name] for area in catalogue.areas}
    return {name: rows for name, rows in found.items() if not rows.empty}


def quarters_judged(incoming: pd.DataFrame, quarter: Quarter | None = None) -> tuple[Quarter, ...]:
    """The newest four quarters the figures cover whole (a release's last, part-covered quarter is
    left out; all covered quarters when none is whole), with `quarter` (the board's), oldest first."""
    last_end = max(incoming["period_end"])
    covered = {Quarter.containing(_day(start)) for start in incoming["period_start"]}
    whole = {q for q in covered if q.end <= _day(last_end)} or covered
    chosen = set(sorted(whole)[-NEWEST_QUARTERS:])
    return tuple(sorted(chosen | ({quarter} if quarter else set())))


def _day(value) -> date:
    return value if type(value) is date else pd.Timestamp(value).date()


def stored_like(
    incoming: pd.DataFrame, loaded: LoadedReturn, catalogue: Catalogue, area: str, columns_of: pd.DataFrame
) -> pd.DataFrame:
    """The file's figures for an area in the columns `current_observations` reads, as the newest
    submission (it is stored after every other): the area's code as the store has it, the release's
    vintage and end, the kind."""
    names = {ind.id: ind for ind in catalogue.indicators}
    code = next(a.code for a in catalogue.areas if a.name == area)
    vintage_end = pd.Timestamp(loaded.vintage_end) if loaded.vintage_end else pd.NaT
    newest = int(columns_of["submission_id"].max()) + 1 if not columns_of.empty else 1
    frame = incoming.rename(columns={"parent": "parent_area"}).assign(
        area_code=code,
        subgroup=incoming["indicator"].map(lambda i: names[i].subgroup),
        indicator_name=incoming["indicator"].map(lambda i: names[i].name),
        vintage=loaded.vintage,
        vintage_end=vintage_end,
        kind=loaded.kind,
        submission_id=newest,
        source_file=loaded.original_name,
        submitted_by="",
        submitted_at=pd.NaT,
    )
    columns = list(columns_of.columns) if len(columns_of.columns) else list(frame.columns)
    return frame.reindex(columns=columns)


IN_FORCE_KEY = ["indicator", "area", "area_kind", "parent_area", "breakdown", "period_start", "period_end"]
IN_FORCE_ORDER = ["area_kind", "parent_area", "area", "subgroup", "indicator", "breakdown", "period_start"]


def add_to_force(before: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """The figures in force once `incoming` is stored, by the store's own rule
    (`current_observations`): for each figure, the newest release (latest end) wins, then the latest
    submission."""
    if before.empty:
        return incoming.sort_values(IN_FORCE_ORDER).reset_index(drop=True)
    both = pd.concat([before, incoming], ignore_index=True)
    both["vintage_end"] = pd.to_datetime(both["vintage_end"])
    ordered = both.sort_values(["vintage_end", "submission_id"], na_position="first", kind="stable")
    latest = ordered.drop_duplicates(IN_FORCE_KEY, keep="last")
    return latest.sort_values(IN_FORCE_ORDER).reset_index(drop=True)


def add_release(before: pd.DataFrame, incoming: pd.DataFrame, loaded: LoadedReturn) -> pd.DataFrame:
    """The area's releases once a publication's file is stored (`release_observations`): its figures as
    one more release; a return (no vintage) adds none."""
    if not loaded.vintage:
        return before
    release = incoming.assign(vintage=loaded.vintage, vintage_end=pd.Timestamp(loaded.vintage_end))
    columns = list(before.columns) if len(before.columns) else RELEASE_COLUMNS
    both = pd.concat([before, release.reindex(columns=columns)], ignore_index=True)
    both["vintage_end"] = pd.to_datetime(both["vintage_end"])
    return both


RELEASE_COLUMNS = [
    "indicator",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "not_applicable",
    "vintage",
    "vintage_end",
]

Judged = dict[tuple[Quarter, str], tuple[str, str, str]]  # (quarter, indicator) -> (name, status, reason)


def judge_quarters(
    catalogue: Catalogue,
    observations: pd.DataFrame,
    releases: pd.DataFrame,
    quarters: tuple[Quarter, ...],
    targets: dict,
    provisional_months: dict[str, int] | None,
) -> Judged:
    """Every indicator's status in each quarter, as the board judges it from an area's published
    figures and releases: histories by `prepare_all`, rows by `overview_rows`."""
    from cspdash.board import prepare_all

    if observations.empty:
        return {}
    return judge_histories(
        catalogue, prepare_all(catalogue, observations, releases, provisional_months), quarters, targets
    )


def judge_histories(catalogue: Catalogue, histories: dict, quarters: tuple[Quarter, ...], targets: dict) -> Judged:
    """Every indicator's status in each quarter, read from its prepared history."""
    from cspdash.overview import overview_rows

    if not histories:
        return {}
    judged = {}
    for quarter in quarters:
        for row in overview_rows(catalogue, pd.DataFrame(), quarter, targets, histories=histories):
            judgement = row.judgement
            judged[(quarter, row.indicator.id)] = (row.indicator.name, judgement.status.word, judgement.reason)
    return judged


def _differences(area: str, before: Judged, after: Judged, catalogue: Catalogue) -> list[dict]:
    """One row per indicator and quarter whose status differs (an indicator new to the board was
    'no figure'), by quarter and in catalogue order."""
    order = {ind.id: position for position, ind in enumerate(catalogue.indicators)}
    rows = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[0], order.get(k[1], len(order)))):
        name, was, _ = before.get(key, (None, NO_FIGURE, ""))
        new_name, now, why = after.get(key, (name, NO_FIGURE, ""))
        if was != now:
            rows.append(
                dict(area=area, quarter=key[0].label, indicator=new_name or name, before=was, after=now, why=why)
            )
    return rows


# ---- the preview, in words ------------------------------------------------------------------------

REVISED_COLUMNS = ["Indicator", "Area", "Period", "Was", "Now", "Where in the file"]
STATUS_WORDS = {
    "area": "Area",
    "quarter": "Quarter",
    "indicator": "Indicator",
    "before": "Was",
    "after": "Would be",
    "why": "Why",
}
AREA_KIND_WORDS = {
    "ward": ("ward", "wards"),
    "lsoa": ("LSOA", "LSOAs"),
    "non_borough": ("place that is not a borough", "places that are not boroughs"),
    "region": ("region", "regions"),
    "country": ("country", "countries"),
}


def counts_words(changes: pd.DataFrame) -> str:
    """'35,456 new, 434 revised, 14 unchanged figures'."""
    counts = changes["change"].value_counts()
    return ", ".join(f"{counts.get(word, 0):,} {word}" for word in ("new", "revised", "unchanged")) + " figures"


def areas_words(loaded: LoadedReturn, partnership: list[str], boroughs: str = "areas") -> str:
    """The partnership's areas the file has figures for, named first, then a count of the rest:
    'Hackney and 31 other London boroughs, with 2 places that are not boroughs'."""
    places = loaded.observations[["area", "area_kind"]].drop_duplicates()
    local = set(places.loc[places["area_kind"] == "la", "area"])
    ours = [name for name in partnership if name in local]
    others = len(local - set(ours))
    text = ", ".join(ours) or "none of the partnership's areas"
    if others:
        text += f" and {others:,} other {boroughs if others > 1 else boroughs.removesuffix('s')}"
    elsewhere = places[places["area_kind"] != "la"]["area_kind"].value_counts()
    extra = [_kind_count(kind, int(count)) for kind, count in elsewhere.items()]
    return text + (f", with {', '.join(extra)}" if extra else "")


def _kind_count(kind: str, count: int) -> str:
    one, many = AREA_KIND_WORDS.get(kind, (f"{kind} area", f"{kind} areas"))
    return f"{count:,} {one if count == 1 else many}"


def period_words(start, end) -> str:
    """'2024/25 Q4' for a quarter, 'Apr 2024' for a month, else 'd Mon yyyy to d Mon yyyy'."""
    start, end = _day(start), _day(end)
    quarter = Quarter.containing(start)
    if (start, end) == (quarter.start, quarter.end):
        return quarter.label
    if start.day == 1 and end == (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date():
        return f"{start:%b %Y}"
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def revised_table(changes: pd.DataFrame, catalogue: Catalogue, partnership: list[str]) -> pd.DataFrame:
    """The revised figures in words (`REVISED_COLUMNS`), the partnership's areas first."""
    revised = changes[changes["change"] == "revised"]
    if revised.empty:
        return pd.DataFrame(columns=REVISED_COLUMNS)
    ours = {name: position for position, name in enumerate(partnership)}
    revised = revised.assign(_ours=revised["area"].map(ours).fillna(len(ours))).sort_values(
        ["_ours", "area", "indicator", "breakdown", "period_start"], kind="stable"
    )
    indicators = {ind.id: ind for ind in catalogue.indicators}
    rows = [_revised_row(row, indicators[row.indicator]) for row in revised.itertuples()]
    return pd.DataFrame(rows, columns=REVISED_COLUMNS)


def _revised_row(row, ind) -> list[str]:
    from cspdash.formatting import SUPPRESSED, format_value

    name = f"{ind.name}: {row.breakdown}" if row.breakdown else ind.name
    was = SUPPRESSED if row.old_suppressed else format_value(ind, None if pd.isna(row.old_value) else row.old_value)
    now = SUPPRESSED if row.suppressed else format_value(ind, None if pd.isna(row.value) else row.value)
    where = f"{row.source_sheet}!{row.source_cell}" if row.source_sheet else row.source_cell
    return [name, row.area, period_words(row.period_start, row.period_end), was, now, where]


def status_table(statuses: pd.DataFrame) -> pd.DataFrame:
    """The statuses that would change, with words for columns."""
    return statuses.rename(columns=STATUS_WORDS)[list(STATUS_WORDS.values())]


def judged_words(judged: dict[str, tuple[Quarter, ...]]) -> str:
    """'Hackney in 2024/25 Q3, 2024/25 Q4, 2025/26 Q1 and 2025/26 Q2'."""
    parts = []
    for area, quarters in judged.items():
        labels = [q.label for q in quarters]
        listed = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
        parts.append(f"{area} in {listed}")
    return "; ".join(parts)
