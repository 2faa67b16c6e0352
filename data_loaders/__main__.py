"""Command line: `python -m data_loaders kinds|template|validate|ingest|export|board|boardpack|backup|
restore|load-sample` (see README).

Every mistake is answered with one sentence on stderr (never a traceback) and an exit code:

  0  done (validate: every file valid)
  1  invalid: a file refused for what it holds, an unknown kind, or nothing to show for what was asked
  2  unreadable: a file that cannot be read (missing, a folder, corrupt, not what its name says)
  3  the database cannot be used: not a database URL, no store at that path (add --create to make
     one), unreachable, or needing a migration it cannot be given (read-only)
  4  the output cannot be written: a folder, a folder that does not exist, or one that cannot be
     written to; checked before any work is done, and nothing is left half-written
  5  usage: a missing or unknown option, or an output whose extension names no format it can write

A store is never created by mistake: `ingest`, `load-sample` and `restore` make a new SQLite store only
with --create (except the default store, data/dashboard.db, when neither --db nor
DASHBOARD_DATABASE_URL is given). Commands that only read (`validate --db`, `export`, `board`,
`boardpack`, `backup`) open a store that is at the current schema without writing to it, so a store on
read-only storage can be read.

`export` and `template` write the format the output's extension names unless --format says otherwise.

Heavy modules (pandas, scipy, the store, the readers) are imported inside the commands, so `--help`
answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from data_loaders.cli_common import (  # noqa: F401 (EXIT_* and Refusal are this module's interface too)
    CREATE_HELP,
    DB_HELP,
    EXIT_INVALID,
    EXIT_OUTPUT,
    EXIT_STORE,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    EXIT_VALID,
    Refusal,
    _may_create,
    _read_store,
    _uses_default_store,
    _write_store,
)
from data_loaders.cli_output import OutputError, UnknownFormat, check_output, format_from_extension, write_output

EXPORT_FORMATS = ("csv", "xlsx")
BOARD_FORMATS = ("csv", "json")
PACK_FORMATS = ("pdf", "pptx", "xlsx")  # cspdash.boardpack.FORMATS, not imported here (it pulls in plotly)
# Modules adding commands of their own (each has `add_commands(subparsers)`; heavy imports inside).
COMMAND_MODULES: tuple[str, ...] = ("data_loaders.cli_publish", "data_loaders.cli_notify", "data_loaders.cli_registers")
TEMPLATE_WRITES = ("xlsx", "csv")  # what a template can be written as, where its kind comes in that format
EXIT_CODES = """exit codes: 0 done, 1 invalid (a file refused, or nothing to show), 2 unreadable file,
3 the database cannot be used, 4 the output cannot be written, 5 usage"""


def _kinds(args: argparse.Namespace) -> int:
    from data_loaders.kinds import load_kinds

    for kind in load_kinds().values():
        print(f"{kind.id:24} {kind.layout:15} {'/'.join(kind.formats):22} {kind.name}")
    return EXIT_VALID


def _template_csv(kind_id: str) -> bytes:
    """The template's sheet to fill (the return, or a publication's columns) as CSV, which the
    loader reads as it reads the workbook."""
    import csv
    import io

    from cspdash.safe_text import neutralise_cell
    from data_loaders.kinds import load_kinds
    from data_loaders.template import publication_workbook, return_workbook

    kind = load_kinds()[kind_id]
    book = return_workbook(kind) if kind.is_return else publication_workbook(kind)
    sheet = book["Return" if kind.is_return else "Data"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for row in sheet.iter_rows(values_only=True):  # neutralised as every table handed out is
        writer.writerow(["" if value is None else neutralise_cell(value) for value in row])
    return text.getvalue().encode("utf-8")


def _template(args: argparse.Namespace) -> int:
    from data_loaders.kinds import load_kinds

    kinds = load_kinds()
    if args.kind not in kinds:
        raise Refusal(f"unknown kind '{args.kind}': run `python -m data_loaders kinds` for the list", EXIT_INVALID)
    kind = kinds[args.kind]
    writable = tuple(f for f in TEMPLATE_WRITES if f in kind.formats)
    if not writable:
        raise Refusal(f"{args.kind} comes as {'/'.join(kind.formats)}: there is no template for it", EXIT_INVALID)
    check_output(args.output)
    extension = args.output.suffix.lower().lstrip(".")
    if extension not in writable:
        named = f"'.{extension}'" if extension else "no extension"
        raise Refusal(
            f"{args.output}: a {args.kind} template can be written as {', '.join('.' + f for f in writable)}, "
            f"not {named}",
            EXIT_USAGE,
        )
    if extension == "csv":
        data = _template_csv(args.kind)
    else:
        from data_loaders.template import template_bytes

        data = template_bytes(args.kind)
    write_output(args.output, data)
    print(f"wrote the {args.kind} template to {args.output}")
    return EXIT_VALID


def _print_problems(problems, as_json: bool, stream) -> None:
    import json

    if as_json:
        print(json.dumps([p.as_dict() for p in problems], indent=2), file=stream)
    else:
        for problem in problems:
            print(problem, file=stream)


def _validate(args: argparse.Namespace) -> int:
    from data_loaders.ingest import check_files
    from data_loaders.problems import ReturnRefused

    _check_inputs(args.files)
    engine = _read_store(args.db) if args.db else None
    try:
        checked = check_files(engine, args.files, kind=args.kind)
    except ReturnRefused as refused:
        _print_problems(refused.problems, args.json, sys.stdout)
        return EXIT_UNREADABLE if refused.unreadable else EXIT_INVALID
    _print_problems(checked.warnings, args.json, sys.stdout)
    if not args.json:
        for item in checked.files:
            print(f"{item.original_name}: valid {item.kind}, {len(item.observations)} figures")
    return EXIT_VALID


def _check_inputs(files: list[Path]) -> None:
    """Every file named is a file: a folder or a missing path is the caller's mistake, said at once."""
    for path in files:
        if path.is_dir():
            raise Refusal(f"{path} is a folder: name the files in it (e.g. {path}/*.xlsx)", EXIT_UNREADABLE)
        if not path.exists():
            raise Refusal(f"{path}: no such file", EXIT_UNREADABLE)


