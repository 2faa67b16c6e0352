"""Command line: `python -m data_loaders kinds|template|validate|ingest|export|board|boardpack|load-sample`
(see README)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from cspdash.backup import RestoreError, backup, restore
from cspdash.boardpack import FORMATS, ChartsUnavailable, build_pack, stamp
from cspdash.exports import csv_bytes, xlsx_bytes
from cspdash.periods import PeriodError, Quarter
from cspdash.store.db import StoreBusy, create_store_engine, open_store
from cspdash.store.queries import partnership_areas
from data_loaders.ingest import check_files, current_user, ingest_files, load_sample_if_empty
from data_loaders.kinds import load_kinds
from data_loaders.problems import ReturnRefused
from data_loaders.template import write_template

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE, EXIT_STORE = 0, 1, 2, 3
DB_HELP = "database URL (default: DASHBOARD_DATABASE_URL, else data/dashboard.db)"


def _kinds(args: argparse.Namespace) -> int:
    for kind in load_kinds().values():
        print(f"{kind.id:24} {kind.layout:15} {'/'.join(kind.formats):22} {kind.name}")
    return EXIT_VALID


def _template(args: argparse.Namespace) -> int:
    if args.kind not in load_kinds():
        print(f"unknown kind '{args.kind}': run `python -m data_loaders kinds`", file=sys.stderr)
        return EXIT_INVALID
    write_template(args.kind, args.output)
    print(f"wrote the {args.kind} template to {args.output}")
    return EXIT_VALID


def _print_problems(problems, as_json: bool, stream) -> None:
    if as_json:
        print(json.dumps([p.as_dict() for p in problems], indent=2), file=stream)
    else:
        for problem in problems:
            print(problem, file=stream)


def _validate(args: argparse.Namespace) -> int:
    engine = open_store(args.db) if args.db else None
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


def _ingest(args: argparse.Namespace) -> int:
    engine = open_store(args.db)
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
    frame = public_board(args.db).export()
    data = xlsx_bytes(frame, "figures") if args.format == "xlsx" else csv_bytes(frame)
    args.output.write_bytes(data)
    withheld = int((frame["published_as"] != "").sum())
    print(f"wrote {len(frame)} rows to {args.output} ({withheld} withheld under the disclosure policy)")
    return EXIT_VALID


def public_board(store):
    """The board service for the public (what the `board`, `boardpack` and `export` commands print),
    at the store's current version; `store` is an engine or a database URL."""
    from cspdash.service import Audience, BoardService

    engine = store if hasattr(store, "connect") else open_store(store)
    return BoardService(engine, Audience.PUBLIC).at()


def _area_and_quarter(args: argparse.Namespace, engine) -> Quarter | None:
    """The `--quarter` and `--area` asked for, or None after saying what is wrong with them."""
    try:
        quarter = Quarter.parse(args.quarter)
    except PeriodError as error:
        print(f"--quarter: {error}", file=sys.stderr)
        return None
    areas = partnership_areas(engine)
    if args.area not in areas:
        print(f"--area: '{args.area}' is not one of the partnership's areas ({', '.join(areas)})", file=sys.stderr)
        return None
    return quarter


