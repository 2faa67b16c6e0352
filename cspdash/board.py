"""The board's judgement of every indicator for one area and quarter: one function that the
overview, the sub-group pages, the exports and the `board` command all call.

For each indicator: the headline figure (the quarter's, or the 12 months a national definition
uses), the same period a year earlier and the change (information, tested allowing for the
series' own over-dispersion and period lengths, and never across two police releases), the
financial year to date, an SPC chart (monthly for a monthly source, quarterly for returns), the
status and its reason (`cspdash.status.judge`), and the caveats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pandas as pd

from cspdash.annotations import Annotation, baseline_mark, break_mark, indexes_within
from cspdash.catalogue import Baseline, Catalogue, Indicator
from cspdash.history import History, SpcPoint, prepare
from cspdash.periods import Quarter, add_months
from cspdash.population import Population, per_thousand, population_for
from cspdash.spc import (
    ASSURANCE_PLAIN,
    ASSURANCE_WORDS,
    CHART_NAMES,
    DEFAULT_OPTIONS,
    VARIATION_PLAIN,
    VARIATION_WORDS,
    SpcChart,
    SpcOptions,
    attribute_chart,
    g_chart,
    spc_chart,
)
from cspdash.stats import (
    SIGNIFICANCE,
    count_change_p,
    proportion_change_p,
    year_on_year_dispersion,
)
from cspdash.status import Judgement, Target, catalogue_target, judge, polarity_of
from cspdash.trends import Change, Reading, year_to_date_change

MONTHS_PER_QUARTER = 3


@dataclass(frozen=True)
class ChangeTest:
    """Is the year-on-year change more than the series' usual variation?"""

    p_value: float | None
    dispersion: float
    text: str  # the statistics, for analysts
    plain: str = ""  # what a board reads

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE


@dataclass(frozen=True)
class Assessment:
    indicator: Indicator
    quarter: Quarter
    series: pd.DataFrame  # quarterly, up to the quarter
    rolling: pd.DataFrame
    reading: Reading | None  # the headline figure
    quarter_reading: Reading | None  # the quarter's own figure (the count behind a 12-month rate)
    change: Change  # the headline figure against the comparator from its own release (none if there is none)
    comparator: Reading | None  # the same period a year earlier as shown beside the figure
    change_test: ChangeTest | None
    release_note: str | None
    year_to_date: Change | None
    spc: SpcChart | None
    spc_points: tuple[SpcPoint, ...]
    spc_frequency: str  # "month" or "quarter"
    target: Target | None
    judgement: Judgement
    caveats: tuple[str, ...] = ()
    provisional_note: str | None = None
    break_notes: tuple[str, ...] = field(default=())
    resident_rate: tuple[float, Population] | None = None  # crimes per 1,000 residents over 12 months
    denominator_note: str | None = None  # which population a rate uses
    annotations: tuple[Annotation, ...] = ()  # the declared breaks and the baseline drawn on its SPC chart

    @property
    def variation_words(self) -> str:
        if self.spc is None or not self.spc.usable:
            return "No SPC chart" + (f": {self.spc.unusable}" if self.spc is not None else "")
        return VARIATION_WORDS[self.spc.variation]

    @property
    def variation_plain(self) -> str:
        """The variation icon's meaning for a board ('Nothing unusual'), or why there is none."""
        if self.spc is None or not self.spc.usable:
            return "Not judged"
        return VARIATION_PLAIN[self.spc.variation]

    @property
    def assurance_plain(self) -> str:
        if self.spc is None or not self.spc.usable or not self.spc.assurance:
            return ""
        return ASSURANCE_PLAIN[self.spc.assurance]

    @property
    def assurance_words(self) -> str:
        if self.spc is None or not self.spc.usable or not self.spc.assurance:
            return ""
        return ASSURANCE_WORDS[self.spc.assurance]

    @property
    def comparator_label(self) -> str:
        earlier = self.quarter.year_earlier()
        if self.indicator.headline == "rolling_12_months":
            return f"12 months to the end of {earlier.label}"
        return earlier.label

    @property
    def definition(self) -> str:
        """What the headline figure measures: 'rate per 100,000 a year over the 12 months to the
        quarter's end: first time entrants … per population aged 10–17 …'."""
        ind = self.indicator
        unit = {"percent": "percentage"}
        if ind.unit == "rate":
            unit["rate"] = f"rate per {ind.per or 1:,}" + (" a year" if ind.annualise else "")
        period = "over the 12 months to the quarter's end" if ind.headline == "rolling_12_months" else "in the quarter"
        parts = (
            f": {ind.numerator} per {ind.denominator[0].lower()}{ind.denominator[1:]}"
            if ind.numerator and ind.denominator
            else ""
        )
        return f"{unit.get(ind.unit, ind.unit_label)} {period}{parts}"

    @property
    def headline_label(self) -> str:
        if self.indicator.headline == "rolling_12_months":
            return f"12 months to the end of {self.quarter.label}"
        return self.quarter.label

    @property
    def resident_rate_words(self) -> str:
        if self.resident_rate is None:
            return ""
        rate, population = self.resident_rate
        return (
            f"{rate:,.1f} per 1,000 residents in the 12 months to the end of {self.quarter.label} "
            f"({population.value:,} residents: {population.description})"
        )

    def rule_set(self) -> str:
        return self.spc.describe(self.spc_frequency) if self.spc else DEFAULT_OPTIONS.describe(self.spc_frequency)


