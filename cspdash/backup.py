"""Backup and restore: everything the store holds, so no figure lives in only one place.

A backup is a zip: the original file of every submission (files/), every table as JSON lines
(tables/, exact values and ids), the tidy export (export.csv, for people) and a manifest. Restoring
into an empty database gives back the same figures, statuses, revisions, commentary, actions and
audit history.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, Integer, func, insert, select, text

from cspdash.store import models
from cspdash.store.db import migrate
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
]
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
                archive.writestr(f"files/{sub_id}/{name}", content)
        archive.writestr("export.csv", tidy_export(engine).to_csv(index=False))
        manifest = {"format": FORMAT, "made_at": now().isoformat(), "made_by": actor, "rows": counts}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()


def _decode(model, record: dict) -> dict:
    for column in model.__table__.columns:
        value = record.get(column.name)
        parse = DATE_COLUMNS.get(type(column.type).__name__)
        if parse and isinstance(value, str):
            record[column.name] = parse(value)
    return record


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return not any(
            connection.scalar(select(func.count()).select_from(model))
            for model in (models.Submission, models.Action, models.Commentary)
        )


def restore(engine: Engine, data: bytes | Path) -> dict[str, int]:
    """Restore a backup into an empty database (migrated here); returns the rows restored per table."""
    raw = Path(data).read_bytes() if isinstance(data, Path | str) else data
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise RestoreError(f"not a dashboard backup ({error})") from None
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"backup format {manifest.get('format')!r} is not {FORMAT!r}")
    migrate(engine)
    if not _is_empty(engine):
        raise RestoreError("the database already holds submissions, actions or commentary: restore into an empty one")
    files = {int(name.split("/")[1]): archive.read(name) for name in archive.namelist() if name.startswith("files/")}
    restored = {}
    with engine.begin() as connection:
        for model in reversed(TABLES):
            connection.execute(model.__table__.delete())
        for model in TABLES:
            lines = archive.read(f"tables/{model.__tablename__}.jsonl").decode("utf-8").splitlines()
            records = [_decode(model, json.loads(line)) for line in lines if line]
            if model is models.Submission:
                for record in records:
                    record["content"] = files.get(record["id"])
            for start in range(0, len(records), 5000):
                connection.execute(insert(model.__table__), records[start : start + 5000])
            restored[model.__tablename__] = len(records)
        if connection.dialect.name == "postgresql":
            for model in TABLES:
                if isinstance(model.__table__.columns["id"].type, Integer):
                    table = model.__tablename__
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"
                        )
                    )
    sync_catalogue(engine)
    return restored
