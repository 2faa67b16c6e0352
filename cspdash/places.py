"""Where it happens: an indicator's published figures for each small area (LSOA or ward) of an area
in a quarter, classed, tested and put into words (`PlaceMap`), for the map, its table and its text
alternative alike.

- **Figures**: a small area's quarter is the published quarter when the release's figures carry one
  (all recorded crime: protected with its months, `cspdash.protected.with_quarters`), otherwise the
  sum of its three published months, hidden when any month is (it would give that month back).
- **Rates** are per 1,000 residents: ONS mid-2020 estimates on 2011 LSOA boundaries, used for a 2021
  LSOA whose code is unchanged since 2011 (ONS kept the code of every LSOA whose boundary did not
  change); an LSOA split, merged or redrawn in 2021 has a new code and is shown by count only.
- **Classes** are fixed multiples of the average of the places shown (the same five classes for
  every indicator and quarter): under half, half to 0.8×, 0.8× to 1.25×, 1.25× to twice, twice or
  more. Nothing is smoothed.
- **Above the average beyond chance**: a place beyond the upper 99.8% limit of a funnel around the
  average (Spiegelhalter's over-dispersion allowance when the places vary more than chance), so a
  small count is not made a hotspot.
- **Change** against the same quarter a year earlier is shown only where it is beyond chance at
  99.8% (an exact test of two counts, allowing for the places' own spread of changes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from cspdash.catalogue import Catalogue
from cspdash.funnel import rate_funnel
from cspdash.periods import Quarter
from cspdash.place_records import CHANGE_DOWN, CHANGE_UP, NO_CHANGE, Place, PlaceDetail, PlaceMap
from cspdash.spc import spc_chart
from cspdash.stats import count_change_p

CLASS_LIMITS = (0.5, 0.8, 1.25, 2.0)  # multiples of the average between the five classes
CLASS_WORDS = (
    "Under half the {area} average",
    "Below average (half to 0.8×)",
    "About average (0.8× to 1.25×)",
    "Above average (1.25× to twice)",
    "Twice the {area} average or more",
)
CHANGE_LEVEL = 0.002  # 99.8%
LEVEL_WORDS = {"lsoa": ("LSOA", "LSOAs"), "ward": ("ward", "wards"), "borough": ("borough", "boroughs")}
PER = 1000


def hidden_label(catalogue: Catalogue) -> str:
    """What a hidden figure is shown as on a map: the policy's one label, in words."""
    policy = catalogue.disclosure
    return f"Hidden ({policy.label}): fewer than {policy.high + 1}, or would reveal one"


def quarter_figures(rows: pd.DataFrame, quarter: Quarter) -> dict[str, float | None]:
    """Each place's figure for the quarter from its published rows (one indicator, breakdown all):
    the stated quarter where there is one, else its three months' sum; None when hidden. A place
    without the quarter's three months is left out."""
    if rows.empty:
        return {}
    starts, ends = pd.to_datetime(rows["period_start"]).to_numpy(), pd.to_datetime(rows["period_end"]).to_numpy()
    first, last = pd.Timestamp(quarter.start).to_datetime64(), pd.Timestamp(quarter.end).to_datetime64()
    inside = (starts >= first) & (ends <= last)
    value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)[inside]
    frame = pd.DataFrame(
        {
            "code": rows["area_code"].astype(str).to_numpy()[inside],
            "whole": ((starts == first) & (ends == last))[inside],
            "value": np.nan_to_num(value),
            "hidden": rows["suppressed"].astype(bool).to_numpy()[inside] | np.isnan(value),
        }
    )
    totals = frame.groupby(["code", "whole"], sort=True).agg(
        value=("value", "sum"), hidden=("hidden", "any"), n=("value", "size")
    )
    totals = totals.reset_index()
    stated = totals[totals["whole"]].set_index("code")
    months = totals[~totals["whole"] & (totals["n"] == 3)].set_index("code")
    chosen = pd.concat([stated, months[~months.index.isin(stated.index)]]).sort_index()
    return {
        str(code): None if hidden else float(total)
        for code, total, hidden in zip(chosen.index, chosen["value"], chosen["hidden"], strict=True)
    }


def _band(value: float, average: float) -> int:
    if average <= 0:
        return 2
    ratio = value / average
    return sum(ratio >= limit for limit in CLASS_LIMITS)