def target_for(ind: Indicator, fy: int, targets: dict[tuple[str, int], Target]) -> Target | None:
    """The target set in the store for that financial year, else the catalogue's (indicative) default."""
    return targets.get((ind.id, fy)) or catalogue_target(ind)


# ---- provisional months ---------------------------------------------------------------------


def mark_provisional(observations: pd.DataFrame, provisional_months: dict[str, int]) -> pd.DataFrame:
    """A `provisional` column: the figure is among the newest months of its release (declared per kind)."""
    if observations.empty:
        return observations.assign(provisional=pd.Series(dtype=bool))
    if "vintage_end" not in observations:
        return observations.assign(provisional=False)
    months = observations.get("kind", pd.Series("", index=observations.index)).map(provisional_months).fillna(0)
    ends = pd.to_datetime(observations["vintage_end"])
    starts = pd.to_datetime(observations["period_start"])
    newest = ends.notna() & (
        (ends.dt.year - starts.dt.year) * 12 + (ends.dt.month - starts.dt.month) < months.astype(int)
    )
    return observations.assign(provisional=newest.fillna(False).astype(bool))


def _provisional_note(history: History, quarter: Quarter) -> str | None:
    marked = [(start, vintage) for start, vintage in history.provisional if start <= quarter.end]
    if not marked:
        return None
    months = [start for start, _ in marked]
    release = ", ".join(sorted({vintage for _, vintage in marked if vintage}))
    span = f"{months[0]:%b %Y}" + (f" to {months[-1]:%b %Y}" if len(months) > 1 else "")
    return (
        f"Provisional: {span} {'are' if len(months) > 1 else 'is'} among the newest months of {release or 'its release'}; "
        "the next release usually revises them (mostly upward, as late reports are recorded)."
    )


# ---- one release for a comparison ------------------------------------------------------------


