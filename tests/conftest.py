"""Shared fixtures: reference data, stores on SQLite and PostgreSQL, a store with the sample loaded.

`DASHBOARD_TEST_POSTGRES_URL` names a PostgreSQL server (its maintenance database, for a role that
may create databases; `make test` provides it). Each test run creates databases of its own there,
named after the run, and drops them when it ends.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cspdash.store.db import open_store
from data_loaders.ingest import load_sample_if_empty

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference_data"
MPS_BOROUGH = REFERENCE / "mps_borough"
CHROMIUM = Path("/usr/bin/chromium")
POSTGRES_URL = os.environ.get("DASHBOARD_TEST_POSTGRES_URL", "")
# Pages build other quarters' views in the background once drawn; tests time nothing, and a test that
# checks the warming turns it on (tests/test_history.py).
os.environ.setdefault("DASHBOARD_WARM_QUARTERS", "0")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Give this run a temporary folder of its own (unless --basetemp names one). pytest's shared
    /tmp/pytest-of-<user> keeps only the newest three runs' folders and deletes older ones, which
    would delete the stores of a run still going while another `make test` runs on the machine."""
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="dashboard-tests-")
        config._dashboard_basetemp = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    made = getattr(config, "_dashboard_basetemp", None)
    if made and not os.environ.get("DASHBOARD_KEEP_TEST_FILES"):
        shutil.rmtree(made, ignore_errors=True)


def require(available: bool, reason: str) -> None:
    """Skip when a system part is missing, except under CI, where every test must run."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)")
    pytest.skip(reason)


@pytest.fixture
def reference() -> Path:
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    return REFERENCE


RUN = f"dashboard_test_{os.getpid()}_{secrets.token_hex(3)}"


class PostgresDatabases:
    """Databases created on the test server for this run; all dropped when the run ends."""

    def __init__(self, server_url: str):
        self.server = create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, purpose: str = "main") -> str:
        name = f"{RUN}_{purpose}"
        with self.server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return self.server.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        with self.server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        for name in self.names:
            self.drop(name)
        self.server.dispose()


@pytest.fixture(scope="session")
def postgres_databases():
    require(
        bool(POSTGRES_URL),
        "PostgreSQL not available: DASHBOARD_TEST_POSTGRES_URL is not set (run `make test`)",
    )
    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_url(postgres_databases) -> str:
    """This run's own PostgreSQL database."""
    return postgres_databases.create()


def _fresh_postgres(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """An empty store's URL: a SQLite file, then this run's PostgreSQL database, emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return _fresh_postgres(request.getfixturevalue("postgres_url"))


@pytest.fixture
def fresh_db(store_url):
    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sample_store_url(tmp_path_factory) -> str:
    """A SQLite store with every sample return loaded (shared by read-only tests)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sample') / 'sample.db'}"
    engine = open_store(url)
    load_sample_if_empty(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def london_mps_store(tmp_path_factory) -> tuple[str, dict]:
    """The four real MPS borough releases in a store whose catalogue lists all 33 boroughs: its URL
    and the environment (DASHBOARD_CATALOGUE) a process needs to read it with that catalogue."""
    import os
    import subprocess
    import sys

    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    from bench.london_store import london_boroughs, write_catalogue

    folder = tmp_path_factory.mktemp("london")
    env = {**os.environ, "DASHBOARD_CATALOGUE": str(write_catalogue(folder / "catalogue.toml", london_boroughs()))}
    url = f"sqlite:///{folder / 'mps.db'}"
    files = sorted(str(path) for path in MPS_BOROUGH.glob("*.csv"))
    subprocess.run(
        [sys.executable, "-m", "data_loaders", "ingest", *files, "--db", url, "--create"], cwd=ROOT, env=env, check=True
    )
    return url, env


HACKNEY_LSOA = REFERENCE / "mps_lsoa" / "mps_lsoa_24m_202402-202602_hackney_extract.csv"
HACKNEY_SMALL_AREA_FILES = (
    MPS_BOROUGH / "mps_borough_24m_202312-202511.csv",
    HACKNEY_LSOA,
    REFERENCE / "mps_ward" / "mps_ward_24m_202402-202601.csv",
)


@pytest.fixture(scope="session")
def hackney_places_store(tmp_path_factory) -> str:
    """A SQLite store with the real MPS borough release of Dec 2023 to Nov 2025, the real Hackney LSOA
    extract (Feb 2024 to Feb 2026) and the real ward release (Feb 2024 to Jan 2026), with the shipped
    catalogue (Hackney, City of London): Hackney's board quarter is 2025/26 Q3, which the LSOA and
    ward figures cover. Read only."""
    import subprocess
    import sys

    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    url = f"sqlite:///{tmp_path_factory.mktemp('places') / 'places.db'}"
    files = [str(path) for path in HACKNEY_SMALL_AREA_FILES]
    subprocess.run(
        [sys.executable, "-m", "data_loaders", "ingest", *files, "--db", url, "--create"], cwd=ROOT, check=True
    )
    return url
