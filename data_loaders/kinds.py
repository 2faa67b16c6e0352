"""Return kinds, declared as data in `data_loaders/kinds/*.toml` (and, for a deployment's own kinds, in
the folder DASHBOARD_KINDS names): adding a kind needs no Python.

A declaration names its layout (indicator_rows, wide, long, report_blocks), the formats it comes in,
header aliases, how categories map to catalogue indicators, the areas it reports on (levels), and
cross-field rules. See the files in kinds/ for examples.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cspdash.protected import Rules

KINDS_DIR = Path(__file__).with_name("kinds")
LAYOUTS = {"indicator_rows", "wide", "long", "report_blocks"}

# Header aliases for the indicator_rows layout (a kind may add its own under [columns]/[details]).
ROW_COLUMNS = {
    "indicator": ["Indicator ID", "Indicator code", "Code", "ID"],
    "name": ["Indicator", "Indicator name", "Measure", "Description"],
    "numerator": ["Numerator", "Num"],
    "denominator": ["Denominator", "Denom", "Den"],
    "value": ["Value", "Figure", "Count", "Result", "Number"],
    "notes": ["Notes", "Comments", "Commentary"],
}
DETAILS = {
    "kind": ["Return kind", "Return type", "Kind"],
    "area": ["Area", "Local authority", "Borough"],
    "quarter": ["Quarter", "Reporting quarter", "Period", "Reporting period"],
    "prepared_by": ["Prepared by", "Contact", "Completed by"],
}


class KindError(ValueError):
    """A declaration the loaders cannot use."""


@dataclass(frozen=True)
class Level:
    """One geography the file reports on: where its area names (and codes, parents) are."""

    kind: str
    area: tuple[str, ...] = ()
    fixed_area: str | None = None
    code: tuple[str, ...] = ()
    parent: tuple[str, ...] = ()
    parent_code: tuple[str, ...] = ()
    parent_pattern: str | None = None
    scope: str = "all"
    non_areas: tuple[str, ...] = ()
    skip_blank: bool = False
    filter: dict[str, tuple[str, ...]] = field(default_factory=dict)
    area_kinds: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    type: str  # sum | part_of
    total: str = ""
    parts: tuple[str, ...] = ()
    tolerance: float = 0.0


@dataclass(frozen=True)
class Kind:
    id: str
    name: str
    subgroup: str
    layout: str
    formats: tuple[str, ...]
    sheets: tuple[str, ...] = ()
    due_days: int = 30
    vintage: str | None = None
    detect: tuple[tuple[str, ...], ...] = ()
    detect_title: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    details: dict[str, tuple[str, ...]] = field(default_factory=dict)
    category_map: dict[str, str] = field(default_factory=dict)
    total_indicator: str | None = None
    breakdown: str | None = None
    unmapped: str = "error"
    indicator: str | None = None
    count_rows: bool = False
    sum_rows: bool = False
    period_kind: str = "month"
    filter: dict[str, tuple[str, ...]] = field(default_factory=dict)
    levels: tuple[Level, ...] = ()
    rules: tuple[Rule, ...] = ()
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    row_dimension: str = ""
    total_label: str = "TOTAL"
    sections: tuple[str, ...] = ()
    area_kind: str = "la"
    provisional_months: int = 0  # a release's newest months, which the next release revises

    @property
    def is_return(self) -> bool:
        """A sub-group's own quarterly return (one area, one quarter), rather than a publication."""
        return self.layout == "indicator_rows"

    def aliases(self, role: str) -> tuple[str, ...]:
        defaults = ROW_COLUMNS if role in ROW_COLUMNS else {}
        return self.columns.get(role) or tuple(defaults.get(role, ()))

    def detail_aliases(self, role: str) -> tuple[str, ...]:
        return self.details.get(role) or tuple(DETAILS[role])


def _tuple(value) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _filter(table: dict | None) -> dict[str, tuple[str, ...]]:
    return {column: _tuple(values) for column, values in (table or {}).items()}


def _category_map(spec: dict, folder: Path) -> dict[str, str]:
    """Source category (case-insensitive; 'category|measure' where a measure is used) → indicator."""
    mapping = {key.casefold(): value for key, value in spec.get("values", {}).items()}
    if "map" in spec:
        with (folder / spec["map"]).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                mapping[row["category"].casefold()] = row["indicator"]
    return mapping


