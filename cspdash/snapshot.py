"""The signed-off record's schema: a snapshot of the board's quarter as plain JSON, with a version.

Version 2 (today): statuses are stored by their enum name ("RED", "NO_SIGNAL"), so a change of the
words a board reads never breaks a snapshot signed off before it. Version 1 (no `schema_version`)
stored the words of its day; they are read through the table of the words version 1 ever used.
Every snapshot is read through `read_snapshot`, which upgrades it to the current version.

Optional keys, absent from snapshots signed off before they were kept (readers use `.get`): "london"
(the area against London) and "places" (where it happens: the area's LSOA map, `cspdash.place_pack`;
a hidden place has `count` None and no other figure) and "agenda" (the timed agenda of the meeting
that reviews the quarter, `cspdash.registers.agenda_record`; meeting mode and the pack follow it); and
an action's "effect" (whether it worked, in the board's words, `cspdash.action_effect`)."""

from __future__ import annotations

import copy

from cspdash.status import Status

SCHEMA_VERSION = 2

# The words version-1 snapshots used for each status, frozen: a later change of wording in
# cspdash/palette.py must not change this table.
V1_WORDS = {
    "Red": "RED",
    "Amber": "AMBER",
    "Green": "GREEN",
    "Unusual": "UNUSUAL",
    "No signal": "NO_SIGNAL",
    "Not rated": "NOT_RATED",
}


class SnapshotError(ValueError):
    """A stored snapshot this version of the dashboard cannot read."""


def status_name(value: str) -> str:
    """A status as stored in any version (an enum name, or a version-1 word) as its enum name."""
    if value in Status.__members__:
        return value
    if value in V1_WORDS:
        return V1_WORDS[value]
    folded = {word.casefold(): name for word, name in V1_WORDS.items()}
    folded.update({status.word.casefold(): status.name for status in Status})
    if str(value).casefold() in folded:
        return folded[str(value).casefold()]
    raise SnapshotError(f"unknown status {value!r} in a signed-off snapshot")


def status_of(indicator: dict) -> Status:
    """The status of one of a snapshot's indicators."""
    return Status[status_name(indicator["status"])]


def read_snapshot(snapshot: dict | None) -> dict | None:
    """The snapshot upgraded to the current schema (a copy; the stored one is left as it is)."""
    if snapshot is None:
        return None
    version = snapshot.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        raise SnapshotError(f"snapshot schema {version} is newer than this dashboard reads ({SCHEMA_VERSION})")
    upgraded = copy.deepcopy(snapshot)
    for indicator in upgraded.get("indicators", []):
        indicator["status"] = status_name(indicator["status"])
        indicator.setdefault("definition", "")
        indicator.setdefault("comparator_period", "")
    for record in upgraded.get("places") or []:
        for place in record.get("places", []):
            place.setdefault("hidden", place.get("count") is None)
    upgraded["schema_version"] = SCHEMA_VERSION
    return upgraded
