"""Reading from the store: the current figures, submissions, targets and the tidy export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from cspdash.periods import Quarter
from cspdash.status import Target
from cspdash.store import models

EXPORT_COLUMNS = [
    "area",
    "area_code",
    "area_kind",
    "parent_area",
    "subgroup",
    "indicator",
    "indicator_name",
    "breakdown",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "not_applicable",
    "source_file",
    "source_sheet",
    "source_cell",
    "vintage",
]


ALL_BREAKDOWNS = None


def current_observations(
    engine: Engine,
    area: str | None = None,
    subgroup: str | None = None,
    breakdown: str | None = "",
    area_kind: str | None = "la",
    areas: Collection[str] | None = None,
    indicators: Collection[str] | None = None,
    breakdowns_within: tuple[date, date] | None = None,
    with_provenance: bool = True,
) -> pd.DataFrame:
    """Every figure in force: for each indicator, area, breakdown and period, the latest revision.

    Publications (vintages) are ordered by the release's last month, so a newer release wins even
    if it was loaded first; returns by the order they were submitted. `area` is a partnership-level
    name (kind 'la') unless `area_kind` says otherwise; `areas` keeps only those names (one query for
    many areas); `indicators` keeps only those; `breakdown=None` gives every breakdown, and with
    `breakdowns_within` (first, last period start) the breakdowns of those periods only, beside the
    totals of every period (what a file touches, and the history it is checked against);
    `with_provenance=False` leaves out where each figure came from and who loaded it (less to read).
    """
    obs, sub, ind, area_t = models.Observation, models.Submission, models.Indicator, models.Area
    provenance = (
        [
            ind.name.label("indicator_name"),
            sub.original_name.label("source_file"),
            obs.source_sheet,
            obs.source_cell,
            sub.submitted_by,
            sub.submitted_at,
        ]
        if with_provenance
        else []
    )
    query = _active_observations(
        select(
            area_t.name.label("area"),
            area_t.code.label("area_code"),
            area_t.kind.label("area_kind"),
            area_t.parent.label("parent_area"),
            ind.subgroup_id.label("subgroup"),
            obs.indicator_id.label("indicator"),
            obs.breakdown,
            *VALUE_COLUMNS,
            sub.vintage,
            sub.vintage_end,
            sub.kind,
            obs.submission_id,
            *provenance,
        ),
        area,
        subgroup,
        breakdown,
        area_kind,
    )
    if areas is not None:  # by the areas' ids, so that the figures are found through their index
        query = query.where(obs.area_id.in_(select(area_t.id).where(area_t.name.in_(sorted(set(areas))))))
    if indicators is not None:
        query = query.where(obs.indicator_id.in_(sorted(set(indicators))))
    if breakdowns_within is not None:
        first, last = breakdowns_within
        query = query.where((obs.breakdown == "") | obs.period_start.between(first, last))
    frame = _read_observations(engine, query)
    if frame.empty:
        return frame
    key = ["indicator", "area", "area_kind", "parent_area", "breakdown", "period_start", "period_end"]
    ordered = frame.sort_values(["vintage_end", "submission_id"], na_position="first", kind="stable")
    latest = ordered.drop_duplicates(key, keep="last")
    order = ["area_kind", "parent_area", "area", "subgroup", "indicator", "breakdown", "period_start"]
    return latest.sort_values(order).reset_index(drop=True)


VALUE_COLUMNS = (
    models.Observation.period_start,
    models.Observation.period_end,
    models.Observation.value,
    models.Observation.numerator,
    models.Observation.denominator,
    models.Observation.suppressed,
    models.Observation.not_applicable,
)


def _active_observations(
    query, area: str | None, subgroup: str | None, breakdown: str | None = "", area_kind: str | None = "la"
):
    """Figures of active submissions, joined to their submission, indicator and area, filtered."""
    obs, sub, ind, area_t = models.Observation, models.Submission, models.Indicator, models.Area
    query = (
        query.join(sub, obs.submission_id == sub.id)
        .join(ind, obs.indicator_id == ind.id)
        .join(area_t, obs.area_id == area_t.id)
        .where(sub.status == "active")
    )
    if area is not None:  # by the area's ids, so that its figures are found through their index
        query = query.where(obs.area_id.in_(select(area_t.id).where(area_t.name == area)))
    if area_kind is not None:
        query = query.where(area_t.kind == area_kind)
    if breakdown is not None:
        query = query.where(obs.breakdown == breakdown)
    if subgroup is not None:
        query = query.where(ind.subgroup_id == subgroup)
    return query


def _read_observations(engine: Engine, query) -> pd.DataFrame:
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    if frame.empty:
        return frame
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    frame["suppressed"] = frame["suppressed"].astype(bool)
    frame["not_applicable"] = frame["not_applicable"].astype(bool)
    frame["vintage_end"] = pd.to_datetime(frame["vintage_end"])
    return frame


def release_observations(engine: Engine, area: str, subgroup: str | None = None) -> pd.DataFrame:
    """Every active release's figures for an area (partnership level, no breakdown), each release
    whole: to compare two periods within one release rather than across two."""
    sub = models.Submission
    query = _active_observations(
        select(models.Observation.indicator_id.label("indicator"), *VALUE_COLUMNS, sub.vintage, sub.vintage_end),
        area,
        subgroup,
    ).where(sub.vintage.is_not(None))
    return _read_observations(engine, query)


def tidy_export(engine: Engine) -> pd.DataFrame:
    """One row per figure in force (every area and breakdown), in the documented export columns.

    The same table as `current_observations(engine, breakdown=ALL_BREAKDOWNS, area_kind=None)` cut to
    `EXPORT_COLUMNS` (its columns, dtypes, values and order), read for a whole store at once: the figures
    with the ids of their area, indicator and submission, through the driver's own cursor (no text
    repeated on every row, no per-row conversion); the small area, indicator and submission tables are
    joined to them here, and each distinct date is converted once."""
    obs, sub, ind, area_t = models.Observation, models.Submission, models.Indicator, models.Area
    with engine.connect() as connection:
        # The small tables first (on SQLite this begins the transaction the figures are read in). Every
        # submission, whatever its status, so that a figure read later always finds its file.
        areas = connection.execute(select(area_t.id, area_t.kind, area_t.parent, area_t.name, area_t.code)).all()
        indicators = connection.execute(select(ind.id, ind.subgroup_id, ind.name)).all()
        releases = connection.execute(select(sub.id, sub.original_name, sub.vintage, sub.vintage_end)).all()
        figures = _export_columns(
            connection,
            select(
                obs.id,
                obs.area_id,
                obs.indicator_id,
                obs.submission_id,
                obs.breakdown,
                *VALUE_COLUMNS,
                obs.source_sheet,
                obs.source_cell,
            )
            .join(sub, obs.submission_id == sub.id)
            .where(sub.status == "active"),
        )
    (ids, area_ids, indicator_ids, submission_ids, breakdowns, starts, ends) = figures[:7]
    (values, numerators, denominators, suppressed, not_applicable, sheets, cells) = figures[7:]
    if not len(ids):
        return pd.DataFrame(columns=EXPORT_COLUMNS)

    # Each figure's area, indicator and submission (as positions in their tables; -1: not there, left
    # out as the inner joins of `current_observations` leave it out).
    area_of = pd.Index([a.id for a in areas]).get_indexer(np.array(area_ids, dtype=np.int64))
    indicator_code, indicator_values = pd.factorize(indicator_ids, use_na_sentinel=False)
    indicator_of = pd.Index([i.id for i in indicators], dtype=object).get_indexer(indicator_values)[indicator_code]
    release_of = pd.Index([r.id for r in releases]).get_indexer(np.array(submission_ids, dtype=np.int64))
    breakdown_code, breakdown_values = pd.factorize(breakdowns, use_na_sentinel=False)
    start_code, start_dates = _date_codes(starts)
    end_code, end_dates = _date_codes(ends)

    # The figures read, in the order they were stored; then by release (vintage end, none first, then
    # submission), keeping the last of each indicator, area, breakdown and period: the figure in force.
    order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
    rows = order[((area_of >= 0) & (indicator_of >= 0) & (release_of >= 0))[order]]
    if not len(rows):
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    release_rank = _ranks([(r.vintage_end is not None, r.vintage_end or date.min, r.id) for r in releases])
    rows = rows[np.argsort(release_rank[release_of[rows]], kind="stable")]
    key = pd.DataFrame(
        {
            "indicator": indicator_of[rows],
            "area": area_of[rows],
            "breakdown": breakdown_code[rows],
            "start": start_code[rows],
            "end": end_code[rows],
        }
    )
    kept = rows[~key.duplicated(keep="last").to_numpy()]

    # Sorted by area (kind, parent, name), subgroup, indicator, breakdown and period start, stably.
    area_rank = _ranks([(a.kind, a.parent, a.name) for a in areas])
    indicator_rank = _ranks([(i.subgroup_id, i.id) for i in indicators])
    breakdown_rank = _ranks([(b is None, b or "") for b in breakdown_values])
    start_rank = _ranks(list(start_dates))
    final = kept[
        np.lexsort(
            (
                start_rank[start_code[kept]],
                breakdown_rank[breakdown_code[kept]],
                indicator_rank[indicator_of[kept]],
                area_rank[area_of[kept]],
            )
        )
    ]

    area_at, indicator_at, release_at = area_of[final], indicator_of[final], release_of[final]
    columns = {
        "area": _text([a.name for a in areas], area_at),
        "area_code": _text([a.code for a in areas], area_at),
        "area_kind": _text([a.kind for a in areas], area_at),
        "parent_area": _text([a.parent for a in areas], area_at),
        "subgroup": _text([i.subgroup_id for i in indicators], indicator_at),
        "indicator": _text(list(indicator_values), indicator_code[final]),
        "indicator_name": _text([i.name for i in indicators], indicator_at),
        "breakdown": _text(list(breakdown_values), breakdown_code[final]),
        "period_start": start_dates[start_code[final]],
        "period_end": end_dates[end_code[final]],
        "value": _as_read(values, rows, final, float),
        "numerator": _as_read(numerators, rows, final, float),
        "denominator": _as_read(denominators, rows, final, float),
        "suppressed": np.array(suppressed, dtype=bool)[final],
        "not_applicable": np.array(not_applicable, dtype=bool)[final],
        "source_file": _text([r.original_name for r in releases], release_at),
        "source_sheet": _as_read(sheets, rows, final, str),
        "source_cell": _as_read(cells, rows, final, str),
        "vintage": _text([r.vintage for r in releases], release_at, np.unique(release_of[rows])),
    }
    return pd.DataFrame(columns, columns=EXPORT_COLUMNS)


def _export_columns(connection, query) -> list[np.ndarray]:
    """The query's result, one object array per column, read through the driver's cursor: values as the
    driver gives them (dates may be text on SQLite), without a result object per row."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    width = len(query.selected_columns)
    table = np.empty((len(rows), width), dtype=object)
    if rows:
        table[:] = rows
    return [table[:, column] for column in range(width)]


