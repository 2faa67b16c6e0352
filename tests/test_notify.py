"""E-mail reminders and alerts, as the partnership's administrator runs them from cron: `python -m
data_loaders notify` against a real SMTP server on 127.0.0.1 sends the due, late, alert and pack
messages once each, and none on a second run."""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
import sys
from email.message import EmailMessage
from email.policy import default

import pytest
from sqlalchemy import select

from cspdash.periods import Quarter
from cspdash.store import models, records
from cspdash.store.db import open_store
from data_loaders.__main__ import main
from data_loaders.ingest import load_sample_if_empty
from tests.conftest import ROOT

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

TODAY = "2025-04-25"  # 2024/25 Q4 returns are due on 30 April 2025; Q3's were due on 30 January
Q3, Q4 = Quarter.parse("2024/25 Q3"), Quarter.parse("2024/25 Q4")
SENDER = "community.safety@hackney.gov.uk"
VAWG_ANALYST = "vawg.analyst@cityoflondon.gov.uk"
NTE_ANALYST = "nte.analyst@hackney.gov.uk"
CRIME_LEAD = "crime.lead@met.police.uk"
BOARD = ("board.one@hackney.gov.uk", "board.two@cityoflondon.gov.uk")
PEOPLE = f"""
[people]
board = {list(BOARD)!r}

[people.vawg]
analysts = ["{VAWG_ANALYST}"]

[people.night_time_economy]
analysts = ["{NTE_ANALYST}"]

[people.mps_crime]
lead = "{CRIME_LEAD}"
"""


