"""The figures of a map of small areas as tables, for the page and the pack alike: one row a place,
read only from its `PlaceMap` (cspdash.place_records), so the table, the map and the text alternative
agree. A hidden place has no number in any column (not its count, rate, class, change or the year
before): its "Shown as" is the hidden label.

Also the quarter a view of small areas shows when the selected quarter is not covered."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cspdash.periods import Quarter
from cspdash.place_records import Place, PlaceDetail, PlaceMap

NAME, CODE, COUNT, SHOWN_AS, RATE, CLASS, YEAR_EARLIER, CHANGE, ABOVE = (
    "Name",
    "Code",
    "Count",
    "Shown as",
    "Rate per 1,000 residents",
    "Class",
    "A year earlier",
    "Change on a year earlier",
    "Above average beyond chance",
)
NO_CLASS = "No rate: no population for this boundary"
NO_WARD_MAP = (
    "Ward boundaries for the MPS ward codes (May 2022 wards) are not shipped yet, so the wards are listed, "
    "largest first."
)


def _counts(values: Sequence[float | None]) -> pd.Series:
    """Counts as a nullable column: whole numbers as integers, a hidden figure as empty (<NA>)."""
    if all(v is None or float(v).is_integer() for v in values):
        return pd.Series([pd.NA if v is None else int(v) for v in values], dtype="Int64")
    return pd.Series([pd.NA if v is None else float(v) for v in values], dtype="Float64")


def _class_words(place: Place, place_map: PlaceMap) -> str:
    if place.hidden:
        return ""
    return place_map.bands[place.band] if place.band is not None else NO_CLASS


def _change_words(place: Place) -> str:
    """The change in the map key's words: up or down beyond chance, no change, or not compared."""
    from cspdash.place_charts import CHANGE_COLOURS, NO_CHANGE_WORDS, NOT_COMPARED_WORDS

    if place.hidden:
        return ""
    if place.change in CHANGE_COLOURS:
        return CHANGE_COLOURS[place.change][1]
    return NO_CHANGE_WORDS if place.change_words else NOT_COMPARED_WORDS


def _rows(places: Sequence[Place], place_map: PlaceMap) -> dict[str, list | pd.Series]:
    return {
        NAME: [p.name for p in places],
        CODE: [p.code for p in places],
        COUNT: _counts([p.count for p in places]),
        SHOWN_AS: [place_map.hidden_label if p.hidden else "" for p in places],  # the count once, not twice
        RATE: pd.Series([None if p.hidden or p.rate is None else round(p.rate, 1) for p in places], dtype="Float64"),
        CLASS: [_class_words(p, place_map) for p in places],
        YEAR_EARLIER: _counts([None if p.hidden else p.previous for p in places]),
        CHANGE: [_change_words(p) for p in places],
        ABOVE: ["Yes" if p.hotspot and not p.hidden else "" for p in places],
    }


def place_table(place_map: PlaceMap) -> pd.DataFrame:
    """Every place of the map, in the map's order (by code): name, code, count, how it is shown, rate
    per 1,000 residents (when a population fits), class, the year before, change (in the map key's
    words), above average."""
    table = pd.DataFrame(_rows(place_map.places, place_map))
    if not any(p.rate is not None for p in place_map.places):
        table = table.drop(columns=RATE)
    return table.rename(columns={NAME: place_map.level_words[0][:1].upper() + place_map.level_words[0][1:]})


def ward_table(place_map: PlaceMap) -> pd.DataFrame:
    """The places ranked largest first (ties by name), hidden places last and unranked."""
    shown = sorted(place_map.shown, key=lambda p: (-(p.count or 0), p.name))
    hidden = sorted((p for p in place_map.places if p.hidden), key=lambda p: p.name)
    table = place_table(_reordered(place_map, shown + hidden))
    table.insert(0, "Rank", pd.Series([*range(1, len(shown) + 1), *[pd.NA] * len(hidden)], dtype="Int64"))
    return table


def _reordered(place_map: PlaceMap, places: list[Place]) -> PlaceMap:
    from dataclasses import replace

    return replace(place_map, places=tuple(places))


def types_table(detail: PlaceDetail, hidden_label: str) -> pd.DataFrame:
    """A place's quarter by crime type, largest first: the count (empty when hidden) and how it is shown."""
    return pd.DataFrame(
        {
            "Crime type": [name for name, _ in detail.types],
            COUNT: _counts([value for _, value in detail.types]),
            SHOWN_AS: [hidden_label if value is None else "" for _, value in detail.types],
        }
    )


def coverage_words(covered: Sequence[Quarter], selected: Quarter, shown: Quarter, words: str = "LSOA") -> str:
    """'LSOA figures run to 2025/26 Q3 (October to December 2025), from 2024/25 Q1.' and, when the
    selected quarter is not covered, which quarter is shown instead."""
    newest = max(covered)
    text = (
        f"{words} figures run to {newest.label} ({newest.start:%B} to {newest.end:%B %Y}), from {min(covered).label}."
    )
    if shown != selected:
        text += f" They do not cover {selected.label}, so {shown.label} is shown."
    return text
