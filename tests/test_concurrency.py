"""Several people at once: concurrent ingests into one store (SQLite and PostgreSQL) all succeed, and
a change stored by one app instance is what every other instance shows next."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from cspdash.store import models, queries
from cspdash.store.db import open_store, store_version
from cspdash.store.repository import save_returns
from data_loaders import load_file
from sample_data.generate import sample_files
from tests.conftest import MPS_BOROUGH, ROOT


def ingest(path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_loaders", "ingest", str(path), "--db", url, "--create"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def test_eight_concurrent_ingests_into_a_new_store_all_succeed(store_url, reference):
    """Eight processes start on an empty database at once (each migrating it), four of them bringing
    the same 30-odd new boroughs from police releases, four bringing returns."""
    files = sorted(MPS_BOROUGH.glob("*.csv")) + sample_files()[:4]
    with ThreadPoolExecutor(len(files)) as pool:
        results = list(pool.map(lambda path: ingest(path, store_url), files))
    failures = [f"{r.args[4]}: {r.stderr.strip()}" for r in results if r.returncode != 0]
    assert not failures, failures
    assert all("Traceback" not in r.stderr for r in results)
    engine = open_store(store_url)
    stored = queries.submissions(engine)
    assert sorted(stored["file"]) == sorted(path.name for path in files)
    with engine.connect() as connection:
        names = connection.execute(select(models.Area.kind, models.Area.parent, models.Area.name)).all()
        areas = connection.scalar(select(func.count()).select_from(models.Area))
    assert areas == len(set(names))  # one row per area, however many files brought it at once
    assert store_version(engine) >= len(files)
    engine.dispose()


def test_a_busy_store_makes_writers_wait_their_turn_not_fail(store_url):
    """Threads in one process (as Streamlit sessions are) storing at once on one engine."""
    engine = open_store(store_url)
    loaded = [load_file(path) for path in sample_files()[10:18]]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda item: save_returns(engine, [item], "analyst")[0], loaded))
    assert len({r.submission_id for r in results}) == 8 and all(r.observations for r in results)
    again = list(ThreadPoolExecutor(4).map(lambda item: save_returns(engine, [item], "analyst")[0], loaded[:4]))
    assert all(r.already_loaded for r in again)  # the same file twice at once is stored once
    engine.dispose()
