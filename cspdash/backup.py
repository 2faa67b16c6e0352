"""Backup and restore: everything the store holds, so no figure lives in only one place.

A backup is a zip: the original file of every submission (files/), every table as JSON lines
(tables/, exact values and ids), the tidy export (export.csv, for people) and a manifest. Restoring
into an empty database gives back the same figures, statuses, revisions, commentary, actions and
audit history.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, func, insert, inspect, select, table, text
from sqlalchemy.orm import Session

from cspdash.exports import csv_bytes
from cspdash.store import models
from cspdash.store.db import bump_version, for_writing, migrate
from cspdash.store.queries import tidy_export
from cspdash.store.repository import now, sync_catalogue

FORMAT = "csp-dashboard-backup/1"
TABLES = [
    models.Subgroup,
    models.Indicator,
    models.Area,
    models.Submission,
    models.Observation,
    models.Target,
    models.Commentary,
    models.Action,
    models.AuditEntry,
    models.SignOff,
    models.RegisterItem,
    models.RegisterLink,
    models.Notification,
    models.Unsubscribe,
]
# Tables a backup made before they existed does not hold: restored empty.
ADDED_LATER = {"register_items", "register_links", "notifications", "unsubscribes"}
DATE_COLUMNS = {"Date": date.fromisoformat, "DateTime": datetime.fromisoformat}


class RestoreError(ValueError):
    """A backup that cannot be restored here (not a backup, or the database is not empty)."""


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value))


def _columns(model) -> list:
    return [c for c in model.__table__.columns if c.name != "content"]


def backup(engine: Engine, actor: str) -> bytes:
    """The whole store as a zip (bytes)."""
    buffer = io.BytesIO()
    counts = {}
    with engine.connect() as connection, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for model in TABLES:
            columns = _columns(model)
            rows = connection.execute(select(*columns).order_by(*model.__table__.primary_key.columns)).all()
            lines = (
                json.dumps(dict(zip([c.name for c in columns], row, strict=True)), default=_json_default)
                for row in rows
            )
            archive.writestr(f"tables/{model.__tablename__}.jsonl", "\n".join(lines))
            counts[model.__tablename__] = len(rows)
        for sub_id, name, content in connection.execute(
            select(models.Submission.id, models.Submission.original_name, models.Submission.content)
        ):
            if content is not None:
                archive.writestr(f"files/{sub_id}/{_entry_name(name)}", content)
        archive.writestr("export.csv", csv_bytes(tidy_export(engine)))
        manifest = {"format": FORMAT, "made_at": now().isoformat(), "made_by": actor, "rows": counts}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()


def _entry_name(name: str) -> str:
    """A stored file name as a zip entry that cannot climb out of its folder when unpacked."""
    cleaned = re.sub(r"[^\w. ()-]", "_", str(name)).strip(" .") or "file"
    return cleaned[:200]


def _decode(model, record: dict) -> dict:
    for column in model.__table__.columns:
        value = record.get(column.name)
        parse = DATE_COLUMNS.get(type(column.type).__name__)
        if parse and isinstance(value, str):
            record[column.name] = parse(value)
    return record


BOOKKEEPING = {"alembic_version", "store_version"}  # schema revision and change counter: no one's data


def tables_with_rows(connection: Connection) -> dict[str, int]:
    """Every table in the database (ours or not) that holds a row, with how many; bookkeeping aside."""
    counts = {}
    for name in inspect(connection).get_table_names():
        if name not in BOOKKEEPING:
            count = connection.scalar(select(func.count()).select_from(table(name)))
            if count:
                counts[name] = count
    return counts


class Backup:
    """A backup read and checked in full (every table parsed), before anything is written."""

    def __init__(self, manifest: dict, records: dict[str, list[dict]]) -> None:
        self.manifest, self.records = manifest, records


def read_backup(data: bytes | Path) -> Backup:
    """Read and check a whole backup: RestoreError (one sentence) if it is not one, or is damaged
    (a table cut short, a file that fails its check), so that a restore never starts on it."""
    if isinstance(data, Path | str):
        path = Path(data)
        if path.is_dir():
            raise RestoreError("is a folder, not a backup: give the .zip file that `backup` wrote")
        raw = path.read_bytes()
    else:
        raw = data
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, EOFError, zlib.error) as error:
        raise RestoreError(f"not a dashboard backup ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise RestoreError(f"backup format {found!r} is not {FORMAT!r}")
    records: dict[str, list[dict]] = {}
    entry = "manifest.json"
    try:
        files = {}
        for name in archive.namelist():
            if match := re.match(r"files/(\d+)/", name):
                entry = name
                files[int(match[1])] = archive.read(name)
        for model in TABLES:
            entry = f"tables/{model.__tablename__}.jsonl"
            if model.__tablename__ in ADDED_LATER and entry not in archive.namelist():
                records[model.__tablename__] = []
                continue
            lines = archive.read(entry).decode("utf-8").splitlines()
            records[model.__tablename__] = [_decode(model, json.loads(line)) for line in lines if line]
            if model is models.Submission:
                for record in records[model.__tablename__]:
                    record["content"] = files.get(record["id"])
    except KeyError:
        raise RestoreError(f"the backup is damaged: {entry} is missing. Nothing was changed") from None
    except (ValueError, TypeError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise RestoreError(f"the backup is damaged: {entry} cannot be read ({reason}). Nothing was changed") from None
    expected = manifest.get("rows") or {}
    for table_name, count in expected.items():
        if table_name in records and len(records[table_name]) != count:
            raise RestoreError(
                f"the backup is damaged: tables/{table_name}.jsonl holds {len(records[table_name]):,} rows where its "
                f"manifest says {count:,}. Nothing was changed"
            )
    return Backup(manifest, records)


def _insert_backup(connection: Connection, checked: Backup) -> dict[str, int]:
    restored = {}
    for model in TABLES:
        records = checked.records[model.__tablename__]
        for start in range(0, len(records), 5000):
            connection.execute(insert(model.__table__), records[start : start + 5000])
        restored[model.__tablename__] = len(records)
    if connection.dialect.name == "postgresql":
        for model in TABLES:
            if isinstance(model.__table__.columns["id"].type, Integer):
                name = model.__tablename__
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1)) FROM {name}")
                )
    return restored


def restore(engine: Engine, data: bytes | Path | Backup) -> dict[str, int]:
    """Restore a backup into an empty database (migrated here); returns the rows restored per table.

    The whole backup is read and checked first (`read_backup`): a damaged one is refused before the
    database is touched. Refuses, changing nothing, a database with a row in any table, and names
    those tables."""
    checked = data if isinstance(data, Backup) else read_backup(data)
    with for_writing(engine).begin() as connection:
        occupied = tables_with_rows(connection)
        if occupied:
            listed = ", ".join(f"{name} ({count:,} row{'s' if count != 1 else ''})" for name, count in occupied.items())
            raise RestoreError(
                f"the database is not empty: it holds {listed}. Nothing was changed; restore into a new, empty database"
            )
        migrate(connection)
        restored = _insert_backup(connection, checked)
        session = Session(bind=connection)
        sync_catalogue(session)
        bump_version(session)
    return restored
