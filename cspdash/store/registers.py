"""The registers' items in the store: added, changed (only from the version the person saw), linked,
and read back; every change checked against the register's declaration and audited in its transaction."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cspdash.registers import LINK_TARGETS, REGISTERS, Field, Register
from cspdash.store import models
from cspdash.store.db import writing
from cspdash.store.records import RecordError
from cspdash.store.repository import audit, now

MayEdit = Callable[[str | None], bool]  # may this person edit an item of this sub-group (None: partnership-wide)?


class RegisterError(RecordError):
    """A register change that cannot be made; the message is one sentence."""


def an(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def register(name: str) -> Register:
    if name not in REGISTERS:
        raise RegisterError(f"there is no register '{name}': the registers are {', '.join(REGISTERS)}")
    return REGISTERS[name]


def _value(spec: Field, value: object) -> object:
    """The value as stored, or RegisterError saying what was expected."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.required:
            raise RegisterError(f"{spec.label} is required")
        return ""
    text = value.strip() if isinstance(value, str) else value
    if spec.kind == "choice":
        if text not in spec.choices:
            raise RegisterError(f"{spec.label} '{text}' is not one of: {', '.join(spec.choices)}")
        return text
    if spec.kind in ("score", "minutes"):
        top = 5 if spec.kind == "score" else 600
        try:
            number = int(str(text))
        except ValueError:
            number = None
        if number is None or not 1 <= number <= top:
            raise RegisterError(f"{spec.label} must be a whole number from 1 to {top}, not '{text}'")
        return number
    if spec.kind == "date":
        try:
            return (text if isinstance(text, date) else date.fromisoformat(str(text))).isoformat()[:10]
        except ValueError:
            raise RegisterError(f"{spec.label} '{text}' is not a date written as YYYY-MM-DD") from None
    if spec.kind == "time":
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(text)):
            raise RegisterError(f"{spec.label} '{text}' is not a time written as HH:MM (24-hour)")
        return str(text)
    return str(text)


def _check_links(session: Session, spec: Register, links: dict) -> dict[str, list[str]]:
    checked = {}
    for target, ids in links.items():
        if target not in spec.links:
            allowed = ", ".join(spec.links) or "nothing"
            raise RegisterError(f"{an(spec.label)} cannot link to {an(target)}: it links to {allowed}")
        checked[target] = sorted({str(i).strip() for i in ids if str(i).strip()})
        for target_id in checked[target]:
            if not _exists(session, target, target_id):
                raise RegisterError(f"there is no {target} '{target_id}' to link the {spec.label} to")
    return checked


def _exists(session: Session, target: str, target_id: str) -> bool:
    if target == "indicator":
        return session.get(models.Indicator, target_id) is not None
    if target == "subgroup":
        return session.get(models.Subgroup, target_id) is not None
    if not target_id.isdigit():
        return False
    if target == "action":
        return session.get(models.Action, int(target_id)) is not None
    row = session.get(models.RegisterItem, int(target_id))
    return row is not None and row.register == target


def _check_item(session: Session, spec: Register, subgroup_id: str | None, parent_id: int | None) -> None:
    if subgroup_id and session.get(models.Subgroup, subgroup_id) is None:
        raise RegisterError(f"there is no sub-group '{subgroup_id}' for the {spec.label} to belong to")
    if spec.parent:
        parent = session.get(models.RegisterItem, parent_id) if parent_id else None
        if parent is None or parent.register != spec.parent:
            raise RegisterError(f"{an(spec.label)} belongs to {an(spec.parent)}: there is no {spec.parent} {parent_id}")


def _fields(spec: Register, given: dict, stored: dict | None = None) -> dict:
    unknown = sorted(set(given) - set(spec.names))
    if unknown:
        raise RegisterError(f"{an(spec.label)} has no field '{unknown[0]}': its fields are {', '.join(spec.names)}")
    merged = dict(stored or {})
    for name in spec.names:
        if name in given:
            merged[name] = _value(spec.field(name), given[name])
        elif stored is None:
            default = spec.field(name).default
            merged[name] = _value(spec.field(name), default)
    return merged