def _ingest(args: argparse.Namespace) -> int:
    from data_loaders.ingest import ingest_files
    from data_loaders.problems import ReturnRefused

    _check_inputs(args.files)
    engine = _write_store(args)
    try:
        report = ingest_files(engine, args.files, kind=args.kind)
    except ReturnRefused as refused:
        _print_problems(refused.problems, False, sys.stderr)
        errors = sum(not p.is_warning for p in refused.problems)
        print(f"refused: {errors} problem(s); nothing was stored", file=sys.stderr)
        return EXIT_UNREADABLE if refused.unreadable else EXIT_INVALID
    _print_problems(report.warnings, False, sys.stdout)
    for item, result in zip(report.files, report.results, strict=True):
        if result.already_loaded:
            print(f"{item.original_name}: already loaded (submission {result.submission_id}), nothing changed")
        else:
            print(f"{item.original_name}: stored {result.observations} figures as submission {result.submission_id}")
    return EXIT_VALID


def _export(args: argparse.Namespace) -> int:
    """Every figure in force, under the disclosure policy (see the README)."""
    check_output(args.output)
    fmt = format_from_extension(args.output, args.format, EXPORT_FORMATS)
    engine = _read_store(args.db)
    from cspdash.exports import csv_bytes, xlsx_bytes

    frame = public_board(engine).export()
    data = xlsx_bytes(frame, "figures") if fmt == "xlsx" else csv_bytes(frame)
    write_output(args.output, data)
    withheld = int((frame["published_as"] != "").sum())
    print(f"wrote {len(frame)} rows to {args.output} as {fmt} ({withheld} withheld under the disclosure policy)")
    return EXIT_VALID


