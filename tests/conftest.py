"""Shared fixtures: reference data, stores on SQLite and PostgreSQL, a store with the sample loaded."""

from __future__ import annotations

import os
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


def _fresh_postgres(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """An empty store's URL: a SQLite file, then a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    require(
        bool(POSTGRES_URL),
        "PostgreSQL not available: DASHBOARD_TEST_POSTGRES_URL is not set (run `make test`)",
    )
    return _fresh_postgres(POSTGRES_URL)


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