def _date_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of stored dates (text on SQLite, dates on PostgreSQL) and the distinct dates they stand for
    (datetime.date, as `pd.to_datetime(...).dt.date` makes them), each converted once."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    dates = np.empty(len(distinct), dtype=object)
    dates[:] = [pd.Timestamp(value).date() for value in distinct]
    same, dates = pd.factorize(dates, use_na_sentinel=False)  # two spellings of one date are one date
    return same[codes], dates


def _ranks(keys: list) -> np.ndarray:
    """Each key's place when the keys are sorted."""
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    return ranks


def _text(values: list, at: np.ndarray, present: np.ndarray | None = None) -> object:
    """A text column of a small table joined to the figures (`at`: each figure's row in it), as
    `pandas.read_sql` would have read it joined: text (missing: NaN), or None throughout when no figure
    read (rows `present` of the table, all when not given) has any."""
    if all(values[i] is None for i in (range(len(values)) if present is None else present)):
        return np.full(len(at), None, dtype=object)
    return pd.array(values, dtype="str").take(at)


def _as_read(values: np.ndarray, rows: np.ndarray, final: np.ndarray, kind: type) -> object:
    """A column read per figure, the figures `final` of it, as `pandas.read_sql` would have read it:
    numbers as floats (missing: NaN) or text (missing: NaN), or None throughout when none of the figures
    read (`rows`) has a value."""
    everything = np.asarray(values, dtype=object)
    if pd.isna(everything[rows]).all():
        return np.full(len(final), None, dtype=object)
    if kind is float:
        return everything[final].astype(np.float64)
    return pd.array(everything[final], dtype="str")


