"""Chart builders: plotly figures with active titles, unit-labelled axes and period labels."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from html import escape

import pandas as pd
import plotly.graph_objects as go

from cspdash.annotations import Annotation, action_marks, placed
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


def _hollow_legend(fig: go.Figure, name: str) -> None:
    """A legend entry that explains the chart's hollow markers."""
    fig.add_scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker=dict(color="white", symbol="circle", size=9, line=dict(color="#505a5f", width=2)),
        name=name,
    )


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


def chart_of(a: Assessment, annotations: Sequence[Annotation] | None = None) -> go.Figure:
    """The chart that goes with the indicator's headline (meeting mode, the papers): its SPC chart
    (with `annotations`, by default its breaks and baseline), or for a 12-month headline the 12-month
    series it states, titled with the finding."""
    if a.indicator.headline != "rolling_12_months" or a.rolling.empty:
        return spc_figure(a, annotations)
    return rolling_twelve(a.indicator, a.rolling, a.quarter, title=finding(a), target=a.target)


GAP_WORDS = {"month": "Months between events", "quarter": "Quarters between events"}


def annotations_for(a: Assessment, actions: pd.DataFrame | None = None) -> tuple[Annotation, ...]:
    """What the indicator's SPC chart marks: its declared breaks and baseline (from the catalogue, as
    judged) and the start of each action linked to it in `actions` (the store's actions table)."""
    return (*a.annotations, *action_marks(a.indicator.id, actions))


def chart_caption(a: Assessment, rules: str, annotations: Sequence[Annotation] | None = None) -> str:
    """The words under the SPC chart: the rule set (`rules`), the baseline the limits were fixed
    from when `rules` does not say it already, the declared breaks, and each action marked on the
    chart with its full title, so that nothing drawn on it is said only in the drawing."""
    parts = [rules]
    if a.spc is not None and a.spc.baseline_note and a.spc.baseline_note not in rules:
        parts.append(a.spc.baseline_note)
    parts.extend(a.break_notes)
    marks = placed(
        a.annotations if annotations is None else annotations, [p.start for p in a.spc_points], a.spc_frequency
    )
    actions = [
        f"{mark.reason} (marked at {a.spc_points[index].label})" for mark, index, _ in marks if mark.kind == "action"
    ]
    if actions and (a.spc is None or a.spc.kind != "g"):
        parts.append("Actions marked on the chart: " + "; ".join(actions) + ".")
    return " ".join(parts)


def spc_figure(a: Assessment, annotations: Sequence[Annotation] | None = None) -> go.Figure:
    """The SPC chart: points, centre line, process limits per segment (stepped point by point on a
    p or u chart), special-cause points by colour and shape, the target line, provisional points
    hollow, and each of `annotations` (by default the assessment's breaks and baseline; see
    `annotations_for`) with its short label and its reason on hover. A g chart plots the gaps
    between events (one point per event) with its own axis, and no annotations."""
    ind, points, chart = a.indicator, a.spc_points, a.spc
    if chart is not None and chart.usable and chart.kind == "g":
        return _g_figure(a)
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
    marks = placed(a.annotations if annotations is None else annotations, [p.start for p in points], a.spc_frequency)
    if chart is not None and chart.usable:
        marked = {index for mark, index, _ in marks if mark.kind == "break"}
        _draw_limits(fig, chart, labels, ind.unit, marked)
    label_rows = _draw_annotations(fig, marks)
    if a.target is not None:
        fig.add_scatter(
            x=labels,
            y=[a.target.value] * len(labels),
            mode="lines",
            line=dict(color="#801650", width=2, dash="dashdot"),
            name="Target" + ("" if a.target.confirmed else " (indicative)"),
            hoverinfo="skip",
        )
    if any(p.provisional for p in points):
        _hollow_legend(fig, "Hollow: provisional (the next release revises it)")
    fig.update_xaxes(tickangle=-45, nticks=12)
    x_title = "Month" if a.spc_frequency == "month" else "Quarter"
    _layout(fig, spc_title(a), ind, x_title)
    fig.update_yaxes(rangemode="normal")  # limits matter here, not the distance from zero
    fig.update_layout(
        legend=dict(y=-0.42),
        margin=dict(b=190, t=fig.layout.margin.t + LABEL_ROW * label_rows),
        height=fig.layout.height + 100 + LABEL_ROW * label_rows,
        xaxis=dict(title_standoff=8),
    )
    if label_rows:  # the title keeps to the top, the marks' labels stand below it
        fig.update_layout(title=dict(yref="container", y=1 - 24 / fig.layout.height, yanchor="top"))
    return fig


