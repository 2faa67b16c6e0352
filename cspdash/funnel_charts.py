"""Funnel plots and the spine chart: the area against every London borough, drawn from the one
verdict `cspdash.against_london` gives. Shape and a word, never colour alone, mark the area, its
similar boroughs and the limits."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from cspdash.against_london import LondonFunnel
from cspdash.palette import DARK_BLUE, DARK_PINK, FONT_FAMILY, SECONDARY_TEXT, TEXT, TURQUOISE, WHITE

FONT = dict(family=FONT_FAMILY, size=14, color=TEXT)
OTHERS = "#6f777b"
LIMIT_95, LIMIT_998 = SECONDARY_TEXT, TEXT


def _title(text: str, wrap: int) -> tuple[str, int]:
    lines = textwrap.wrap(text, wrap)
    return "<br>".join(lines), len(lines)


def _ticks(low: float, high: float) -> list[float]:
    """1, 2, 5 × 10ⁿ between `low` and `high`: a log axis whose labels never overlap."""
    ticks = [m * 10**n for n in range(0, 9) for m in (1, 2, 5)]
    return [t for t in ticks if low <= t <= high]


def funnel_figure(view: LondonFunnel, wrap: int = 80, height: int = 480) -> go.Figure:
    """Every borough's rate against its population, with London's rate and the 95% and 99.8%
    limits; the area (a large square, named) and its similar boroughs (diamonds) stand out."""
    funnel = view.funnel
    residents = [p.denominator for p in funnel.points]
    grid = np.geomspace(max(1.0, min(residents) * 0.8), max(residents) * 1.1, 120).tolist()
    curve = funnel.curve(grid)
    fig = go.Figure()
    for key, name, colour, dash in (
        ("upper998", "99.8% limits", LIMIT_998, "dash"),
        ("lower998", None, LIMIT_998, "dash"),
        ("upper95", "95% limits", LIMIT_95, "dot"),
        ("lower95", None, LIMIT_95, "dot"),
    ):
        fig.add_scatter(
            x=grid,
            y=curve[key],
            mode="lines",
            line=dict(color=colour, width=1.5, dash=dash),
            name=name or "",
            showlegend=name is not None,
            legendgroup=key[5:],
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=[grid[0], grid[-1]],
        y=[funnel.target, funnel.target],
        mode="lines",
        line=dict(color=TEXT, width=2),
        name=f"London {funnel.target:,.1f}",
        hoverinfo="skip",
    )
    groups = (
        ("Other London boroughs", lambda p: p.name != view.area and p.name not in view.similar, OTHERS, "circle", 8),
        ("Similar boroughs (ONS)", lambda p: p.name in view.similar, TURQUOISE, "diamond", 11),
        (view.area, lambda p: p.name == view.area, DARK_BLUE, "square", 16),
    )
    for name, chosen, colour, symbol, size in groups:
        points = [p for p in funnel.points if chosen(p)]
        if not points:
            continue
        fig.add_scatter(
            x=[p.denominator for p in points],
            y=[p.value for p in points],
            mode="markers+text" if name == view.area else "markers",
            text=[p.name for p in points] if name == view.area else None,
            textposition="top center",
            textfont=dict(color=TEXT, size=15),
            marker=dict(color=colour, symbol=symbol, size=size, line=dict(color=WHITE, width=1)),
            name=name,
            customdata=[[p.name, p.band] for p in points],
            hovertemplate="%{customdata[0]}: %{y:,.1f} per 1,000, %{x:,.0f} residents (%{customdata[1]})<extra></extra>",
        )
    outliers = [p for p in funnel.points if p.band.endswith("99.8%") and p.name != view.area]
    for p in outliers:
        fig.add_annotation(
            x=np.log10(p.denominator),
            y=p.value,
            text=p.name,
            showarrow=False,
            yshift=12,
            font=dict(color=TEXT, size=12),
        )
    title, lines = _title(view.sentence, wrap)
    fig.update_layout(
        title=dict(text=title, font=dict(size=16, color=TEXT), x=0, xanchor="left"),
        font=FONT,
        xaxis=dict(
            title="Residents (log scale)",
            type="log",
            gridcolor="#dddddd",
            tickvals=_ticks(grid[0], grid[-1]),
            tickformat=",.0f",
        ),
        yaxis=dict(title="Rate per 1,000 residents", gridcolor="#dddddd", rangemode="tozero"),
        plot_bgcolor=WHITE,
        paper_bgcolor=WHITE,
        margin=dict(l=70, r=20, t=30 + 22 * lines, b=100),
        height=height + 22 * lines,
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0, xanchor="left", font=dict(color=TEXT)),
    )
    for axes in (fig.update_xaxes, fig.update_yaxes):
        axes(tickfont=dict(color=TEXT), title_font=dict(color=TEXT), linecolor=SECONDARY_TEXT)
    return fig


VERDICT_STYLE = {  # marker colour and shape for the area on the spine chart
    "Worse than London": (DARK_PINK, "diamond"),
    "Better than London": (DARK_BLUE, "circle"),
    "Similar to London": (WHITE, "square"),
    "Higher than London": (DARK_PINK, "triangle-up"),
    "Lower than London": (DARK_BLUE, "triangle-down"),
}


def spine_position(value: float, target: float, rates: Sequence[float]) -> float:
    """Where a rate sits on a spine row: London at 0.5, the borough furthest from London at 0 or 1
    (Fingertips' spine chart scaling), so that indicators of different size share one axis."""
    half = max(abs(r - target) for r in rates) or 1.0
    return 0.5 + (value - target) / (2 * half)


def spine_figure(records: Sequence[dict], area: str, period: str, wrap: int = 90) -> go.Figure:
    """One row per indicator (`LondonFunnel.to_record()`, as a snapshot keeps them): the boroughs'
    range (lowest to highest, the middle half darker), London at the centre line, and the area's
    marker by its verdict: a Fingertips spine chart."""
    fig = go.Figure()
    names = [f"{r['indicator']}: {r['verdict']}" + (f" ({r['strength']})" if r["strength"] else "") for r in records]
    for r, name in zip(records, names, strict=True):
        rates = [p["rate"] for p in r["points"]]
        low, q1, q3, high = (spine_position(x, r["london"], rates) for x in np.percentile(rates, [0, 25, 75, 100]))
        for start, end, colour in ((low, high, "#c8cbcd"), (q1, q3, "#8d9296")):
            fig.add_scatter(
                x=[start, end],
                y=[name, name],
                mode="lines",
                line=dict(color=colour, width=14),
                showlegend=False,
                hoverinfo="skip",
            )
    seen = set()
    for r, name in zip(records, names, strict=True):
        colour, symbol = VERDICT_STYLE[r["verdict"]]
        rates = [p["rate"] for p in r["points"]]
        fig.add_scatter(
            x=[spine_position(r["rate"], r["london"], rates)],
            y=[name],
            mode="markers",
            marker=dict(color=colour, symbol=symbol, size=16, line=dict(color=TEXT, width=1.5)),
            name=r["verdict"],
            legendgroup=r["verdict"],
            showlegend=r["verdict"] not in seen,
            hovertemplate=f"{r['rate']:,.1f} per 1,000 (London {r['london']:,.1f})<extra>{r['verdict']}</extra>",
        )
        seen.add(r["verdict"])
    fig.add_vline(x=0.5, line=dict(color=TEXT, width=2))
    counts = Counter(r["verdict"].removesuffix(" than London").removesuffix(" to London").lower() for r in records)
    told = ", ".join(f"{counts[w]} {w}" for w in ("worse", "better", "higher", "lower", "similar") if counts[w])
    title, lines = _title(f"{area} against London, {period}: {told} (of {len(records)}, 95% funnel limits)", wrap)
    fig.update_layout(
        title=dict(text=title, font=dict(size=16, color=TEXT), x=0, xanchor="left"),
        font=FONT,
        xaxis=dict(
            title="Each bar: the lowest to the highest borough, the middle half darker",
            range=[-0.02, 1.02],
            tickvals=[0, 0.5, 1],
            ticktext=["Lowest", "London", "Highest"],
            showgrid=False,
        ),
        yaxis=dict(autorange="reversed", automargin=True),
        plot_bgcolor=WHITE,
        paper_bgcolor=WHITE,
        margin=dict(l=20, r=20, t=30 + 22 * lines, b=110),
        height=140 + 44 * len(records) + 22 * lines,
        legend=dict(
            orientation="h",
            yanchor="top",
            y=-0.12 if len(records) > 6 else -0.3,
            x=0,
            xanchor="left",
            font=dict(color=TEXT),
        ),
    )
    for axes in (fig.update_xaxes, fig.update_yaxes):
        axes(tickfont=dict(color=TEXT), title_font=dict(color=TEXT), linecolor=SECONDARY_TEXT)
    return fig
