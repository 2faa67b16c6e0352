"""Which e-mails the partnership owes its people today, planned from the store and the board service
(nothing here sends anything; `cspdash.mailer` sends and records):

- due: to a sub-group's analysts, a return not yet in whose due date is within `remind_days` days;
- late: to them, a return not in for the latest quarter whose due date has passed;
- alert: to a sub-group's lead, an indicator that moved into special-cause concern or a consistent
  target miss in an area's newest quarter (figures as the analyst audience sees them);
- pack: to the board's list, an area's newest signed-off quarter, once per sign-off.

Every message has a key naming what it is about and whom it is for: a key is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine, select

from cspdash.periods import Quarter
from cspdash.store import models

KINDS = ("due", "late", "alert", "pack")


@dataclass(frozen=True)
class People:
    """Who gets what: per sub-group its analysts and lead (optionally per area, in a table named after
    the area inside the sub-group's), and the board's list."""

    subgroups: dict[str, dict] = field(default_factory=dict)
    board: tuple[str, ...] = ()

    def _for(self, subgroup: str, area: str, role: str) -> tuple[str, ...]:
        table = self.subgroups.get(subgroup, {})
        value = table.get(area, {}).get(role, table.get(role, ()))
        return tuple([value] if isinstance(value, str) else value)

    def analysts(self, subgroup: str, area: str) -> tuple[str, ...]:
        return self._for(subgroup, area, "analysts")

    def leads(self, subgroup: str, area: str) -> tuple[str, ...]:
        return self._for(subgroup, area, "lead")


@dataclass(frozen=True)
class Message:
    """One e-mail to one person. `pack` names the (area, quarter) whose signed-off PDF is attached."""

    key: str
    kind: str
    recipient: str
    subject: str
    body: str
    pack: tuple[str, Quarter] | None = None


def day(value: date) -> str:
    return f"{value:%-d %B %Y}"


def plan(
    engine: Engine, people: People, today: date, remind_days: int, dashboard: str, catalogue=None
) -> list[Message]:
    """Every message owed today, less those to people who unsubscribed from their kind."""
    from cspdash.service import Audience, BoardService

    service = BoardService(engine, Audience.ANALYST, catalogue)
    board = service.at()
    areas = board.areas()
    messages = [
        *reminders(engine, areas, people, today, remind_days, dashboard),
        *alerts(board, areas, people, dashboard),
        *packs(engine, areas, people, dashboard),
    ]
    stopped = unsubscribed(engine)
    return [m for m in messages if not ({(m.recipient.lower(), m.kind), (m.recipient.lower(), "all")} & stopped)]


def unsubscribed(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(models.Unsubscribe.email, models.Unsubscribe.kind)).all()
    return {(email.lower(), kind) for email, kind in rows}


def _key(*parts: object) -> str:
    return "|".join(str(part) for part in parts)


def due_quarter(today: date, due_days: int, remind_days: int) -> Quarter | None:
    """The quarter whose return falls due within `remind_days` days of today (or today), if any."""
    quarter = Quarter.containing(today)
    while True:
        due = quarter.end + timedelta(days=due_days)
        if due - timedelta(days=remind_days) <= today <= due:
            return quarter
        if due < today:
            return None
        quarter = quarter.previous()


def late_quarter(today: date, due_days: int) -> Quarter:
    """The latest quarter whose return was due before today."""
    quarter = Quarter.containing(today)
    while quarter.end + timedelta(days=due_days) >= today:
        quarter = quarter.previous()
    return quarter


def reminders(
    engine: Engine, areas: list[str], people: People, today: date, remind_days: int, dashboard: str
) -> list[Message]:
    """'Due' and 'late' reminders to analysts for returns the store holds no submission of."""
    from cspdash.completeness import returns_status
    from data_loaders.kinds import return_kinds

    kinds = return_kinds()
    messages = []
    for area in areas:
        for kind in kinds.values():
            asked = [("late", late_quarter(today, kind.due_days))]
            if (soon := due_quarter(today, kind.due_days, remind_days)) is not None:
                asked.append(("due", soon))
            for what, quarter in asked:
                (status,) = returns_status(engine, area, quarter, {kind.id: (kind.name, kind.due_days)}, today)
                if status.status not in ("missing", "not yet due"):
                    continue
                for person in people.analysts(kind.subgroup, area):
                    messages.append(_reminder(what, kind, area, quarter, status.due, person, dashboard))
    return messages


def _reminder(what: str, kind, area: str, quarter: Quarter, due: date, person: str, dashboard: str) -> Message:
    covers = f"{day(quarter.start)} to {day(quarter.end)}"
    if what == "due":
        subject = f"Return due by {day(due)}: {kind.name}, {area}, {quarter.label}"
        first = f"The {kind.name} for {area}, {quarter.label} ({covers}), is due by {day(due)}."
    else:
        subject = f"Return late: {kind.name}, {area}, {quarter.label} (due {day(due)})"
        first = f"The {kind.name} for {area}, {quarter.label} ({covers}), was due on {day(due)}."
    text = (
        f"{first} The dashboard has not received it yet.\n\n"
        f"Please upload it on the dashboard's 'Upload returns' page: {dashboard}/upload\n"
        f"If you have no blank return, ask the dashboard's administrator for the '{kind.id}' template.\n"
    )
    return Message(_key(what, kind.id, area, quarter.label, person), what, person, subject, text)


def in_concern(assessment) -> str | None:
    """'worse than usual' or 'likely to keep missing its target' when the board's SPC says so, else None."""
    spc = assessment.spc
    if spc is None or not spc.usable:
        return None
    if spc.assurance == "consistent_fail":
        return "likely to keep missing its target"
    if spc.variation == "special_cause_concern":
        return "worse than usual"
    return None


def alerts(board, areas: list[str], people: People, dashboard: str) -> list[Message]:
    """An indicator that moved into concern in an area's newest quarter, to its sub-group's lead."""
    messages = []
    for area in areas:
        quarters = board.quarters(area)
        if len(quarters) < 2:
            continue
        newest, before = quarters[-1], quarters[-2]
        earlier = {row.indicator.id: row for row in board.rows(area, before, beside_london=False)}
        for row in board.rows(area, newest, beside_london=False):
            words = in_concern(row.assessment)
            previous = earlier.get(row.indicator.id)
            if words is None or (previous is not None and in_concern(previous.assessment)):
                continue
            for person in people.leads(row.indicator.subgroup, area):
                messages.append(_alert(row, previous, words, area, newest, before, person, dashboard))
    return messages


def _alert(row, previous, words: str, area: str, newest: Quarter, before: Quarter, person: str, dashboard: str):
    from cspdash.formatting import headline

    ind = row.indicator
    figure = headline(ind, newest, row.change)
    published = f" Viewers see this figure as '{row.withheld}'." if row.withheld else ""
    then = previous.judgement.sentence if previous is not None else "No figure."
    subject = f"{ind.name} in {area} is {words} ({newest.label})"
    text = (
        f"{ind.name} in {area} is {words} in {newest.label}.\n\n"
        f"{figure}.{published}\n"
        f"What the board sees: {row.judgement.sentence}\n"
        f"In {before.label}: {then}\n\n"
        f"See it on the dashboard: {dashboard}/{ind.subgroup}\n"
    )
    return Message(_key("alert", ind.id, area, newest.label, person), "alert", person, subject, text)


def packs(engine: Engine, areas: list[str], people: People, dashboard: str) -> list[Message]:
    """Each area's newest signed-off quarter, its latest sign-off, to the board's list."""
    so, area_t = models.SignOff, models.Area
    query = (
        select(so.id, area_t.name, so.quarter_start, so.signed_by, so.signed_at)
        .join(area_t, so.area_id == area_t.id)
        .where(area_t.kind == "la", area_t.name.in_(areas))
        .order_by(so.quarter_start, so.id)
    )
    with engine.connect() as connection:
        newest = {name: row for row in connection.execute(query).all() for name in [row.name]}
    messages = []
    for area, row in sorted(newest.items()):
        quarter = Quarter.containing(row.quarter_start)
        subject = f"Board pack: {area}, {quarter.label}, signed off {day(row.signed_at.date())}"
        text = (
            f"The board papers for {area}, {quarter.label}, were signed off by {row.signed_by} on "
            f"{day(row.signed_at.date())}. The pack is attached as a PDF.\n\n"
            f"The dashboard: {dashboard}\n"
        )
        for person in people.board:
            key = _key("pack", area, quarter.label, row.id, person)
            messages.append(Message(key, "pack", person, subject, text, pack=(area, quarter)))
    return messages
