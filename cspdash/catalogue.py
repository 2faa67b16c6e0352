"""The indicator catalogue (`catalogue.toml`): areas, sub-groups and indicators."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from cspdash.disclosure import DEFAULT_POLICY, DisclosurePolicy
from cspdash.periods import PeriodError, Quarter
from cspdash.spc import CHART_KINDS, DEFAULT_OPTIONS, SpcOptions

# A deployment with its own areas (e.g. every London borough) names its catalogue in DASHBOARD_CATALOGUE.
CATALOGUE_PATH = Path(os.environ.get("DASHBOARD_CATALOGUE") or Path(__file__).with_name("catalogue.toml"))
UNITS = {"count", "percent", "rate", "gbp"}
FREQUENCIES = {"quarter", "month", "year"}
POLARITIES = {"higher", "lower", "neutral"}
AGGREGATIONS = {"sum", "ratio"}
RAG_RULES = {"target", "direction", "none"}
HEADLINES = {"quarter", "rolling_12_months"}
CHART_UNITS = {"p": "percent", "p_prime": "percent", "u": "rate", "u_prime": "rate", "g": "count"}


class CatalogueError(ValueError):
    """The catalogue file declares something the dashboard cannot use."""


@dataclass(frozen=True)
class Area:
    code: str
    name: str


@dataclass(frozen=True)
class Subgroup:
    id: str
    name: str
    source: str = ""
    # the first quarter of the sample returns drawn from its indicators' `sample` (sample_data/generate.py)
    sample_from: str = ""


SAMPLE_KEYS = {"quarterly", "drift", "share", "size", "population", "season", "covid"}


@dataclass(frozen=True)
class Sample:
    """How the sample generator draws an indicator of a sub-group with `sample_from` (synthetic figures
    for Hackney; the City of London's are scaled down): `quarterly`, a count's (or a rate's
    numerator's) mean a quarter in the sub-group's first year; `share` (0–1), a percent's, out of
    `size` cases a quarter (or out of the figure the kind's `part_of` rule names); `population`, a
    rate's denominator; `drift`, the yearly change (a fraction of a count, points of a share);
    `season` and `covid`, the multipliers of Q1–Q4 every year and in 2020/21."""

    quarterly: float | None = None
    drift: float = 0.0
    share: float | None = None
    size: float | None = None
    population: float | None = None
    season: tuple[float, ...] | None = None
    covid: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Caveat:
    """A caveat shown next to an indicator's status; `before` (a quarter label) limits it to earlier
    quarters, e.g. 'YJB: data immature before 2025/26 Q1'."""

    text: str
    before: str | None = None


@dataclass(frozen=True)
class Break:
    """A declared break in a series (a new recording rule, a lockdown): SPC limits start afresh."""

    start: date
    note: str
    applies_to: tuple[str, ...]  # sub-group or indicator ids
    label: str = ""  # a short name drawn on the chart beside its date ("Lockdown"); else the note's first words

    @property
    def short(self) -> str:
        """What the chart's label says: 'Lockdown 23 Mar 2020'."""
        name = self.label or self.note.split(":")[0].strip()
        return f"{name} {self.start:%-d %b %Y}"


@dataclass(frozen=True)
class Baseline:
    """A baseline period (`[[baseline]]`): the SPC limits of the segment it falls in are computed from
    its points only and extended over the later ones (NHSRplotthedots' `fix_after_n_points`), so that
    later points are read against the process as it was, with the reason it was chosen."""

    start: date
    end: date
    reason: str
    applies_to: tuple[str, ...]  # sub-group or indicator ids


DEFAULT_MIN_DENOMINATOR = 10


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    subgroup: str
    unit: str
    polarity: str
    aggregation: str
    frequency: str
    rag_rule: str
    target: float | None = None
    tolerance: float | None = None
    per: int | None = None
    annualise: bool = False
    numerator: str = ""
    denominator: str = ""
    description: str = ""
    census: bool = False  # every case counted (e.g. board attendance): no sampling intervals
    # published by its source at this level already (a domestic homicide review, a lethal barrel
    # discharge): small counts are shown, since hiding them protects no one (see [disclosure])
    public_record: bool = False
    min_denominator: int = DEFAULT_MIN_DENOMINATOR  # a percentage of fewer cases is too few to judge
    headline: str = "quarter"  # or "rolling_12_months": the figure its national definition uses
    caveats: tuple[Caveat, ...] = ()
    population: str = ""  # the ONS population a rate is per (all_ages, aged_10_17, females_16_plus)
    chart: str = "xmr"  # the SPC chart that fits the data: xmr | p | p_prime | u | u_prime | g
    sample: Sample | None = None  # how the sample generator draws it (a sub-group with `sample_from`)

    @property
    def unit_label(self) -> str:
        """How the unit reads on an axis or in a table heading."""
        if self.unit == "percent":
            return "%"
        if self.unit == "rate":
            return f"per {self.per:,}"
        return "£" if self.unit == "gbp" else "count"

    @property
    def denominator_is_population(self) -> bool:
        """A rate's denominator is a population (averaged over time), a percent's a count (summed)."""
        return self.unit == "rate"

    def value_from(self, numerator: float, denominator: float, months: int = 3) -> float | None:
        """The indicator's value recomputed from its numerator and denominator over `months`."""
        if not denominator:
            return None
        if self.unit == "percent":
            return numerator / denominator * 100.0
        scale = float(self.per or 1) * (12 / months if self.annualise else 1.0)
        return numerator / denominator * scale


@dataclass(frozen=True)
class Catalogue:
    areas: tuple[Area, ...]
    subgroups: tuple[Subgroup, ...]
    indicators: tuple[Indicator, ...]
    breaks: tuple[Break, ...] = ()
    baselines: tuple[Baseline, ...] = ()
    spc: SpcOptions = DEFAULT_OPTIONS  # [spc] in the catalogue: run_length, baseline, minimum_points
    disclosure: DisclosurePolicy = DEFAULT_POLICY  # [disclosure] in the catalogue: low, high, label

    def breaks_for(self, ind: Indicator) -> list[Break]:
        """Declared breaks that apply to an indicator (by its id or its sub-group), oldest first."""
        return sorted((b for b in self.breaks if {ind.id, ind.subgroup} & set(b.applies_to)), key=lambda b: b.start)

    def baselines_for(self, ind: Indicator) -> list[Baseline]:
        """Declared baselines that apply to an indicator (by its id or its sub-group), oldest first."""
        return sorted((b for b in self.baselines if {ind.id, ind.subgroup} & set(b.applies_to)), key=lambda b: b.start)

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def subgroup(self, subgroup_id: str) -> Subgroup:
        for subgroup in self.subgroups:
            if subgroup.id == subgroup_id:
                return subgroup
        raise KeyError(subgroup_id)

    def for_subgroup(self, subgroup_id: str) -> list[Indicator]:
        return [i for i in self.indicators if i.subgroup == subgroup_id]

    def area_named(self, name: str) -> Area | None:
        wanted = name.strip().casefold()
        return next((a for a in self.areas if a.name.casefold() == wanted), None)


def _fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _unknown_keys(what: str, entry: dict, known: set[str]) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise CatalogueError(f"{what}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")


INDICATOR_KEYS = (_fields(Indicator) - {"rag_rule", "target", "tolerance"}) | {"rag"}


def _subgroup(entry: dict) -> Subgroup:
    _unknown_keys(f"sub-group '{entry.get('id', '?')}'", entry, _fields(Subgroup))
    subgroup = Subgroup(**entry)
    if subgroup.sample_from:
        try:
            Quarter.parse(subgroup.sample_from)
        except PeriodError as error:
            raise CatalogueError(f"sub-group '{subgroup.id}': sample_from {error}") from error
    return subgroup


def _indicator(entry: dict) -> Indicator:
    _unknown_keys(f"indicator '{entry.get('id', '?')}'", entry, INDICATOR_KEYS)
    rag = entry.pop("rag", {"rule": "none"})
    entry["caveats"] = tuple(Caveat(**c) for c in entry.get("caveats", ()))
    if "sample" in entry:
        entry["sample"] = _sample(entry, entry["sample"])
    indicator = Indicator(rag_rule=rag["rule"], target=rag.get("target"), tolerance=rag.get("tolerance"), **entry)
    _check(indicator)
    return indicator


def _sample(entry: dict, spec: object) -> Sample:
    """An indicator's `sample = { ... }`, checked against its unit."""
    what = f"indicator '{entry.get('id', '?')}': sample"
    if not isinstance(spec, dict):
        raise CatalogueError(f"{what} is a table, e.g. {{ quarterly = 14, drift = -0.04 }}")
    _unknown_keys(what, spec, SAMPLE_KEYS)
    problems = []
    for key in ("quarterly", "drift", "share", "size", "population"):
        if key in spec and (isinstance(spec[key], bool) or not isinstance(spec[key], int | float)):
            problems.append(f"{key} is not a number")
    for key in ("season", "covid"):
        value = spec.get(key)
        if value is not None and (
            not isinstance(value, list)
            or len(value) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value)
        ):
            problems.append(f"{key} is four multipliers of Q1–Q4 (0 or more), e.g. [1.0, 1.0, 1.0, 1.0]")
    if problems:
        raise CatalogueError(f"{what}: " + "; ".join(problems))
    unit = entry.get("unit")
    needs = {"count": ("quarterly",), "gbp": ("quarterly",), "rate": ("quarterly", "population"), "percent": ("share",)}
    wrong = {"count": ("share", "size", "population"), "gbp": ("share", "size", "population")}
    wrong |= {"rate": ("share", "size"), "percent": ("quarterly", "population")}
    missing = [key for key in needs.get(unit, ()) if key not in spec]
    misplaced = [key for key in wrong.get(unit, ()) if key in spec]
    if missing:
        problems.append(f"a {unit} needs {' and '.join(missing)}")
    if misplaced:
        problems.append(f"{', '.join(misplaced)} {'is' if len(misplaced) == 1 else 'are'} not for a {unit}")
    if unit == "percent" and not 0 <= spec.get("share", 0) <= 1:
        problems.append("share is a proportion from 0 to 1")
    if any(spec.get(key, 0) < 0 for key in ("quarterly", "size", "population")):
        problems.append("quarterly, size and population are 0 or more")
    if problems:
        raise CatalogueError(f"{what}: " + "; ".join(problems))
    return Sample(
        **{k: float(v) for k, v in spec.items() if k not in ("season", "covid")},
        **{k: tuple(float(v) for v in spec[k]) for k in ("season", "covid") if k in spec},
    )


def _check(ind: Indicator) -> None:
    problems = []
    if ind.unit not in UNITS:
        problems.append(f"unit '{ind.unit}' is not one of {sorted(UNITS)}")
    if ind.unit == "rate" and not ind.per:
        problems.append("a rate needs `per` (e.g. 100000)")
    if ind.frequency not in FREQUENCIES:
        problems.append(f"frequency '{ind.frequency}' is not one of {sorted(FREQUENCIES)}")
    if ind.polarity not in POLARITIES:
        problems.append(f"polarity '{ind.polarity}' is not one of {sorted(POLARITIES)}")
    if ind.aggregation not in AGGREGATIONS:
        problems.append(f"aggregation '{ind.aggregation}' is not one of {sorted(AGGREGATIONS)}")
    if ind.rag_rule not in RAG_RULES:
        problems.append(f"rag rule '{ind.rag_rule}' is not one of {sorted(RAG_RULES)}")
    if ind.rag_rule == "target" and (ind.target is None or ind.tolerance is None):
        problems.append("a target rule needs `target` and `tolerance`")
    if ind.headline not in HEADLINES:
        problems.append(f"headline '{ind.headline}' is not one of {sorted(HEADLINES)}")
    if ind.chart not in CHART_KINDS:
        problems.append(f"chart '{ind.chart}' is not one of {sorted(CHART_KINDS)}")
    elif ind.chart in CHART_UNITS and ind.unit != CHART_UNITS[ind.chart]:
        problems.append(f"a {ind.chart} chart is for a {CHART_UNITS[ind.chart]}, not a {ind.unit}")
    if ind.rag_rule != "none" and ind.polarity == "neutral":
        problems.append("a neutral indicator cannot be rated: use rag rule 'none'")
    if problems:
        raise CatalogueError(f"indicator '{ind.id}': " + "; ".join(problems))


def parse_catalogue(text: str) -> Catalogue:
    """Build a catalogue from TOML text, refusing unknown units, polarities or rules."""
    data = tomllib.loads(text)
    catalogue = Catalogue(
        areas=tuple(Area(**a) for a in data.get("area", [])),
        subgroups=tuple(_subgroup(dict(s)) for s in data.get("subgroup", [])),
        indicators=tuple(_indicator(dict(i)) for i in data.get("indicator", [])),
        spc=SpcOptions(**data.get("spc", {})),
        disclosure=_disclosure(data.get("disclosure", {})),
        breaks=tuple(
            Break(date.fromisoformat(str(b["start"])), b["note"], tuple(b["applies_to"]), str(b.get("label", "")))
            for b in data.get("break", [])
        ),
        baselines=tuple(_baseline(b) for b in data.get("baseline", [])),
    )
    known = {s.id for s in catalogue.subgroups}
    for ind in catalogue.indicators:
        if ind.subgroup not in known:
            raise CatalogueError(f"indicator '{ind.id}': unknown sub-group '{ind.subgroup}'")
        if ind.sample is not None and ind.frequency != "quarter":
            raise CatalogueError(f"indicator '{ind.id}': only a quarterly indicator has a sample")
    return catalogue


def _baseline(entry: dict) -> Baseline:
    """[[baseline]]: `start`, `end` (dates), `reason`, and `indicator` (an indicator or sub-group id) or
    `applies_to` (a list of them)."""
    try:
        start, end = date.fromisoformat(str(entry["start"])), date.fromisoformat(str(entry["end"]))
        reason = str(entry["reason"]).strip()
    except (KeyError, ValueError) as error:
        raise CatalogueError(f"a baseline needs a start and an end date and a reason: {error}") from error
    targets = entry.get("applies_to", [entry["indicator"]] if "indicator" in entry else [])
    targets = (targets,) if isinstance(targets, str) else tuple(targets)
    if not targets or not reason or end <= start:
        raise CatalogueError(
            f"baseline {start} to {end}: needs an `indicator` (or `applies_to`), a reason, and an end after its start"
        )
    return Baseline(start, end, reason, targets)


def _disclosure(entry: dict) -> DisclosurePolicy:
    """[disclosure]: low, high and the one label every hidden figure is published as."""
    try:
        return DisclosurePolicy(**entry)
    except (TypeError, ValueError) as error:
        raise CatalogueError(str(error)) from error


@cache
def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    return parse_catalogue(path.read_text(encoding="utf-8"))
