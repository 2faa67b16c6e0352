"""Command line: `python -m data_loaders ingest|export|load-sample ...` (see README)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cspdash.store.db import open_store
from cspdash.store.queries import tidy_export
from data_loaders.ingest import ingest_files, load_sample_if_empty
from data_loaders.problems import ReturnRefused


def _ingest(args: argparse.Namespace) -> int:
    engine = open_store(args.db)
    try:
        results = ingest_files(engine, args.files)
    except ReturnRefused as refused:
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        print(f"refused: {len(refused.problems)} problem(s); nothing was stored", file=sys.stderr)
        return 1
    for path, result in zip(args.files, results, strict=True):
        if result.already_loaded:
            print(f"{path}: already loaded (submission {result.submission_id}), nothing changed")
        else:
            print(f"{path}: stored {result.observations} figures as submission {result.submission_id}")
    return 0


def _export(args: argparse.Namespace) -> int:
    frame = tidy_export(open_store(args.db))
    frame.to_csv(args.output, index=False)
    print(f"wrote {len(frame)} rows to {args.output}")
    return 0


def _load_sample(args: argparse.Namespace) -> int:
    loaded = load_sample_if_empty(open_store(args.db))
    print("loaded the sample returns" if loaded else "the store already has data; left as it is")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m data_loaders", description="Load and export partnership returns."
    )
    commands = main.add_subparsers(dest="command", required=True)
    db_help = "database URL (default: DASHBOARD_DATABASE_URL, else data/dashboard.db)"

    ingest = commands.add_parser("ingest", help="check files and store them (all or nothing)")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.add_argument("--db", help=db_help)
    ingest.set_defaults(run=_ingest)

    export = commands.add_parser("export", help="write every figure in force as a tidy table")
    export.add_argument("--db", help=db_help)
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(run=_export)

    sample = commands.add_parser(
        "load-sample", help="migrate the store and load the sample returns if it is empty"
    )
    sample.add_argument("--db", help=db_help)
    sample.set_defaults(run=_load_sample)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
