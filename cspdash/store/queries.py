"""Reading from the store: the current figures, submissions, targets and the tidy export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

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
    """One row per figure in force (every area and breakdown), in the documented export columns."""
    frame = current_observations(engine, breakdown=ALL_BREAKDOWNS, area_kind=None)
    if frame.empty:
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    return frame[EXPORT_COLUMNS].reset_index(drop=True)


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
