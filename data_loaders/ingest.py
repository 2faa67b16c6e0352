"""Loading files into the store: every file checked first, then all stored in one transaction."""

from __future__ import annotations

import csv
import getpass
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from cspdash.catalogue import load_catalogue
from cspdash.changes import STATUS_COLUMNS, compare_with_store, in_force_for, status_changes
from cspdash.formatting import format_value
from cspdash.observations import LoadedReturn
from cspdash.periods import Quarter
from cspdash.store import models
from cspdash.store.queries import observation_count
from cspdash.store.repository import SaveResult, area_code_conflicts, save_returns, set_target, stamp_received
from data_loaders.detect import load_file
from data_loaders.kinds import load_kinds, provisional_months
from data_loaders.names import BadFileName, safe_file_name
from data_loaders.problems import Problem, ReturnRefused
from data_loaders.publication import publisher
from data_loaders.sandbox import load_untrusted
from sample_data.generate import SAMPLE_DIR, sample_files


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


@dataclass
class CheckedFiles:
    """Files read and checked against the store, ready to store; warnings do not block."""

    files: list[LoadedReturn]
    warnings: list[Problem] = field(default_factory=list)


def read_one(
    path: Path, name: str | None = None, kind: str | None = None, today: date | None = None, trusted: bool = False
) -> LoadedReturn:
    """One file read and checked under its safe name (`name`, else made from the path's): in a worker
    with limits unless it is one of the app's own (trusted) files; ReturnRefused if it cannot be loaded."""
    path = Path(path)
    try:
        name = name or safe_file_name(path.name)
    except BadFileName as error:
        raise ReturnRefused([Problem(repr(path.name)[:80], "", "", "bad-name", str(error))]) from None
    if trusted:
        return load_file(path, kind=kind, today=today, name=name)
    return load_untrusted(path, name=name, kind=kind, today=today)


def check_files(
    engine: Engine | None,
    paths: list[Path],
    kind: str | None = None,
    today: date | None = None,
    trusted: bool = False,
    names: list[str] | None = None,
) -> CheckedFiles:
    """Read and check every file; raise ReturnRefused with every problem of every file."""
    loaded, problems = [], []
    for path, name in zip(paths, names or [None] * len(paths), strict=True):
        try:
            item = read_one(path, name, kind=kind, today=today, trusted=trusted)
        except ReturnRefused as refused:
            problems.extend(refused.problems)
            continue
        loaded.append(item)
        problems.extend(item.warnings)
    if any(not p.is_warning for p in problems):
        raise ReturnRefused(problems)
    if engine is not None:
        for item in loaded:
            if load_kinds()[item.kind].is_return:
                problems.extend(store_warnings(item, figures_in_force(engine, item)))
        problems.extend(area_code_warnings(engine, loaded))
    return CheckedFiles(loaded, problems)


def area_code_warnings(engine: Engine, files: list[LoadedReturn]) -> list[Problem]:
    """An area given a code other than the one stored (or given by a file before it in `files`): the
    code already known is kept, and the analyst is told where the other one is."""
    warnings, known = [], {}
    coded_files = [loaded for loaded in files if loaded.observations["area_code"].ne("").any()]
    if not coded_files:  # a sub-group's return names its area, with no code
        return warnings
    with engine.connect() as connection:
        for loaded in coded_files:
            obs = loaded.observations
            conflicts = {(c.kind, c.parent, c.area): c for c in area_code_conflicts(connection, obs)}
            coded = obs[obs["area_code"] != ""].drop_duplicates(["area_kind", "parent", "area"])
            for row in coded.itertuples(index=False):
                key = (row.area_kind, row.parent, row.area)
                stored = conflicts[key].stored if key in conflicts else known.get(key, row.area_code)
                known.setdefault(key, stored)
                if stored != row.area_code:
                    warnings.append(
                        Problem(
                            loaded.original_name,
                            row.source_sheet,
                            row.source_cell,
                            "area-code",
                            f"{row.area} has the code {row.area_code} here, but its code is already known as {stored}: "
                            f"{stored} is kept",
                            "warning",
                        )
                    )
    return warnings


