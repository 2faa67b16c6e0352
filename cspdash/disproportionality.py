"""Disproportionality: a cohort's rate by ethnic group against the White group's (the relative rate
index, RRI), with a 95% interval — exact (conditional on the two groups' total, Clopper–Pearson) when
either count is below 10, on the log scale (Katz) otherwise — and the Census 2021 base to use when no
cohort-specific population is available (cspdash/data/census2021_ethnic_group_london.csv; its source
and licence are in cspdash/data/POPULATION_SOURCE.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from cspdash.disclosure import DisclosurePolicy, protect
from cspdash.intervals import z_value

TABLE = Path(__file__).with_name("data") / "census2021_ethnic_group_london.csv"
REFERENCE = "White"
BASE_CAVEAT = (
    "Population base: ONS Census 2021 residents of all ages by ethnic group, not the cohort's own age "
    "group (e.g. children aged 10–17). Children's ethnic make-up differs from that of all residents, so "
    "a relative rate against this base partly reflects age structure, not only how groups are treated."
)
NO_CASES = "no cases: the index cannot be estimated"
NO_POPULATION = "no population for this group: the index cannot be estimated"
SUPPRESSED = "count suppressed: the index cannot be estimated"
REFERENCE_NOTE = "reference group"
KATZ = "Katz log interval"
EXACT = "exact conditional interval (Clopper–Pearson)"
EXACT_BELOW = 10  # either count below this: the exact interval; Katz's is too narrow for few cases


@dataclass(frozen=True)
class GroupRate:
    """One group's rate per 1,000 and its index against the reference group; None where it cannot
    be estimated (`note` says why). `flagged`: the interval excludes 1; `method`: which interval."""

    group: str
    count: int | None
    population: float | None
    rate: float | None
    rri: float | None
    lower: float | None
    upper: float | None
    flagged: bool
    note: str = ""
    reference: str = REFERENCE
    level: float = 0.95
    method: str = ""


@cache
def census_table(path: Path = TABLE) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"area_code": str})


def census_base(area_code: str) -> pd.DataFrame:
    """(group, population) for a London authority: Census 2021, all ages (see BASE_CAVEAT)."""
    table = census_table()
    rows = table[table["area_code"] == area_code]
    if rows.empty:
        raise KeyError(f"no Census 2021 ethnic group figures for '{area_code}'")
    return rows[["group", "population"]].reset_index(drop=True)


def katz_interval(a: int, n_a: float, b: int, n_b: float, level: float = 0.95) -> tuple[float, float]:
    """Interval of the ratio (a/n_a)/(b/n_b) on the log scale: SE = √(1/a − 1/n_a + 1/b − 1/n_b)."""
    se = math.sqrt(1 / a - 1 / n_a + 1 / b - 1 / n_b)
    log_ratio = math.log((a / n_a) / (b / n_b))
    z = z_value(level)
    return math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)


def exact_conditional_interval(a: int, n_a: float, b: int, n_b: float, level: float = 0.95) -> tuple[float, float]:
    """Exact interval of the ratio R = (a/n_a)/(b/n_b), conditional on a + b: a ~ Binomial(a + b, π)
    with π = n_a·R/(n_a·R + n_b); Clopper–Pearson bounds on π, turned into R = π/(1 − π) · n_b/n_a."""
    from scipy.stats import beta  # here, not at the top: scipy is slow to import

    alpha = 1 - level
    low_pi = 0.0 if a == 0 else float(beta.ppf(alpha / 2, a, b + 1))
    high_pi = 1.0 if b == 0 else float(beta.ppf(1 - alpha / 2, a + 1, b))
    scale = n_b / n_a
    return low_pi / (1 - low_pi) * scale, (math.inf if high_pi >= 1 else high_pi / (1 - high_pi) * scale)


def rate_ratio_interval(a: int, n_a: float, b: int, n_b: float, level: float = 0.95) -> tuple[float, float, str]:
    """The interval used for an index, and its method: exact conditional when either count is below
    10, Katz's log interval otherwise."""
    if a < EXACT_BELOW or b < EXACT_BELOW:
        return (*exact_conditional_interval(a, n_a, b, n_b, level), EXACT)
    return (*katz_interval(a, n_a, b, n_b, level), KATZ)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _unestimated(group: str, count, population, note: str, reference: str, level: float) -> GroupRate:
    rate = None if _missing(count) or _missing(population) or not population else count / population * 1000
    return GroupRate(group, count, population, rate, None, None, None, False, note, reference, level)


def _check(group: str, count, population) -> None:
    if not _missing(count) and count < 0:
        raise ValueError(f"{group}: a count cannot be negative ({count})")
    if not _missing(count) and not _missing(population) and population and count > population:
        raise ValueError(f"{group}: {count} cases in a population of {population:g}")


