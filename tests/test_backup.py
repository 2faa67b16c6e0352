"""Backup → restore into an empty database (SQLite and PostgreSQL) → the same export and history."""

import subprocess
import sys

import pytest

from cspdash.backup import RestoreError, backup, restore
from cspdash.periods import Quarter
from cspdash.store import queries, records
from cspdash.store.db import create_store_engine, open_store
from cspdash.store.repository import set_target
from data_loaders.ingest import ingest_files
from sample_data.generate import sample_files
from tests.conftest import ROOT


def filled(engine):
    report = ingest_files(engine, sample_files()[:8] + [sample_files()[-1]], submitted_by="analyst@hackney.gov.uk")
    records.withdraw_submission(engine, report.results[1].submission_id, "admin", "duplicate")
    records.save_commentary(engine, "yj_custody", "Hackney", Quarter(2018, 1), "Narrative.", "lead")
    records.add_action(engine, "chair", "Look again", "YJS", None, "yj_custody", "Hackney", Quarter(2018, 1))
    set_target(engine, "yj_kpi2_ete", 2018, 70, 5, "admin", "higher")
    return engine


def state(engine) -> tuple:
    return (
        queries.tidy_export(engine).to_csv(index=False),
        queries.submissions(engine).drop(columns=[]).to_csv(index=False),
        records.audit_entries(engine).to_csv(index=False),
        records.actions(engine).to_csv(index=False),
        records.commentary_for(engine, "Hackney", Quarter(2018, 1)),
        queries.targets(engine),
    )


def test_backup_then_restore_into_an_empty_database_gives_the_same_everything(fresh_db, store_url, tmp_path):
    filled(fresh_db)
    before = state(fresh_db)
    archive = backup(fresh_db, "admin")
    fresh_db.dispose()
    if store_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        from tests.conftest import _fresh_postgres

        target_url = _fresh_postgres(store_url)
    restored = create_store_engine(target_url)
    counts = restore(restored, archive)
    assert counts["submissions"] == 9 and counts["commentary"] == 1 and counts["actions"] == 1
    assert state(restored) == before
    with pytest.raises(RestoreError, match="empty"):
        restore(restored, archive)
    number = records.add_action(restored, "chair", "After restore", "me")  # ids continue after the restored ones
    assert number == 2


def test_the_original_files_are_in_the_backup(fresh_db):
    import io
    import zipfile

    filled(fresh_db)
    archive = zipfile.ZipFile(io.BytesIO(backup(fresh_db, "admin")))
    originals = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(originals) == 9
    first = next(n for n in originals if n.endswith(sample_files()[0].name))
    assert archive.read(first) == sample_files()[0].read_bytes()
    assert {"manifest.json", "export.csv", "tables/observations.jsonl", "tables/audit_log.jsonl"} <= set(
        archive.namelist()
    )


def test_not_a_backup_is_refused(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RestoreError, match="not a dashboard backup"):
        restore(engine, b"not a zip")


def test_backup_and_restore_from_the_command_line(tmp_path):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    filled(open_store(source))
    zip_path = tmp_path / "backup.zip"
    run = [sys.executable, "-m", "data_loaders"]
    assert subprocess.run([*run, "backup", "--db", source, "-o", str(zip_path)], cwd=ROOT).returncode == 0
    target = f"sqlite:///{tmp_path / 'target.db'}"
    result = subprocess.run(
        [*run, "restore", str(zip_path), "--db", target, "--create"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    exports = []
    for url in (source, target):
        out = tmp_path / f"{len(exports)}.csv"
        subprocess.run([*run, "export", "--db", url, "-o", str(out)], cwd=ROOT, check=True)
        exports.append(out.read_bytes())
    assert exports[0] == exports[1]