def store_warnings(loaded: LoadedReturn, current: pd.DataFrame | InForce) -> list[Problem]:
    """For a sub-group's return: figures it revises (old → new) and figures far outside their history,
    against the figures in force (`in_force_for`'s frame, or `figures_in_force`: the same figures, read
    leaner). The warnings `cspdash.changes.compare_with_store` and `history_outliers` would give,
    worked out in one pass over the file's figures, the store's looked up by key: a return has a few
    dozen figures, and pandas' cost per call was most of an ingest."""
    if not load_kinds()[loaded.kind].is_return:
        return []  # a publication's new release is expected to revise its window
    catalogue = load_catalogue()
    warnings = []
    current = InForce.of(current)
    for row in _revised(loaded.observations, current):
        ind = catalogue.indicator(row["indicator"])
        old = "suppressed" if row["old_suppressed"] else format_value(ind, row["old_value"])
        new = "suppressed" if row["suppressed"] else format_value(ind, row["value"])
        warnings.append(
            Problem(
                loaded.original_name,
                row["source_sheet"],
                row["source_cell"],
                "revision",
                f"revises {row['indicator']} for {row['area']}, {row['period_start']:%b %Y}: {old} → {new}",
                "warning",
            )
        )
    for row in _outliers(loaded, current):
        ind = catalogue.indicator(row["indicator"])
        warnings.append(
            Problem(
                loaded.original_name,
                row["source_sheet"],
                row["source_cell"],
                "outlier",
                f"{row['indicator']} {format_value(ind, row['value'])} is far outside its history for {row['area']} "
                f"({format_value(ind, row['low'])} to {format_value(ind, row['high'])}): check it",
                "warning",
            )
        )
    return warnings


STORE_KEY = ["indicator", "area", "breakdown", "period_start"]  # cspdash.changes.KEY
IN_FORCE_COLUMNS = ("indicator", "area", "breakdown", "period_start", "value", "suppressed")


@dataclass
class InForce:
    """The figures in force that a file's checks need, as columns of plain values (in_force_for's
    rows and order, only the columns the checks read)."""

    columns: dict[str, list]

    @property
    def empty(self) -> bool:
        return not self.columns["indicator"]

    @classmethod
    def of(cls, current: pd.DataFrame | InForce) -> InForce:
        if isinstance(current, InForce):
            return current
        if current.empty:
            return cls({column: [] for column in IN_FORCE_COLUMNS})
        return cls({column: current[column].tolist() for column in IN_FORCE_COLUMNS})


def figures_in_force(engine: Engine, loaded: LoadedReturn) -> InForce:
    """`cspdash.changes.in_force_for`'s figures (the file's indicators for its areas at the file's
    levels: every breakdown of the file's periods, the totals of every period), read through the
    observations' index by the areas' ids, the latest revision of each picked in Python.

    The same rule as `cspdash.store.queries.current_observations`: active submissions only; of the
    figures for one indicator, area, breakdown and period, the newest release's (by its last month; a
    return, with none, before any release), then the latest submitted."""
    obs = loaded.observations
    touched = set(zip(obs["area"].tolist(), obs["area_kind"].tolist(), strict=True))
    if not touched:
        return InForce.of(pd.DataFrame())
    o, sub, ind, area = models.Observation, models.Submission, models.Indicator, models.Area
    starts = obs["period_start"]
    with engine.connect() as connection:
        names = sorted({name for name, _kind in touched})
        area_ids = connection.scalars(select(area.id).where(area.name.in_(names))).all()
        query = (
            select(
                o.indicator_id,
                area.name,
                area.kind,
                area.parent,
                ind.subgroup_id,
                o.breakdown,
                o.period_start,
                o.period_end,
                o.value,
                o.suppressed,
                sub.vintage_end,
                o.submission_id,
            )
            .join(sub, o.submission_id == sub.id)
            .join(ind, o.indicator_id == ind.id)
            .join(area, o.area_id == area.id)
            .where(sub.status == "active")
            .where(o.area_id.in_(sorted(area_ids)))
            .where(o.indicator_id.in_(sorted(set(obs["indicator"].tolist()))))
            .where((o.breakdown == "") | o.period_start.between(starts.min(), starts.max()))
        )
        rows = connection.execute(query).all()
    latest: dict[tuple, tuple] = {}  # the figure in force for each key, and its rank
    for row in rows:
        ind_id, name, kind, parent, _subgroup, breakdown, start, end, _value, _suppressed, vintage_end, sub_id = row
        rank = (vintage_end is not None, vintage_end or date.min, sub_id)
        key = (ind_id, name, kind, parent, breakdown, start, end)
        if key not in latest or rank >= latest[key][1]:  # the last of equals, as a stable sort keeps it
            latest[key] = (row, rank)
    kept = sorted(
        (row for row, _rank in latest.values() if (row[1], row[2]) in touched),
        key=lambda r: (r[2], r[3], r[1], r[4], r[0], r[5], r[6]),  # in_force_for's order
    )
    values = [row[8] for row in kept]
    if any(value is not None for value in values):  # a column of numbers, as pandas reads it
        values = [np.nan if value is None else value for value in values]
    return InForce(
        {
            "indicator": [row[0] for row in kept],
            "area": [row[1] for row in kept],
            "breakdown": [row[5] for row in kept],
            "period_start": [row[6] for row in kept],
            "value": values,
            "suppressed": [bool(row[9]) for row in kept],
        }
    )


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The frame's rows as dicts of plain Python values (as itertuples gives them)."""
    lists = [frame[column].tolist() for column in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]