def _one_release_change(history: History, quarter: Quarter, change: Change) -> tuple[Change, str | None, bool]:
    """(change, note, comparable): the comparator comes from the release of the figure shown, so
    that the change is always the difference of the two figures beside it. When the figure's
    release does not have the year-earlier quarter (or the figure mixes releases), no change is
    given: the comparator in force is returned for showing, with a note saying why."""
    earlier = quarter.year_earlier()
    now, then = history.vintages.get(quarter, frozenset()), history.vintages.get(earlier, frozenset())
    if not now or not then or (now == then and len(now) == 1):
        return change, None, True
    own = _release(history, next(iter(now))) if len(now) == 1 else None
    if own is not None and history.indicator.headline == "quarter":
        previous = own.readings.get(earlier)
        if previous is not None and previous.known:
            note = (
                f"{earlier.label} as published in {own.vintage}, the release of the {quarter.label} figure "
                f"(the newest figure for {earlier.label} comes from {', '.join(sorted(then))})."
            )
            return Change(change.current, previous), note, True
    note = (
        f"{quarter.label} comes from {', '.join(sorted(now))} and {earlier.label} from {', '.join(sorted(then))}; "
        f"no single release covers both as shown, so no change is given (each release revises past months)."
    )
    return Change(change.current, None), note + _elsewhere(history, quarter), False


def _release(history: History, vintage: str):
    return next((release for release in history.releases if release.vintage == vintage), None)


def _elsewhere(history: History, quarter: Quarter) -> str:
    """' In MPS 2023-12 to 2025-11, 2024/25 Q4 was 7,575 and 2023/24 Q4 8,185.' from the newest release with both."""
    from cspdash.formatting import format_value

    ind, earlier = history.indicator, quarter.year_earlier()
    if ind.headline != "quarter":
        return ""
    for release in history.releases:
        both = Change(release.readings.get(quarter), release.readings.get(earlier))
        if both.absolute is not None:
            return (
                f" In {release.vintage}, {quarter.label} was {format_value(ind, both.current.value)} and "
                f"{earlier.label} {format_value(ind, both.previous.value)}."
            )
    return ""


# ---- the change, tested -----------------------------------------------------------------------


def _days(quarter: Quarter, months: int = 3) -> int:
    if months == 12:
        return (quarter.end - quarter.shift(-3).start).days + 1
    return (quarter.end - quarter.start).days + 1


def tested_change(
    ind: Indicator, change: Change, series: pd.DataFrame, quarter: Quarter, breaks: Sequence[date] | None = None
) -> ChangeTest | None:
    """The year-on-year change tested against the series' own year-on-year variation
    (quasi-Poisson or over-dispersed binomial), with each period's length (days, and population for
    a rate). `series` is the history up to the quarter (the one the change is read from); the
    over-dispersion comes from its pairs of the same period a year apart, leaving out pairs a
    declared break falls between (`breaks`: their starts; by default the catalogue's for the
    indicator), as `cspdash.stats.year_on_year_dispersion` describes."""
    now, then = change.current, change.previous
    if now is None or then is None or not now.known or not then.known or ind.census:
        return None  # a census counts every case: there is no sampling error to test
    if breaks is None:
        from cspdash.catalogue import load_catalogue

        breaks = [b.start for b in load_catalogue().breaks_for(ind)]
    days = _days(quarter, now.months) / _days(quarter.year_earlier(), then.months)
    p_value, spread = None, None
    if ind.unit == "count":
        spread = year_on_year_dispersion(series, "count", breaks)
        p_value = count_change_p(now.value, then.value, days, spread.value)
    elif ind.unit == "rate" and None not in (now.numerator, then.numerator) and then.denominator:
        spread = year_on_year_dispersion(series, "rate", breaks)
        exposure = days * (now.denominator or then.denominator) / then.denominator
        p_value = count_change_p(now.numerator, then.numerator, exposure, spread.value)
    elif ind.unit == "percent" and None not in (now.numerator, now.denominator, then.numerator, then.denominator):
        spread = year_on_year_dispersion(series, "percent", breaks)
        p_value = proportion_change_p(now.numerator, now.denominator, then.numerator, then.denominator, spread.value)
    if p_value is None or spread is None:
        return None
    dispersion = spread.value
    p_text = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
    allowing = f"; the series varies {dispersion:.1f}× more than chance alone" if dispersion >= 1.05 else ""
    if spread.few_pairs:
        changes = f"{spread.pairs} year-on-year change{'s' if spread.pairs != 1 else ''}"
        allowing += f"; only {changes} in its history, so successive periods count too"
    verdict = "a significant change" if p_value < SIGNIFICANCE else "within normal variation"
    plain = (
        "a real change, beyond the usual ups and downs" if p_value < SIGNIFICANCE else "within the usual ups and downs"
    )
    return ChangeTest(p_value, dispersion, f"{verdict} ({p_text}{allowing})", plain)


