"""Chart builders: plotly figures with active titles, unit-labelled axes and period labels."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from cspdash.board import Assessment
from cspdash.catalogue import Indicator
from cspdash.disproportionality import CohortView
from cspdash.formatting import format_value, headline
from cspdash.palette import DARK_BLUE, DARK_PINK, FONT_FAMILY, SECONDARY_TEXT, SPC_POINTS, TEXT, TURQUOISE, WHITE
from cspdash.periods import Quarter

THIS_YEAR, LAST_YEAR, LINE = DARK_BLUE, TURQUOISE, DARK_PINK
FONT = dict(family=FONT_FAMILY, size=14, color=TEXT)


def _axis_title(ind: Indicator) -> str:
    if ind.unit == "percent":
        return "Per cent"
    if ind.unit == "rate":
        return f"Rate per {ind.per:,}" + (" a year" if ind.annualise else "")
    return "Number"


def _layout(fig: go.Figure, title: str, ind: Indicator, x_title: str, wrap: int = 48) -> go.Figure:
    """Titles wrap to fit a half-width column (a chart beside another on a sub-group page)."""
    lines = textwrap.wrap(title, wrap)
    fig.update_layout(
        title=dict(text="<br>".join(lines), font=dict(size=16, color=TEXT), x=0, xanchor="left"),
        font=FONT,
        xaxis_title=x_title,
        yaxis_title=_axis_title(ind),
        yaxis=dict(rangemode="tozero", gridcolor="#dddddd"),
        plot_bgcolor=WHITE,
        paper_bgcolor=WHITE,  # a light card in either theme: its text colours are fixed
        margin=dict(l=60, r=20, t=30 + 22 * len(lines), b=90),
        height=400 + 22 * len(lines),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0, xanchor="left"),
    )
    return dark_text(fig)


def dark_text(fig: go.Figure) -> go.Figure:
    """Axis and legend text in the body colour (Streamlit's chart theme would make it grey, 3.7:1)."""
    for axes in (fig.update_xaxes, fig.update_yaxes):
        axes(tickfont=dict(color=TEXT), title_font=dict(color=TEXT), linecolor=SECONDARY_TEXT)
    fig.update_layout(legend_font_color=TEXT)
    return fig


def _values(series: pd.DataFrame, quarters: list[Quarter]) -> list[float | None]:
    by_quarter = {row.quarter: row for row in series.itertuples()}
    values = []
    for quarter in quarters:
        row = by_quarter.get(quarter)
        values.append(None if row is None or row.suppressed else row.value)
    return values


def rolling_twelve(
    ind: Indicator, rolling: pd.DataFrame, quarter: Quarter, title: str | None = None, target=None
) -> go.Figure:
    """The rolling 12-month figure at each quarter end, up to the selected quarter (with the target,
    when given; titled `title` when it is the indicator's headline)."""
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
    known = [(q, v) for q, v in zip(shown["quarter"], values, strict=True) if v is not None]
    if known:
        last_quarter, last_value = known[-1]
        default_title = f"{ind.name}, rolling 12 months: {format_value(ind, last_value)} in the 12 months to the end of {last_quarter.label}"
        if last_quarter != quarter:
            default_title += f" (no complete 12 months to {quarter.label})"
    else:
        default_title = f"{ind.name}, rolling 12 months: no complete 12 months yet"
    if target is not None and len(shown):
        fig.add_scatter(
            x=[q.label for q in shown["quarter"]],
            y=[target.value] * len(shown),
            mode="lines",
            line=dict(color="#801650", width=2, dash="dashdot"),
            name="Target" + ("" if target.confirmed else " (indicative)"),
            hoverinfo="skip",
        )
    title = title or default_title
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
            font=dict(size=14, color=SECONDARY_TEXT),
        )
    return _layout(fig, title, ind, "12 months to the end of quarter")


POINT_STYLES = SPC_POINTS


def finding(a: Assessment) -> str:
    """The headline finding every title and text alternative of the indicator states: its figure,
    its comparator and the change between them (`cspdash.formatting.headline`)."""
    return headline(a.indicator, a.headline_label, a.change)