def _rounded(values: list) -> np.ndarray:
    """As pandas' `.fillna(-1.0).round(9)` on a column of figures."""
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    return np.round(np.where(np.isnan(array), -1.0, array), 9)


def _revised(new: pd.DataFrame, current: InForce) -> list[dict]:
    """The file's figures that revise one in force (as compare_with_store's 'revised' rows, in its
    order: the file's, each beside every figure in force with its key)."""
    if current.empty or new.empty:
        return []
    stored: dict[tuple, list[tuple]] = {}
    columns = current.columns
    for key, old_value, old_suppressed in zip(
        zip(*(columns[c] for c in STORE_KEY), strict=True), columns["value"], columns["suppressed"], strict=True
    ):
        stored.setdefault(key, []).append((old_value, old_suppressed))
    rows = []
    for row in _records(new, list(new.columns)):
        for old_value, old_suppressed in stored.get(tuple(row[c] for c in STORE_KEY), ()):
            rows.append(dict(row, old_value=old_value, old_suppressed=old_suppressed))
    if not rows:
        return []
    same = (_rounded([r["old_value"] for r in rows]) == _rounded([r["value"] for r in rows])) & (
        np.array([bool(r["old_suppressed"]) for r in rows]) == np.array([bool(r["suppressed"]) for r in rows])
    )
    return [row for row, unchanged in zip(rows, same, strict=True) if not unchanged]


def _outliers(loaded: LoadedReturn, current: InForce, minimum_history: int = 4) -> list[dict]:
    """Figures far outside the same indicator's stored history for the area (3 × IQR fences), as
    `cspdash.changes.history_outliers` finds them: each area's totals grouped once by indicator."""
    if current.empty:
        return []
    columns = current.columns
    history: dict[tuple[str, str], tuple[list, list]] = {}
    for area, indicator, breakdown, start, value in zip(
        columns["area"],
        columns["indicator"],
        columns["breakdown"],
        columns["period_start"],
        columns["value"],
        strict=True,
    ):
        if breakdown != "":
            continue
        key = (area, indicator)
        history.setdefault(key, ([], []))
        history[key][0].append(start)
        history[key][1].append(np.nan if value is None else value)
    obs = loaded.observations
    columns = ["indicator", "area", "period_start", "value", "source_sheet", "source_cell"]
    by_area: dict[str, list[dict]] = {}
    for row in _records(obs, columns):
        by_area.setdefault(row["area"], []).append(row)
    rows = []
    for area in loaded.areas:
        for row in by_area.get(area, ()):
            value = row["value"]
            if value is None or pd.isna(value) or (area, row["indicator"]) not in history:
                continue
            starts, values = history[(area, row["indicator"])]
            past = np.array([v for s, v in zip(starts, values, strict=True) if s < row["period_start"]], dtype=float)
            past = past[~np.isnan(past)]
            if len(past) < minimum_history:
                continue
            q1, q3 = np.quantile(past, 0.25), np.quantile(past, 0.75)
            fence = 3 * max(q3 - q1, 0.1 * abs(np.median(past)), 1.0)
            if value > q3 + fence or value < q1 - fence:
                rows.append(
                    dict(
                        indicator=row["indicator"],
                        area=area,
                        period_start=row["period_start"],
                        value=value,
                        low=float(past.min()),
                        high=float(past.max()),
                        source_sheet=row["source_sheet"],
                        source_cell=row["source_cell"],
                    )
                )
    return rows


@dataclass
class IngestReport:
    results: list[SaveResult]
    warnings: list[Problem]
    files: list[LoadedReturn]