# ---- the SPC chart ----------------------------------------------------------------------------


def _chart(
    ind: Indicator,
    points: list[SpcPoint],
    catalogue: Catalogue,
    target: Target | None,
    options: SpcOptions,
    suppressed: Sequence = (),
    frequency: str = "quarter",
) -> tuple[SpcChart | None, tuple[str, ...]]:
    if not points:
        return None, ()
    points = points[-options.window :]
    holes = sum(points[0].start <= start <= points[-1].start for start in suppressed)
    if holes:
        reason = (
            f"{holes} {frequency}{'s' if holes > 1 else ''} among its points {'are' if holes > 1 else 'is'} "
            "suppressed (small numbers); limits drawn without them would be biased"
        )
        return SpcChart(tuple(p.value for p in points), unusable=reason, options=options, kind=ind.chart), ()
    months = 1 if frequency == "month" else MONTHS_PER_QUARTER
    breaks, notes = [], []
    for declared in catalogue.breaks_for(ind):
        # from the first period that contains the break or follows it: the month or quarter the change
        # fell in is not judged against the limits from before it
        index = next((i for i, p in enumerate(points) if _period_end(p, months) >= declared.start), None)
        if index is not None and index > 0:
            breaks.append((index, declared.note))
            notes.append(f"Limits start afresh at {points[index].label}: {declared.note}.")
    polarity = polarity_of(ind, target)
    target_value = target.value if target else None
    if ind.chart == "g":
        chart = _g_chart(points, polarity, breaks, options, frequency, months)
        return chart, (*((chart.since_last,) if chart.since_last else ()), *notes)
    _, fixed, baseline_note = _baseline(ind, points, catalogue, options, breaks[-1][0] if breaks else 0)
    if baseline_note and not fixed:
        notes.append(baseline_note)
    if ind.chart != "xmr":
        parts = _attribute_parts(ind, points, months)
        if parts is not None:
            numerators, exposures, scale = parts
            chart = attribute_chart(
                ind.chart, numerators, exposures, polarity, target_value, breaks, options, scale, fixed
            )
            return (replace(chart, baseline_note=baseline_note) if fixed else chart), tuple(notes)
        fallback = (
            f"No {CHART_NAMES[ind.chart]}: not every {frequency} has its numerator and denominator, so an XmR "
            "chart instead."
        )
    else:
        fallback = ""
    counts = ind.unit == "count"
    chart = spc_chart([p.value for p in points], polarity, target_value, breaks, options, counts, fixed)
    if fixed and chart.usable:
        chart = replace(chart, baseline_note=baseline_note)
    return (replace(chart, fallback=fallback) if fallback else chart), tuple(notes)