def public_board(store):
    """The board service for the public (what the `board`, `boardpack` and `export` commands print),
    at the store's current version; `store` is an engine or a database URL."""
    from cspdash.service import Audience, BoardService
    from cspdash.store.db import open_store

    engine = store if hasattr(store, "connect") else open_store(store)
    return BoardService(engine, Audience.PUBLIC).at()


def _area_and_quarter(args: argparse.Namespace, engine):
    """The `--quarter` and `--area` asked for; Refusal saying what is wrong with them."""
    from cspdash.periods import PeriodError, Quarter
    from cspdash.store.queries import partnership_areas

    try:
        quarter = Quarter.parse(args.quarter)
    except PeriodError as error:
        raise Refusal(f"--quarter: {error}", EXIT_USAGE) from None
    areas = partnership_areas(engine)
    if args.area not in areas:
        raise Refusal(f"--area: '{args.area}' is not one of the partnership's areas ({', '.join(areas)})", EXIT_USAGE)
    return quarter


def _figure_counts(engine, area: str, quarter) -> tuple[int, int]:
    """How many figures the store holds in all, and how many for `area` ending within `quarter`."""
    from sqlalchemy import func, select

    from cspdash.store import models

    observation = models.Observation
    count = select(func.count()).select_from(observation)
    with engine.connect() as connection:
        total = connection.scalar(count) or 0
        here = connection.scalar(
            count.join(models.Area, models.Area.id == observation.area_id).where(
                models.Area.name == area,
                observation.period_end >= quarter.start,
                observation.period_end <= quarter.end,
            )
        )
    return total, here or 0


def _board(args: argparse.Namespace) -> int:
    """One row per indicator: what the overview shows for the area and quarter, from the published figures."""
    engine = _read_store(args.db)
    quarter = _area_and_quarter(args, engine)
    total, here = _figure_counts(engine, args.area, quarter)
    if not total:
        raise Refusal(
            "the store holds no figures yet: load returns with `ingest` (or the sample with `load-sample`)",
            EXIT_INVALID,
        )
    if not here:
        raise Refusal(
            f"the store holds no figures for {args.area} in {quarter.label}: check --area and --quarter", EXIT_INVALID
        )
    reader = public_board(engine)
    frame = reader.board_frame(args.area, quarter)
    from cspdash.data_quality import DataQualityError, with_quality_columns

    try:  # each indicator's owner, lead, data quality and stale flag beside its status
        frame = with_quality_columns(frame, reader.catalogue, reader.data_quality(args.area, quarter))
    except DataQualityError as mistake:
        print(f"Owners and data quality are not shown: {mistake}", file=sys.stderr)
    if args.format == "json":
        import json

        print(json.dumps(frame.to_dict(orient="records"), ensure_ascii=False, indent=1))
    else:
        from cspdash.exports import csv_bytes

        sys.stdout.write(csv_bytes(frame).decode("utf-8"))
    return EXIT_VALID


def _boardpack(args: argparse.Namespace) -> int:
    """The quarter's papers from its signed-off snapshot (or a draft from the figures now)."""
    check_output(args.output)  # before a minute of building
    fmt = format_from_extension(args.output, args.format, PACK_FORMATS)
    engine = _read_store(args.db)
    quarter = _area_and_quarter(args, engine)
    from cspdash.boardpack import ChartsUnavailable, build_pack, stamp

    reader = public_board(engine)
    snapshot = reader.signed_off(args.area, quarter) or reader.draft(args.area, quarter)
    try:
        data = build_pack(snapshot, fmt)
    except ChartsUnavailable as error:
        raise Refusal(f"cannot build the {fmt} pack: {error}", EXIT_UNREADABLE) from None
    write_output(args.output, data)
    print(f"wrote the {args.area} {quarter.label} board pack ({stamp(snapshot)}) to {args.output}")
    return EXIT_VALID


