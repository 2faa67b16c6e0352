"""What a sub-group page shows for one indicator: the board's assessment, headline and figures table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cspdash.board import Assessment, assess_history, mark_provisional, prepare_all, target_for
from cspdash.catalogue import Catalogue, Indicator, load_catalogue
from cspdash.formatting import format_reading, headline
from cspdash.history import History, prepare
from cspdash.periods import Quarter
from cspdash.status import Target
from cspdash.trends import reading_for


@dataclass(frozen=True)
class IndicatorView:
    assessment: Assessment
    headline: str
    finding: str  # the headline without the status reason, for a chart title
    releases: tuple[str, ...] = ()

    @property
    def indicator(self) -> Indicator:
        return self.assessment.indicator

    @property
    def judgement(self):
        return self.assessment.judgement

    @property
    def series(self) -> pd.DataFrame:
        return self.assessment.series

    @property
    def rolling(self) -> pd.DataFrame:
        return self.assessment.rolling


def indicator_view(
    ind: Indicator,
    observations: pd.DataFrame,
    quarter: Quarter,
    targets: dict[tuple[str, int], Target],
    releases: pd.DataFrame | None = None,
    provisional_months: dict[str, int] | None = None,
    catalogue: Catalogue | None = None,
) -> IndicatorView | None:
    """One indicator's view from its figures for one area."""
    history = prepare(ind, mark_provisional(observations, provisional_months or {}), releases)
    return view_of(history, quarter, targets, catalogue or load_catalogue())


def view_of(
    history: History, quarter: Quarter, targets: dict[tuple[str, int], Target], catalogue: Catalogue
) -> IndicatorView | None:
    """One indicator's view of a quarter, read from its prepared history."""
    ind = history.indicator
    a = assess_history(history, quarter, target_for(ind, quarter.fy, targets), catalogue, catalogue.spc, True)
    if a is None:
        return None
    found = tuple(sorted(set().union(*(v for q, v in history.vintages.items() if q <= quarter))))
    return IndicatorView(
        a,
        headline(ind, a.headline_label, a.change, a.judgement),
        headline(ind, a.headline_label, a.change),
        found,
    )


def figures_table(view: IndicatorView, quarters: int = 8, withheld: dict | None = None) -> pd.DataFrame:
    """The last `quarters` quarters: the headline figure (the 12 months to quarter end for a 12-month
    headline), the same period a year earlier, the quarter's own figure and its parts; with `withheld`
    (for analysts), how each quarter's figure is published to viewers and in exports."""
    ind = view.indicator
    twelve = ind.headline == "rolling_12_months"
    headline_series = view.rolling if twelve else view.series
    rows = []
    for row in view.series.tail(quarters).itertuples():
        quarter = row.quarter
        reading = reading_for(view.series, quarter)
        own = format_reading(ind, reading) + (" (provisional)" if reading is not None and reading.provisional else "")
        line = {"Quarter": quarter.label}
        if twelve:
            line[f"12 months to quarter end ({ind.unit_label})"] = format_reading(
                ind, reading_for(view.rolling, quarter)
            )
            line["The same 12 months a year earlier"] = format_reading(
                ind, reading_for(headline_series, quarter.year_earlier())
            )
            line["The quarter alone"] = own
        else:
            line[f"Figure ({ind.unit_label})"] = own
            line["Same quarter last year"] = format_reading(ind, reading_for(view.series, quarter.year_earlier()))
            line["Rolling 12 months"] = format_reading(ind, reading_for(view.rolling, quarter))
        line["Numerator"] = "" if pd.isna(row.numerator) else f"{row.numerator:,.0f}"
        line["Denominator"] = "" if pd.isna(row.denominator) else f"{row.denominator:,.0f}"
        if withheld is not None:
            line["Published as"] = f"‡ {withheld[quarter]}" if quarter in withheld else "as shown"
        rows.append(line)
    return pd.DataFrame(rows)


def summary_html(views: list[IndicatorView], caption: str) -> str:
    """The sub-group at a glance, before any chart: each indicator's figure, change and status, with a
    link to its section."""
    from html import escape

    from cspdash.formatting import format_change
    from cspdash.overview import status_badge

    rows = "".join(
        f'<tr><th scope="row"><a href="#{v.indicator.id}">{escape(v.indicator.name)}</a>'
        f'<div class="unit">{escape(v.indicator.unit_label)}</div></th>'
        f'<td class="num">{escape(format_reading(v.indicator, v.assessment.reading))}</td>'
        f"<td>{escape(format_change(v.indicator, v.assessment.change))}</td>"
        f"<td>{status_badge(v.judgement, with_reason=False)}</td></tr>"
        for v in views
    )
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Indicator", "Figure", "Change on a year earlier", "Status"))
    return (
        f'<table class="overview summary"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def subgroup_views(
    catalogue: Catalogue,
    subgroup_id: str,
    observations: pd.DataFrame,
    quarter: Quarter,
    targets: dict[tuple[str, int], Target],
    releases: pd.DataFrame | None = None,
    provisional_months: dict[str, int] | None = None,
    histories: dict[str, History] | None = None,
) -> list[IndicatorView]:
    """A sub-group's view of an area's quarter: each quarterly or monthly indicator with figures, in
    catalogue order (annual publications are shown as published comparators instead); from
    `histories` (`cspdash.board.prepare_all`) when they have been prepared already."""
    if histories is None:
        histories = prepare_all(catalogue, observations, releases, provisional_months, subgroup_id)
    views = (
        view_of(history, quarter, targets, catalogue)
        for history in histories.values()
        if history.indicator.subgroup == subgroup_id
    )
    return [view for view in views if view is not None]
