"""What a sub-group page shows for one indicator: series, rolling year, headline, figures table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cspdash.catalogue import Indicator
from cspdash.formatting import format_reading, headline
from cspdash.overview import target_for
from cspdash.periods import Quarter
from cspdash.rag import Judgement, Target, judge
from cspdash.trends import quarterly, reading_for, rolling_twelve_months, vintage_note, year_on_year


@dataclass(frozen=True)
class IndicatorView:
    indicator: Indicator
    series: pd.DataFrame
    rolling: pd.DataFrame
    judgement: Judgement
    headline: str
    finding: str  # the headline without the status reason, for a chart title
    vintage_note: str | None = None
    releases: tuple[str, ...] = ()


def indicator_view(
    ind: Indicator, observations: pd.DataFrame, quarter: Quarter, targets: dict[tuple[str, int], Target]
) -> IndicatorView:
    series = quarterly(ind, observations)
    series = series[series["quarter"] <= quarter]
    change = year_on_year(series, quarter)
    judgement = judge(ind, change, target_for(ind, quarter.fy, targets))
    rolling = rolling_twelve_months(ind, series)
    shown = observations[pd.to_datetime(observations["period_start"]).dt.date <= quarter.end]
    releases = tuple(sorted({v for v in shown.get("vintage", pd.Series(dtype=object)).dropna() if v}))
    return IndicatorView(
        ind,
        series,
        rolling,
        judgement,
        headline(ind, quarter, change, judgement),
        headline(ind, quarter, change),
        vintage_note(observations, quarter),
        releases,
    )


def figures_table(view: IndicatorView, quarters: int = 8) -> pd.DataFrame:
    """The last `quarters` quarters: figure, its parts, a year earlier, and the rolling 12 months."""
    ind = view.indicator
    rows = []
    for row in view.series.tail(quarters).itertuples():
        quarter = row.quarter
        rows.append(
            {
                "Quarter": quarter.label,
                f"Figure ({ind.unit_label})": format_reading(ind, reading_for(view.series, quarter)),
                "Numerator": "" if pd.isna(row.numerator) else f"{row.numerator:,.0f}",
                "Denominator": "" if pd.isna(row.denominator) else f"{row.denominator:,.0f}",
                "Same quarter last year": format_reading(ind, reading_for(view.series, quarter.year_earlier())),
                "Rolling 12 months": format_reading(ind, reading_for(view.rolling, quarter)),
            }
        )
    return pd.DataFrame(rows)