def spc_title(a: Assessment) -> str:
    """An active title: for a quarterly headline the finding, then the latest point's variation (and
    assurance); for a 12-month or quarterly headline drawn from monthly points, what the points are.
    A chart whose points are not the headline's measure states no figure of its own."""
    ind, points = a.indicator, a.spc_points
    if not points:
        return f"{ind.name}: no figures to chart"
    if ind.headline == "rolling_12_months":
        lead = f"{ind.name}, each quarter's own figure (the basis of the status)"
    elif a.spc_frequency == "month":
        lead = f"{finding(a)}; monthly figures"
    else:
        lead = finding(a)
    if a.spc is None or not a.spc.usable:
        from cspdash.status import plain_unusable

        return f"{lead}; no usual range drawn: {plain_unusable(a.spc.unusable if a.spc else 'no series')}"
    words = a.variation_plain
    title = f"{lead}: {words[0].lower()}{words[1:]}"
    if a.assurance_plain:
        title += f"; {a.assurance_plain[0].lower()}{a.assurance_plain[1:]}"
    return title


def chart_of(a: Assessment) -> go.Figure:
    """The chart that goes with the indicator's headline (meeting mode, the papers): its SPC chart,
    or for a 12-month headline the 12-month series it states, titled with the finding."""
    if a.indicator.headline != "rolling_12_months" or a.rolling.empty:
        return spc_figure(a)
    return rolling_twelve(a.indicator, a.rolling, a.quarter, title=finding(a), target=a.target)


def spc_figure(a: Assessment) -> go.Figure:
    """XmR chart: points, mean, process limits per segment, special-cause points by colour and
    shape, the target line, provisional points hollow."""
    ind, points, chart = a.indicator, a.spc_points, a.spc
    labels = [p.label for p in points]
    fig = go.Figure()
    fig.add_scatter(
        x=labels,
        y=[p.value for p in points],
        mode="lines",
        line=dict(color="#b1b4b6", width=2),
        name="Figure",
        hoverinfo="skip",
        showlegend=False,
    )
    types = chart.point_types if chart is not None and chart.usable else ("common_cause",) * len(points)
    for kind, (colour, symbol, name) in POINT_STYLES.items():
        chosen = [i for i, t in enumerate(types) if t == kind]
        if not chosen:
            continue
        fig.add_scatter(
            x=[labels[i] for i in chosen],
            y=[points[i].value for i in chosen],
            mode="markers",
            marker=dict(
                color=["white" if points[i].provisional else colour for i in chosen],
                symbol=symbol,
                size=11 if kind != "common_cause" else 8,
                line=dict(color=colour, width=2),
            ),
            name=name,
            hovertemplate="%{x}: %{y:,.1f}<extra>" + name + "</extra>",
        )
    if chart is not None and chart.usable:
        for number, segment in enumerate(chart.segments):
            x = labels[segment.start : segment.stop]
            first = number == len(chart.segments) - 1
            for value, dash, name in (
                (segment.limits.mean, "solid", "Mean"),
                (
                    min(segment.limits.upper, 100.0) if ind.unit == "percent" else segment.limits.upper,
                    "dash",
                    "Process limits",
                ),
                (max(segment.limits.lower, 0.0) if ind.unit != "gbp" else segment.limits.lower, "dash", None),
            ):
                fig.add_scatter(
                    x=x,
                    y=[value] * len(x),
                    mode="lines",
                    line=dict(color="#0b0c0c" if name == "Mean" else "#505a5f", width=1.5, dash=dash),
                    name=(name or "Process limits") + (" (provisional)" if segment.provisional else ""),
                    showlegend=first and name is not None,
                    hoverinfo="skip",
                )
            if segment.start > 0:
                fig.add_vline(x=segment.start - 0.5, line=dict(color="#505a5f", width=1, dash="dot"))
    if a.target is not None:
        fig.add_scatter(
            x=labels,
            y=[a.target.value] * len(labels),
            mode="lines",
            line=dict(color="#801650", width=2, dash="dashdot"),
            name="Target" + ("" if a.target.confirmed else " (indicative)"),
            hoverinfo="skip",
        )
    if any(p.provisional for p in points):  # a legend entry explains the hollow markers
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker=dict(color="white", symbol="circle", size=9, line=dict(color="#505a5f", width=2)),
            name="Hollow: provisional (the next release revises it)",
        )
    fig.update_xaxes(tickangle=-45, nticks=12)
    x_title = "Month" if a.spc_frequency == "month" else "Quarter"
    _layout(fig, spc_title(a), ind, x_title)
    fig.update_yaxes(rangemode="normal")  # limits matter here, not the distance from zero
    fig.update_layout(
        legend=dict(y=-0.42), margin=dict(b=190), height=fig.layout.height + 100, xaxis=dict(title_standoff=8)
    )
    return fig