def partnership_areas(engine: Engine) -> list[str]:
    query = select(models.Area.name).where(models.Area.in_partnership).order_by(models.Area.id)
    with engine.connect() as connection:
        return list(connection.scalars(query))


def quarters_with_data(engine: Engine, area: str) -> list[Quarter]:
    """Quarters in which the area has at least one figure, oldest first."""
    query = select(models.Observation.period_start).join(models.Area).where(models.Area.name == area).distinct()
    with engine.connect() as connection:
        starts = connection.scalars(query).all()
    return sorted({Quarter.containing(pd.Timestamp(d).date()) for d in starts})


def submissions(engine: Engine) -> pd.DataFrame:
    """The files loaded, newest first."""
    sub, area_t = models.Submission, models.Area
    query = (
        select(
            sub.id,
            sub.original_name.label("file"),
            sub.kind,
            func.coalesce(area_t.name, "several").label("area"),
            sub.period_start,
            sub.period_end,
            sub.vintage,
            sub.submitted_by,
            sub.submitted_at,
            sub.status,
            sub.sha256,
        )
        .outerjoin(area_t, sub.area_id == area_t.id)
        .order_by(sub.id.desc())
    )
    with engine.connect() as connection:
        return pd.read_sql(query, connection)


def targets(engine: Engine) -> dict[tuple[str, int], Target]:
    """Targets set in the store, by (indicator, financial year)."""
    with engine.connect() as connection:
        rows = connection.execute(select(models.Target)).mappings().all()
    return {
        (row["indicator_id"], row["financial_year"]): Target(
            row["value"], row["tolerance"], row["polarity"], bool(row["confirmed"])
        )
        for row in rows
    }


def observation_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(models.Observation))


def data_as_at(engine: Engine, area: str) -> datetime | None:
    """When the newest file in force for the area (its returns, or a publication covering it) was loaded."""
    sub = models.Submission
    query = (
        select(func.max(sub.submitted_at))
        .outerjoin(models.Area, sub.area_id == models.Area.id)
        .where(sub.status != "withdrawn", (models.Area.name == area) | sub.area_id.is_(None))
    )
    with engine.connect() as connection:
        return connection.scalar(query)
