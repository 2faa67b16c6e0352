"""The status a board sees, derived in one place, with one meaning per status.

- With a target (for any rule): assurance against it. SPC limits when the series supports an XmR
  chart; otherwise the latest figure's 95% interval (none for a census). Green = the target is met
  consistently, Red = missed consistently, Amber = hit and miss (the target lies within normal
  variation, so some periods meet it and some miss it without anything changing).
- Without a target: SPC variation of the latest point. Green = special-cause improvement, Red =
  special-cause concern, No signal = common-cause variation only, Unusual = special cause on an
  indicator with no better direction.
- Not rated: no figure, not applicable, suppressed, too few cases, or too short a series.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cspdash.catalogue import Indicator
from cspdash.palette import STATUSES
from cspdash.spc import SpcChart, cause_sentence, plain_cause
from cspdash.stats import count_interval, proportion_interval
from cspdash.trends import Reading


class Status(Enum):
    """A status with a word, a shape and colours (colour is never the only cue) and one meaning."""

    RED = STATUSES["RED"]
    AMBER = STATUSES["AMBER"]
    GREEN = STATUSES["GREEN"]
    UNUSUAL = STATUSES["UNUSUAL"]
    NO_SIGNAL = STATUSES["NO_SIGNAL"]
    NOT_RATED = STATUSES["NOT_RATED"]

    def __init__(self, word: str, shape: str, colour: str, text_colour: str, severity: int):
        self.word = word
        self.shape = shape
        self.colour = colour
        self.text_colour = text_colour
        self.severity = severity


MEANINGS = {  # what each status means, in words a board reads (the legend, the glossary)
    Status.RED: "A problem: likely to keep missing the target unless something changes, or, with no target, "
    "worse than usual.",
    Status.AMBER: "Hit and miss: likely to meet the target in some periods and miss it in others unless something "
    "changes.",
    Status.GREEN: "Good: reliably meets the target, or, with no target, better than usual.",
    Status.UNUSUAL: "Unusually high or low on an indicator with no better direction: worth a question, not a "
    "judgement.",
    Status.NO_SIGNAL: "No target, and nothing unusual: the ups and downs are the usual ones.",
    Status.NOT_RATED: "No figure, not applicable, too small to publish, too few cases, or too short a series to judge.",
}


@dataclass(frozen=True)
class Target:
    """What an indicator should reach in one financial year (and, if set, which way is better).
    `confirmed` is False for an indicative (placeholder) target."""

    value: float
    tolerance: float
    polarity: str | None = None
    confirmed: bool = True


@dataclass(frozen=True)
class Judgement:
    """A status, how it was judged (`reason`: the statistics, for analysts and "How this was judged"),
    and what it means in one plain sentence (`plain`: what a board reads)."""

    status: Status
    reason: str
    plain: str = ""

    @property
    def sentence(self) -> str:
        """The plain sentence (the reason when there is none)."""
        return self.plain or self.reason


def catalogue_target(ind: Indicator) -> Target | None:
    """The catalogue's default target: indicative until an admin confirms one for the year."""
    if ind.target is None:
        return None
    return Target(ind.target, ind.tolerance or 0.0, confirmed=False)


def polarity_of(ind: Indicator, target: Target | None) -> str:
    return (target.polarity if target is not None and target.polarity else None) or ind.polarity


def judge(
    ind: Indicator,
    reading: Reading | None,
    spc: SpcChart | None,
    target: Target | None = None,
    not_applicable: bool = False,
) -> Judgement:
    """The one status function: the latest figure, its SPC chart and the year's target."""
    if not_applicable or (reading is not None and reading.not_applicable):
        return Judgement(Status.NOT_RATED, "Not applicable for this quarter", "Not applicable this quarter.")
    if reading is None or (reading.value is None and not reading.suppressed):
        return Judgement(Status.NOT_RATED, "No figure for this quarter", "No figure for this quarter.")
    if reading.suppressed:
        return Judgement(
            Status.NOT_RATED, "Figure suppressed (small number)", "Not rated: the figure is too small to publish."
        )
    too_few = _too_few_cases(ind, reading)
    if too_few:
        return Judgement(Status.NOT_RATED, too_few, "Not rated: too few cases to judge this quarter.")
    polarity = polarity_of(ind, target)
    if target is not None and polarity != "neutral":
        return against_target(ind, reading, spc, target, polarity)
    return on_variation(ind, spc, polarity)


