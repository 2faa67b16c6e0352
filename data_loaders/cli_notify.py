"""`notify`, `unsubscribe` and `resubscribe`: the partnership's e-mails, run by cron or a systemd timer
(see the README). Each message is sent once: `notify` run twice, or twice at once, sends nothing new."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from data_loaders.cli_common import DB_HELP, EXIT_OUTPUT, EXIT_USAGE, EXIT_VALID, Refusal, _read_store

KIND_CHOICES = ("due", "late", "alert", "pack")  # cspdash.notify.KINDS, not imported here (--help stays instant)


def _today(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def _settings(dry_run: bool):
    from cspdash.mailer import NotifyConfigError, load_settings

    try:
        return load_settings(need_smtp=not dry_run)
    except NotifyConfigError as error:
        raise Refusal(str(error), EXIT_USAGE) from None


def _check_subgroups(people) -> None:
    from cspdash.catalogue import load_catalogue

    known = [s.id for s in load_catalogue().subgroups]
    unknown = sorted(set(people.subgroups) - set(known))
    if unknown:
        raise Refusal(f"[people] names no sub-group '{unknown[0]}': the sub-groups are {', '.join(known)}", EXIT_USAGE)


def _pack_pdf(engine):
    def build(area: str, quarter) -> bytes:
        from cspdash.boardpack import build_pack
        from cspdash.service import Audience, BoardService

        snapshot = BoardService(engine, Audience.PUBLIC).at().signed_off(area, quarter)
        if snapshot is None:
            raise ValueError(f"{area} {quarter.label} is no longer signed off")
        return build_pack(snapshot, "pdf")

    return build


def _notify(args: argparse.Namespace) -> int:
    settings = _settings(args.dry_run)  # before the store: no settings, nothing read or recorded
    _check_subgroups(settings.people)
    engine = _read_store(args.db)
    from cspdash.mailer import send_all
    from cspdash.notify import plan

    messages = plan(engine, settings.people, args.today or date.today(), settings.remind_days, settings.dashboard)
    if args.dry_run:
        from cspdash.mailer import already_sent

        done = already_sent(engine)
        waiting = [m for m in messages if m.key not in done]
        for message in waiting:
            print(f"would send {message.kind} to {message.recipient}: {message.subject}")
        print(f"{len(waiting)} e-mail{'s' if len(waiting) != 1 else ''} would be sent (a dry run: nothing sent)")
        return EXIT_VALID
    outcome = send_all(engine, settings, messages, _pack_pdf(engine))
    for message in outcome.sent:
        print(f"sent {message.kind} to {message.recipient}: {message.subject}")
    for message, reason in outcome.failed:
        print(f"not sent {message.kind} to {message.recipient}: {reason}")
    sent = f"{len(outcome.sent)} e-mail{'s' if len(outcome.sent) != 1 else ''} sent"
    if outcome.failed:
        print(f"{sent}; {len(outcome.failed)} could not be sent and will be tried again next time", file=sys.stderr)
        return EXIT_OUTPUT
    print(sent)
    return EXIT_VALID


def _address(email: str) -> str:
    if "@" not in email.strip()[1:-1]:
        raise Refusal(f"'{email}' is not an e-mail address", EXIT_USAGE)
    return email.strip()


def _unsubscribe(args: argparse.Namespace) -> int:
    from cspdash.mailer import unsubscribe

    args.email = _address(args.email)
    engine = _read_store(args.db)
    what = f"{args.kind} e-mails" if args.kind != "all" else "any e-mails"
    if unsubscribe(engine, args.email, args.kind):
        print(f"{args.email} will get no more {what}")
    else:
        print(f"{args.email} had already asked for no {what}")
    return EXIT_VALID


def _resubscribe(args: argparse.Namespace) -> int:
    from cspdash.mailer import resubscribe

    args.email = _address(args.email)
    engine = _read_store(args.db)
    lifted = resubscribe(engine, args.email, args.kind)
    what = f"{args.kind} e-mails" if args.kind != "all" else "e-mails"
    print(f"{args.email} will get {what} again" if lifted else f"{args.email} had not unsubscribed from {what}")
    return EXIT_VALID


def add_commands(commands) -> None:
    notify = commands.add_parser(
        "notify", help="send the e-mails owed today (reminders, alerts, signed-off packs), each once"
    )
    notify.add_argument("--db", help=DB_HELP)
    notify.add_argument("--today", type=_today, help="the date to plan for, YYYY-MM-DD (default: today)")
    notify.add_argument("--dry-run", action="store_true", help="list what would be sent; send and record nothing")
    notify.set_defaults(run=_notify)

    for name, run, verb in (("unsubscribe", _unsubscribe, "stop"), ("resubscribe", _resubscribe, "restart")):
        command = commands.add_parser(name, help=f"{verb} the e-mails to a person (all, or one kind)")
        command.add_argument("email")
        command.add_argument("--kind", choices=(*KIND_CHOICES, "all"), default="all")
        command.add_argument("--db", help=DB_HELP)
        command.set_defaults(run=run)
