"""The board's records beside the figures: withdrawals, revision history, commentary, actions, audit."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cspdash.periods import Quarter
from cspdash.store import models
from cspdash.store.db import writing
from cspdash.store.repository import audit, now

ACTION_STATUSES = ["open", "in progress", "done", "dropped"]


class RecordError(ValueError):
    """A change to the records that cannot be made (what, and why)."""


def withdraw_submission(
    engine: Engine, submission_id: int, actor: str, reason: str = "", expected_sha256: str | None = None
) -> None:
    """Withdraw a submission: its figures stop being in force and the previous revision returns.

    `expected_sha256` is the file the person saw when they chose it: if the submission is not that
    file, or is already withdrawn, nothing changes and RecordError says why."""

    def work(session: Session) -> None:
        submission = session.get(models.Submission, submission_id)
        if submission is None:
            raise RecordError(f"there is no submission {submission_id}")
        if expected_sha256 is not None and submission.sha256 != expected_sha256:
            raise RecordError(f"submission {submission_id} is no longer the file you chose")
        if submission.status == "withdrawn":
            raise RecordError(
                f"submission {submission_id} is already withdrawn (by {submission.withdrawn_by} "
                f"on {submission.withdrawn_at:%-d %b %Y %H:%M} UTC)"
            )
        submission.status, submission.withdrawn_by, submission.withdrawn_at = "withdrawn", actor, now()
        detail = f"submission {submission_id} ({submission.original_name})" + (f": {reason}" if reason else "")
        audit(session, actor, "withdraw", detail)

    writing(engine, work)


def figure_history(engine: Engine, indicator: str, area: str, period_start: date, breakdown: str = "") -> pd.DataFrame:
    """Every revision of one figure, oldest first, with where it came from and who loaded it."""
    obs, sub, area_t = models.Observation, models.Submission, models.Area
    query = (
        select(
            obs.value,
            obs.numerator,
            obs.denominator,
            obs.suppressed,
            sub.id.label("submission"),
            sub.original_name.label("file"),
            obs.source_sheet.label("sheet"),
            obs.source_cell.label("cell"),
            sub.vintage,
            sub.vintage_end,
            sub.submitted_by.label("loaded_by"),
            sub.submitted_at.label("loaded_at"),
            sub.status,
        )
        .join(sub, obs.submission_id == sub.id)
        .join(area_t, obs.area_id == area_t.id)
        .where(
            obs.indicator_id == indicator,
            area_t.name == area,
            area_t.kind == "la",
            obs.period_start == period_start,
            obs.breakdown == breakdown,
        )
    )
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    if frame.empty:
        return frame
    frame["vintage_end"] = pd.to_datetime(frame["vintage_end"])
    frame = frame.sort_values(["vintage_end", "submission"], na_position="first").reset_index(drop=True)
    active = frame.index[frame["status"] == "active"]
    frame["in_force"] = False
    if len(active):
        frame.loc[active[-1], "in_force"] = True
    return frame.drop(columns="vintage_end")


def _area_id(session: Session, area: str) -> int:
    area_id = session.scalar(select(models.Area.id).where(models.Area.name == area, models.Area.kind == "la"))
    if area_id is None:
        raise RecordError(f"'{area}' is not an area of the partnership")
    return area_id


def save_commentary(engine: Engine, indicator: str, area: str, quarter: Quarter, text: str, actor: str) -> None:
    """Write (or replace, or with empty text remove) the narrative for an indicator, area and quarter."""

    def work(session: Session) -> None:
        area_id = _area_id(session, area)
        row = session.scalar(
            select(models.Commentary).where(
                models.Commentary.indicator_id == indicator,
                models.Commentary.area_id == area_id,
                models.Commentary.quarter_start == quarter.start,
            )
        )
        cleaned = text.strip()
        if not cleaned:
            if row is not None:
                session.delete(row)
                audit(session, actor, "commentary", f"removed for {indicator}, {area}, {quarter.label}")
            return
        if row is None:
            row = models.Commentary(indicator_id=indicator, area_id=area_id, quarter_start=quarter.start)
            session.add(row)
        row.text, row.author, row.updated_at = cleaned, actor, now()
        audit(session, actor, "commentary", f"{indicator}, {area}, {quarter.label}: {cleaned[:80]}")

    writing(engine, work)


def commentary_for(engine: Engine, area: str, quarter: Quarter) -> dict[str, dict]:
    """Commentary by indicator for one area and quarter."""
    com = models.Commentary
    query = (
        select(com.indicator_id, com.text, com.author, com.updated_at)
        .join(models.Area, com.area_id == models.Area.id)
        .where(models.Area.name == area, models.Area.kind == "la", com.quarter_start == quarter.start)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return {row["indicator_id"]: dict(row) for row in rows}


def add_action(
    engine: Engine,
    actor: str,
    title: str,
    owner: str,
    due_date: date | None = None,
    indicator: str | None = None,
    area: str | None = None,
    quarter: Quarter | None = None,
    start_date: date | None = None,
) -> int:
    """Record a board action; returns its number. `start_date` is when the work began (what "did it
    work?" reads the figures from); without one, the action starts the day it is added."""
    if not title.strip() or not owner.strip():
        raise RecordError("an action needs what is to be done and who owns it")

    def work(session: Session) -> int:
        row = models.Action(
            title=title.strip(),
            owner=owner.strip(),
            due_date=due_date,
            status="open",
            indicator_id=indicator,
            area_id=_area_id(session, area) if area else None,
            quarter_start=quarter.start if quarter else None,
            start_date=_plain_date(start_date),
            created_by=actor,
            created_at=now(),
            updated_by=actor,
            updated_at=now(),
        )
        session.add(row)
        session.flush()
        audit(session, actor, "action", f"added {row.id}: {row.title} (owner {row.owner})")
        return row.id

    return writing(engine, work)


def update_action(engine: Engine, action_id: int, actor: str, seen: dict | None = None, **changes) -> None:
    """Change an action's title, owner, due date, start date or status; the change is audited.

    `seen` holds the action's fields as the person saw them (a start date as `actions` lists it:
    the day it was added when none was given): if someone has changed any of them since, nothing
    changes and RecordError says so."""
    allowed = {"title", "owner", "due_date", "status", "start_date"}
    if set(changes) - allowed:
        raise RecordError(f"cannot change {sorted(set(changes) - allowed)} of an action")
    if "status" in changes and changes["status"] not in ACTION_STATUSES:
        raise RecordError(f"status '{changes['status']}' is not one of {ACTION_STATUSES}")

    def work(session: Session) -> None:
        row = session.get(models.Action, action_id)
        if row is None:
            raise RecordError(f"there is no action {action_id}")
        if seen is not None and any(differs(_action_field(row, field), value) for field, value in seen.items()):
            raise RecordError(
                f"action {action_id} was changed by {row.updated_by} since you opened it: "
                "your changes to it were not saved; look again and save"
            )
        described = []
        for field, value in changes.items():
            value = _plain_date(value) if field in ("due_date", "start_date") else value
            if differs(_action_field(row, field), value):
                described.append(f"{field} {_action_field(row, field)} → {value}")
                setattr(row, field, value)
        if described:
            row.updated_by, row.updated_at = actor, now()
            audit(session, actor, "action", f"changed {action_id}: " + "; ".join(described))

    writing(engine, work)


def _action_field(row: models.Action, field: str) -> object:
    """An action's field as `actions` lists it: its start is the day it was added when none was given."""
    if field == "start_date" and row.start_date is None and row.created_at is not None:
        return row.created_at.date()
    return getattr(row, field)


def _plain_date(value: object) -> date | None:
    """A due date as a date (from a date, datetime, Timestamp or string), or None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def differs(stored: object, seen: object) -> bool:
    """Whether a stored field differs from the value a person saw (None, NaN and NaT alike; dates by day)."""
    if stored is None or seen is None or (not isinstance(seen, str) and pd.isna(seen)):
        return not (
            (stored is None or (not isinstance(stored, str) and pd.isna(stored)))
            and (seen is None or (not isinstance(seen, str) and pd.isna(seen)))
        )
    if isinstance(stored, date) and not isinstance(seen, str):
        return pd.Timestamp(stored) != pd.Timestamp(seen)
    return stored != seen


def actions(engine: Engine, area: str | None = None) -> pd.DataFrame:
    """Every action (for one area and actions linked to no area, if given), newest first."""
    act, area_t = models.Action, models.Area
    query = (
        select(
            act.id,
            act.title,
            act.owner,
            act.due_date,
            act.status,
            act.indicator_id.label("indicator"),
            area_t.name.label("area"),
            act.quarter_start,
            act.start_date,
            act.created_at,
            act.created_by,
            act.updated_by,
            act.updated_at,
        )
        .outerjoin(area_t, act.area_id == area_t.id)
        .order_by(act.id.desc())
    )
    if area is not None:
        query = query.where((area_t.name == area) | (act.area_id.is_(None)))
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    frame["quarter"] = [
        Quarter.containing(pd.Timestamp(d).date()).label if pd.notna(d) else "" for d in frame["quarter_start"]
    ]
    frame["start_date"] = [  # when the work began, else the day the action was added
        pd.Timestamp(start).date() if pd.notna(start) else pd.Timestamp(added).date()
        for start, added in zip(frame["start_date"], frame["created_at"], strict=True)
    ]
    return frame.drop(columns=["quarter_start", "created_at"])


def audit_entries(engine: Engine, limit: int = 1000) -> pd.DataFrame:
    query = select(models.AuditEntry.at, models.AuditEntry.actor, models.AuditEntry.action, models.AuditEntry.detail)
    with engine.connect() as connection:
        return pd.read_sql(query.order_by(models.AuditEntry.id.desc()).limit(limit), connection)


def record_sign_in(engine: Engine, email: str, role: str) -> None:
    writing(engine, lambda session: audit(session, email, "sign-in", f"signed in as {role}"), changes_figures=False)


# ---- sign-off: the board's frozen snapshot of an area's quarter ---------------------------------


def sign_off(engine: Engine, area: str, quarter: Quarter, actor: str, snapshot: dict) -> int:
    """Freeze the snapshot as the signed-off record of the area's quarter; returns its id."""
    stamped = {**snapshot, "signed_off_by": actor}

    def work(session: Session) -> int:
        row = models.SignOff(
            area_id=_area_id(session, area),
            quarter_start=quarter.start,
            signed_by=actor,
            signed_at=now(),
            data_as_at=_as_datetime(snapshot.get("data_as_at")),
        )
        stamped["signed_off_at"] = row.signed_at.isoformat(timespec="minutes")
        row.snapshot = json.dumps(stamped, ensure_ascii=False, default=str)
        session.add(row)
        session.flush()
        audit(session, actor, "sign off", f"{area}, {quarter.label} (sign-off {row.id})")
        return row.id

    return writing(engine, work)


def _as_datetime(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def signed_off(engine: Engine, area: str, quarter: Quarter) -> dict | None:
    """The latest signed-off snapshot of the area's quarter, or None."""
    so = models.SignOff
    query = (
        select(so.snapshot)
        .join(models.Area, so.area_id == models.Area.id)
        .where(models.Area.name == area, models.Area.kind == "la", so.quarter_start == quarter.start)
        .order_by(so.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        text = connection.scalar(query)
    return json.loads(text) if text else None


def signed_off_quarters(engine: Engine, area: str) -> list[Quarter]:
    """The quarters signed off for an area, oldest first."""
    so = models.SignOff
    query = (
        select(so.quarter_start)
        .join(models.Area, so.area_id == models.Area.id)
        .where(models.Area.name == area, models.Area.kind == "la")
        .distinct()
    )
    with engine.connect() as connection:
        starts = connection.scalars(query).all()
    return sorted({Quarter.containing(pd.Timestamp(s).date()) for s in starts})
