"""Which returns are in for a quarter: received (on time or late), missing, or not yet due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, select

from cspdash.periods import Quarter
from cspdash.store import models

DEFAULT_DUE_DAYS = 30


@dataclass(frozen=True)
class ReturnStatus:
    kind: str
    name: str
    due: date
    status: str  # received | late | missing | not yet due
    received_at: datetime | None = None

    @property
    def text(self) -> str:
        if self.status == "received":
            return f"received {self.received_at:%-d %b %Y}"
        if self.status == "late":
            return f"received late, {self.received_at:%-d %b %Y} (due {self.due:%-d %b %Y})"
        if self.status == "missing":
            return f"missing: due {self.due:%-d %b %Y}"
        return f"not yet due (due {self.due:%-d %b %Y})"


def due_date(quarter: Quarter, due_days: int = DEFAULT_DUE_DAYS) -> date:
    return quarter.end + timedelta(days=due_days)


def returns_status(
    engine: Engine, area: str, quarter: Quarter, kinds: dict[str, tuple[str, int]], today: date
) -> list[ReturnStatus]:
    """For each expected return kind (id → (name, due days)): its status for the area and quarter."""
    sub = models.Submission
    query = (
        select(sub.kind, func.min(sub.submitted_at))
        .join(models.Area, sub.area_id == models.Area.id)
        .where(
            models.Area.name == area,
            models.Area.kind == "la",
            sub.status == "active",
            sub.period_start >= quarter.start,
            sub.period_end <= quarter.end,
        )
        .group_by(sub.kind)
    )
    with engine.connect() as connection:
        received = dict(connection.execute(query).all())
    statuses = []
    for kind, (name, due_days) in kinds.items():
        due = due_date(quarter, due_days)
        at = received.get(kind)
        if at is not None:
            status = "late" if at.date() > due else "received"
        else:
            status = "missing" if today > due else "not yet due"
        statuses.append(ReturnStatus(kind, name, due, status, at))
    return statuses


def board_quarter(
    engine: Engine, area: str, kinds: dict[str, tuple[str, int]], today: date, look_back: int = 8
) -> Quarter | None:
    """The quarter the board sees by default: the latest signed off; before any sign-off, the latest
    with every expected return in (never one that an early upload for the next quarter has started);
    else the latest with figures."""
    from cspdash.store import queries, records

    signed = records.signed_off_quarters(engine, area)
    if signed:
        return signed[-1]
    quarters = queries.quarters_with_data(engine, area)
    for quarter in reversed(quarters[-look_back:]):
        if all(s.status in ("received", "late") for s in returns_status(engine, area, quarter, kinds, today)):
            return quarter
    return quarters[-1] if quarters else None
