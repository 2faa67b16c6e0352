"""The area against London, honestly: every borough on a funnel plot (the limits widen for small
populations and allow for over-dispersion), so the board reads "within what chance explains for a
borough its size" instead of a league-table rank that chance alone can move. The rank stays, as
information under the funnel. One verdict per indicator and quarter (`band`), read by every view:
the sub-group page, the comparison page's spine chart, the meeting screen and the pack."""

from __future__ import annotations

from dataclasses import dataclass

from cspdash.comparators import ordinal
from cspdash.funnel import Funnel, FunnelPoint, rate_funnel

PER = 1000.0  # rates per 1,000 residents

# A point's band on the funnel, as the board reads it
WITHIN = "within"
BANDS = ("above 99.8%", "above 95%", WITHIN, "below 95%", "below 99.8%")


@dataclass(frozen=True)
class LondonFunnel:
    """One indicator's 12-month rates for every borough in a London-wide release, on a funnel."""

    indicator: str  # the indicator's name
    polarity: str  # higher | lower | neutral (which side of the funnel is better)
    area: str
    period: str  # "12 months to the end of 2024/25 Q4"
    funnel: Funnel
    similar: tuple[str, ...]  # the area's ONS similar boroughs (demographic neighbours) among them
    rank: int  # 1 = highest rate: information only
    population: str  # which population the rates use, e.g. "Census 2021 residents (all ages) for every borough"
    base: str = ""  # the base in a few words, named beside the rate: "Census 2021", "mid-2020"

    @property
    def point(self) -> FunnelPoint:
        return next(p for p in self.funnel.points if p.name == self.area)

    @property
    def boroughs(self) -> int:
        return len(self.funnel.points)

    @property
    def band(self) -> str:
        return self.point.band

    @property
    def verdict(self) -> str:
        """'Worse than London', 'Similar to London', 'Better than London' (or 'Higher'/'Lower than
        London' for an indicator with no better direction), judged at the 95% limits."""
        return verdict(self.band, self.polarity)

    @property
    def strength(self) -> str:
        """'' within the limits; '95%' beyond the 95% limit only; '99.8%' beyond the 99.8% limit."""
        return "" if self.band == WITHIN else self.band.split()[1]

    @property
    def sentence(self) -> str:
        """What the board reads: e.g. "Hackney's violence against the person rate (31.2 per 1,000
        residents) is within what chance explains for a borough its size (London 24.6)."""
        p = self.point
        return (
            f"{self.area}'s {_lower_first(self.indicator)} rate over the {self.period}, {p.value:,.1f} per 1,000 "
            f"residents{f' on {self.base}' if self.base else ''}, {band_words(self.band)} "
            f"(London {self.funnel.target:,.1f})."
        )

    @property
    def rank_words(self) -> str:
        """The rank, as information: '7th highest of 33 boroughs (for information: a rank moves by chance)'."""
        return (
            f"For information: {ordinal(self.rank)} highest rate of {self.boroughs} boroughs "
            "(a rank can move by chance alone; the funnel plot allows for that)"
        )

    @property
    def outliers(self) -> list[FunnelPoint]:
        """Boroughs beyond the 95% limits, highest rate first."""
        return sorted((p for p in self.funnel.points if p.band != WITHIN), key=lambda p: -p.value)

    def interval(self, level: float = 0.95):
        """The area's own rate with its interval (Byar's, or exact below 10 events), per 1,000."""
        from cspdash.intervals import rate_interval

        return rate_interval(self.point.numerator, self.point.denominator, PER, level)

    def summary_row(self) -> dict:
        """One row of the table under the spine chart: the rate with its 95% and 99.8% intervals,
        London's, and the verdict at each level of the funnel's limits."""
        p, i95, i998 = self.point, self.interval(0.95), self.interval(0.998)
        at_998 = self.band.endswith("99.8%")
        return {
            "Indicator": self.indicator,
            "Rate per 1,000": round(p.value, 1),
            "95% interval": f"{i95.low:,.1f} to {i95.high:,.1f} ({i95.method})",
            "99.8% interval": f"{i998.low:,.1f} to {i998.high:,.1f}",
            "London": round(self.funnel.target, 1),
            "At 95% limits": self.verdict,
            "At 99.8% limits": self.verdict if at_998 or self.band == WITHIN else verdict(WITHIN, self.polarity),
        }

    def outlier_rows(self) -> list[dict]:
        """The outlier table beside the funnel."""
        return [
            {
                "Borough": p.name,
                "Rate per 1,000": round(p.value, 1),
                "Crimes": int(round(p.numerator)),
                "Residents": int(round(p.denominator)),
                "Against the funnel": band_phrase(p.band),
                "Compared with London": verdict(p.band, self.polarity),
            }
            for p in self.outliers
        ]

    def to_record(self) -> dict:
        """As plain JSON, for a signed-off snapshot (meeting screen and pack)."""
        p = self.point
        return {
            "indicator": self.indicator,
            "area": self.area,
            "period": self.period,
            "rate": p.value,
            "london": self.funnel.target,
            "band": self.band,
            "verdict": self.verdict,
            "strength": self.strength,
            "sentence": self.sentence,
            "rank": self.rank_words,
            "method": self.funnel.method,
            "population": self.population,
            "points": [
                {"name": q.name, "rate": q.value, "residents": q.denominator, "band": q.band}
                for q in self.funnel.points
            ],
            "similar": list(self.similar),
        }


