"""Opening the store and writing to it safely when several people (or app instances) do at once.

- `open_store`: the engine for a URL (SQLite file by default), migrated to the latest schema with the
  catalogue copied in, in one transaction that concurrent starts queue for (an advisory lock on
  PostgreSQL, BEGIN IMMEDIATE on SQLite).
- `open_existing`: the same for someone who only reads, or who must not create a store by mistake: a
  store already at the latest schema with the catalogue in sync is opened without writing anything
  (so a store on read-only storage can be read); a missing SQLite file is refused unless `create`.
  Every refusal is a `StoreError` whose message is one sentence.
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


class StoreError(ValueError):
    """A store that cannot be used as asked (a URL that is not one, a file that is not there, a schema
    that needs migrating on read-only storage); the message is one sentence saying what to do."""


SCHEMES = ("sqlite", "postgresql", "postgres")


def check_url(url: str) -> str:
    """`url` if it names a database we can use; StoreError (one sentence) if not, with the URL to
    write instead when it looks like a file path."""
    text_url = str(url).strip()
    scheme, separator, _rest = text_url.partition("://")
    if not separator or not scheme or "/" in scheme or "\\" in scheme:
        hint = text_url.removeprefix("./") or "data/dashboard.db"
        raise StoreError(
            f"'{text_url}' is not a database URL: for a SQLite file write sqlite:///{hint}, "
            "for PostgreSQL postgresql://user:password@host/database"
        )
    base = scheme.split("+", 1)[0].lower()
    if base not in SCHEMES:
        raise StoreError(
            f"'{scheme}' databases are not supported: use sqlite:///PATH (a file) or "
            "postgresql://user:password@host/database"
        )
    return text_url


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
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except Exception as error:  # a store opened read-only keeps the journal mode it has
        if not _read_only(error):
            raise
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
        path = sqlite_file(url)
        if path is not None and "mode=ro" not in url:
            path.parent.mkdir(parents=True, exist_ok=True)
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


def sqlite_file(url: str | None = None) -> Path | None:
    """The file of a SQLite store (None for PostgreSQL or an in-memory SQLite store)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(_normalise(database_url(url)))
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or "mode=memory" in str(parsed):
        return None
    return Path(database.removeprefix("file:"))


def head_revision() -> str:
    """The newest schema revision this version of the dashboard knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_revision(connection: Connection) -> str | None:
    """The schema revision the store is at (None: no dashboard tables yet)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def catalogue_in_sync(connection: Connection) -> bool:
    """Whether the store's copy of the catalogue (sub-groups, indicators, partnership areas) is the
    one `sync_catalogue` would write, so that nothing needs writing before reading."""
    from cspdash.catalogue import load_catalogue
    from cspdash.store import models

    catalogue = load_catalogue()
    subgroups = dict(connection.execute(select(models.Subgroup.id, models.Subgroup.name)).all())
    if any(subgroups.get(sub.id) != sub.name for sub in catalogue.subgroups):
        return False
    columns = ("name", "subgroup_id", "unit", "polarity", "aggregation", "frequency")
    table = models.Indicator.__table__.c
    rows = {row[0]: tuple(row[1:]) for row in connection.execute(select(table.id, *(table[c] for c in columns)))}
    for ind in catalogue.indicators:
        wanted = (ind.name, ind.subgroup, ind.unit, ind.polarity, ind.aggregation, ind.frequency)
        if rows.get(ind.id) != wanted:
            return False
    area = models.Area
    areas = {
        name: (code, in_partnership)
        for name, code, in_partnership in connection.execute(
            select(area.name, area.code, area.in_partnership).where(area.kind == "la", area.parent == "")
        )
    }
    for wanted in catalogue.areas:
        found = areas.get(wanted.name)
        if found is None or not found[1] or (wanted.code and found[0] != wanted.code):
            return False
    return True


def _read_only(error: Exception) -> bool:
    words = str(getattr(error, "orig", error)).lower()
    return any(w in words for w in ("readonly", "read-only", "read only", "unable to open database file"))


def _describe(url: str | None) -> str:
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    from sqlalchemy.engine import make_url

    return make_url(_normalise(database_url(url))).render_as_string(hide_password=True)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _inspect(engine: Engine) -> tuple[str | None, bool]:
    """The store's schema revision, and whether it is at the newest with the catalogue in sync."""
    with engine.connect() as connection:
        revision = schema_revision(connection)
        return revision, revision == head_revision() and catalogue_in_sync(connection)


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic's ResolutionError and kin: a revision this copy does not have
        return False


def store_location(url: str | None = None, create: bool = False) -> str:
    """The store's URL, checked: StoreError (one sentence) for a URL that is not one, a folder, or,
    unless `create`, a SQLite file that is not there (a mistyped path must not make an empty store)."""
    url = check_url(database_url(url))
    path = sqlite_file(url)
    if path is None:
        return url
    if path.is_dir():
        raise StoreError(
            f"{path} is a folder, not a database file: give a file, e.g. sqlite:///{path / 'dashboard.db'}"
        )
    if not create and not path.exists():
        raise StoreError(
            f"there is no database at {path}: check the path, or add --create to make a new, empty store there"
        )
    return url


def open_existing(url: str | None = None, create: bool = False) -> Engine:
    """The store at `url`, ready to read (and to write, if it can be written).

    A SQLite file that does not exist is refused (StoreError) unless `create`, when it is made and
    migrated. A store at the latest schema whose catalogue is in sync is opened without writing
    anything, so a store on read-only storage can be read; otherwise it is migrated, and if it
    cannot be written to, it is read as it is when only the catalogue copy is out of date, or
    refused with a sentence when its schema needs migrating."""
    url = store_location(url, create)
    where = _describe(url)
    path = sqlite_file(url)
    if path is not None and path.exists() and "mode=ro" not in url and not _writable(path):
        url = f"sqlite:///file:{path}?mode=ro&uri=true"  # read-only storage: open it read-only
    engine = create_store_engine(url)
    if path is not None and create and not path.exists():
        prepare_store(engine)
        return engine
    try:
        revision, current = _inspect(engine)
    except OperationalError as error:
        if path is None or "mode=ro" not in url or "immutable=1" in url or not _read_only(error):
            raise
        # a WAL store on read-only storage without its -shm file: read it as a file no one changes
        engine.dispose()
        engine = create_store_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")
        revision, current = _inspect(engine)
    head = head_revision()
    if revision == head and current:
        return engine
    if revision is not None and not _known_revision(revision):
        engine.dispose()
        raise StoreError(
            f"the store at {where} has schema revision {revision}, made by a newer version of the dashboard: "
            "update this copy before using it"
        )
    if revision is None and not create:
        engine.dispose()
        raise StoreError(
            f"{where} holds no dashboard store yet: load into it with `ingest --create` or `load-sample --create`"
        )
    needs_migrating = StoreError(
        f"the store at {where} is at schema revision {revision} and needs migrating to {head}, but it cannot be "
        "written to (read-only): copy it somewhere writable, or run any command once where it can be written"
    )
    if "mode=ro" in str(engine.url):
        if revision == head:
            return engine  # only the catalogue copy is behind: read the figures as they are
        engine.dispose()
        raise needs_migrating
    try:
        prepare_store(engine)
    except (OperationalError, DBAPIError) as error:
        if not _read_only(error):
            raise
        engine.dispose()
        if revision == head:  # only the catalogue copy is behind: read the figures as they are
            return create_store_engine(url)
        raise needs_migrating from None
    return engine


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
