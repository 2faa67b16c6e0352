"""What every command of `python -m data_loaders` shares: exit codes, the one-sentence refusal, and
opening the store (for reading, or for writing with --create). Command modules beside `__main__`
(registers, notify, publish) import these from here, so `python -m data_loaders` and a test calling
`main()` raise the same Refusal."""

from __future__ import annotations

import argparse
import os

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE, EXIT_STORE, EXIT_OUTPUT, EXIT_USAGE = 0, 1, 2, 3, 4, 5
DB_HELP = "database URL, e.g. sqlite:///data/dashboard.db (default: DASHBOARD_DATABASE_URL, else data/dashboard.db)"
CREATE_HELP = "make a new, empty store if there is none at --db (without it, a path that is not there is refused)"


class Refusal(Exception):
    """A mistake to answer with one sentence and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _uses_default_store(args: argparse.Namespace) -> bool:
    return not args.db and not os.environ.get("DASHBOARD_DATABASE_URL")


def _read_store(url: str | None):
    """A store that is there, opened for reading (migrated only if it needs it and can be)."""
    from cspdash.store.db import open_existing

    return open_existing(url)


def _write_store(args: argparse.Namespace):
    """A store to write to: one that is there, or a new one with --create (or the default store)."""
    from cspdash.store.db import open_existing

    return open_existing(args.db, create=_may_create(args))


def _may_create(args: argparse.Namespace) -> bool:
    """--create, or the default store (data/dashboard.db), which `make run` makes on a fresh clone."""
    return getattr(args, "create", False) or _uses_default_store(args)