def _refuse_unless(may_edit: MayEdit | None, spec: Register, subgroup_id: str | None) -> None:
    if may_edit is not None and not may_edit(subgroup_id):
        whose = f"the {subgroup_id} sub-group's" if subgroup_id else "partnership-wide"
        raise RegisterError(f"you may not change {whose} {spec.label}s: ask an administrator")


def _set_links(session: Session, item_id: int, links: dict[str, list[str]]) -> None:
    for target, ids in links.items():
        for row in session.scalars(
            select(models.RegisterLink).where(
                models.RegisterLink.item_id == item_id, models.RegisterLink.target == target
            )
        ):
            session.delete(row)
        session.flush()
        for target_id in ids:
            session.add(models.RegisterLink(item_id=item_id, target=target, target_id=target_id))


def _add(session: Session, name: str, actor: str, title: str, subgroup_id, parent_id, links, fields, may_edit):
    spec = register(name)
    if not str(title or "").strip():
        raise RegisterError(f"{spec.title_label} is required")
    _refuse_unless(may_edit, spec, subgroup_id or None)
    _check_item(session, spec, subgroup_id or None, parent_id)
    values = _fields(spec, fields)
    checked = _check_links(session, spec, links or {})
    stamp = now()
    row = models.RegisterItem(
        register=name,
        parent_id=parent_id if spec.parent else None,
        subgroup_id=subgroup_id or None,
        title=str(title).strip(),
        fields=json.dumps(values, ensure_ascii=False, sort_keys=True),
        version=1,
        created_by=actor,
        created_at=stamp,
        updated_by=actor,
        updated_at=stamp,
    )
    session.add(row)
    session.flush()
    _set_links(session, row.id, checked)
    audit(session, actor, "register", f"added {spec.label} {row.id}: {row.title}"[:500])
    return row


def add_item(
    engine: Engine,
    name: str,
    actor: str,
    title: str,
    subgroup_id: str | None = None,
    parent_id: int | None = None,
    links: dict | None = None,
    may_edit: MayEdit | None = None,
    **fields,
) -> int:
    """Add an item to the register `name`; returns its number. RegisterError (nothing stored) for a
    field that is not as declared, a link to something that is not there, or a sub-group not allowed."""
    return writing(engine, lambda s: _add(s, name, actor, title, subgroup_id, parent_id, links, fields, may_edit).id)


def _update(session: Session, item_id: int, actor: str, seen_version: int, changes: dict, may_edit) -> bool:
    row = session.get(models.RegisterItem, item_id, with_for_update=True)  # two edits at once: one waits
    if row is None:
        raise RegisterError(f"there is no register item {item_id}")
    spec = register(row.register)
    if row.version != seen_version:
        raise RegisterError(
            f"{spec.label} {item_id} was changed by {row.updated_by} since you opened it: "
            "your changes were not saved; look at it again and make them again"
        )
    _refuse_unless(may_edit, spec, row.subgroup_id)
    described = []
    if "title" in changes:
        title = str(changes.pop("title") or "").strip()
        if not title:
            raise RegisterError(f"{spec.title_label} is required")
        if title != row.title:
            described.append(f"title → {title}")
            row.title = title
    if "subgroup_id" in changes:
        subgroup = changes.pop("subgroup_id") or None
        _refuse_unless(may_edit, spec, subgroup)
        _check_item(session, spec, subgroup, row.parent_id)
        if subgroup != row.subgroup_id:
            described.append(f"sub-group {row.subgroup_id} → {subgroup}")
            row.subgroup_id = subgroup
    links = _check_links(session, spec, changes.pop("links", None) or {})
    stored = json.loads(row.fields or "{}")
    values = _fields(spec, changes, stored)
    described += [f"{n} {stored.get(n)} → {values[n]}" for n in spec.names if stored.get(n) != values.get(n)]
    current = _links_of(session, [item_id]).get(item_id, {})
    for target, ids in links.items():
        if sorted(current.get(target, [])) != ids:
            described.append(f"{target} links → {', '.join(ids) or 'none'}")
    if not described:
        return False
    row.fields = json.dumps(values, ensure_ascii=False, sort_keys=True)
    _set_links(session, item_id, links)
    row.version, row.updated_by, row.updated_at = row.version + 1, actor, now()
    audit(session, actor, "register", f"changed {spec.label} {item_id}: " + "; ".join(described)[:480])
    return True


