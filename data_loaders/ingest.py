"""Loading files into the store: every file checked first, then each stored in its own transaction."""

from __future__ import annotations

import csv
import getpass
from pathlib import Path

from sqlalchemy import Engine

from cspdash.store.queries import observation_count
from cspdash.store.repository import SaveResult, save_return, set_target
from data_loaders.detect import load_file
from data_loaders.problems import ReturnRefused
from sample_data.generate import SAMPLE_DIR, sample_files


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def ingest_files(engine: Engine, paths: list[Path], submitted_by: str | None = None) -> list[SaveResult]:
    """Check every file, then store them; if any file is refused, nothing is stored."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_file(Path(path)))
        except ReturnRefused as refused:
            problems.extend(refused.problems)
    if problems:
        raise ReturnRefused(problems)
    who = submitted_by or current_user()
    return [save_return(engine, item, who) for item in loaded]


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
            )


def load_sample_if_empty(engine: Engine) -> bool:
    """Fill an empty store with the embedded sample returns; True if it did."""
    if observation_count(engine):
        return False
    ingest_files(engine, sample_files(), submitted_by="sample data")
    load_sample_targets(engine)
    return True
