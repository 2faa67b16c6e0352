"""A council analyst's first day with the command line: every mistake is answered with one sentence
on stderr (never a traceback) and its exit code, and nothing is written or changed.

Exit codes (data_loaders/__main__.py): 0 done, 1 invalid, 2 unreadable, 3 the database cannot be
used, 4 the output cannot be written, 5 usage.

Read-only storage is made real, though the tests run as root (whom chmod does not stop), in two
ways: the CLI is run as the unprivileged user `nobody` (setpriv) on a folder and file chmod'd
read-only, and a store is opened through SQLite's own read-only mode (`file:…?mode=ro&uri=true`),
which refuses every write whoever asks.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from cspdash.backup import backup
from cspdash.store.db import head_revision, open_store
from tests.conftest import ROOT

EXIT_INVALID, EXIT_UNREADABLE, EXIT_STORE, EXIT_OUTPUT, EXIT_USAGE = 1, 2, 3, 4, 5
RETURNS = ROOT / "sample_data" / "returns"
FILES = [RETURNS / "2024-25_Q4_hackney_vawg.xlsx", RETURNS / "2024-25_Q4_hackney_youth_justice.xlsx"]
HEAVY = ("scipy", "streamlit", "pandas", "plotly", "sqlalchemy")
NOBODY = 65534


def cli(*args: str, env: dict | None = None, as_nobody: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "data_loaders", *args]
    if as_nobody:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    environment = {**os.environ, **(env or {})}
    environment.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment)


def one_sentence(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """The refusal: its exit code, one line on stderr naming `words`, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout[-2000:], result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    """A store holding Hackney's 2024/25 Q4 VAWG and youth justice returns (copy it to change it)."""
    from data_loaders.ingest import ingest_files

    path = tmp_path_factory.mktemp("mistakes") / "store.db"
    engine = open_store(f"sqlite:///{path}")
    ingest_files(engine, FILES, submitted_by="analyst@hackney.gov.uk")
    engine.dispose()
    return path


@pytest.fixture
def store(small_store, tmp_path) -> Path:
    copy = tmp_path / "store.db"
    shutil.copy(small_store, copy)
    return copy


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def writing_commands(store: Path, output: Path) -> dict[str, list[str]]:
    """Each command that writes a file, asked to write `output` (its folder's state is the mistake)."""
    return {
        "template": ["template", "youth_justice", "-o", str(output.with_suffix(".xlsx"))],
        "export": ["export", "--db", url(store), "-o", str(output.with_suffix(".csv"))],
        "backup": ["backup", "--db", url(store), "-o", str(output.with_suffix(".zip"))],
        "boardpack": [
            "boardpack",
            "--db",
            url(store),
            "--area",
            "Hackney",
            "--quarter",
            "2024/25 Q4",
            "-o",
            str(output.with_suffix(".pdf")),
        ],
    }


COMMANDS = ["template", "export", "backup", "boardpack"]


# 1. -o into a missing folder, onto a folder, into a read-only folder: said before any work


