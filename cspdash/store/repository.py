"""Writing to the store: the catalogue, submissions with their observations, targets, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.observations import LoadedReturn
from cspdash.periods import fy_label
from cspdash.store import models
from cspdash.store.db import writing


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def sync_catalogue(session: Session, catalogue: Catalogue | None = None) -> None:
    """Copy the catalogue's sub-groups, indicators and partnership areas into the store (within the
    caller's transaction)."""
    catalogue = catalogue or load_catalogue()
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
    existing = _area_index(session)
    for area in catalogue.areas:
        row_id = existing.get(("la", "", area.name))
        if row_id is None:
            session.add(models.Area(name=area.name, kind="la", parent="", code=area.code, in_partnership=True))
        else:
            row = session.get(models.Area, row_id)
            row.code, row.in_partnership = area.code or row.code, True
    session.flush()


AreaKey = tuple[str, str, str]  # (kind, parent, name)


def _area_index(session: Session) -> dict[AreaKey, int]:
    return {key: area_id for key, (area_id, _code) in _area_codes(session).items()}


def _area_codes(session: Session, names: list[str] | None = None) -> dict[AreaKey, tuple[int, str]]:
    """(id, code) of every area, or of those with one of `names` (read in chunks)."""
    area = models.Area
    query = select(area.id, area.kind, area.parent, area.name, area.code)
    if names is None:
        rows = session.execute(query)
    else:
        chunks = [names[start : start + 500] for start in range(0, len(names), 500)]
        rows = [row for chunk in chunks for row in session.execute(query.where(area.name.in_(chunk)))]
    return {(kind, parent, name): (area_id, code) for area_id, kind, parent, name, code in rows}


def _file_area_codes(frame: pd.DataFrame) -> dict[AreaKey, str]:
    """Each area of a file with its code: the first non-empty code the file gives it, else ''."""
    codes: dict[AreaKey, str] = {}
    columns = (frame[c].tolist() for c in ("area_kind", "parent", "area", "area_code"))
    for kind, parent, name, code in dict.fromkeys(zip(*columns, strict=True)):
        code = code.strip() if isinstance(code, str) else ""
        if not codes.get((kind, parent, name)):
            codes[(kind, parent, name)] = code
    return codes


@dataclass(frozen=True)
class CodeConflict:
    """A file gives an area a code other than the one stored: the stored code is kept."""

    kind: str
    parent: str
    area: str
    stored: str
    given: str


def area_code_conflicts(connection: Connection | Session, frame: pd.DataFrame) -> list[CodeConflict]:
    """The areas of a file (its observations) whose non-empty code differs from the non-empty code
    stored for the same area (kind, parent, name): loading keeps the stored one."""
    codes = {key: code for key, code in _file_area_codes(frame).items() if code}
    if not codes:
        return []
    names = sorted({name for _kind, _parent, name in codes})
    area = models.Area
    stored = {}
    for start in range(0, len(names), 500):
        query = select(area.kind, area.parent, area.name, area.code).where(
            area.name.in_(names[start : start + 500]), area.code != ""
        )
        stored.update({(kind, parent, name): code for kind, parent, name, code in connection.execute(query)})
    return [CodeConflict(*key, stored[key], code) for key, code in codes.items() if stored.get(key, code) != code]


def _area_ids(session: Session, frame: pd.DataFrame) -> dict[AreaKey, int]:
    """Ids of the file's areas, adding those the store has not met yet (with their codes). An area's
    code comes from whichever file carries it, in any order: a code fills an empty one; a file with
    no code for an area leaves its code as it is; a different code never replaces a stored one
    (`area_code_conflicts` warns of it before). Two files that bring the same new area at once both
    get its one row (insert or leave as it is)."""
    codes = _file_area_codes(frame)
    names = sorted({name for _kind, _parent, name in codes})
    stored = _area_codes(session, names)  # only the file's areas, through the index on their names
    new = [
        {"kind": kind, "parent": parent, "name": name, "code": code, "in_partnership": False}
        for (kind, parent, name), code in codes.items()
        if (kind, parent, name) not in stored
    ]
    if new:
        dialect_insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = dialect_insert(models.Area).on_conflict_do_nothing(index_elements=["kind", "parent", "name"])
        session.execute(statement, new)
        stored = _area_codes(session, names)
    filled = [
        {"area_id": stored[key][0], "new_code": code} for key, code in codes.items() if code and not stored[key][1]
    ]
    if filled:  # only where the stored code is empty, so an area another file just coded keeps its code
        table = models.Area.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("area_id"), table.c.code == "")
            .values(code=bindparam("new_code"))
        )
        session.connection().execute(statement, filled)
    return {key: area_id for key, (area_id, _code) in stored.items()}


def audit(session: Session, actor: str, action: str, detail: str) -> None:
    session.add(models.AuditEntry(at=now(), actor=actor, action=action, detail=detail))


@dataclass(frozen=True)
class SaveResult:
    submission_id: int | None
    observations: int
    already_loaded: bool = False


def save_return(engine: Engine, loaded: LoadedReturn, submitted_by: str) -> SaveResult:
    """Store one file and its observations in one transaction; a file already stored is a no-op."""
    return save_returns(engine, [loaded], submitted_by)[0]