def _change(now: float | None, then: float | None, dispersion: float) -> tuple[str, str]:
    if now is None or then is None:
        return NO_CHANGE, ""
    p = count_change_p(now, then, 1.0, dispersion)
    if p >= CHANGE_LEVEL:
        return NO_CHANGE, f"{_n(then)} a year earlier: no change beyond chance"
    direction = CHANGE_UP if now > then else CHANGE_DOWN
    return direction, f"{'up' if direction == CHANGE_UP else 'down'} from {_n(then)} a year earlier, beyond chance"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _change_dispersion(pairs: list[tuple[float, float]]) -> float:
    """How much the places' year-on-year changes vary beyond chance: the mean of (now − then)² ÷
    (now + then) over the places (1 for pure chance), at least 1. Real changes count in it too, so the
    test is cautious."""
    terms = [(a - b) ** 2 / (a + b) for a, b in pairs if a + b > 0]
    return max(1.0, sum(terms) / len(terms)) if terms else 1.0


def place_map(
    published: pd.DataFrame,
    catalogue: Catalogue,
    area: str,
    area_code: str,
    level: str,
    indicator_id: str,
    quarter: Quarter,
    measure: str = "count",
    residents: Mapping[str, int] | None = None,
    attribution: str = "",
) -> PlaceMap:
    """The indicator's quarter for every `level` place in `area`, from published small-area figures."""
    ind = catalogue.indicator(indicator_id)
    rows = published[
        (published["area_kind"] == level)
        & (published["parent_area"].isin([area, area_code]))
        & (published["indicator"] == indicator_id)
        & (published["breakdown"] == "")
    ]
    names = dict(zip(rows["area_code"].astype(str), rows["area"].astype(str), strict=False))
    now, then = quarter_figures(rows, quarter), quarter_figures(rows, quarter.shift(-4))
    residents = residents or {}
    use_rate = measure == "rate"
    shown = {code: value for code, value in now.items() if value is not None}
    rated = {c: v for c, v in shown.items() if residents.get(c)} if use_rate else shown
    base = {c: (residents[c] if use_rate else 1) for c in rated}
    funnel = (
        rate_funnel(list(rated), list(rated.values()), list(base.values()), PER if use_rate else 1)
        if len(rated) > 2
        else None
    )
    average = funnel.target if funnel else (sum(rated.values()) / len(rated) if rated else 0.0)
    above = {p.name for p in funnel.points if p.band == "above 99.8%"} if funnel else set()
    dispersion = _change_dispersion([(v, then[c]) for c, v in shown.items() if then.get(c) is not None])
    places = []
    for code in sorted(now):
        value = now[code]
        rate = value / residents[code] * PER if value is not None and residents.get(code) else None
        measured = (rate if use_rate else value) if value is not None else None
        change, change_words = _change(value, then.get(code), dispersion)
        places.append(
            Place(
                code=code,
                name=names.get(code, code),
                count=value,
                previous=then.get(code),
                residents=residents.get(code),
                rate=rate,
                band=_band(measured, average) if measured is not None else None,
                change=change,
                change_words=change_words,
                hotspot=code in above,
            )
        )
    source = ", ".join(sorted(set(rows["vintage"].dropna().astype(str)))) if "vintage" in rows else ""
    words = LEVEL_WORDS.get(level, (level, level + "s"))
    result = PlaceMap(
        area=area,
        area_code=area_code,
        level=level,
        indicator_id=ind.id,
        indicator_name=ind.name,
        period=f"{quarter.label} ({quarter.start:%B} to {quarter.end:%B %Y})",
        previous_period=quarter.shift(-4).label,
        measure="rate" if use_rate else "count",
        places=tuple(places),
        bands=tuple(w.format(area=area) for w in CLASS_WORDS),
        hidden_label=hidden_label(catalogue),
        finding="",
        method=method_words(area, words, use_rate, catalogue),
        statistics=statistics_words(funnel, dispersion),
        source=source,
        attribution=attribution,
        level_words=words,
    )
    return replace(result, finding=finding_words(result))


def method_words(area: str, words: tuple[str, str], use_rate: bool, catalogue) -> str:
    """How the map was made, in a few sentences (for "How this map was made")."""
    measure = (
        "Rates per 1,000 residents (ONS mid-2020 estimates on 2011 LSOA boundaries; an LSOA whose code "
        "changed in 2021 has no matching population and is shown by count only)"
        if use_rate
        else f"Counts of the quarter in each {words[0]}"
    )
    classes = (
        f"Five fixed classes, multiples of the average of the {words[1]} shown: under half, half to "
        "0.8×, 0.8× to 1.25×, 1.25× to twice, twice or more. Not smoothed."
    )
    beyond = (
        f"'Above the {area} average beyond chance' means higher than the average by more than chance "
        f"explains for a {words[0]} of its size (at 99.8%)."
    )
    change = (
        "A change against the same quarter a year earlier is shown only when it is beyond chance at 99.8%, "
        f"allowing for how much the {words[1]} go up and down."
    )
    hidden = (
        f"Figures the disclosure policy hides are drawn hatched grey as '{catalogue.disclosure.label}', "
        "with no number anywhere, and a quarter with a hidden month is hidden too."
    )
    return " ".join([measure + ".", classes, beyond, change, hidden])