def _why_not(count: int | None, population: float | None, ref_count: int | None, reference: str) -> str:
    """Why a group's index cannot be estimated ('' when it can)."""
    if _missing(population) or not population:
        return NO_POPULATION
    if _missing(count):
        return SUPPRESSED
    if _missing(ref_count):
        return f"the {reference} count is suppressed: no index can be estimated"
    if ref_count == 0:
        return f"no cases in the {reference} group: no index can be estimated"
    return NO_CASES if count == 0 else ""


def _reference_rate(count: int | None, population: float, reference: str, level: float) -> GroupRate:
    why = _why_not(count, population, count, reference)
    if why:
        return _unestimated(reference, count, population, f"{REFERENCE_NOTE}; {why}", reference, level)
    rate = count / population * 1000
    return GroupRate(reference, count, population, rate, 1.0, None, None, False, REFERENCE_NOTE, reference, level)


def relative_rates(
    counts: Mapping[str, int | None],
    populations: Mapping[str, float],
    reference: str = REFERENCE,
    level: float = 0.95,
) -> list[GroupRate]:
    """Each group's rate per 1,000 and its index against `reference`, in the order of `counts`.

    RRI = (count/population) / (reference count/reference population). No index where a count is 0
    or suppressed (None), or a group has no population; none at all when the reference has no cases."""
    if reference not in counts or _missing(populations.get(reference)) or not populations.get(reference):
        raise ValueError(f"the reference group '{reference}' needs a count and a population")
    for group, count in counts.items():
        _check(group, count, populations.get(group))
    ref_count, ref_population = counts[reference], populations[reference]
    results = []
    for group, count in counts.items():
        population = populations.get(group)
        why = _why_not(count, population, ref_count, reference)
        if group == reference:
            results.append(_reference_rate(count, population, reference, level))
        elif why:
            results.append(_unestimated(group, count, population, why, reference, level))
        else:
            rri = (count / population) / (ref_count / ref_population)
            lower, upper, method = rate_ratio_interval(count, population, ref_count, ref_population, level)
            flagged = lower > 1 or upper < 1
            rate = count / population * 1000
            results.append(
                GroupRate(group, count, population, rate, rri, lower, upper, flagged, "", reference, level, method)
            )
    return results


def _number(value: float) -> str:
    """2.9, 0.45, 0.047 (an index, a bound or a rate); never a bound that reads '1.0' when it is not 1."""
    text = f"{value:.1f}" if value >= 1 else f"{value:.2g}"
    if float(text) == 1 and value != 1:
        text = f"{value:.3f}"
    return text


def words(rate: GroupRate, people: str = "children") -> str:
    """The index as a sentence, e.g. 'Black children: 2.9 times the White rate (95% interval 1.8 to
    4.6) — higher, and the interval excludes 1'."""
    subject = f"{rate.group} {people}"
    if rate.group == rate.reference and rate.rri is not None:
        return f"{subject}: the reference group ({_number(rate.rate)} per 1,000)"
    if rate.rri is None or rate.lower is None or rate.upper is None:
        return f"{subject}: {rate.note}"
    exact = ", exact: few cases" if rate.method == EXACT else ""
    interval = f"{rate.level * 100:g}% interval {_number(rate.lower)} to {_number(rate.upper)}{exact}"
    text = f"{subject}: {_number(rate.rri)} times the {rate.reference} rate ({interval})"
    if not rate.flagged:
        return f"{text} — the interval includes 1: not distinguishable from the {rate.reference} rate"
    return f"{text} — {'higher' if rate.lower > 1 else 'lower'}, and the interval excludes 1"


# ---- a cohort's twelve months, as the youth justice page shows it -----------------------------

ETHNIC_PREFIX = "ethnic_group="
NOT_KNOWN = "Not known"
GROUPS = ("Asian", "Black", "Mixed", "White", "Other")


@dataclass(frozen=True)
class CohortView:
    """A cohort's counts by ethnic group over the 12 months to a quarter's end, with each group's
    index against the White group. `withheld`: groups whose count the disclosure policy hides from
    viewers (shown to analysts, marked); `published`: whether those counts are already hidden here."""

    indicator_id: str
    name: str
    period: str
    rates: tuple[GroupRate, ...]
    not_known: int | None
    total: int | None
    withheld: frozenset[str]
    published: bool
    base_note: str = BASE_CAVEAT

    @property
    def flagged(self) -> list[GroupRate]:
        return [r for r in self.rates if r.flagged]


def _group_of(breakdown: str) -> str | None:
    """'ethnic_group=BLACK' → 'Black'; None for other breakdowns."""
    if not breakdown.startswith(ETHNIC_PREFIX):
        return None
    label = breakdown[len(ETHNIC_PREFIX) :].strip().casefold()
    return next((g for g in (*GROUPS, NOT_KNOWN) if g.casefold() == label), label.title())