def ingest_files(
    engine: Engine, paths: list[Path], submitted_by: str | None = None, kind: str | None = None
) -> IngestReport:
    """Check every file, then store them all in one transaction; on any error nothing is stored."""
    checked = check_files(engine, paths, kind=kind)
    results = save_returns(engine, checked.files, submitted_by or current_user())
    return IngestReport(results, checked.warnings, checked.files)


def load_sample_targets(engine: Engine, path: Path = SAMPLE_DIR / "targets.csv") -> None:
    """Targets that change by financial year, as a partnership sets them."""
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            set_target(
                engine,
                row["indicator"],
                int(row["financial_year"][:4]),
                float(row["target"]),
                float(row["tolerance"]),
                "sample data",
                confirmed=row.get("confirmed", "yes").strip().lower() != "no",
            )


def load_sample_if_empty(engine: Engine) -> bool:
    """Fill an empty store with the embedded sample returns; True if it did."""
    if observation_count(engine):
        return False
    checked = check_files(None, sample_files(), trusted=True)
    results = save_returns(engine, checked.files, "sample data")
    for loaded, result in zip(checked.files, results, strict=True):
        late = loaded.kind == "serious_violence" and "city_of_london" in loaded.original_name
        received = datetime.combine(loaded.period_end + timedelta(days=38 if late else 21), time(10, 0))
        stamp_received(engine, result.submission_id, received)
    load_sample_targets(engine)
    return True


@dataclass
class UploadCheck:
    """One uploaded file, checked against the store but not stored: its problems and what it would change."""

    name: str
    loaded: LoadedReturn | None
    problems: list[Problem]
    changes: pd.DataFrame | None = None
    statuses: pd.DataFrame | None = None  # the statuses that would change (`cspdash.changes.STATUS_COLUMNS`)
    judged: dict[str, tuple[Quarter, ...]] = field(default_factory=dict)  # the quarters judged, by area
    already_loaded: bool = False  # the same file (sha256) is stored: storing it again changes nothing

    @property
    def ok(self) -> bool:
        return self.loaded is not None and not any(not p.is_warning for p in self.problems)


def check_upload(
    engine: Engine,
    name: str,
    content: bytes,
    targets: dict,
    today: date | None = None,
    quarter: Quarter | None = None,
    board_histories=None,
) -> UploadCheck:
    """Check an uploaded file as `validate` would, and work out the figures and statuses it would change
    (for every kind: `cspdash.changes.status_changes`, in `quarter`, the board's, and the newest
    quarters the file covers), every status judged on the figures as published.

    The browser's file name is only a label: the file is written under a name of our own.
    `board_histories(area)`: the board service's published histories of an area (the upload page
    passes them), so the statuses before are the board's own, read rather than prepared again."""
    try:
        shown = safe_file_name(name)
    except BadFileName as error:
        label = repr(str(name))[:80]
        return UploadCheck(label, None, [Problem(label, "", "", "bad-name", str(error))])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("upload" + Path(shown).suffix.lower())
        path.write_bytes(content)
        try:
            checked = check_files(None, [path], today=today, names=[shown])
        except ReturnRefused as refused:
            return UploadCheck(shown, None, refused.problems)
    loaded = checked.files[0]
    current = in_force_for(engine, loaded)  # one read of the store for the comparisons below
    warnings = checked.warnings + store_warnings(loaded, current) + area_code_warnings(engine, [loaded])
    changes = compare_with_store(loaded, current)
    if already_stored(engine, loaded.sha256):
        return UploadCheck(shown, loaded, warnings, changes, pd.DataFrame(columns=STATUS_COLUMNS), {}, True)
    preview = status_changes(
        engine, loaded, load_catalogue(), targets, publisher(), quarter, provisional_months(), board_histories
    )
    return UploadCheck(shown, loaded, warnings, changes, preview.changes, preview.judged)


def areas_previewed(loaded: LoadedReturn) -> str:
    """The areas a file has figures for, the partnership's named first: 'Hackney and 31 other London
    boroughs' for a Metropolitan Police release."""
    from cspdash.changes import areas_words

    kind = load_kinds()[loaded.kind]
    others = "London boroughs" if kind.name.startswith("MPS ") else "local authorities"
    return areas_words(loaded, [area.name for area in load_catalogue().areas], others)


def already_stored(engine: Engine, sha256: str) -> bool:
    """A file with these bytes is stored (active or withdrawn): storing it again changes nothing."""
    query = select(models.Submission.id).where(models.Submission.sha256 == sha256).limit(1)
    with engine.connect() as connection:
        return connection.scalar(query) is not None