def statistics_words(funnel, dispersion: float) -> str:
    """For analysts: the funnel's limits and the change test, with their dispersion figures."""
    limits = f"Above the average: the upper 99.8% funnel limit. {funnel.method}" if funnel else ""
    return (
        f"{limits} Change: an exact conditional test of the two counts (two-sided, at 99.8%), the counts "
        f"scaled by the places' dispersion of year-on-year changes ({dispersion:.2f}, at least 1)."
    ).strip()


def finding_words(result: PlaceMap) -> str:
    """The text alternative: where most of it is, which places stand out, what changed, what is hidden."""
    one, many = result.level_words
    shown = sorted(result.shown, key=lambda p: (-(p.count or 0), p.name))
    if not shown:
        return f"No {one} figure for {result.indicator_name} in {result.period} can be shown."
    total = sum(p.count or 0 for p in shown)
    top = shown[:5]
    share = sum(p.count or 0 for p in top) / total * 100 if total else 0.0
    sentences = [
        f"{result.indicator_name}, {result.period}: the {len(top)} {many if len(top) != 1 else one} with the "
        f"most ({', '.join(p.name for p in top)}) had {share:.0f}% of the {_n(total)} shown"
        f" across {len(shown)} {many}."
    ]
    hot = [p for p in shown if p.hotspot]
    if hot:
        names = ", ".join(p.name for p in hot[:6]) + (f" and {len(hot) - 6} more" if len(hot) > 6 else "")
        sentences.append(
            f"{len(hot)} {one if len(hot) == 1 else many} above the {result.area} average beyond chance: {names}."
        )
    else:
        sentences.append(f"No {one} is above the {result.area} average beyond chance.")
    up = [p.name for p in shown if p.change == CHANGE_UP]
    down = [p.name for p in shown if p.change == CHANGE_DOWN]
    if up or down:
        parts = [
            f"up in {len(up)} ({', '.join(up[:4])}{'…' if len(up) > 4 else ''})" if up else "",
            f"down in {len(down)} ({', '.join(down[:4])}{'…' if len(down) > 4 else ''})" if down else "",
        ]
        sentences.append(f"Against {result.previous_period}, beyond chance: " + "; ".join(p for p in parts if p) + ".")
    else:
        sentences.append(f"No {one} changed beyond chance against {result.previous_period}.")
    if result.hidden_count:
        sentences.append(f"{result.hidden_count} {one if result.hidden_count == 1 else many} hidden.")
    return " ".join(sentences)


SPC_MONTHS = 12  # months, none hidden, before a small area's series gets a control chart


def covered_quarters(published: pd.DataFrame) -> list[Quarter]:
    """The quarters the frame covers whole (a stated quarter or its three months), oldest first."""
    if published.empty:
        return []
    starts = pd.to_datetime(published["period_start"]).dt.date
    months: dict[Quarter, set] = {}
    for start in set(starts):
        months.setdefault(Quarter.containing(start), set()).add(start)
    return sorted(q for q, found in months.items() if set(q.months()) <= found)


def quarter_shown(covered: Sequence[Quarter], selected: Quarter) -> Quarter | None:
    """The quarter every view maps for a selected quarter: the selected one when the small-area figures
    cover it, else the newest covered before it (None when none is)."""
    before = [q for q in covered if q <= selected]
    return max(before) if before else None