def twelve_month_counts(rows: pd.DataFrame, end: date) -> tuple[dict[str, int | None], str]:
    """Each group's count over the 12 months to `end` (None if a month is suppressed or missing),
    and the period in words."""
    months = pd.date_range(end=pd.Timestamp(end).replace(day=1), periods=12, freq="MS").date
    counts: dict[str, int | None] = {}
    for breakdown, group_rows in rows.groupby("breakdown"):
        group = _group_of(str(breakdown))
        if group is None:
            continue
        inside = group_rows[group_rows["period_start"].isin(set(months))]
        complete = len(inside) == 12 and not inside["suppressed"].astype(bool).any()
        counts[group] = int(inside["value"].sum()) if complete else None
    period = f"12 months {months[0]:%B %Y} to {months[-1]:%B %Y}"
    return counts, period


def cohort_view(
    indicator_id: str,
    name: str,
    rows: pd.DataFrame,
    area_code: str,
    end: date,
    policy: DisclosurePolicy,
    published: bool,
    base: Mapping[str, float] | None = None,
    base_note: str = BASE_CAVEAT,
) -> CohortView | None:
    """The disproportionality of one cohort for one area (None when it has no counts by ethnic group).

    The 12-month table (groups and their total) is itself put under the disclosure policy: groups
    with 1–4 cases, and any further group whose count would follow from the total, are hidden from
    viewers, with their index (an index and the base give the count back); if the White group is
    hidden, so is every index."""
    counts, period = twelve_month_counts(rows, end)
    if not counts or REFERENCE not in counts:
        return None
    known = {g: c for g, c in counts.items()}
    total = None if any(c is None for c in known.values()) else sum(known.values())
    values = {**known, "total": total}
    hidden = protect(values, [("total", list(known))], policy)
    if base is None:
        base, base_note = census_base(area_code).set_index("group")["population"].to_dict(), BASE_CAVEAT
    shown = {g: (None if published and g in hidden else c) for g, c in known.items() if g in base}
    rates = relative_rates(shown, base)
    if published and REFERENCE in hidden:
        rates = [
            _unestimated(
                r.group, r.count, r.population, "withheld: the White count is too small to publish", REFERENCE, r.level
            )
            for r in rates
        ]
    not_known = known.get(NOT_KNOWN)
    return CohortView(
        indicator_id,
        name,
        period,
        tuple(rates),
        None if published and NOT_KNOWN in hidden else not_known,
        None if published and "total" in hidden else total,
        frozenset(g for g in hidden if g != "total"),
        published,
        base_note,
    )


def supplied_base(rows: pd.DataFrame, end: date) -> tuple[dict[str, float], str] | None:
    """An analyst's population by ethnic group (e.g. aged 10–17), the latest up to `end`, and a note
    saying what it is; None when none was supplied."""
    rows = rows[(rows["period_start"] <= end) & rows["breakdown"].str.startswith(ETHNIC_PREFIX)]
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        return None
    latest = rows[rows["period_start"] == rows["period_start"].max()]
    base = {_group_of(b): float(v) for b, v in zip(latest["breakdown"], latest["value"], strict=True)}
    if REFERENCE not in base:
        return None
    source = latest["source_file"].iloc[0] if "source_file" in latest else "a supplied file"
    when = pd.Timestamp(latest["period_start"].iloc[0])
    note = (
        f"Population base: residents aged 10–17 by ethnic group as at {when:%B %Y}, supplied by the analyst "
        f"({source}), in place of Census 2021 all ages."
    )
    return base, note


def cohort_table(view: CohortView, label: str = "[c]") -> pd.DataFrame:
    """The view as a plain table: group, cases, Census base, rate per 1,000, index and interval, finding.
    Counts hidden from viewers read `label`; for analysts they are marked ‡."""
    rows = []
    for rate in view.rates:
        hidden = rate.group in view.withheld
        if rate.count is None and view.published and hidden:
            cases = label
        elif rate.count is None:
            cases = "suppressed"
        else:
            cases = f"{rate.count:,}" + (f" ‡ ({label} for viewers)" if hidden and not view.published else "")
        interval = "" if rate.lower is None else f"{_number(rate.lower)} to {_number(rate.upper)}"
        rows.append(
            {
                "Ethnic group": rate.group,
                "Cases": cases,
                "Residents (Census 2021)": f"{rate.population:,.0f}" if rate.population else "",
                "Rate per 1,000": "" if rate.rate is None or (view.published and hidden) else f"{rate.rate:.2f}",
                "Relative rate index": "" if rate.rri is None else _number(rate.rri),
                "95% interval": interval,
                "Finding": words(rate).split(": ", 1)[1],
            }
        )
    return pd.DataFrame(rows)