def _backup(args: argparse.Namespace) -> int:
    check_output(args.output)
    engine = _read_store(args.db)
    from cspdash.backup import backup
    from data_loaders.ingest import current_user

    data = backup(engine, current_user())
    write_output(args.output, data)
    print(f"wrote a backup of {len(data) / 1048576:.1f} MB to {args.output}")
    return EXIT_VALID


def _restore(args: argparse.Namespace) -> int:
    from cspdash.backup import RestoreError, read_backup, restore
    from cspdash.store.db import create_store_engine, store_location

    if args.file.is_dir():
        raise Refusal(f"{args.file} is a folder, not a backup: give the .zip file that `backup` wrote", EXIT_UNREADABLE)
    if not args.file.exists():
        raise Refusal(f"{args.file}: no such file", EXIT_UNREADABLE)
    try:
        checked = read_backup(args.file)  # the whole backup, before the store is touched
        restored = restore(create_store_engine(store_location(args.db, _may_create(args))), checked)
    except RestoreError as error:
        raise Refusal(f"{args.file}: {error}", EXIT_INVALID) from None
    print(", ".join(f"{count} {table}" for table, count in restored.items()) + " restored")
    return EXIT_VALID


def _load_sample(args: argparse.Namespace) -> int:
    from data_loaders.ingest import load_sample_if_empty

    loaded = load_sample_if_empty(_write_store(args))
    print("loaded the sample returns" if loaded else "the store already has data; left as it is")
    return EXIT_VALID