def _baseline(
    ind: Indicator, points: Sequence[SpcPoint], catalogue: Catalogue, options: SpcOptions, first: int
) -> tuple[Baseline | None, tuple[int, int] | None, str]:
    """The newest declared baseline with points in the chart's last segment (from `first`): it, the
    (first, one past the last) of its points there, and the sentence the rule set adds ("Limits fixed
    from the baseline …"); with too few points, no range and a note saying why."""
    starts = [p.start for p in points[first:]]
    for declared in reversed(catalogue.baselines_for(ind)):
        span = indexes_within(starts, declared.start, declared.end)
        if span is None:
            continue
        size = span[1] - span[0]
        begin, end = points[first + span[0]].label, points[first + span[1] - 1].label
        if size < max(options.minimum_points, 2):
            since = " since the last break" if first else ""
            note = (
                f"The baseline {begin}–{end} ({declared.reason}) has {size} point{'s' if size != 1 else ''} in the "
                f"chart{since}; limits need {options.minimum_points}, so they are not fixed."
            )
            return declared, None, note
        note = (
            f"Limits fixed from the baseline {begin}–{end} ({size} points) and extended over the later points: "
            f"{declared.reason}."
        )
        return declared, (first + span[0], first + span[1]), note
    return None, None, ""


def _marks(
    ind: Indicator, points: Sequence[SpcPoint], catalogue: Catalogue, chart: SpcChart | None
) -> tuple[Annotation, ...]:
    """The declared breaks and the baseline the chart's limits were fixed from, to draw on it."""
    if not points or chart is None or chart.kind == "g":
        return ()
    marks = [break_mark(b.start, b.short, b.note) for b in catalogue.breaks_for(ind)]
    fixed = next((s.baseline for s in chart.segments if s.baseline), None)
    if fixed is not None:
        first, last = points[fixed[0]].start, points[fixed[1] - 1].start
        declared = next((b for b in catalogue.baselines_for(ind) if b.start <= first and last <= b.end), None)
        if declared is not None:
            marks.append(baseline_mark(declared.start, declared.end, declared.reason))
    return tuple(marks)


def _period_end(point: SpcPoint, months: int) -> date:
    return add_months(point.start, months) - timedelta(days=1)


def _attribute_parts(
    ind: Indicator, points: Sequence[SpcPoint], months: int
) -> tuple[list[float], list[float], float] | None:
    """(numerators, denominators, scale) for a p or u chart, or None when a point lacks its parts.
    A percent's denominators are its cases (scale 100); a rate's are the exposure that makes
    numerator / exposure the rate shown (the population over `per`, for a year when annualised)."""
    if any(p.numerator is None or not p.denominator or p.denominator <= 0 for p in points):
        return None
    numerators = [float(p.numerator) for p in points]
    if ind.unit == "percent":
        return numerators, [float(p.denominator) for p in points], 100.0
    return numerators, [1.0 / ind.value_from(1.0, float(p.denominator), months) for p in points], 1.0