def _too_few_cases(ind: Indicator, reading: Reading) -> str | None:
    """A percentage of fewer cases than the declared minimum: too few to judge, good news or bad."""
    if ind.unit != "percent" or reading.denominator is None or reading.denominator >= ind.min_denominator:
        return None
    cases = f"{reading.numerator:,.0f} of {reading.denominator:,.0f}" if reading.numerator is not None else ""
    return (
        f"Too few cases to judge: {cases} ({reading.value:.0f}%); a percentage is judged from "
        f"{ind.min_denominator} cases"
    )


def _shown(ind: Indicator, value: float) -> str:
    if ind.unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.0f}" if ind.unit == "count" else f"{value:,.1f}"


def _target_words(ind: Indicator, target: Target) -> str:
    value = f"{target.value:g}{'%' if ind.unit == 'percent' else ''}"
    return f"the target of {value}" + ("" if target.confirmed else " (indicative)")


def _where_latest_is(ind: Indicator, reading: Reading, target: Target, polarity: str) -> str:
    gap = reading.value - target.value
    meets = gap >= -1e-9 if polarity == "higher" else gap <= 1e-9
    if meets:
        return f"latest {_shown(ind, reading.value)} meets it"
    within = abs(gap) <= target.tolerance + 1e-9
    tolerance = (
        f"within the tolerance of {target.tolerance:g}" if within else f"beyond the tolerance of {target.tolerance:g}"
    )
    return f"latest {_shown(ind, reading.value)} misses it, {tolerance}"


def against_target(ind: Indicator, reading: Reading, spc: SpcChart | None, target: Target, polarity: str) -> Judgement:
    """Assurance: SPC limits against the target when there is a chart, else the latest figure's interval."""
    words = _target_words(ind, target)
    latest = _where_latest_is(ind, reading, target, polarity)
    if spc is not None and spc.usable and spc.assurance:
        limits = spc.latest.limits
        ceiling = 100.0 if ind.unit == "percent" else float("inf")
        normal = f"normal range {_shown(ind, max(limits.lower, 0))}–{_shown(ind, min(limits.upper, ceiling))}"
        normal += " (provisional limits)" if spc.latest.provisional else ""
        if spc.assurance == "inconsistent":
            return Judgement(
                Status.AMBER,
                f"Hit and miss: {words} lies inside the {normal}; {latest}",
                f"Hit and miss: likely to meet {words} in some periods and miss it in others unless something "
                f"changes{_latest_plain(latest)}.",
            )
        side = "above" if (spc.assurance == "consistent_pass") == (polarity == "higher") else "below"
        passes = spc.assurance == "consistent_pass"
        plain = (
            f"Reliably meets {words}: even its usual lows and highs stay on the right side of it."
            if passes
            else f"Likely to keep missing {words} unless something changes{_latest_plain(latest)}."
        )
        return Judgement(
            Status.GREEN if passes else Status.RED,
            f"Consistently {'meets' if passes else 'misses'} {words}: the whole {normal} lies {side} it; {latest}",
            plain,
        )
    low_high = _interval(ind, reading)
    if low_high is None:  # a census, or no parts to size the uncertainty: the figure itself
        passes = "meets it" in latest
        return Judgement(
            Status.GREEN if passes else Status.RED,
            f"{'Meets' if passes else 'Misses'} {words}; {latest}",
            f"{'Meets' if passes else 'Misses'} {words}{_latest_plain(latest)}.",
        )
    low, high = low_high
    interval = f"95% interval {_shown(ind, low)}–{_shown(ind, high)}"
    good_side = (low >= target.value) if polarity == "higher" else (high <= target.value)
    bad_side = (high < target.value) if polarity == "higher" else (low > target.value)
    if good_side:
        return Judgement(
            Status.GREEN,
            f"Meets {words} even allowing for chance ({interval}); {latest}",
            f"Meets {words}, by more than chance alone could explain.",
        )
    if bad_side:
        return Judgement(
            Status.RED,
            f"Misses {words} even allowing for chance ({interval}); {latest}",
            f"Misses {words}, by more than chance alone could explain.",
        )
    return Judgement(
        Status.AMBER,
        f"Hit and miss: {words} lies within this figure's {interval}; {latest}",
        f"Too close to {words} to say whether it is met{_latest_plain(latest)}.",
    )


