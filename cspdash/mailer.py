"""Sending the partnership's e-mails: the settings (a TOML file, `DASHBOARD_NOTIFY_FILE`, default
`.streamlit/notify.toml`; the SMTP password only from `DASHBOARD_SMTP_PASSWORD`), and each message
claimed in the store before it is sent, so it is sent once even when two runs overlap. A failed send
is recorded with its error and tried again on a later run; a message claimed by a run that died
mid-send stays claimed (sending it again could send it twice)."""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from cspdash.notify import KINDS, Message, People
from cspdash.store import models
from cspdash.store.db import writing
from cspdash.store.repository import audit, now

DEFAULT_FILE = Path(".streamlit/notify.toml")
PASSWORD_VARIABLE = "DASHBOARD_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
ACTOR = "notify"
# A subject on one line: the standard policy folds one just over 78 characters before its first word,
# which some readers then show with a leading space.
HEADERS_UNFOLDED = SMTP_POLICY.clone(max_line_length=998)


class NotifyConfigError(ValueError):
    """The settings are missing or unusable (one sentence saying what to fix)."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str
    sender: str
    reply_to: str = ""
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class Settings:
    smtp: Smtp | None
    people: People
    remind_days: int = 7
    dashboard: str = ""

    @property
    def unsubscribe_address(self) -> str:
        return self.smtp.reply_to or self.smtp.sender if self.smtp else ""


def settings_path() -> Path:
    return Path(os.environ.get("DASHBOARD_NOTIFY_FILE") or DEFAULT_FILE)


def load_settings(path: Path | None = None, need_smtp: bool = True) -> Settings:
    """The settings from the file; NotifyConfigError in one sentence if they are missing or unsafe."""
    path = path or settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotifyConfigError(
            f"no e-mail settings at {path}: copy .streamlit/notify.toml.example there (or set DASHBOARD_NOTIFY_FILE)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise NotifyConfigError(f"the e-mail settings at {path} cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise NotifyConfigError(f"the e-mail settings at {path} are not valid TOML ({error})") from None
    smtp = _smtp(data.get("smtp"), path, need_smtp) if "smtp" in data else None
    if smtp is None and need_smtp:
        raise NotifyConfigError(f"no e-mail is sent without SMTP settings: add an [smtp] table to {path}")
    return Settings(
        smtp, _people(data.get("people", {}), path), _days(data, path), str(data.get("dashboard", "")).rstrip("/")
    )


def _days(data: dict, path: Path) -> int:
    days = data.get("remind_days_before", 7)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 60:
        raise NotifyConfigError(f"remind_days_before in {path} must be a whole number of days from 0 to 60")
    return days


def _smtp(table: object, path: Path, need_password: bool = True) -> Smtp:
    if not isinstance(table, dict):
        raise NotifyConfigError(f"[smtp] in {path} must be a table of settings")
    if "password" in table:
        raise NotifyConfigError(f"keep the SMTP password out of {path}: set it in {PASSWORD_VARIABLE} instead")
    host, security = str(table.get("host", "")), str(table.get("security", "starttls"))
    if not host or not table.get("from"):
        raise NotifyConfigError(f"[smtp] in {path} needs a host and a from address")
    if security not in SECURITY:
        raise NotifyConfigError(f"[smtp] security in {path} must be one of {', '.join(SECURITY)}, not '{security}'")
    if security == "none" and host not in LOCAL_HOSTS:
        raise NotifyConfigError(
            f"[smtp] security 'none' sends in clear text and is allowed only to this machine (127.0.0.1), not {host}"
        )
    port = table.get("port", {"ssl": 465, "starttls": 587, "none": 25}[security])
    if not isinstance(port, int) or not 0 < port < 65536:
        raise NotifyConfigError(f"[smtp] port in {path} must be a port number")
    username = str(table.get("username", ""))
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if username and not password and need_password:
        raise NotifyConfigError(f"[smtp] names a username but {PASSWORD_VARIABLE} holds no password")
    return Smtp(host, port, security, str(table["from"]), str(table.get("reply_to", "")), username, password)


def _people(table: object, path: Path) -> People:
    if not isinstance(table, dict):
        raise NotifyConfigError(f"[people] in {path} must be a table")
    board = table.get("board", ())
    subgroups = {key: value for key, value in table.items() if isinstance(value, dict)}
    lists = [("board", board)] + [
        (f"{name}.{role}", value)
        for name, people in subgroups.items()
        for scope in (people, *(v for v in people.values() if isinstance(v, dict)))
        for role, value in scope.items()
        if not isinstance(value, dict)
    ]
    for name, value in lists:
        if not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise NotifyConfigError(f"[people] {name} in {path} must be an e-mail address or a list of them")
    return People(subgroups, tuple([board] if isinstance(board, str) else board))


def open_connection(smtp: Smtp) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        connection = smtplib.SMTP_SSL(smtp.host, smtp.port, context=context, timeout=60)
    else:
        connection = smtplib.SMTP(smtp.host, smtp.port, timeout=60)
        if smtp.security == "starttls":
            connection.starttls(context=context)
    if smtp.username:
        connection.login(smtp.username, smtp.password)
    return connection


def footer(settings: Settings, kind: str) -> str:
    return (
        f"\n--\nSent by the partnership performance dashboard. To stop these e-mails, reply to "
        f"{settings.unsubscribe_address} with the subject 'unsubscribe' (say if you only want to stop the "
        f"'{kind}' e-mails).\n"
    )


def compose(message: Message, settings: Settings, pdf: bytes | None = None) -> EmailMessage:
    mail = EmailMessage(policy=HEADERS_UNFOLDED)
    mail["From"] = settings.smtp.sender
    mail["To"] = message.recipient
    if settings.smtp.reply_to:
        mail["Reply-To"] = settings.smtp.reply_to
    mail["Subject"] = message.subject
    mail["List-Unsubscribe"] = f"<mailto:{settings.unsubscribe_address}?subject=unsubscribe>"
    mail.set_content(message.body + footer(settings, message.kind))
    if pdf is not None:
        area, quarter = message.pack
        name = f"board-pack-{area}-{quarter.label}.pdf".replace(" ", "-").replace("/", "-")
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return mail


def claim(engine: Engine, message: Message, body: str) -> bool:
    """Take the message's key for this run: True if it was never taken, or its last send failed."""
    table = models.Notification

    def work(session: Session) -> bool:
        status = session.scalar(select(table.status).where(table.key == message.key))
        if status is None:
            session.add(
                table(
                    key=message.key,
                    kind=message.kind,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=body,
                    status="sending",
                    error="",
                    sent_at=now(),
                )
            )
            session.flush()
            return True
        if status != "failed":
            return False
        taken = session.execute(
            update(table)
            .where(table.key == message.key, table.status == "failed")
            .values(status="sending", error="", body=body, sent_at=now())
        )
        return taken.rowcount == 1

    return writing(engine, work, changes_figures=False)