def _board(args: argparse.Namespace) -> int:
    """One row per indicator: what the overview shows for the area and quarter, from the published figures."""
    engine = open_store(args.db)
    quarter = _area_and_quarter(args, engine)
    if quarter is None:
        return EXIT_UNREADABLE
    frame = public_board(engine).board_frame(args.area, quarter)
    if args.format == "json":
        print(json.dumps(frame.to_dict(orient="records"), ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(csv_bytes(frame).decode("utf-8"))
    return EXIT_VALID


def _boardpack(args: argparse.Namespace) -> int:
    """The quarter's papers from its signed-off snapshot (or a draft from the figures now)."""
    engine = open_store(args.db)
    quarter = _area_and_quarter(args, engine)
    if quarter is None:
        return EXIT_UNREADABLE
    reader = public_board(engine)
    snapshot = reader.signed_off(args.area, quarter) or reader.draft(args.area, quarter)
    try:
        data = build_pack(snapshot, args.format)
    except ChartsUnavailable as error:
        print(f"cannot build the {args.format} pack: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    args.output.write_bytes(data)
    print(f"wrote the {args.area} {quarter.label} board pack ({stamp(snapshot)}) to {args.output}")
    return EXIT_VALID


def _backup(args: argparse.Namespace) -> int:
    data = backup(open_store(args.db), current_user())
    args.output.write_bytes(data)
    print(f"wrote a backup of {len(data) / 1048576:.1f} MB to {args.output}")
    return EXIT_VALID


def _restore(args: argparse.Namespace) -> int:
    try:
        restored = restore(create_store_engine(args.db), args.file)
    except RestoreError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(", ".join(f"{count} {table}" for table, count in restored.items()) + " restored")
    return EXIT_VALID


def _load_sample(args: argparse.Namespace) -> int:
    loaded = load_sample_if_empty(open_store(args.db))
    print("loaded the sample returns" if loaded else "the store already has data; left as it is")
    return EXIT_VALID


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m data_loaders", description="Check, load and export partnership returns."
    )
    commands = main.add_subparsers(dest="command", required=True)

    commands.add_parser("kinds", help="list the kinds of file that can be loaded").set_defaults(run=_kinds)

    template = commands.add_parser("template", help="write a fillable template for a kind")
    template.add_argument("kind")
    template.add_argument("-o", "--output", type=Path, required=True)
    template.set_defaults(run=_template)

    validate = commands.add_parser(
        "validate", help="check files without storing them (exit 0 valid, 1 invalid, 2 unreadable)"
    )
    validate.add_argument("files", nargs="+", type=Path)
    validate.add_argument("--kind", help="the kind to read the files as (default: detected)")
    validate.add_argument("--json", action="store_true", help="problems as JSON")
    validate.add_argument("--db", help="also compare with this store (revisions, outliers)")
    validate.set_defaults(run=_validate)

    ingest = commands.add_parser("ingest", help="check files and store them (all or nothing)")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument("--kind", help="the kind to read the files as (default: detected)")
    ingest.add_argument("--db", help=DB_HELP)
    ingest.set_defaults(run=_ingest)

    export = commands.add_parser(
        "export", help="write every figure in force as a tidy table, under the disclosure policy"
    )
    export.add_argument("--db", help=DB_HELP)
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(run=_export)

    save = commands.add_parser("backup", help="write everything (original files, figures, history) to a zip")
    save.add_argument("--db", help=DB_HELP)
    save.add_argument("-o", "--output", type=Path, required=True)
    save.set_defaults(run=_backup)

    load = commands.add_parser("restore", help="restore a backup zip into an empty database")
    load.add_argument("file", type=Path)
    load.add_argument("--db", help=DB_HELP)
    load.set_defaults(run=_restore)

    board = commands.add_parser("board", help="the board's judgement of every indicator for an area and quarter")
    board.add_argument("--area", required=True)
    board.add_argument("--quarter", required=True, help='e.g. "2024/25 Q4"')
    board.add_argument("--format", choices=["csv", "json"], default="csv")
    board.add_argument("--db", help=DB_HELP)
    board.set_defaults(run=_board)

    pack = commands.add_parser("boardpack", help="the quarter's board papers (signed-off snapshot, else a draft)")
    pack.add_argument("--area", required=True)
    pack.add_argument("--quarter", required=True, help='e.g. "2024/25 Q4"')
    pack.add_argument("--format", choices=list(FORMATS), default="pdf")
    pack.add_argument("-o", "--output", type=Path, required=True)
    pack.add_argument("--db", help=DB_HELP)
    pack.set_defaults(run=_boardpack)

    sample = commands.add_parser("load-sample", help="migrate the store and load the sample returns if it is empty")
    sample.add_argument("--db", help=DB_HELP)
    sample.set_defaults(run=_load_sample)
    return main


LOCKED_ATTEMPTS = 4


def _run(args: argparse.Namespace) -> int:
    """Run the command; a SQLite file that another process holds locked past the busy timeout (many
    processes starting on one new store at once, on a loaded machine) is tried again from the start:
    every command stores all or nothing, and a file already stored is recognised as such."""
    for attempt in range(1, LOCKED_ATTEMPTS + 1):
        try:
            return args.run(args)
        except OperationalError as error:
            if attempt == LOCKED_ATTEMPTS or "locked" not in str(error.orig).lower():
                raise
            time.sleep(attempt + random.random())
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except FileNotFoundError as error:
        print(f"{error.filename}: no such file", file=sys.stderr)
        return EXIT_UNREADABLE
    except StoreBusy as error:
        print(f"{error}; nothing was stored", file=sys.stderr)
        return EXIT_STORE
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", "") or "").splitlines()[0][:160] if getattr(error, "orig", None) else ""
        print(f"cannot use the database: {type(error).__name__} {reason}".rstrip(), file=sys.stderr)
        return EXIT_STORE


if __name__ == "__main__":
    sys.exit(main())