def _latest_plain(latest: str) -> str:
    """'latest 351.0 misses it, beyond the tolerance of 20' → ' (this quarter: 351.0, missing it)'."""
    figure = latest.split()[1]
    return f" (latest {figure}: {'meets' if 'meets it' in latest else 'misses'} it)"


def _interval(ind: Indicator, reading: Reading) -> tuple[float, float] | None:
    """The latest figure's 95% interval: Wilson for a percentage, exact Poisson for a count or a rate."""
    if ind.census:
        return None
    if ind.unit == "percent" and reading.numerator is not None and reading.denominator:
        return proportion_interval(reading.numerator, reading.denominator)
    if ind.unit == "count":
        return count_interval(reading.value)
    if ind.unit == "rate" and reading.numerator is not None and reading.numerator > 0:
        low, high = count_interval(reading.numerator)
        scale = reading.value / reading.numerator
        return low * scale, high * scale
    return None


def on_variation(ind: Indicator, spc: SpcChart | None, polarity: str) -> Judgement:
    """No target: the SPC variation of the latest point."""
    monitored = polarity == "neutral"
    if spc is None or not spc.usable:
        why = spc.unusable if spc is not None else "no series to chart"
        return Judgement(Status.NOT_RATED, f"Not rated: {why}", f"Not rated: {plain_unusable(why)}.")
    kind, cause = spc.variation, cause_sentence(spc.latest_cause or "")
    plain_cause_words = plain_cause(spc)
    provisional = " (provisional limits)" if spc.latest.provisional else ""
    early = " (a short series: an early reading)" if spc.latest.provisional else ""
    if kind == "special_cause_improvement":
        return Judgement(
            Status.GREEN,
            f"Special-cause improvement: {cause}{provisional}",
            f"Better than usual: {plain_cause_words}{early}.",
        )
    if kind == "special_cause_concern":
        return Judgement(
            Status.RED, f"Special-cause concern: {cause}{provisional}", f"Worse than usual: {plain_cause_words}{early}."
        )
    if kind and kind.startswith("special_cause_neutral"):
        high = kind.endswith("high")
        return Judgement(
            Status.UNUSUAL,
            f"Unusual, no better direction: {cause}{provisional}",
            f"Unusually {'high' if high else 'low'}: {plain_cause_words}{early}.",
        )
    note = " (monitored: no better direction)" if monitored else ""
    return Judgement(
        Status.NO_SIGNAL,
        f"No signal: every point within its normal range, no special cause{provisional}{note}",
        f"No change beyond the usual ups and downs{early}.",
    )


def plain_unusable(why: str) -> str:
    """Why no SPC judgement can be made, in words a board reads."""
    if "suppressed" in why:
        return "some of its figures are too small to publish, so no fair judgement can be made"
    if "too few events" in why:
        return "too few events each period to tell a change from chance"
    if "points" in why or "series" in why:
        return "not enough figures yet to know what is usual"
    return "no fair judgement can be made from these figures"