class _Parser(argparse.ArgumentParser):
    """argparse, its mistakes answered in one sentence with the usage exit code."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    main = _Parser(
        prog="python -m data_loaders",
        description="Check, load and export partnership returns.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = main.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("kinds", help="list the kinds of file that can be loaded").set_defaults(run=_kinds)

    template = commands.add_parser(
        "template", help="write a fillable template for a kind (.xlsx, or .csv where the kind comes as CSV)"
    )
    template.add_argument("kind")
    template.add_argument("-o", "--output", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    template.set_defaults(run=_template)

    validate = commands.add_parser(
        "validate", help="check files without storing them (exit 0 valid, 1 invalid, 2 unreadable)"
    )
    validate.add_argument("files", nargs="+", type=Path)
    validate.add_argument("--kind", help="the kind to read the files as (default: detected)")
    validate.add_argument("--json", action="store_true", help="problems as JSON")
    validate.add_argument("--db", help="also compare with this store (revisions, outliers); it is only read")
    validate.set_defaults(run=_validate)

    ingest = commands.add_parser("ingest", help="check files and store them (all or nothing)")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument("--kind", help="the kind to read the files as (default: detected)")
    ingest.add_argument("--db", help=DB_HELP)
    ingest.add_argument("--create", action="store_true", help=CREATE_HELP)
    ingest.set_defaults(run=_ingest)

    export = commands.add_parser(
        "export", help="write every figure in force as a tidy table, under the disclosure policy"
    )
    export.add_argument("--db", help=DB_HELP)
    export.add_argument("--format", choices=EXPORT_FORMATS, help="csv or xlsx (default: the output's extension)")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(run=_export)

    save = commands.add_parser("backup", help="write everything (original files, figures, history) to a zip")
    save.add_argument("--db", help=DB_HELP)
    save.add_argument("-o", "--output", type=Path, required=True)
    save.set_defaults(run=_backup)

    load = commands.add_parser("restore", help="restore a backup zip into an empty database")
    load.add_argument("file", type=Path)
    load.add_argument("--db", help=DB_HELP)
    load.add_argument("--create", action="store_true", help=CREATE_HELP)
    load.set_defaults(run=_restore)

    board = commands.add_parser("board", help="the board's judgement of every indicator for an area and quarter")
    board.add_argument("--area", required=True)
    board.add_argument("--quarter", required=True, help='e.g. "2024/25 Q4"')
    board.add_argument("--format", choices=BOARD_FORMATS, default="csv")
    board.add_argument("--db", help=DB_HELP)
    board.set_defaults(run=_board)

    pack = commands.add_parser("boardpack", help="the quarter's board papers (signed-off snapshot, else a draft)")
    pack.add_argument("--area", required=True)
    pack.add_argument("--quarter", required=True, help='e.g. "2024/25 Q4"')
    pack.add_argument("--format", choices=PACK_FORMATS, help="pdf, pptx or xlsx (default: the output's extension)")
    pack.add_argument("-o", "--output", type=Path, required=True)
    pack.add_argument("--db", help=DB_HELP)
    pack.set_defaults(run=_boardpack)

    sample = commands.add_parser("load-sample", help="migrate the store and load the sample returns if it is empty")
    sample.add_argument("--db", help=DB_HELP)
    sample.add_argument("--create", action="store_true", help=CREATE_HELP)
    sample.set_defaults(run=_load_sample)
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(commands)
    return main


LOCKED_ATTEMPTS = 4


def _run(args: argparse.Namespace) -> int:
    """Run the command; a SQLite file that another process holds locked past the busy timeout (many
    processes starting on one new store at once, on a loaded machine) is tried again from the start:
    every command stores all or nothing, and a file already stored is recognised as such."""
    import random

    from sqlalchemy.exc import OperationalError

    for attempt in range(1, LOCKED_ATTEMPTS + 1):
        try:
            return args.run(args)
        except OperationalError as error:
            if attempt == LOCKED_ATTEMPTS or "locked" not in str(error.orig).lower():
                raise
            time.sleep(attempt + random.random())
    raise AssertionError("unreachable")


def _sentence(text: object) -> str:
    """One line: the first line of a message, without a trailing full stop doubled."""
    lines = str(text).strip().splitlines()
    return lines[0].strip() if lines else ""


AS_A_COMMAND = False  # run as `python -m data_loaders` (not called from another program)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if AS_A_COMMAND:  # after parsing: `--help` imports nothing heavy
        _read_files_in_children_of_this_process()
    try:
        return _run(args)
    except Refusal as refusal:
        print(_sentence(refusal), file=sys.stderr)
        return refusal.code
    except UnknownFormat as error:
        print(_sentence(error), file=sys.stderr)
        return EXIT_USAGE
    except OutputError as error:
        print(_sentence(error), file=sys.stderr)
        return EXIT_OUTPUT
    except FileNotFoundError as error:
        print(f"{error.filename}: no such file", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as error:  # an input that cannot be read (permissions, a folder, a device)
        reason = (error.strerror or str(error)).lower()
        print(f"{error.filename or 'a file'}: cannot be read ({reason})", file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as error:  # the store's own errors, told apart without importing it up front
        from sqlalchemy.exc import SQLAlchemyError

        from cspdash.store.db import StoreBusy, StoreError

        if isinstance(error, StoreError):
            print(_sentence(error), file=sys.stderr)
            return EXIT_STORE
        if isinstance(error, StoreBusy):
            print(f"{error}; nothing was stored", file=sys.stderr)
            return EXIT_STORE
        if isinstance(error, SQLAlchemyError):
            orig = getattr(error, "orig", None)
            reason = _sentence(orig)[:160] if orig else _sentence(error)[:160]
            print(f"cannot use the database: {type(error).__name__} {reason}".rstrip(), file=sys.stderr)
            return EXIT_STORE
        raise


def _read_files_in_children_of_this_process() -> None:
    """A command reads its files in children forked from itself (capped as the reader service's are),
    so it does not pay for starting the service the app keeps."""
    from data_loaders import sandbox

    sandbox.fork_from_this_process()


if __name__ == "__main__":
    AS_A_COMMAND = True
    sys.exit(main())