def update_item(
    engine: Engine, item_id: int, actor: str, seen_version: int, may_edit: MayEdit | None = None, **changes
) -> bool:
    """Change an item's title, sub-group, declared fields or `links` ({target: [ids]}), if it is
    still the version the person saw; otherwise RegisterError naming who changed it, and nothing changes.
    False when nothing differed from what is stored (the version stays as it is)."""
    return writing(engine, lambda session: _update(session, item_id, actor, seen_version, dict(changes), may_edit))


def set_links(
    engine: Engine, item_id: int, actor: str, seen_version: int, links: dict, may_edit: MayEdit | None = None
) -> bool:
    """Replace the item's links to the targets named in `links`."""
    return update_item(engine, item_id, actor, seen_version, may_edit=may_edit, links=links)


def move_to_risks(
    engine: Engine, horizon_id: int, actor: str, seen_version: int, owner: str = "", may_edit: MayEdit | None = None
) -> int:
    """Move a horizon-scanning item to the risk register: a new risk, scored as the item is, linked
    back to it (and it to the risk), the item's response set to match; returns the risk's number."""

    def work(session: Session) -> int:
        row = session.get(models.RegisterItem, horizon_id)
        if row is None or row.register != "horizon":
            raise RegisterError(f"there is no horizon-scanning item {horizon_id}")
        fields = json.loads(row.fields or "{}")
        current = _links_of(session, [horizon_id]).get(horizon_id, {})
        scores = {f"{stage}_{s}": fields[s] for stage in ("inherent", "residual") for s in ("likelihood", "impact")}
        links = {"horizon": [str(horizon_id)], **{t: current[t] for t in ("indicator", "subgroup") if t in current}}
        risk = _add(
            session,
            "risk",
            actor,
            row.title,
            row.subgroup_id,
            None,
            links,
            {**scores, "owner": owner or fields.get("owner") or actor},
            may_edit,
        )
        changes = {"response": "move to the risk register", "links": {"risk": [*current.get("risk", []), risk.id]}}
        _update(session, horizon_id, actor, seen_version, changes, may_edit)
        return risk.id

    return writing(engine, work)


def _links_of(session_or_connection, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    links: dict[int, dict[str, list[str]]] = {}
    if not ids:
        return links
    link = models.RegisterLink
    query = select(link.item_id, link.target, link.target_id).where(link.item_id.in_(ids)).order_by(link.id)
    for item_id, target, target_id in session_or_connection.execute(query):
        links.setdefault(item_id, {}).setdefault(target, []).append(target_id)
    return links


def items(engine: Engine, name: str) -> list[dict]:
    """The register's items, oldest first: stored columns, declared fields and `links` ({target: [ids]})."""
    spec = register(name)
    item = models.RegisterItem
    columns = [item.id, item.parent_id, item.subgroup_id, item.title, item.fields, item.version]
    columns += [item.created_by, item.created_at, item.updated_by, item.updated_at]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).where(item.register == name).order_by(item.id)).mappings().all()
        links = _links_of(connection, [row["id"] for row in rows])
    records = []
    for row in rows:
        fields = json.loads(row["fields"] or "{}")
        record = {k: v for k, v in row.items() if k != "fields"}
        record |= {n: fields.get(n, "") for n in spec.names}
        records.append(record | {"register": name, "links": links.get(row["id"], {})})
    return records


def frame(engine: Engine, name: str) -> pd.DataFrame:
    """The register as a table to export: one row an item, each link target a column of ids."""
    spec = register(name)
    rows = items(engine, name)
    targets = [t for t in LINK_TARGETS if t in spec.links]
    table = [
        {
            "id": r["id"],
            **({"meeting": r["parent_id"]} if spec.parent else {}),
            "title": r["title"],
            "subgroup": r["subgroup_id"] or "",
            **{n: r[n] for n in spec.names},
            **{f"linked {t}s": "; ".join(r["links"].get(t, [])) for t in targets},
            "version": r["version"],
            "updated_by": r["updated_by"],
            "updated_at": _text(r["updated_at"]),
        }
        for r in rows
    ]
    columns = ["id", *(["meeting"] if spec.parent else []), "title", "subgroup", *spec.names]
    columns += [f"linked {t}s" for t in targets] + ["version", "updated_by", "updated_at"]
    return pd.DataFrame(table, columns=columns)


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value or "")
