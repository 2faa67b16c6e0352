"""Writing to the store: the catalogue, submissions with their observations, targets, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.observations import LoadedReturn
from cspdash.store import models


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def sync_catalogue(engine: Engine, catalogue: Catalogue | None = None) -> None:
    """Copy the catalogue's sub-groups, indicators and partnership areas into the store."""
    catalogue = catalogue or load_catalogue()
    with Session(engine) as session, session.begin():
        for sub in catalogue.subgroups:
            session.merge(models.Subgroup(id=sub.id, name=sub.name))
        session.flush()
        for ind in catalogue.indicators:
            session.merge(
                models.Indicator(
                    id=ind.id,
                    name=ind.name,
                    subgroup_id=ind.subgroup,
                    unit=ind.unit,
                    polarity=ind.polarity,
                    aggregation=ind.aggregation,
                    frequency=ind.frequency,
                )
            )
        for area in catalogue.areas:
            row = _area(session, area.name)
            if row is None:
                session.add(models.Area(name=area.name, code=area.code, in_partnership=True))
            else:
                row.code, row.in_partnership = area.code, True


def _area(session: Session, name: str) -> models.Area | None:
    return session.scalar(select(models.Area).where(models.Area.name == name))


def _area_ids(session: Session, names: list[str], kinds: dict[str, str]) -> dict[str, int]:
    """Ids of the named areas, adding those the store has not met yet."""
    ids = {}
    for name in names:
        row = _area(session, name)
        if row is None:
            row = models.Area(name=name, kind=kinds.get(name, "borough"), in_partnership=False)
            session.add(row)
            session.flush()
        ids[name] = row.id
    return ids


def audit(session: Session, actor: str, action: str, detail: str) -> None:
    session.add(models.AuditEntry(at=now(), actor=actor, action=action, detail=detail))


@dataclass(frozen=True)
class SaveResult:
    submission_id: int | None
    observations: int
    already_loaded: bool = False


def save_return(engine: Engine, loaded: LoadedReturn, submitted_by: str) -> SaveResult:
    """Store a file and its observations in one transaction; a file already stored is a no-op."""
    with Session(engine) as session, session.begin():
        existing = session.scalar(select(models.Submission).where(models.Submission.sha256 == loaded.sha256))
        if existing is not None:
            return SaveResult(existing.id, 0, already_loaded=True)
        area_ids = _area_ids(session, loaded.areas, loaded.area_kinds)
        only_area = area_ids[loaded.areas[0]] if len(area_ids) == 1 else None
        submission = models.Submission(
            original_name=loaded.original_name,
            sha256=loaded.sha256,
            kind=loaded.kind,
            area_id=only_area,
            period_start=loaded.period_start,
            period_end=loaded.period_end,
            vintage=loaded.vintage,
            submitted_by=submitted_by,
            submitted_at=now(),
        )
        session.add(submission)
        session.flush()
        rows = _observation_rows(loaded.observations, area_ids, submission.id)
        session.execute(insert(models.Observation), rows)
        audit(session, submitted_by, "upload", f"{loaded.original_name}: {len(rows)} figures")
        return SaveResult(submission.id, len(rows))


def _observation_rows(frame: pd.DataFrame, area_ids: dict[str, int], submission_id: int) -> list:
    records = frame.rename(columns={"indicator": "indicator_id"}).to_dict("records")
    for record in records:
        record["area_id"] = area_ids[record.pop("area")]
        record["submission_id"] = submission_id
        for key in ("value", "numerator", "denominator"):
            if pd.isna(record[key]):
                record[key] = None
    return records


def set_target(
    engine: Engine, indicator_id: str, fy: int, value: float, tolerance: float, actor: str
) -> None:
    """Set an indicator's target for a financial year (replacing any), and audit it."""
    with Session(engine) as session, session.begin():
        row = session.scalar(
            select(models.Target).where(
                models.Target.indicator_id == indicator_id, models.Target.financial_year == fy
            )
        )
        if row is None:
            row = models.Target(indicator_id=indicator_id, financial_year=fy)
            session.add(row)
        row.value, row.tolerance, row.set_by, row.set_at = value, tolerance, actor, now()
        audit(session, actor, "target", f"{indicator_id} {fy}: {value:g} ± {tolerance:g}")