def already_sent(engine: Engine) -> set[str]:
    """The keys sent, or being sent: a failed one is not among them (it is tried again)."""
    table = models.Notification
    with engine.connect() as connection:
        return set(connection.scalars(select(table.key).where(table.status != "failed")))


def record(engine: Engine, message: Message, error: str = "") -> None:
    """The send's outcome, and an entry in the audit log."""
    table = models.Notification

    def work(session: Session) -> None:
        session.execute(
            update(table)
            .where(table.key == message.key)
            .values(status="failed" if error else "sent", error=error, sent_at=now())
        )
        action = "e-mail not sent" if error else "e-mail sent"
        detail = f"{message.kind} to {message.recipient}: {message.subject}" + (f" ({error})" if error else "")
        audit(session, ACTOR, action, detail)

    writing(engine, work, changes_figures=False)


@dataclass
class Outcome:
    sent: list[Message]
    failed: list[tuple[Message, str]]


def send_all(
    engine: Engine, settings: Settings, messages: list[Message], pack_pdf: Callable[[str, object], bytes]
) -> Outcome:
    """Send each message not sent before, on one connection opened when first needed."""
    outcome, connection, pdfs = Outcome([], []), None, {}
    try:
        for message in messages:
            if not claim(engine, message, message.body + footer(settings, message.kind)):
                continue
            try:
                pdf = None
                if message.pack is not None:
                    if message.pack not in pdfs:
                        pdfs[message.pack] = _attempt(pack_pdf, *message.pack)
                    if isinstance(pdfs[message.pack], Exception):
                        raise pdfs[message.pack]
                    pdf = pdfs[message.pack]
                mail = compose(message, settings, pdf)
                if connection is None:
                    connection = open_connection(settings.smtp)
                connection.send_message(mail)
            except (smtplib.SMTPException, OSError, RuntimeError, ValueError) as error:
                reason = _reason(error)
                record(engine, message, reason)
                outcome.failed.append((message, reason))
                if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                    connection = None
                continue
            record(engine, message)
            outcome.sent.append(message)
    finally:
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.quit()
    return outcome


def _attempt(build: Callable, *args) -> bytes | Exception:
    """The built attachment, or the error building it (kept, so it is not built again for each person)."""
    try:
        return build(*args)
    except (RuntimeError, ValueError, OSError) as error:
        return error


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        (code, text), *_ = error.recipients.values()
        return (
            f"refused by the mail server: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"refused by the mail server: {error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"[:500]


def unsubscribe(engine: Engine, email: str, kind: str = "all", actor: str = ACTOR) -> bool:
    """Stop e-mails of a kind ('all' for every kind) to the address; False if already stopped."""
    _check_kind(kind)
    email = email.strip().lower()
    table = models.Unsubscribe

    def work(session: Session) -> bool:
        if session.scalar(select(table.id).where(table.email == email, table.kind == kind)) is not None:
            return False
        session.add(table(email=email, kind=kind, at=now()))
        audit(session, actor, "unsubscribe", f"{email}: {kind} e-mails")
        return True

    return writing(engine, work, changes_figures=False)


def resubscribe(engine: Engine, email: str, kind: str = "all", actor: str = ACTOR) -> int:
    """Send the address e-mails of a kind again ('all': every kind); how many stops were lifted."""
    _check_kind(kind)
    email = email.strip().lower()
    table = models.Unsubscribe

    def work(session: Session) -> int:
        chosen = table.email == email if kind == "all" else (table.email == email) & (table.kind == kind)
        lifted = session.execute(delete(table).where(chosen)).rowcount
        audit(session, actor, "resubscribe", f"{email}: {kind} e-mails")
        return lifted

    return writing(engine, work, changes_figures=False)


def _check_kind(kind: str) -> None:
    if kind not in (*KINDS, "all"):
        raise NotifyConfigError(f"the kind of e-mail must be one of {', '.join(KINDS)} or all, not '{kind}'")