def parse_kind(data: dict, folder: Path = KINDS_DIR) -> Kind:
    layout = data.get("layout")
    if layout not in LAYOUTS:
        raise KindError(f"kind '{data.get('id')}': layout '{layout}' is not one of {sorted(LAYOUTS)}")
    categories = data.get("categories", {})
    levels = tuple(
        Level(
            **{
                **{k: v for k, v in level.items() if k not in ("filter", "area_kinds")},
                **{k: _tuple(level[k]) for k in ("area", "code", "parent", "parent_code", "non_areas") if k in level},
                "filter": _filter(level.get("filter")),
                "area_kinds": dict(level.get("area_kinds", {})),
            }
        )
        for level in data.get("levels", [])
    )
    return Kind(
        id=data["id"],
        name=data["name"],
        subgroup=data["subgroup"],
        layout=layout,
        formats=_tuple(data.get("formats")),
        sheets=_tuple(data.get("sheets")),
        due_days=int(data.get("due_days", 30)),
        vintage=data.get("vintage"),
        detect=tuple(_tuple(sig) for sig in data.get("detect", [])),
        detect_title=data.get("detect_title"),
        columns={role: _tuple(names) for role, names in data.get("columns", {}).items()},
        details={role: _tuple(names) for role, names in data.get("details", {}).items()},
        category_map=_category_map(categories, folder),
        total_indicator=categories.get("total"),
        breakdown=categories.get("breakdown"),
        unmapped=data.get("unmapped", "error"),
        indicator=data.get("indicator"),
        count_rows=bool(data.get("count_rows", False)),
        sum_rows=bool(data.get("sum_rows", False)),
        period_kind=data.get("period_kind", "month"),
        filter=_filter(data.get("filter")),
        levels=levels,
        rules=tuple(
            Rule(
                r["type"],
                r.get("total") or r.get("whole", ""),
                _tuple(r.get("parts") or r.get("part")),
                float(r.get("tolerance", 0)),
            )
            for r in data.get("rules", [])
        ),
        ranges={k: (float(v[0]), float(v[1])) for k, v in data.get("ranges", {}).items()},
        row_dimension=data.get("row_dimension", ""),
        total_label=data.get("total_label", "TOTAL"),
        sections=_tuple(data.get("sections")),
        area_kind=data.get("area_kind", "la"),
        provisional_months=int(data.get("provisional_months", 0)),
    )


def kind_folders() -> tuple[Path, ...]:
    """The shipped kinds, then the folder of a deployment's own kinds that DASHBOARD_KINDS names."""
    extra = os.environ.get("DASHBOARD_KINDS")
    if extra and not Path(extra).is_dir():
        raise KindError(f"DASHBOARD_KINDS names no folder: {extra}")
    return (KINDS_DIR, Path(extra)) if extra else (KINDS_DIR,)


def load_kinds(folder: Path | None = None) -> dict[str, Kind]:
    """Every declared kind, by id: those in `folder`, or else the shipped ones and a deployment's own."""
    return _kinds_in((folder,) if folder else kind_folders())


@cache
def _kinds_in(folders: tuple[Path, ...]) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            kind = parse_kind(tomllib.loads(path.read_text(encoding="utf-8")), folder)
            if kind.id in kinds:
                raise KindError(f"kind '{kind.id}' is declared twice (again in {path})")
            kinds[kind.id] = kind
    return kinds


def provisional_months() -> dict[str, int]:
    """How many of a release's newest months each kind declares provisional."""
    return {k: v.provisional_months for k, v in load_kinds().items() if v.provisional_months}


def return_kinds() -> dict[str, Kind]:
    return {k: v for k, v in load_kinds().items() if v.is_return}


def disclosure_rules() -> Rules:
    """The relations every kind declares between its figures, for disclosure control: sum rules and
    category totals (the sum of the categories' indicators; a category with no row counts as 0),
    share rules, and, for a kind counting rows at several levels (data.police.uk: a force and its
    LSOAs), that the first level's count is at least the sum of another's (rows with no LSOA count
    for the force only). Also which indicators are counted from rows (their provenance would list
    one row per case). Relations across kinds and releases are not declared: they need not add up."""
    sums, shares, within, counted = [], [], [], []
    for kind in load_kinds().values():
        for rule in kind.rules:
            (sums if rule.type == "sum" else shares).append((rule.total, tuple(rule.parts)))
        if kind.total_indicator:
            parts = tuple(sorted(set(kind.category_map.values()) - {kind.total_indicator}))
            sums.append((kind.total_indicator, parts))
        if kind.count_rows:
            indicators = _indicators_of(kind)
            counted += indicators
            within += [(indicators, kind.levels[0].kind, level.kind) for level in kind.levels[1:]]
    return Rules(
        tuple(dict.fromkeys(sums)),
        tuple(dict.fromkeys(shares)),
        tuple(dict.fromkeys(within)),
        tuple(dict.fromkeys(counted)),
    )


def _indicators_of(kind: Kind) -> tuple[str, ...]:
    """The indicators a kind's figures go to: its categories', its total's, its one indicator."""
    named = {*kind.category_map.values(), kind.total_indicator, kind.indicator} - {None}
    return tuple(sorted(named))


def expected_returns(catalogue) -> dict[str, tuple[str, int]]:
    """Each sub-group return kind expected every quarter: id → (sub-group name, days after quarter end it is due)."""
    return {k.id: (catalogue.subgroup(k.subgroup).name, k.due_days) for k in return_kinds().values()}