def place_detail(
    published: pd.DataFrame,
    catalogue: Catalogue,
    code: str,
    indicator_id: str,
    quarter: Quarter,
    totals: Collection[str] = (),
):
    """One small area's indicator by month (published: None when hidden) and its quarter by crime type
    (the kinds' `totals`, e.g. all recorded crime, left out of the types)."""
    rows = published[(published["area_code"] == code) & (published["breakdown"] == "")]
    if rows.empty:
        return None
    starts, ends = pd.to_datetime(rows["period_start"]), pd.to_datetime(rows["period_end"])
    monthly = rows[(ends - starts).dt.days < 32]
    series = monthly[monthly["indicator"] == indicator_id].sort_values("period_start")
    partial = incomplete_months(published, indicator_id)
    series = series[~pd.to_datetime(series["period_start"]).isin(partial)]
    months = tuple(
        (f"{pd.Timestamp(start):%b %Y}", None if hidden or pd.isna(value) else float(value))
        for start, value, hidden in zip(
            series["period_start"],
            pd.to_numeric(series["value"], errors="coerce"),
            series["suppressed"].astype(bool),
            strict=True,
        )
    )
    types = []
    for ind_id, ind_rows in rows.groupby("indicator", sort=False):
        if ind_id in totals or ind_id not in {i.id for i in catalogue.indicators}:
            continue
        figure = quarter_figures(ind_rows, quarter).get(code, "absent")
        if figure != "absent":
            types.append((catalogue.indicator(ind_id).name, figure))
    types.sort(key=lambda t: (t[1] is None, -(t[1] or 0), t[0]))
    shown = [v for _, v in months if v is not None]
    ready = len(shown) >= SPC_MONTHS and len(shown) == len(months) and sum(shown) > 0
    ind = catalogue.indicator(indicator_id)
    return PlaceDetail(
        code=code,
        name=str(rows["area"].iloc[0]),
        indicator_name=catalogue.indicator(indicator_id).name,
        months=months,
        types=tuple(types),
        quarter=quarter.label,
        spc_ready=ready,
        spc=spc_chart(shown, ind.polarity, counts=True) if ready else None,
        note=(
            f"Left out: {', '.join(f'{m:%b %Y}' for m in partial)}, which the release barely covers "
            "(the whole area's count is under a tenth of a usual month's)."
            if partial
            else ""
        ),
    )


def incomplete_months(published: pd.DataFrame, indicator_id: str) -> list[pd.Timestamp]:
    """Months a release barely covers: the whole area's count under a tenth of its median month's (e.g.
    a 24-month LSOA extract whose first month holds one crime for the borough)."""
    rows = published[(published["indicator"] == indicator_id) & (published["breakdown"] == "")]
    starts, ends = pd.to_datetime(rows["period_start"]), pd.to_datetime(rows["period_end"])
    monthly = rows[(ends - starts).dt.days < 32]
    totals = pd.to_numeric(monthly["value"], errors="coerce").groupby(starts.loc[monthly.index]).sum()
    if len(totals) < 3 or totals.median() <= 0:
        return []
    return sorted(totals.index[totals < totals.median() / 10])


def borough_map(london, area_code: str, catalogue: Catalogue, attribution: str = "") -> PlaceMap:
    """A London comparison (`LondonFunnel`) as a map of boroughs: 12-month rates per 1,000 residents in
    the same five classes (multiples of London's rate), the boroughs beyond the upper 99.8% funnel
    limit marked, the area and its similar boroughs outlined."""
    from cspdash import geography

    codes = {shape.name: code for code, shape in geography.borough_shapes().items()}
    funnel = london.funnel
    target = funnel.target
    places = []
    for point in funnel.points:
        highlight = "area" if point.name == london.area else "similar" if point.name in london.similar else ""
        places.append(
            Place(
                code=codes.get(point.name, point.name),
                name=point.name,
                count=point.numerator,
                previous=None,
                residents=int(point.denominator),
                rate=point.value,
                band=_band(point.value, target),
                hotspot=point.band == "above 99.8%",
                highlight=highlight,
            )
        )
    places.sort(key=lambda p: p.code)
    above = [p.name for p in places if p.hotspot]
    finding = london.sentence + (
        f" Boroughs above London beyond chance (99.8%): {', '.join(above)}."
        if above
        else " No borough is above London beyond chance."
    )
    return PlaceMap(
        area=london.area,
        area_code=area_code,
        level="borough",
        indicator_id=next((i.id for i in catalogue.indicators if i.name == london.indicator), london.indicator),
        indicator_name=london.indicator,
        period=london.period,
        previous_period="",
        measure="rate",
        places=tuple(places),
        bands=tuple(w.format(area="London") for w in CLASS_WORDS),
        hidden_label=hidden_label(catalogue),
        finding=finding,
        method=(
            f"12-month rates per 1,000 residents ({london.population}), in five fixed classes of London's rate "
            f"({target:.1f} per 1,000): under half, half to 0.8×, 0.8× to 1.25×, 1.25× to twice, twice or more. "
            "Outlined: the area, and dashed its ONS similar boroughs. 'Above London beyond chance' means higher "
            "than London by more than chance explains for a borough its size (at 99.8%)."
        ),
        statistics=f"Above London: the upper 99.8% funnel limit. {funnel.method}",
        source="London-wide release",
        attribution=attribution,
        level_words=LEVEL_WORDS["borough"],
    )