def _g_chart(
    points: Sequence[SpcPoint],
    polarity: str,
    breaks: Sequence[tuple[int, str]],
    options: SpcOptions,
    frequency: str,
    months: int,
) -> SpcChart:
    """The g chart of a rare event's counts, with the days since the last event: from the end of
    the last period with one to the end of the latest period (at least that many, as the dates
    within a period are not known)."""
    if any(p.value != int(p.value) or p.value < 0 for p in points):
        chart = spc_chart([p.value for p in points], polarity, None, breaks, options, counts=True)
        return replace(
            chart, fallback="No g chart: the figures are not whole counts of events, so an XmR chart instead."
        )
    positions = [(p.start.year * 12 + p.start.month - 1) // months for p in points]
    with_event = [p for p in points if p.value > 0]
    since_last = None
    if with_event:
        last, latest = with_event[-1], points[-1]
        if last is latest:
            since_last = f"The latest event was in {latest.label} (the latest {frequency})."
        else:
            days = (_period_end(latest, months) - _period_end(last, months)).days
            since_last = f"At least {days:,} days since the last (in {last.label}), to the end of {latest.label}."
    else:
        since_last = f"No event in any of the {len(points)} {frequency}s charted."
    return g_chart(
        [p.value for p in points], positions, [p.label for p in points], polarity, breaks, options, since_last
    )


def _caveats(ind: Indicator, quarter: Quarter) -> tuple[str, ...]:
    return tuple(c.text for c in ind.caveats if c.before is None or quarter < Quarter.parse(c.before))


# ---- one indicator, and the board ---------------------------------------------------------------


def assess(
    ind: Indicator,
    rows: pd.DataFrame,
    quarter: Quarter,
    target: Target | None,
    catalogue: Catalogue,
    releases: pd.DataFrame | None = None,
    options: SpcOptions = DEFAULT_OPTIONS,
    with_rolling: bool = False,
) -> Assessment | None:
    """One indicator's judgement for one area and quarter (`rows`: its figures in force, with a
    `provisional` column from `mark_provisional`), or None if it has no quarter up to `quarter`."""
    return assess_history(prepare(ind, rows, releases), quarter, target, catalogue, options, with_rolling)


def assess_history(
    history: History,
    quarter: Quarter,
    target: Target | None,
    catalogue: Catalogue,
    options: SpcOptions = DEFAULT_OPTIONS,
    with_rolling: bool = False,
) -> Assessment | None:
    """One indicator's judgement for a quarter, read from its prepared history (`cspdash.history`)."""
    ind = history.indicator
    series = history.series_to(quarter)
    if series.empty:
        return None
    per_resident = ind.subgroup == "mps_crime" and ind.unit == "count" and history.area_codes is not None
    needs_rolling = with_rolling or per_resident or ind.headline == "rolling_12_months"
    rolling = history.rolling_to(quarter) if needs_rolling else series.iloc[0:0]
    earlier = quarter.year_earlier()
    quarter_change = Change(history.by_quarter.get(quarter), history.by_quarter.get(earlier))
    if ind.headline == "rolling_12_months":
        change = Change(history.rolling_by_quarter.get(quarter), history.rolling_by_quarter.get(earlier))
    else:
        change = quarter_change
    in_force = change
    change, release_note, comparable = _one_release_change(history, quarter, change)
    tested = tested_change(
        ind,
        change,
        rolling if ind.headline == "rolling_12_months" else series,
        quarter,
        [b.start for b in catalogue.breaks_for(ind)],
    )
    frequency, points, suppressed = history.spc_points(quarter)
    points = points[-options.window :]
    chart, break_notes = _chart(ind, points, catalogue, target, options, suppressed, frequency)
    reading = change.current if ind.headline == "rolling_12_months" else quarter_change.current
    quarter_reading = quarter_change.current
    judgement = judge(ind, reading, chart, target)
    if quarter_reading is not None and quarter_reading.not_applicable:
        judgement = judge(ind, quarter_reading, chart, target)
    return Assessment(
        indicator=ind,
        quarter=quarter,
        series=series,
        rolling=rolling,
        reading=reading,
        quarter_reading=quarter_reading,
        change=change,
        comparator=change.previous if comparable else in_force.previous,
        change_test=tested if comparable else None,
        release_note=release_note,
        year_to_date=year_to_date_change(history.year_to_date, quarter),
        spc=chart,
        spc_points=tuple(points),
        spc_frequency=frequency,
        target=target,
        judgement=judgement,
        caveats=_caveats(ind, quarter),
        provisional_note=_provisional_note(history, quarter),
        break_notes=break_notes,
        annotations=_marks(ind, points, catalogue, chart),
        resident_rate=_resident_rate(history, quarter) if per_resident else None,
        denominator_note=_denominator_note(history, reading, quarter),
    )


def _denominator_note(history: History, reading: Reading | None, quarter: Quarter) -> str | None:
    """Say which population a rate is per: the return's own figure beside the ONS estimate (and the
    rate on the ONS estimate when they differ), or the rate on the ONS estimate when the return gives
    no population; and say when a return has carried one population figure unchanged for years."""
    ind, codes = history.indicator, history.area_codes
    if not ind.population or codes is None or reading is None:
        return None
    ons = population_for(codes[0], ind.population, quarter.end.year) if len(codes) == 1 else None
    if reading.denominator is None:
        if ons is None or reading.numerator is None:
            return None
        rate = ind.value_from(reading.numerator, ons.value, reading.months)
        return f"The return gives no population: on the {ons.description} ({ons.value:,}) the rate is {rate:,.1f}."
    own = f"Rate on the return's own population ({reading.denominator:,.0f})"
    unchanged = _unchanged_for_years(history, quarter)
    if ons is None:
        return own + "; no ONS estimate is held for this area." + unchanged
    if round(reading.denominator) == ons.value:
        return f"{own}; the {ons.description} is the same." + unchanged
    on_ons = ""
    if reading.numerator is not None:
        on_ons = f", which gives {ind.value_from(reading.numerator, ons.value, reading.months):,.1f}"
    return f"{own}; the {ons.description} is {ons.value:,}{on_ons}." + unchanged


def _unchanged_for_years(history: History, quarter: Quarter, years: int = 3) -> str:
    """' The return has used 650 in every quarter since 2018/19.' when a population never changed."""
    own = [(start, value) for start, value in history.denominators if start <= quarter.end]
    if not own or len({value for _, value in own}) != 1:
        return ""
    first = Quarter.containing(own[0][0])
    if (quarter.end.year - first.start.year) < years:
        return ""
    return (
        f" The return has given {own[0][1]:,.0f} every quarter since {first.label}; "
        "populations change, so check its source."
    )


def _resident_rate(history: History, quarter: Quarter) -> tuple[float, Population] | None:
    """Crimes per 1,000 residents over the 12 months to the quarter, with the population it uses
    (`population_for` the calendar year the quarter ends in: Census 2021 from 2021 on, else the
    nearest mid-year estimate), which the rate's words name."""
    year_total = history.rolling_by_quarter.get(quarter)
    codes = history.area_codes or ()
    if year_total is None or not year_total.known or len(codes) != 1:
        return None
    population = population_for(codes[0], "all_ages", quarter.end.year)
    return (per_thousand(year_total.value, population), population) if population else None


def prepare_all(
    catalogue: Catalogue,
    observations: pd.DataFrame,
    releases: pd.DataFrame | None = None,
    provisional_months: dict[str, int] | None = None,
    subgroup: str | None = None,
) -> dict[str, History]:
    """Every quarterly or monthly indicator's history for one area (one area's observations), in
    catalogue order: computed once when the figures change, read for any quarter."""
    if observations.empty:
        return {}
    marked = mark_provisional(observations, provisional_months or {})
    by_indicator = dict(tuple(marked.groupby("indicator")))
    releases_by_indicator = (
        dict(tuple(releases.groupby("indicator"))) if releases is not None and not releases.empty else {}
    )
    return {
        ind.id: prepare(ind, by_indicator[ind.id], releases_by_indicator.get(ind.id), with_provenance=True)
        for sub in catalogue.subgroups
        for ind in catalogue.for_subgroup(sub.id)
        if ind.id in by_indicator and ind.frequency != "year" and (not subgroup or ind.subgroup == subgroup)
    }


def assess_all(
    catalogue: Catalogue,
    observations: pd.DataFrame,
    quarter: Quarter,
    targets: dict[tuple[str, int], Target],
    releases: pd.DataFrame | None = None,
    provisional_months: dict[str, int] | None = None,
    subgroup: str | None = None,
    histories: dict[str, History] | None = None,
) -> list[Assessment]:
    """Every indicator with figures for the area (one area's observations), in catalogue order;
    from `histories` (`prepare_all`) when they have been prepared already."""
    if histories is None:
        histories = prepare_all(catalogue, observations, releases, provisional_months, subgroup)
    out = []
    for history in histories.values():
        ind = history.indicator
        if subgroup and ind.subgroup != subgroup:
            continue
        assessment = assess_history(history, quarter, target_for(ind, quarter.fy, targets), catalogue, catalogue.spc)
        if assessment is not None:
            out.append(assessment)
    return out