def _draw_limits(fig: go.Figure, chart, labels: list[str], unit: str, marked: set[int] = frozenset()) -> None:
    """Each segment's centre line and process limits: flat on an XmR or g chart, a step at every
    point on a p or u chart (each point's limits come from its own denominator); a dotted line
    between segments unless a declared break is drawn at the first point of the new one (`marked`)."""
    centre_name = "Median gap" if chart.kind == "g" else "Mean"
    for number, segment in enumerate(chart.segments):
        x = labels[segment.start : segment.stop]
        indexes = range(segment.start, segment.stop)
        first = number == len(chart.segments) - 1
        ceiling = 100.0 if unit == "percent" else float("inf")
        uppers = [min(segment.upper_at(i), ceiling) for i in indexes]
        lowers = [max(segment.lower_at(i), 0.0) if unit != "gbp" else segment.lower_at(i) for i in indexes]
        stepped = bool(segment.uppers)
        for values, dash, name in (
            ([segment.limits.mean] * len(x), "solid", centre_name),
            (uppers, "dash", "Process limits"),
            (lowers, "dash", None),
        ):
            fig.add_scatter(
                x=x,
                y=values,
                mode="lines",
                line=dict(
                    color="#0b0c0c" if name == centre_name else "#505a5f",
                    width=1.5,
                    dash=dash,
                    shape="hvh" if stepped and name != centre_name else "linear",
                ),
                name=(name or "Process limits") + (" (provisional)" if segment.provisional else ""),
                showlegend=first and name is not None,
                hoverinfo="skip",
            )
        if segment.start > 0 and segment.start not in marked:
            fig.add_vline(x=segment.start - 0.5, line=dict(color="#505a5f", width=1, dash="dot"))


MARK_STYLES = {  # line colour and dash of each kind of mark; labels are dark text on white
    "break": ("#0b0c0c", "dash"),
    "action": ("#1d70b8", "dot"),
}


LABEL_ROW = 24  # px: the marks' labels stand in rows above the plot, clear of the points
LABEL_ROWS = 4


def _draw_annotations(fig: go.Figure, marks: list[tuple[Annotation, int, int | None]]) -> int:
    """A baseline as a light band over its points, labelled 'Baseline: <reason>'; a break or an
    action as a vertical line at the point it starts at; each short label above the plot (a row each,
    up to four) in dark text on white, its full reason on hover (the words under the chart say it
    too). Returns the rows of labels drawn."""
    text = dict(size=12, color=TEXT, family=FONT_FAMILY)
    for row, (mark, index, stop) in enumerate(marks):
        if mark.kind == "baseline":
            fig.add_vrect(x0=index - 0.5, x1=stop - 0.5, fillcolor="#f3f2f1", opacity=1.0, layer="below", line_width=0)
            x = index - 0.5
        else:
            colour, dash = MARK_STYLES.get(mark.kind, MARK_STYLES["break"])
            fig.add_vline(x=index, line=dict(color=colour, width=1.5, dash=dash))
            x = index
        fig.add_annotation(
            x=x,
            xref="x",
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=2
            + LABEL_ROW * (len(marks) - 1 - row % LABEL_ROWS if len(marks) <= LABEL_ROWS else row % LABEL_ROWS),
            xanchor="left",
            text=escape(mark.label, quote=False),  # a title typed by a user is text, never markup
            hovertext=escape(mark.reason, quote=False),
            showarrow=False,
            font=text,
            bgcolor=WHITE,
            bordercolor=SECONDARY_TEXT,
            borderwidth=1,
            borderpad=2,
            name=mark.kind,
        )
    return min(len(marks), LABEL_ROWS)


def _g_figure(a: Assessment) -> go.Figure:
    """A g chart: the gap before each event (labelled with its period; the gap still open since the
    last event marked "so far"), the median gap and the upper limit, with the days since the last."""
    ind, chart = a.indicator, a.spc
    labels = list(chart.labels)
    word = "month" if a.spc_frequency == "month" else "quarter"
    fig = go.Figure()
    fig.add_scatter(x=labels, y=list(chart.values), mode="lines", line=dict(color="#b1b4b6", width=2), hoverinfo="skip")
    fig.update_traces(showlegend=False)
    for kind, (colour, symbol, name) in POINT_STYLES.items():
        chosen = [i for i, t in enumerate(chart.point_types) if t == kind]
        if not chosen:
            continue
        fig.add_scatter(
            x=[labels[i] for i in chosen],
            y=[chart.values[i] for i in chosen],
            mode="markers",
            marker=dict(
                color=["white" if labels[i].endswith("(so far)") else colour for i in chosen],
                symbol=symbol,
                size=11 if kind != "common_cause" else 8,
                line=dict(color=colour, width=2),
            ),
            name=name,
            hovertemplate="%{x}: %{y:,.0f} " + word + "s since the event before<extra>" + name + "</extra>",
        )
    _draw_limits(fig, chart, labels, "count")
    if labels and labels[-1].endswith("(so far)"):
        _hollow_legend(fig, "Hollow: the gap still open since the last event (so far)")
    since = textwrap.wrap(chart.since_last or "", 44)
    if since:
        fig.add_annotation(
            text="<br>".join(since),
            xref="paper",
            yref="paper",
            x=0,
            y=1.0,
            yanchor="bottom",
            showarrow=False,
            xanchor="left",
            align="left",
            font=dict(size=14, color=TEXT),
        )
    fig.update_xaxes(tickangle=-45, nticks=12)
    _layout(fig, spc_title(a), ind, f"Each event, by the {word} it fell in")
    fig.update_yaxes(rangemode="tozero", title_text=GAP_WORDS.get(word, "Periods between events"))
    room = 20 * len(since)  # the days since the last, between the title and the plot
    fig.update_layout(
        legend=dict(y=-0.42),
        margin=dict(b=190, t=fig.layout.margin.t + room),
        title=dict(yref="container", y=1, yanchor="top", pad=dict(t=8)),  # the title stays at the top
        height=fig.layout.height + 100 + room,
        xaxis=dict(title_standoff=8),
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
