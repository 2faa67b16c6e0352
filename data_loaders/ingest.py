"""Loading files into the store: every file checked first, then all stored in one transaction."""

from __future__ import annotations

import csv
import getpass
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select

from cspdash.catalogue import load_catalogue
from cspdash.changes import STATUS_COLUMNS, compare_with_store, history_outliers, in_force_for, status_changes
from cspdash.formatting import format_value
from cspdash.observations import LoadedReturn
from cspdash.periods import Quarter
from cspdash.store import models
from cspdash.store.queries import observation_count
from cspdash.store.repository import SaveResult, save_returns, set_target, stamp_received
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
                problems.extend(store_warnings(item, in_force_for(engine, item)))
    return CheckedFiles(loaded, problems)


def store_warnings(loaded: LoadedReturn, current: pd.DataFrame) -> list[Problem]:
    """For a sub-group's return: figures it revises (old → new) and figures far outside their history,
    against the figures in force (`in_force_for`)."""
    if not load_kinds()[loaded.kind].is_return:
        return []  # a publication's new release is expected to revise its window
    catalogue = load_catalogue()
    warnings = []
    changes = compare_with_store(loaded, current)
    for row in changes[changes["change"] == "revised"].itertuples():
        ind = catalogue.indicator(row.indicator)
        old = "suppressed" if row.old_suppressed else format_value(ind, row.old_value)
        new = "suppressed" if row.suppressed else format_value(ind, row.value)
        warnings.append(
            Problem(
                loaded.original_name,
                row.source_sheet,
                row.source_cell,
                "revision",
                f"revises {row.indicator} for {row.area}, {row.period_start:%b %Y}: {old} → {new}",
                "warning",
            )
        )
    for row in history_outliers(loaded, current).itertuples():
        ind = catalogue.indicator(row.indicator)
        warnings.append(
            Problem(
                loaded.original_name,
                row.source_sheet,
                row.source_cell,
                "outlier",
                f"{row.indicator} {format_value(ind, row.value)} is far outside its history for {row.area} "
                f"({format_value(ind, row.low)} to {format_value(ind, row.high)}): check it",
                "warning",
            )
        )
    return warnings


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
) -> UploadCheck:
    """Check an uploaded file as `validate` would, and work out the figures and statuses it would change
    (for every kind: `cspdash.changes.status_changes`, in `quarter`, the board's, and the newest
    quarters the file covers), every status judged on the figures as published.

    The browser's file name is only a label: the file is written under a name of our own."""
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
    warnings = checked.warnings + store_warnings(loaded, current)
    changes = compare_with_store(loaded, current)
    if already_stored(engine, loaded.sha256):
        return UploadCheck(shown, loaded, warnings, changes, pd.DataFrame(columns=STATUS_COLUMNS), {}, True)
    preview = status_changes(engine, loaded, load_catalogue(), targets, publisher(), quarter, provisional_months())
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
