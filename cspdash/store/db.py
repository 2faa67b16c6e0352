"""Opening the store and writing to it safely when several people (or app instances) do at once.

- `open_store`: the engine for a URL (SQLite file by default), migrated to the latest schema with the
  catalogue copied in, in one transaction that concurrent starts queue for (an advisory lock on
  PostgreSQL, BEGIN IMMEDIATE on SQLite).
- `writing`: every change runs through it. On SQLite a change takes the write lock when it begins
  (so two writers queue, waiting up to a minute, instead of one failing when it upgrades a read);
  a change that loses a race (locked database, deadlock, duplicate key) is retried from the start;
  and the store's version is bumped in the same transaction, so every app instance sees the change
  at its next rerun.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "dashboard.db"
MIGRATIONS = Path(__file__).with_name("migrations")
URL_VARIABLE = "DASHBOARD_DATABASE_URL"
BUSY_SECONDS = 60
ATTEMPTS = 6
MIGRATION_LOCK = 7_310_412  # the advisory lock PostgreSQL starts queue on (any constant of ours)
T = TypeVar("T")


class StoreBusy(RuntimeError):
    """A change that kept colliding with others and was not made (nothing was stored)."""


def database_url(url: str | None = None) -> str:
    """The URL given, else `DASHBOARD_DATABASE_URL`, else the embedded SQLite file."""
    return url or os.environ.get(URL_VARIABLE) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _normalise(url: str) -> str:
    """Let people write `postgresql://…`: psycopg 3 is the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin, not the driver
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Readers begin deferred (they never block); writers take the write lock at once and queue."""
    immediate = connection.get_execution_options().get("write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_store_engine(url: str | None = None) -> Engine:
    """An engine for the store; a SQLite file's folder is created if missing. Connections are tested
    before use, so a database that went away and came back is reconnected to."""
    url = _normalise(database_url(url))
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def for_writing(engine: Engine) -> Engine:
    """The same engine, its transactions marked as writes (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(write=True)


def _retryable(error: DBAPIError) -> bool:
    """A lost race rather than a mistake: locked or busy, deadlock, serialisation, duplicate key."""
    if isinstance(error, IntegrityError):
        return "unique" in str(error.orig).lower() or getattr(error.orig, "sqlstate", "") == "23505"
    if isinstance(error, OperationalError):
        state = getattr(error.orig, "sqlstate", "") or ""
        return state in {"40001", "40P01"} or any(w in str(error.orig).lower() for w in ("locked", "busy"))
    return False


def bump_version(session: Session) -> None:
    from cspdash.store.models import StoreVersion
    from cspdash.store.repository import now

    session.execute(
        update(StoreVersion).where(StoreVersion.id == 1).values(version=StoreVersion.version + 1, changed_at=now())
    )


def writing(engine: Engine, work: Callable[[Session], T], changes_figures: bool = True) -> T:
    """Run `work(session)` as one write transaction, retried from the start if it loses a race;
    StoreBusy (nothing stored) if it keeps losing. Bumps the store version unless told it changes
    nothing anyone sees (`changes_figures=False`, e.g. recording a sign-in)."""
    for attempt in range(ATTEMPTS):
        try:
            with Session(for_writing(engine)) as session, session.begin():
                result = work(session)
                if changes_figures:
                    bump_version(session)
            return result
        except (OperationalError, IntegrityError) as error:
            if not _retryable(error) or attempt == ATTEMPTS - 1:
                if _retryable(error):
                    raise StoreBusy(
                        "the store is busy with other changes and this one was not made: try again in a moment"
                    ) from error
                raise
            time.sleep(0.05 * 2**attempt + random.random() * 0.05)
    raise AssertionError("unreachable")


def store_version(engine: Engine) -> int:
    """How many changes the store has seen: cheap enough to read on every rerun."""
    from cspdash.store.models import StoreVersion

    with engine.connect() as connection:
        return connection.scalar(select(StoreVersion.version).where(StoreVersion.id == 1)) or 0


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(connection: Connection) -> None:
    """Bring the schema to the latest Alembic revision, on a connection inside a transaction."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def prepare_store(engine: Engine) -> None:
    """Migrate and copy the catalogue in, in one transaction; concurrent starts wait their turn."""
    from cspdash.store.repository import sync_catalogue

    with for_writing(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        migrate(connection)
        sync_catalogue(Session(bind=connection))


def open_store(url: str | None = None) -> Engine:
    """An engine whose schema is migrated and whose catalogue tables are in sync."""
    engine = create_store_engine(url)
    prepare_store(engine)
    return engine


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
