"""`python -m data_loaders register list|export|add`: the partnership's registers (horizon scanning,
risks, meetings, agenda items, decisions) from the command line, as the app's registers pages keep
them. Whoever holds the store may add to any register; every addition is in the audit log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data_loaders.cli_common import DB_HELP, EXIT_INVALID, EXIT_USAGE, EXIT_VALID, Refusal, _read_store

NAMES = "horizon, risks, meetings, agenda, decisions"
LIST_FORMATS = ("text", "csv", "json")
EXPORT_FORMATS = ("csv", "xlsx")


def _register(text: str) -> str:
    from cspdash.registers import ALIASES

    if text.lower() not in ALIASES:
        raise argparse.ArgumentTypeError(f"there is no register '{text}': the registers are {NAMES}")
    return ALIASES[text.lower()]


def add_commands(commands) -> None:
    register = commands.add_parser("register", help=f"list, export or add to a register ({NAMES})")
    actions = register.add_subparsers(dest="register_command", required=True, parser_class=type(register))
    listed = actions.add_parser("list", help="print a register's items")
    listed.add_argument("register", type=_register, help=NAMES)
    listed.add_argument("--format", choices=LIST_FORMATS, default="text")
    listed.add_argument("--db", help=DB_HELP)
    listed.set_defaults(run=_list)
    export = actions.add_parser("export", help="write a register as CSV or Excel (formula-safe)")
    export.add_argument("register", type=_register, help=NAMES)
    export.add_argument("-o", "--output", type=Path, required=True)
    export.add_argument("--format", choices=EXPORT_FORMATS, help="default: the output's extension")
    export.add_argument("--db", help=DB_HELP)
    export.set_defaults(run=_export)
    add = actions.add_parser("add", help="add an item to a register")
    add.add_argument("register", type=_register, help=NAMES)
    add.add_argument("--title", required=True, help="the item, risk, meeting, agenda item or decision, in words")
    add.add_argument("--subgroup", help="the sub-group it belongs to (its id, e.g. vawg)")
    add.add_argument("--meeting", type=int, help="an agenda item's or decision's meeting (its number)")
    add.add_argument("--field", action="append", default=[], metavar="NAME=VALUE", help="a declared field")
    add.add_argument("--link", action="append", default=[], metavar="TARGET=ID", help="e.g. indicator=marac_cases")
    add.add_argument("--actor", help="who is adding it (default: the signed-in user of this computer)")
    add.add_argument("--db", help=DB_HELP)
    add.set_defaults(run=_add)


def _list(args: argparse.Namespace) -> int:
    from cspdash.exports import csv_bytes
    from cspdash.store import registers as stored

    engine = _read_store(args.db)
    table = stored.frame(engine, args.register)
    if args.format == "csv":
        sys.stdout.write(csv_bytes(table).decode("utf-8"))
    elif args.format == "json":
        print(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=1, default=str))
    else:
        for row in table.itertuples(index=False):
            print(f"{row.id:>5}  {row.title}" + (f"  [{row.subgroup}]" if row.subgroup else ""))
        print(f"{len(table)} item(s)")
    return EXIT_VALID


def _export(args: argparse.Namespace) -> int:
    from data_loaders.cli_output import check_output, format_from_extension, write_output

    check_output(args.output)
    fmt = format_from_extension(args.output, args.format, EXPORT_FORMATS)
    engine = _read_store(args.db)
    from cspdash.exports import csv_bytes, xlsx_bytes
    from cspdash.store import registers as stored

    table = stored.frame(engine, args.register)
    write_output(args.output, xlsx_bytes(table, args.register) if fmt == "xlsx" else csv_bytes(table))
    print(f"wrote {len(table)} {args.register} item(s) to {args.output} as {fmt}")
    return EXIT_VALID


def _pairs(given: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for text in given:
        name, equals, value = text.partition("=")
        if not equals or not name.strip():
            raise Refusal(f"{option} '{text}' is not NAME=VALUE (e.g. {option} owner=Jo Bloggs)", EXIT_USAGE)
        pairs.append((name.strip(), value.strip()))
    return pairs


def _add(args: argparse.Namespace) -> int:
    fields = dict(_pairs(args.field, "--field"))
    links: dict[str, list[str]] = {}
    for target, target_id in _pairs(args.link, "--link"):
        links.setdefault(target, []).append(target_id)
    engine = _read_store(args.db)
    from cspdash.store import registers as stored
    from data_loaders.ingest import current_user

    actor = args.actor or current_user()
    try:
        number = stored.add_item(
            engine, args.register, actor, args.title, args.subgroup, args.meeting, links or None, **fields
        )
    except stored.RegisterError as error:
        raise Refusal(f"{error}; nothing was added", EXIT_INVALID) from None
    print(f"added {stored.register(args.register).label} {number}: {args.title.strip()}")
    return EXIT_VALID