@pytest.mark.parametrize("command", COMMANDS)
def test_output_into_a_folder_that_does_not_exist(command, store, tmp_path):
    missing = tmp_path / "no such folder"
    result = cli(*writing_commands(store, missing / "out")[command])
    one_sentence(result, EXIT_OUTPUT, str(missing), "does not exist")
    assert not missing.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_output_onto_an_existing_folder(command, store, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    args = writing_commands(store, folder)[command]
    args[-1] = str(folder)  # `-o reports` where reports/ is a folder
    result = cli(*args)
    one_sentence(result, EXIT_OUTPUT, str(folder), "is a folder")
    assert list(folder.iterdir()) == []


@pytest.fixture
def shared_folder():
    """A folder the unprivileged user can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="cli-mistakes-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def _needs_real_read_only() -> bool:
    """Whether chmod alone would not stop this process (root), so the CLI runs as `nobody`."""
    if os.geteuid() != 0:
        return False
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made real")
    return True


@pytest.mark.parametrize("command", COMMANDS)
def test_output_into_a_read_only_folder(command, small_store, shared_folder):
    as_nobody = _needs_real_read_only()
    store = shared_folder / "store.db"
    shutil.copy(small_store, store)
    store.chmod(0o644)
    locked = shared_folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = cli(*writing_commands(store, locked / "out")[command], as_nobody=as_nobody)
    one_sentence(result, EXIT_OUTPUT, str(locked), "cannot write")
    assert list(locked.iterdir()) == []


def test_boardpack_checks_where_it_writes_before_opening_the_store_or_building(tmp_path):
    """The output is checked first: with a store that is not there either, the output is what is
    reported (so the minute of building is never spent on a pack that cannot be written)."""
    result = cli(
        "boardpack",
        "--db",
        url(tmp_path / "missing.db"),
        "--area",
        "Hackney",
        "--quarter",
        "2024/25 Q4",
        "-o",
        str(tmp_path / "nowhere" / "pack.pdf"),
    )
    one_sentence(result, EXIT_OUTPUT, "nowhere")
    assert not (tmp_path / "missing.db").exists()


# 2. restore of a folder, or of a damaged backup: refused, nothing changed


def test_restore_a_folder_is_refused(tmp_path):
    target = tmp_path / "restored.db"
    result = cli("restore", str(tmp_path), "--db", url(target), "--create")
    one_sentence(result, EXIT_UNREADABLE, str(tmp_path), "is a folder")
    assert not target.exists()


def _cut(archive: bytes, entry: str) -> bytes:
    """The same backup with `entry` cut off half way (a copy that stopped part way)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as damaged:
        for name in source.namelist():
            data = source.read(name)
            damaged.writestr(name, data[: len(data) // 2] if name == entry else data)
    return buffer.getvalue()


@pytest.mark.parametrize("damage", ["observations cut", "zip cut"])
def test_restore_a_damaged_backup_changes_nothing(damage, store, tmp_path):
    engine = open_store(url(store))
    archive = backup(engine, "analyst")
    engine.dispose()
    assert len(zipfile.ZipFile(io.BytesIO(archive)).read("tables/observations.jsonl")) > 1000
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(
        _cut(archive, "tables/observations.jsonl") if damage == "observations cut" else archive[: len(archive) * 2 // 3]
    )
    new = tmp_path / "new.db"
    result = cli("restore", str(damaged), "--db", url(new), "--create")
    sentence = one_sentence(result, EXIT_INVALID, str(damaged))
    if damage == "observations cut":
        assert "damaged" in sentence and "observations.jsonl" in sentence
    assert not new.exists()
    before = digest(store)
    result = cli("restore", str(damaged), "--db", url(store))
    one_sentence(result, EXIT_INVALID, str(damaged))
    assert digest(store) == before


# 3. --db that is not a URL we can use


def test_db_of_another_kind_is_refused():
    result = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", "mysql://analyst:pw@db/csp")
    one_sentence(result, EXIT_STORE, "mysql", "sqlite:///", "postgresql://")


def test_db_given_as_a_path_suggests_the_url():
    path = "data/no_such_dashboard.db"
    result = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", path)
    one_sentence(result, EXIT_STORE, path, f"sqlite:///{path}")
    assert not (ROOT / path).exists()


# 4. a mistyped store path is refused, not made; --create makes one; board with nothing to show


@pytest.mark.parametrize(
    "args",
    [
        ["board", "--area", "Hackney", "--quarter", "2024/25 Q4"],
        ["export", "-o", "{out}"],
        ["backup", "-o", "{out}.zip"],
        ["validate", str(FILES[0])],
        ["ingest", str(FILES[0])],
        ["load-sample"],
    ],
    ids=lambda args: args[0],
)
def test_a_mistyped_store_path_is_refused_not_created(args, tmp_path):
    typo = tmp_path / "dashbaord" / "dashbaord.db"
    out = tmp_path / "out.csv"
    result = cli(*(a.replace("{out}", str(out)) for a in args), "--db", url(typo))
    one_sentence(result, EXIT_STORE, str(typo), "--create")
    assert not typo.exists() and not typo.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_create_makes_a_new_store(tmp_path):
    new = tmp_path / "new.db"
    result = cli("ingest", str(FILES[0]), "--db", url(new), "--create")
    assert result.returncode == 0, result.stderr
    assert new.exists() and "stored 8 figures" in result.stdout


def test_load_sample_still_makes_the_default_store(tmp_path, monkeypatch, capsys):
    """`make run` on a fresh clone: `python -m data_loaders load-sample`, no --db, no variable."""
    from cspdash.store import db
    from data_loaders.__main__ import main

    default = tmp_path / "data" / "dashboard.db"
    monkeypatch.setattr(db, "DEFAULT_SQLITE_PATH", default)
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    assert main(["load-sample"]) == 0
    assert default.exists() and "loaded the sample" in capsys.readouterr().out


def test_board_for_a_quarter_with_no_figures(store):
    result = cli("board", "--area", "Hackney", "--quarter", "2030/31 Q1", "--db", url(store))
    one_sentence(result, EXIT_INVALID, "Hackney", "2030/31 Q1")
    assert result.stdout == ""


def test_board_on_a_store_with_no_figures(tmp_path):
    empty = tmp_path / "empty.db"
    open_store(url(empty)).dispose()
    result = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", url(empty))
    one_sentence(result, EXIT_INVALID, "no figures")
    assert result.stdout == ""


def test_board_for_a_quarter_with_figures_still_prints_them(store):
    result = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", url(store), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert any(row["value"] not in ("", "–") for row in json.loads(result.stdout))


# 5. the format is the one the output's name says


def test_export_takes_its_format_from_the_extension(store, tmp_path):
    out = tmp_path / "figures.xlsx"
    result = cli("export", "--db", url(store), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"PK"  # a workbook, not CSV text
    import pandas as pd

    assert len(pd.read_excel(out, engine="calamine")) > 0


def test_export_to_an_extension_it_cannot_write(store, tmp_path):
    out = tmp_path / "figures.pdf"
    result = cli("export", "--db", url(store), "-o", str(out))
    one_sentence(result, EXIT_USAGE, str(out), ".csv", ".xlsx", "--format")
    assert not out.exists()


def test_template_as_csv_is_read_by_validate_as_the_workbook_is(tmp_path):
    """The CSV template is refused by `validate` for the same reasons as the workbook (it is empty),
    never as a file in the wrong format."""
    codes = {}
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"yj.{suffix}"
        assert cli("template", "youth_justice", "-o", str(out)).returncode == 0
        checked = cli("validate", str(out), "--json")
        assert checked.returncode == EXIT_INVALID, checked.stdout
        codes[suffix] = sorted(p["code"] for p in json.loads(checked.stdout))
    assert "wrong-format" not in codes["csv"]
    assert codes["csv"] == codes["xlsx"]


@pytest.mark.parametrize(
    ("kind", "name", "offered"),
    [("yjb_offences", "yjb.csv", ".xlsx"), ("police_uk_street", "street.xlsx", ".csv"), ("vawg", "vawg.pdf", ".csv")],
)
def test_template_in_a_format_its_kind_does_not_come_in(kind, name, offered, tmp_path):
    out = tmp_path / name
    result = cli("template", kind, "-o", str(out))
    one_sentence(result, EXIT_USAGE, str(out), offered)
    assert not out.exists()


# 6. a store on read-only storage can be read


def _stale_catalogue(path: Path) -> None:
    """A store written by an older version: its copy of an indicator's name differs, so opening it
    used to write (sync the catalogue) before reading."""
    engine = open_store(url(path))
    with engine.begin() as connection:
        connection.execute(text("UPDATE indicators SET name = 'an older name' WHERE id = 'yj_custody'"))
    engine.dispose()


def read_only_url(path: Path) -> str:
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def test_a_read_only_store_can_be_read_without_migrating(store, tmp_path):
    _stale_catalogue(store)
    store.parent.chmod(0o555)
    store.chmod(0o444)
    before = digest(store)
    try:
        board = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", read_only_url(store))
        assert board.returncode == 0, board.stderr
        out = Path(tempfile.mkdtemp()) / "figures.csv"
        export = cli("export", "--db", read_only_url(store), "-o", str(out))
        assert export.returncode == 0, export.stderr
        saved = cli("backup", "--db", read_only_url(store), "-o", str(out.with_suffix(".zip")))
        assert saved.returncode == 0, saved.stderr
        checked = cli("validate", str(FILES[0]), "--db", read_only_url(store))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        shutil.rmtree(out.parent)
        assert not (ROOT / "file:").exists()  # a file: URI is not a folder to make
    finally:
        store.parent.chmod(0o755)
        store.chmod(0o644)
    assert digest(store) == before


def test_read_only_storage_for_real_as_an_unprivileged_user(small_store, shared_folder):
    as_nobody = _needs_real_read_only()
    folder = shared_folder / "readonly"
    folder.mkdir()
    store = folder / "store.db"
    shutil.copy(small_store, store)
    _stale_catalogue(store)
    store.chmod(0o444)
    folder.chmod(0o555)
    before = digest(store)
    result = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", url(store), as_nobody=as_nobody)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Proven reoffending rate" in result.stdout
    assert digest(store) == before


def test_a_read_only_store_that_needs_migrating_says_so(store):
    from alembic.script import ScriptDirectory

    from cspdash.store.db import alembic_config

    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    engine = open_store(url(store))
    with engine.begin() as connection:  # as a store left by the version before the newest migration
        connection.execute(text("UPDATE alembic_version SET version_num = :previous"), {"previous": previous})
    engine.dispose()
    before = digest(store)
    result = cli("board", "--area", "Hackney", "--quarter", "2024/25 Q4", "--db", read_only_url(store))
    one_sentence(result, EXIT_STORE, str(store), "migrating", head_revision(), "read-only")
    assert digest(store) == before


# 7. --help starts at once: nothing heavy imported


def _imported_by(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


RUN_HELP = (
    "import json, runpy, sys\n"
    "sys.argv = ['data_loaders', '--help']\n"
    "try:\n    runpy.run_module('data_loaders', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
)


def test_the_command_line_itself_imports_nothing_heavy_for_help():
    """Whatever `import data_loaders` costs, `__main__` adds no heavy module to `--help`."""
    package = _imported_by(
        "import json, sys, data_loaders; print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    helped = _imported_by(RUN_HELP)
    assert (helped - package) & set(HEAVY) == set()


def test_help_imports_neither_scipy_nor_streamlit_nor_pandas():
    """`--help` starts at once: the package and the command line import their heavy parts when used."""
    assert _imported_by(RUN_HELP) & set(HEAVY) == set()


# usage mistakes and missing inputs


def test_a_missing_option_is_one_sentence():
    one_sentence(cli("board", "--area", "Hackney"), EXIT_USAGE, "--quarter")


def test_a_bad_quarter_is_one_sentence(store):
    result = cli("board", "--area", "Hackney", "--quarter", "Q5", "--db", url(store))
    one_sentence(result, EXIT_USAGE, "--quarter")


@pytest.mark.parametrize("command", ["validate", "ingest"])
def test_an_input_that_is_a_folder_or_missing(command, store, tmp_path):
    before = digest(store)
    one_sentence(cli(command, str(tmp_path), "--db", url(store)), EXIT_UNREADABLE, str(tmp_path), "folder")
    missing = tmp_path / "return.xlsx"
    one_sentence(cli(command, str(missing), "--db", url(store)), EXIT_UNREADABLE, str(missing))
    assert digest(store) == before