def save_returns(engine: Engine, files: list[LoadedReturn], submitted_by: str) -> list[SaveResult]:
    """Store several files in one transaction: all of them, or (on any error) none."""
    return writing(engine, lambda session: [_save(session, loaded, submitted_by) for loaded in files])


def _save(session: Session, loaded: LoadedReturn, submitted_by: str) -> SaveResult:
    existing = session.scalar(select(models.Submission).where(models.Submission.sha256 == loaded.sha256))
    if existing is not None:
        return SaveResult(existing.id, 0, already_loaded=True)
    obs = loaded.observations
    area_ids = _area_ids(session, obs)
    keys = list(zip(obs["area_kind"].tolist(), obs["parent"].tolist(), obs["area"].tolist(), strict=True))
    single = set(keys)
    submission = models.Submission(
        original_name=loaded.original_name,
        sha256=loaded.sha256,
        kind=loaded.kind,
        area_id=area_ids[keys[0]] if len(single) == 1 else None,
        period_start=loaded.period_start,
        period_end=loaded.period_end,
        vintage=loaded.vintage,
        vintage_end=loaded.vintage_end,
        submitted_by=submitted_by,
        submitted_at=now(),
        content=loaded.content,
    )
    session.add(submission)
    session.flush()
    rows = _observation_rows(obs, [area_ids[k] for k in keys], submission.id, session.bind.dialect.name == "sqlite")
    bulk_insert(session.connection(), "observations", OBSERVATION_INSERT_COLUMNS, rows)
    audit(
        session,
        submitted_by,
        "upload",
        f"{loaded.original_name}: {len(rows)} figures (submission {submission.id})",
    )
    return SaveResult(submission.id, len(rows))


OBSERVATION_INSERT_COLUMNS = [
    "indicator_id",
    "area_id",
    "period_start",
    "period_end",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "not_applicable",
    "submission_id",
    "source_sheet",
    "source_cell",
]


def _column(values: pd.Series) -> list:
    """A column as plain Python values, NaN as None."""
    return [None if missing else value for value, missing in zip(values.tolist(), values.isna().tolist(), strict=True)]


def _iso_dates(values: list) -> list:
    """Dates as SQLite's driver writes them (`date.isoformat()`), each distinct date converted once
    rather than by the driver's adapter for every row; anything else as it is."""
    text: dict[date, str] = {}
    return [(text.get(v) or text.setdefault(v, v.isoformat())) if type(v) is date else v for v in values]


def _observation_rows(
    frame: pd.DataFrame, area_ids: list[int], submission_id: int, dates_as_text: bool = False
) -> list[tuple]:
    dates = _iso_dates if dates_as_text else list
    columns = {
        "indicator_id": frame["indicator"].tolist(),
        "area_id": area_ids,
        "period_start": dates(frame["period_start"].tolist()),
        "period_end": dates(frame["period_end"].tolist()),
        "breakdown": frame["breakdown"].tolist(),
        "value": _column(frame["value"]),
        "numerator": _column(frame["numerator"]),
        "denominator": _column(frame["denominator"]),
        "suppressed": [bool(v) for v in frame["suppressed"].tolist()],
        "not_applicable": [bool(v) for v in frame["not_applicable"].tolist()],
        "submission_id": [submission_id] * len(frame),
        "source_sheet": frame["source_sheet"].tolist(),
        "source_cell": frame["source_cell"].tolist(),
    }
    return list(zip(*(columns[c] for c in OBSERVATION_INSERT_COLUMNS), strict=True))


def bulk_insert(connection: Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows through the driver: COPY on PostgreSQL, executemany elsewhere.

    Tens of thousands of figures come with one police data release; the ORM's per-row work would
    take most of an ingest.
    """
    if not rows:
        return
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def set_target(
    engine: Engine,
    indicator_id: str,
    fy: int,
    value: float,
    tolerance: float,
    actor: str,
    polarity: str | None = None,
    confirmed: bool = True,
) -> None:
    """Set an indicator's target (and, if given, its polarity) for a financial year, and audit it.
    An unconfirmed target is indicative and labelled so wherever it is used."""

    def work(session: Session) -> None:
        row = session.scalar(
            select(models.Target).where(models.Target.indicator_id == indicator_id, models.Target.financial_year == fy)
        )
        if row is None:
            row = models.Target(indicator_id=indicator_id, financial_year=fy)
            session.add(row)
        old = f"{row.value:g} ± {row.tolerance:g}" if row.value is not None else "none"
        row.value, row.tolerance, row.polarity, row.set_by, row.set_at = value, tolerance, polarity, actor, now()
        row.confirmed = confirmed
        shown = f"{value:g} ± {tolerance:g}" + (f", {polarity} is better" if polarity else "")
        shown += "" if confirmed else " (indicative)"
        audit(session, actor, "target", f"{indicator_id} {fy_label(fy)}: {old} → {shown}")

    writing(engine, work)


def stamp_received(engine: Engine, submission_id: int, received: datetime) -> None:
    """Record when a return was received (for sample data and returns loaded after the event)."""

    def work(session: Session) -> None:
        session.get(models.Submission, submission_id).submitted_at = received

    writing(engine, work)