def _listed(names: list[str]) -> str:
    """'Asian, Black and Mixed'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


RRI_TICKS = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]


def rri_title(view: CohortView) -> str:
    """An active title: which groups differ reliably from the White rate, or that none does."""
    higher = [r.group for r in view.flagged if r.lower and r.lower > 1]
    lower = [r.group for r in view.flagged if r.upper and r.upper < 1]
    if not higher and not lower:
        return f"{view.name}: no group's rate differs reliably from the White rate ({view.period})"
    parts = []
    if higher:
        parts.append(f"{_listed(higher)} children over-represented")
    if lower:
        parts.append(f"{_listed(lower)} children under-represented")
    return f"{view.name}: {'; '.join(parts)} against the White rate ({view.period})"


def rri_figure(view: CohortView) -> go.Figure:
    """Each group's relative rate index with its 95% interval on a log scale, 1 (the White rate) marked;
    groups whose interval excludes 1 in a darker colour and a diamond. Built in one step (a page shows
    one per cohort; plotly's step-by-step updates cost more than the rest of the page)."""
    estimated = [r for r in view.rates if r.rri is not None and r.group != r.reference]
    traces = []
    for flagged, colour, symbol, name in (
        (True, LINE, "diamond", "interval excludes 1"),
        (False, THIS_YEAR, "circle", "interval includes 1"),
    ):
        shown = [r for r in estimated if r.flagged is flagged]
        if shown:
            traces.append(
                dict(
                    type="scatter",
                    x=[r.rri for r in shown],
                    y=[r.group for r in shown],
                    mode="markers",
                    name=name,
                    marker=dict(color=colour, size=13, symbol=symbol),
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=[r.upper - r.rri for r in shown],
                        arrayminus=[r.rri - r.lower for r in shown],
                        color=colour,
                        thickness=2,
                    ),
                    hovertemplate="%{y}: %{x:.2f} times the White rate<extra></extra>",
                )
            )
    lines = textwrap.wrap(rri_title(view), 70)
    axis_text = dict(title_font=dict(color=TEXT), linecolor=SECONDARY_TEXT)  # as `dark_text` sets them
    layout = dict(
        shapes=[
            dict(
                type="line",
                x0=1,
                x1=1,
                xref="x",
                y0=0,
                y1=1,
                yref="y domain",
                line=dict(color="#0b0c0c", dash="dash", width=1.5),
            )
        ],
        title=dict(text="<br>".join(lines), font=dict(size=16, color=TEXT), x=0, xanchor="left"),
        font=FONT,
        xaxis=dict(
            type="log",
            title="Times the White group's rate (log scale; 1 = the same rate)",
            tickvals=RRI_TICKS,
            ticktext=[f"{t:g}" for t in RRI_TICKS],
            tickfont=dict(color=TEXT),
            gridcolor="#dddddd",
            **axis_text,
        ),
        yaxis=dict(
            title="",
            categoryorder="array",
            categoryarray=[r.group for r in reversed(estimated)],
            tickfont=dict(color=TEXT, size=15),
            **axis_text,
        ),
        plot_bgcolor=WHITE,
        paper_bgcolor=WHITE,  # a light card in either theme: its text colours are fixed
        margin=dict(l=80, r=20, t=30 + 22 * len(lines), b=110),
        height=300 + 30 * len(estimated) + 22 * len(lines),
        legend=dict(orientation="h", yanchor="top", y=-0.35, x=0, xanchor="left", font=dict(color=TEXT)),
    )
    return go.Figure(data=traces, layout=layout)


def large_type(fig: go.Figure, size: int, width: int, height: int) -> go.Figure:
    """The figure for paper or a projector: every text `size` px or more (titles a little larger), tick
    labels level and fewer, the legend at the right, drawn at `width` × `height` px."""
    text = dict(size=size, color=TEXT)
    fig.update_layout(
        font=dict(family=FONT_FAMILY, **text),
        title_font=dict(size=round(size * 1.1), color=TEXT),
        legend=dict(font=text, orientation="v", x=1.01, xanchor="left", y=1, yanchor="top"),
        width=width,
        height=height,
    )
    for axes in (fig.update_xaxes, fig.update_yaxes):
        axes(tickfont=text, title_font=text, automargin=True)
    fig.update_xaxes(tickangle=0, nticks=6, title_text="")
    for note in fig.layout.annotations or ():
        note.font.size = size
    return fig