class Collector:
    """An SMTP server's handler keeping every message it accepts; it refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 (aiosmtpd's hook)
        if address in self.refuse:
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Collector()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


def write_config(path, port: int | None, people: str = PEOPLE) -> str:
    smtp = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "{SENDER}"\n' if port is not None else ""
    )
    path.write_text(
        f'dashboard = "https://dashboard.example.gov.uk"\nremind_days_before = 7\n\n{smtp}{people}', encoding="utf-8"
    )
    return str(path)


@pytest.fixture
def config(smtp, tmp_path, monkeypatch) -> str:
    path = write_config(tmp_path / "notify.toml", smtp.port)
    monkeypatch.setenv("DASHBOARD_NOTIFY_FILE", path)
    return path


def prepare(url: str, sign_off: bool = True) -> str:
    """The sample returns with Hackney's Night Time Economy return for 2024/25 Q3 withdrawn (late),
    the City's VAWG return for 2024/25 Q4 not yet in (due), and, if asked, Hackney's Q4 signed off."""
    engine = open_store(url)
    load_sample_if_empty(engine)
    with engine.connect() as connection:
        late = connection.scalar(
            select(models.Submission.id).where(
                models.Submission.original_name == "2024-25_Q3_hackney_night_time_economy.xlsx"
            )
        )
    records.withdraw_submission(engine, late, "analyst@hackney.gov.uk", "sent in error")
    if sign_off:
        from data_loaders.publication import published_snapshot

        snapshot = published_snapshot(engine, "Hackney", Q4)
        records.sign_off(engine, "Hackney", Q4, "chair@hackney.gov.uk", snapshot)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> str:
    """One prepared SQLite store (signed off), copied by each test that writes to it."""
    path = tmp_path_factory.mktemp("notify") / "prepared.db"
    prepare(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def store(prepared, tmp_path) -> str:
    target = tmp_path / "store.db"
    shutil.copy(prepared, target)
    return f"sqlite:///{target}"


def notify(store: str, *extra: str) -> int:
    return main(["notify", "--db", store, "--today", TODAY, *extra])


def by_recipient(received) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for recipients, message in received:
        for recipient in recipients:
            found.setdefault(recipient, []).append(message)
    return found


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def stored(store: str) -> list[models.Notification]:
    engine = open_store(store)
    with engine.connect() as connection:
        rows = connection.execute(select(models.Notification)).all()
    engine.dispose()
    return rows


def check_the_four_messages(received) -> None:
    mail = by_recipient(received)
    assert sorted(mail) == sorted([VAWG_ANALYST, NTE_ANALYST, CRIME_LEAD, *BOARD])
    assert all(len(messages) == 1 for messages in mail.values()), {k: len(v) for k, v in mail.items()}

    due = mail[VAWG_ANALYST][0]
    assert "due" in due["Subject"].lower() and "City of London" in due["Subject"] and "2024/25 Q4" in due["Subject"]
    assert "30 April 2025" in body(due) and "https://dashboard.example.gov.uk/upload" in body(due)

    late = mail[NTE_ANALYST][0]
    assert "late" in late["Subject"].lower() and "Hackney" in late["Subject"] and "2024/25 Q3" in late["Subject"]
    assert "30 January 2025" in body(late) and "https://dashboard.example.gov.uk/upload" in body(late)

    alert = mail[CRIME_LEAD][0]
    assert alert["Subject"].startswith("Violence against the person in Hackney is worse than usual"), alert["Subject"]
    assert "2024/25 Q4" in body(alert) and "2,037" in body(alert)

    pack = mail[BOARD[0]][0]
    assert pack["Subject"] == mail[BOARD[1]][0]["Subject"] and pack["To"] == BOARD[0]
    assert "Hackney" in pack["Subject"] and "2024/25 Q4" in pack["Subject"] and "signed off" in pack["Subject"]
    pdfs = [part for part in pack.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")

    for _, message in received:
        assert message["From"] == SENDER
        assert message["List-Unsubscribe"] == f"<mailto:{SENDER}?subject=unsubscribe>"
        assert "stop these e-mails" in body(message)
        assert "Traceback" not in body(message)


def test_notify_sends_due_late_alert_and_pack_once_each_and_none_on_a_second_run(store_url, smtp, config):
    url = prepare(store_url)
    assert notify(url) == 0
    check_the_four_messages(smtp.received)
    rows = stored(url)
    assert len(rows) == 5 and {row.status for row in rows} == {"sent"}  # one a person: the board's list has two
    assert {row.kind for row in rows} == {"due", "late", "alert", "pack"}

    assert notify(url) == 0
    if url.startswith("sqlite"):  # and as cron runs it: a process of its own
        done = subprocess.run(
            [sys.executable, "-m", "data_loaders", "notify", "--db", url, "--today", TODAY],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "DASHBOARD_NOTIFY_FILE": config},
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert len(smtp.received) == 5  # one message a person
    assert len(stored(url)) == 5

    engine = open_store(url)
    with engine.connect() as connection:
        logged = connection.execute(select(models.AuditEntry.action, models.AuditEntry.detail)).all()
    assert sum("e-mail" in action for action, _ in logged) == 5


def test_a_person_who_unsubscribed_gets_nothing_until_they_resubscribe(store, smtp, config, capsys):
    assert main(["unsubscribe", CRIME_LEAD, "--db", store]) == 0
    assert main(["unsubscribe", BOARD[0].upper(), "--kind", "pack", "--db", store]) == 0
    assert notify(store) == 0
    mail = by_recipient(smtp.received)
    assert CRIME_LEAD not in mail and BOARD[0] not in mail
    assert sorted(mail) == sorted([VAWG_ANALYST, NTE_ANALYST, BOARD[1]])

    assert main(["resubscribe", CRIME_LEAD, "--db", store]) == 0
    assert notify(store) == 0
    assert [recipients for recipients, _ in smtp.received[3:]] == [[CRIME_LEAD]]
    engine = open_store(store)
    with engine.connect() as connection:
        actions = connection.scalars(select(models.AuditEntry.action)).all()
    assert actions.count("unsubscribe") == 2 and actions.count("resubscribe") == 1


def test_without_smtp_settings_nothing_is_sent_or_recorded(store, smtp, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_NOTIFY_FILE", write_config(tmp_path / "no-smtp.toml", None))
    assert notify(store) != 0
    error = capsys.readouterr().err.strip()
    assert "[smtp]" in error and len(error.splitlines()) == 1 and "Traceback" not in error
    monkeypatch.setenv("DASHBOARD_NOTIFY_FILE", str(tmp_path / "not-there.toml"))
    assert notify(store) != 0
    assert "not-there.toml" in capsys.readouterr().err
    assert smtp.received == [] and stored(store) == []


def test_a_dry_run_lists_what_would_be_sent_and_sends_and_records_nothing(store, smtp, config, capsys):
    assert notify(store, "--dry-run") == 0
    out = capsys.readouterr().out
    for person in (VAWG_ANALYST, NTE_ANALYST, CRIME_LEAD, *BOARD):
        assert person in out
    assert "Violence against the person in Hackney is worse than usual" in out
    assert smtp.received == [] and stored(store) == []


def test_a_refused_message_is_recorded_with_its_error_and_sent_on_a_later_run(store, smtp, config, capsys):
    smtp.refuse = {NTE_ANALYST}
    assert notify(store) != 0
    assert "1 could not be sent" in capsys.readouterr().err
    rows = {row.recipient: row for row in stored(store)}
    assert rows[NTE_ANALYST].status == "failed" and "550" in rows[NTE_ANALYST].error
    assert NTE_ANALYST not in by_recipient(smtp.received) and len(smtp.received) == 4

    smtp.refuse = set()
    assert notify(store) == 0
    assert [recipients for recipients, _ in smtp.received[4:]] == [[NTE_ANALYST]]
    assert {row.status for row in stored(store)} == {"sent"}


@pytest.mark.parametrize(
    ("smtp_table", "words"),
    [
        ('[smtp]\nhost = "mail.example.gov.uk"\nport = 25\nsecurity = "none"\nfrom = "a@b.uk"\n', "security"),
        ('[smtp]\nhost = "127.0.0.1"\nport = 25\nsecurity = "none"\nfrom = "a@b.uk"\npassword = "x"\n', "password"),
        ('[smtp]\nhost = "127.0.0.1"\nport = 25\nsecurity = "tls?"\nfrom = "a@b.uk"\n', "security"),
        ('[smtp]\nhost = "127.0.0.1"\nport = 25\nsecurity = "none"\n', "from"),
        ("[smtp\n", "TOML"),
        ('[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nfrom = "a@b.uk"\n[people.vawgg]\nlead = "x@y.uk"\n', "vawgg"),
        (
            '[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nfrom = "a@b.uk"\n[people.youth_justice]\nlead = 7\n',
            "youth_justice.lead",
        ),
    ],
)
def test_unsafe_or_broken_settings_are_refused_in_one_sentence(smtp_table, words, store, tmp_path, monkeypatch, capsys):
    path = tmp_path / "notify.toml"
    path.write_text(smtp_table + PEOPLE, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_NOTIFY_FILE", str(path))
    assert notify(store) != 0
    error = capsys.readouterr().err.strip()
    assert words in error and len(error.splitlines()) == 1, error
    assert stored(store) == []


def test_two_runs_at_once_send_each_message_once(store, smtp, config):
    command = [sys.executable, "-m", "data_loaders", "notify", "--db", store, "--today", TODAY]
    env = {**os.environ, "DASHBOARD_NOTIFY_FILE": config}
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    for run in runs:
        _, error = run.communicate(timeout=600)
        assert run.returncode == 0, error.decode()
    check_the_four_messages(smtp.received)
    assert len(smtp.received) == 5
