"""Chart builders: plotly figures with active titles, unit-labelled axes and period labels."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from cspdash.catalogue import Indicator
from cspdash.formatting import format_value
from cspdash.periods import Quarter, fy_label

THIS_YEAR = "#12436D"
LAST_YEAR = "#28A197"
LINE = "#801650"
FONT = dict(family="Arial, Helvetica, sans-serif", size=14, color="#0b0c0c")


def _axis_title(ind: Indicator) -> str:
    if ind.unit == "percent":
        return "Per cent"
    if ind.unit == "rate":
        return f"Rate per {ind.per:,}" + (" a year" if ind.annualise else "")
    return "Number"


def _layout(fig: go.Figure, title: str, ind: Indicator, x_title: str) -> go.Figure:
    fig.update_layout(
        title=dict(text="<br>".join(textwrap.wrap(title, 60)), font=dict(size=16), x=0, xanchor="left"),
        font=FONT,
        xaxis_title=x_title,
        yaxis_title=_axis_title(ind),
        yaxis=dict(rangemode="tozero", gridcolor="#dddddd"),
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=80, b=90),
        height=420,
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0, xanchor="left"),
    )
    return fig


def _values(series: pd.DataFrame, quarters: list[Quarter]) -> list[float | None]:
    by_quarter = {row.quarter: row for row in series.itertuples()}
    values = []
    for quarter in quarters:
        row = by_quarter.get(quarter)
        values.append(None if row is None or row.suppressed else row.value)
    return values


def year_against_last_year(ind: Indicator, series: pd.DataFrame, quarter: Quarter, title: str) -> go.Figure:
    """This financial year's quarters beside the same quarters of last year, as grouped bars."""
    fig = go.Figure()
    labels = [f"Q{q}" for q in range(1, 5)]
    for fy, colour in ((quarter.fy - 1, LAST_YEAR), (quarter.fy, THIS_YEAR)):
        quarters = [Quarter(fy, q) for q in range(1, 5) if fy < quarter.fy or q <= quarter.q]
        values = _values(series, quarters)
        fig.add_bar(
            x=labels[: len(quarters)],
            y=values,
            name=fy_label(fy),
            marker_color=colour,
            text=[format_value(ind, v) if v is not None else "n/a" for v in values],
            textposition="outside",
            textfont=dict(size=11),
            hovertemplate=f"{fy_label(fy)} %{{x}}: %{{text}}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    return _layout(fig, title, ind, "Quarter of the financial year")


def rolling_twelve(ind: Indicator, rolling: pd.DataFrame, quarter: Quarter) -> go.Figure:
    """The rolling 12-month figure at each quarter end, up to the selected quarter."""
    shown = rolling[rolling["quarter"] <= quarter].tail(12)
    fig = go.Figure()
    values = [None if s else v for v, s in zip(shown["value"], shown["suppressed"], strict=True)]
    fig.add_scatter(
        x=[q.label for q in shown["quarter"]],
        y=values,
        mode="lines+markers",
        line=dict(color=LINE, width=3),
        name="12 months to quarter end",
        hovertemplate="12 months to %{x}: %{y:,.1f}<extra></extra>",
    )
    known = [v for v in values if v is not None]
    if known:
        title = f"{ind.name}, rolling 12 months: {format_value(ind, known[-1])} in the year to {quarter.label}"
    else:
        title = f"{ind.name}, rolling 12 months: not enough quarters yet"
    fig.update_xaxes(tickangle=-45)
    if any(shown["suppressed"]):
        fig.add_annotation(
            text="Gaps: a suppressed figure falls in those 12 months",
            xref="paper",
            yref="paper",
            x=0,
            y=1.02,
            showarrow=False,
            xanchor="left",
            font=dict(size=12, color="#505a5f"),
        )
    return _layout(fig, title, ind, "12 months to the end of quarter")
