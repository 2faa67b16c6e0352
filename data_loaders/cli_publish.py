"""`python -m data_loaders publish-site`: the public site of a signed-off quarter (cspdash.public_site),
written as a folder, or as a zip when the output's name ends .zip. Run by someone who holds the store,
as an admin would publish it from the app; every publication is in the audit log."""

from __future__ import annotations

import argparse
from pathlib import Path

from data_loaders.cli_common import DB_HELP, EXIT_INVALID, EXIT_OUTPUT, EXIT_VALID, Refusal, _read_store


def add_commands(commands) -> None:
    publish = commands.add_parser(
        "publish-site",
        help="write the public site of a signed-off quarter (HTML pages, charts, CSV) to a folder or a .zip",
    )
    publish.add_argument("--area", required=True)
    publish.add_argument("--quarter", required=True, help='e.g. "2024/25 Q4"')
    publish.add_argument(
        "-o", "--output", type=Path, required=True, help="a new or empty folder (or an earlier site), or FILE.zip"
    )
    publish.add_argument("--db", help=DB_HELP)
    publish.set_defaults(run=_publish_site)


def _publish_site(args: argparse.Namespace) -> int:
    from data_loaders.__main__ import _area_and_quarter
    from data_loaders.cli_output import check_output, write_output

    as_zip = args.output.suffix.lower() == ".zip"
    _check_target(args.output, as_zip, check_output)  # before any work
    engine = _read_store(args.db)
    quarter = _area_and_quarter(args, engine)

    from cspdash.access import Person, Role
    from cspdash.public_site import NotPublishable, SiteFolderError, publish, site_name, write_folder, zip_site
    from data_loaders.ingest import current_user

    try:
        files = publish(engine, args.area, quarter, Person(current_user(), Role.ADMIN))
    except NotPublishable as refusal:
        raise Refusal(f"{refusal} (an admin signs it off on the Sign-off and board pack page)", EXIT_INVALID) from None
    if as_zip:
        write_output(args.output, zip_site(files, site_name(args.area, quarter)))
    else:
        try:
            write_folder(files, args.output)
        except SiteFolderError as error:
            raise Refusal(str(error), EXIT_OUTPUT) from None
    pages = sum(path.endswith(".html") for path in files)
    print(
        f"wrote the public site of {args.area} {quarter.label} ({pages} pages and the figures as CSV) to {args.output}"
    )
    return EXIT_VALID


def _check_target(output: Path, as_zip: bool, check_output) -> None:
    if as_zip:
        check_output(output)
        return
    from cspdash.public_site import SiteFolderError, check_folder

    try:
        check_folder(output)
    except SiteFolderError as error:
        raise Refusal(str(error), EXIT_OUTPUT) from None