def london_funnel(
    indicator: str,
    polarity: str,
    area: str,
    period: str,
    rates: list[dict],
    similar_codes,
    population: str,
    base: str = "",
) -> LondonFunnel | None:
    """The funnel of every borough's 12-month rate (`comparators.ranked` rows: area, area_code,
    count, residents, rank), or None if the area is not among them."""
    mine = next((row for row in rates if row["area"] == area), None)
    if mine is None:
        return None
    funnel = rate_funnel(
        [row["area"] for row in rates],
        [float(row["count"]) for row in rates],
        [float(row["residents"]) for row in rates],
        multiplier=PER,
    )
    similar = tuple(row["area"] for row in rates if row["area_code"] in set(similar_codes))
    return LondonFunnel(indicator, polarity, area, period, funnel, similar, int(mine["rank"]), population, base)


def verdict(band: str, polarity: str) -> str:
    if band == WITHIN:
        return "Similar to London"
    high = band.startswith("above")
    if polarity == "neutral":
        return "Higher than London" if high else "Lower than London"
    worse = high if polarity == "lower" else not high
    return "Worse than London" if worse else "Better than London"


def band_words(band: str) -> str:
    """The funnel band as the end of a sentence."""
    return {
        "above 99.8%": "is well above what chance explains for a borough its size, beyond the 99.8% limit",
        "above 95%": "is above what chance usually explains for a borough its size, beyond the 95% limit "
        "but within the 99.8% limit",
        WITHIN: "is within what chance explains for a borough its size",
        "below 95%": "is below what chance usually explains for a borough its size, beyond the 95% limit "
        "but within the 99.8% limit",
        "below 99.8%": "is well below what chance explains for a borough its size, beyond the 99.8% limit",
    }[band]


def band_phrase(band: str) -> str:
    return {
        "above 99.8%": "Above the 99.8% limit",
        "above 95%": "Above the 95% limit",
        WITHIN: "Within the limits",
        "below 95%": "Below the 95% limit",
        "below 99.8%": "Below the 99.8% limit",
    }[band]


def _lower_first(name: str) -> str:
    """'Violence against the person' → 'violence against the person' (an acronym stays as it is)."""
    first = name.split()[0] if name else ""
    return name if first.isupper() and len(first) > 1 else name[:1].lower() + name[1:]


VERDICT_ORDER = ("Worse than London", "Higher than London", "Lower than London", "Better than London")


def exceptions_first(views: list[LondonFunnel]) -> list[LondonFunnel]:
    """Worse than London first (beyond 99.8% before 95%), then higher, lower, better; similar last;
    catalogue order within each."""

    def key(view: LondonFunnel) -> tuple[int, int]:
        rank = VERDICT_ORDER.index(view.verdict) if view.verdict in VERDICT_ORDER else len(VERDICT_ORDER)
        return rank, 0 if view.strength == "99.8%" else 1

    return sorted(views, key=key)


def london_summary(views: list[LondonFunnel]) -> str:
    """One line for the overview, exceptions first: 'Against London (12 months to the end of 2024/25
    Q4): worse on robbery and theft (beyond the 99.8% limit); similar on 8 others.'; '' with nothing
    to compare."""
    if not views:
        return ""
    groups: dict[tuple[str, str], list[str]] = {}
    for v in exceptions_first(views):
        if v.band != WITHIN:
            groups.setdefault((v.verdict.split()[0].lower(), v.strength), []).append(_lower_first(v.indicator))
    said = [f"{word} on {_and(names)} (beyond the {strength} limit)" for (word, strength), names in groups.items()]
    similar = len(views) - sum(len(names) for names in groups.values())
    if similar and said:
        said.append(f"similar on {similar} other{'s' if similar > 1 else ''}")
    elif similar:
        said.append(f"similar on all {similar} compared" if similar > 1 else "similar on the one compared")
    return f"Against London ({views[0].period}): " + "; ".join(said) + "."


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
