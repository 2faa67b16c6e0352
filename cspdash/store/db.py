"""Opening the store: the engine for a URL (SQLite file by default), migrated to the latest schema."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "dashboard.db"
MIGRATIONS = Path(__file__).with_name("migrations")
URL_VARIABLE = "DASHBOARD_DATABASE_URL"


def database_url(url: str | None = None) -> str:
    """The URL given, else `DASHBOARD_DATABASE_URL`, else the embedded SQLite file."""
    return url or os.environ.get(URL_VARIABLE) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _normalise(url: str) -> str:
    """Let people write `postgresql://…`: psycopg 3 is the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_store_engine(url: str | None = None) -> Engine:
    """An engine for the store; a SQLite file's folder is created if missing."""
    url = _normalise(database_url(url))
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(url: str | None = None) -> Engine:
    """An engine whose schema is migrated and whose catalogue tables are in sync."""
    from cspdash.store.repository import sync_catalogue

    engine = create_store_engine(url)
    migrate(engine)
    sync_catalogue(engine)
    return engine


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
