"""Maps of small areas drawn with no network: each area's polygons as a filled plotly Scatter on plain
Cartesian axes (x longitude, y latitude), so the figure is self-contained SVG in the browser and
renders in kaleido for the board pack. No tiles, no topojson, no WebGL.

Every figure comes from one `PlaceMap` (cspdash.place_records): a hidden place is drawn hatched grey
with the hidden label and never with a number, and the hover text holds only what the record holds."""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from cspdash.geography import Shape
from cspdash.palette import FONT_FAMILY, SECONDARY_TEXT, TEXT, WHITE
from cspdash.place_records import CHANGE_DOWN, CHANGE_UP, Place, PlaceDetail, PlaceMap

# ColorBrewer YlOrRd (colour-blind safe, sequential, lightest first), by number of classes
SEQUENTIAL = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    6: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"),
    7: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"),
}
# Change maps: a colour-blind-safe diverging pair (ColorBrewer PuOr's orange, Okabe–Ito's blue)
CHANGE_COLOURS = {
    CHANGE_UP: ("#e66101", "Up, beyond chance"),
    CHANGE_DOWN: ("#0072b2", "Down, beyond chance"),
}
NO_CHANGE_COLOUR, NO_CHANGE_WORDS = "#f3f2f1", "No change beyond chance"
NOT_COMPARED_COLOUR, NOT_COMPARED_WORDS = WHITE, "Not compared (no figure a year earlier)"
NO_CLASS_WORDS = "No rate: no population for this boundary (count in the table)"
HIDDEN_FILL, HIDDEN_HATCH = "#e8e9ea", "#6f777b"
BORDER = WHITE  # between areas on a coloured map
CHANGE_BORDER = "#b1b4b6"  # between areas on a mostly pale change map
OUTLINE = TEXT
SWATCH_EDGE = "#6f777b"
LEGEND_FONT = 14
# The hover points: invisible by default (dots at centroids read as data on a printed map), but still
# hovered; plotly finds the nearest point within `hoverdistance` pixels.
HOVER_MARKER_SIZE, HOVER_MARKER_OPACITY = 6, 0.0


def band_colours(n: int) -> tuple[str, ...]:
    """n sequential colours, lightest first (ColorBrewer YlOrRd; sampled from it beyond 7 classes)."""
    if n in SEQUENTIAL:
        return SEQUENTIAL[n]
    return tuple(sample_colorscale("YlOrRd", [i / max(n - 1, 1) for i in range(n)]))


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _plural(n: int, words: tuple[str, str]) -> str:
    return f"{n:,} {words[0] if n == 1 else words[1]}"


def _xy(rings: Iterable[tuple[tuple[float, float], ...]]) -> tuple[list, list]:
    """The rings' points as x and y lists, rings separated by None (plotly fills each part)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(p[0] for p in ring)
        ys.extend(p[1] for p in ring)
    return xs, ys


def _all_rings(shapes: Iterable[Shape]) -> list:
    return [ring for shape in shapes for polygon in shape.polygons for ring in polygon]


def _exteriors(shapes: Iterable[Shape]) -> list:
    return [polygon[0] for shape in shapes for polygon in shape.polygons]


KEY_LINE = 48  # characters: a longer key entry is broken into lines, so the key does not squeeze the map


def _key_lines(words: str) -> str:
    """A key entry broken at spaces into lines of at most KEY_LINE characters (left as it is when it
    already has its own line breaks)."""
    import textwrap

    return words if "<br>" in words else "<br>".join(textwrap.wrap(words, KEY_LINE, break_long_words=False))


def _swatch(name: str, colour: str, rank: int, edge: str = SWATCH_EDGE, width: float = 1, **marker) -> go.Bar:
    """A legend-only square (a bar with no data): plotly's own legend mark for a filled scatter is a
    thin stripe, too small to read the colour or the hatching on a shared screen."""
    return go.Bar(
        x=[None],
        y=[None],
        name=_key_lines(name),
        legendgroup=name,
        legendrank=rank,
        marker=dict(color=colour, line=dict(color=edge, width=width), **marker),
        hoverinfo="skip",
        showlegend=True,
    )


def _fill_traces(shapes: list[Shape], name: str, colour: str, border: str, rank: int, pattern=None) -> list:
    """The places' polygons as one filled trace (parts separated by None), and its legend square."""
    xs, ys = _xy(_all_rings(shapes))
    fill = go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=colour,
        line=dict(color=border, width=0.6),
        name=name,
        legendgroup=name,
        showlegend=False,
        hoverinfo="skip",
    )
    if pattern:
        fill.update(fillpattern=pattern)
    return [fill, _swatch(name, colour, rank, **({"pattern": pattern} if pattern else {}))]


def _line_traces(shapes: list[Shape], name: str, width: float, rank: int, dash: str = "solid", square: bool = False):
    """The shapes' outlines as one dark line; with `square`, its legend mark is an outlined square."""
    xs, ys = _xy(_exteriors(shapes))
    line = go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line=dict(color=OUTLINE, width=width, dash=dash),
        name=name,
        legendgroup=name,
        legendrank=rank,
        showlegend=not square,
        hoverinfo="skip",
    )
    return [line, _swatch(name, "rgba(0,0,0,0)", rank, edge=OUTLINE, width=width)] if square else [line]


def hover_text(place: Place, place_map: PlaceMap) -> str:
    """What hovering over a place shows: its name and code, then its published figures only. A hidden
    place shows the hidden label and nothing else (no count, rate or change)."""
    lines = [f"<b>{escape(place.name)}</b> ({escape(place.code)})"]
    if place.hidden:
        lines.append(escape(place_map.hidden_label))
        return "<br>".join(lines)
    lines.append(f"Count: {_number(place.count)}")
    if place.rate is not None:
        lines.append(f"Rate: {place.rate:,.1f} per 1,000 residents")
    if place.change_words:
        lines.append(f"Compared with {escape(place_map.previous_period)}: {escape(place.change_words)}")
    if place.hotspot:
        lines.append(escape(place_map.hotspot_words))
    return "<br>".join(lines)


def _title(place_map: PlaceMap, change: bool) -> tuple[str, str]:
    measure = "rate per 1,000 residents" if place_map.measure == "rate" else "count"
    title = f"{escape(place_map.indicator_name)}, {escape(place_map.period)}"
    places = place_map.level_words[1][:1].upper() + place_map.level_words[1][1:]
    if change:
        return title, f"{escape(places)} by change from {escape(place_map.previous_period)}"
    return title, f"{escape(places)} by {measure}"


def _level_traces(place_map: PlaceMap, drawn: dict[str, Shape]) -> list:
    colours = band_colours(len(place_map.bands))
    traces = []
    for index, words in enumerate(place_map.bands):
        members = [drawn[p.code] for p in place_map.shown if p.band == index and p.code in drawn]
        if members:
            name = f"{escape(words)} ({_plural(len(members), place_map.level_words)})"
            traces += _fill_traces(members, name, colours[index], BORDER, 10 + index)
    unclassed = [drawn[p.code] for p in place_map.shown if p.band is None and p.code in drawn]
    if unclassed:  # shown by count only (e.g. an LSOA with no population on its boundary)
        name = f"{NO_CLASS_WORDS} ({_plural(len(unclassed), place_map.level_words)})"
        traces += _fill_traces(unclassed, name, WHITE, SWATCH_EDGE, 10 + len(place_map.bands))
    return traces


def _change_traces(place_map: PlaceMap, drawn: dict[str, Shape]) -> list:
    shown = [p for p in place_map.shown if p.code in drawn]
    groups = [
        (CHANGE_COLOURS[CHANGE_UP], [p for p in shown if p.change == CHANGE_UP]),
        (CHANGE_COLOURS[CHANGE_DOWN], [p for p in shown if p.change == CHANGE_DOWN]),
        ((NO_CHANGE_COLOUR, NO_CHANGE_WORDS), [p for p in shown if p.change not in CHANGE_COLOURS and p.change_words]),
        (
            (NOT_COMPARED_COLOUR, NOT_COMPARED_WORDS),
            [p for p in shown if p.change not in CHANGE_COLOURS and not p.change_words],
        ),
    ]
    traces = []
    for rank, ((colour, words), members) in enumerate(groups):
        if members:
            name = f"{words} ({_plural(len(members), place_map.level_words)})"
            traces += _fill_traces([drawn[p.code] for p in members], name, colour, CHANGE_BORDER, 10 + rank)
    return traces


def _hidden_traces(place_map: PlaceMap, drawn: dict[str, Shape]) -> list:
    hidden = [drawn[p.code] for p in place_map.places if p.hidden and p.code in drawn]
    if not hidden:
        return []
    name = f"{escape(place_map.hidden_label)} ({_plural(len(hidden), place_map.level_words)})"
    pattern = dict(shape="/", fgcolor=HIDDEN_HATCH, bgcolor=HIDDEN_FILL, size=7, solidity=0.25, fillmode="replace")
    return _fill_traces(hidden, name, HIDDEN_FILL, HIDDEN_HATCH, 100, pattern=pattern)


def _hover_trace(place_map: PlaceMap, drawn: dict[str, Shape]) -> go.Scatter:
    places = [p for p in place_map.places if p.code in drawn]
    centres = [drawn[p.code].centroid for p in places]
    return go.Scatter(
        x=[c[0] for c in centres],
        y=[c[1] for c in centres],
        mode="markers",
        marker=dict(size=HOVER_MARKER_SIZE, color=TEXT, opacity=HOVER_MARKER_OPACITY),
        hovertext=[hover_text(p, place_map) for p in places],
        hoverinfo="text",
        hoverlabel=dict(bgcolor=WHITE, bordercolor=TEXT, font=dict(size=14, color=TEXT, family=FONT_FAMILY)),
        showlegend=False,
        name="",
    )


def _ranges(shapes: Iterable[Shape]) -> tuple[list[float], list[float], float]:
    """x and y ranges with a margin, and the y:x scale ratio that keeps shapes unstretched."""
    bounds = [s.bounds for s in shapes]
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    pad_x, pad_y = (x1 - x0) * 0.02 or 0.001, (y1 - y0) * 0.02 or 0.001
    ratio = 1 / math.cos(math.radians((y0 + y1) / 2))
    return [x0 - pad_x, x1 + pad_x], [y0 - pad_y, y1 + pad_y], ratio


def place_figure(
    place_map: PlaceMap,
    shapes: dict[str, Shape],
    outline: Shape | None = None,
    change: bool = False,
    height: int = 560,
) -> go.Figure:
    """A map of `place_map`'s places drawn from `shapes` (code → Shape; places without a shape are
    left out): filled by band (or, with `change`, by change beyond chance), hidden places hatched grey,
    hotspots and highlighted places outlined, the optional `outline` (e.g. the borough) as a dark line,
    and one hover point per place. `place_map.finding` is the text alternative to show beside it."""
    drawn = {p.code: shapes[p.code] for p in place_map.places if p.code in shapes}
    traces = _change_traces(place_map, drawn) if change else _level_traces(place_map, drawn)
    traces += _hidden_traces(place_map, drawn)
    hotspots = [drawn[p.code] for p in place_map.places if p.hotspot and not p.hidden and p.code in drawn]
    if hotspots and not change:
        traces += _line_traces(hotspots, escape(place_map.hotspot_words), 3, 200, square=True)
    area = [p for p in place_map.places if p.highlight == "area" and p.code in drawn]
    if area:
        traces += _line_traces(
            [drawn[p.code] for p in area], ", ".join(escape(p.name) for p in area), 3.5, 210, square=True
        )
    similar = [p for p in place_map.places if p.highlight == "similar" and p.code in drawn]
    if similar:
        label = f"{_plural(len(similar), place_map.level_words)} similar to {escape(place_map.area)} (ONS; named below the map)"
        traces += _line_traces([drawn[p.code] for p in similar], label, 2, 220, dash="dash")
    if outline is not None:
        traces += _line_traces([outline], f"{escape(outline.name)} boundary", 1.5, 300)
    traces.append(_hover_trace(place_map, drawn))

    fig = go.Figure(traces)
    extent = list(drawn.values()) + ([outline] if outline is not None else [])
    title, subtitle = _title(place_map, change)
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(
        height=height,
        template="none",
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        font=dict(family=FONT_FAMILY, size=LEGEND_FONT, color=TEXT),
        title=dict(
            text=title,
            subtitle=dict(text=subtitle, font=dict(size=14, color=SECONDARY_TEXT)),
            x=0.01,
            xanchor="left",
            font=dict(size=17),
        ),
        legend=dict(
            x=1.0,
            xanchor="left",
            y=1.0,
            yanchor="top",
            font=dict(size=LEGEND_FONT),
            itemsizing="constant",
            title=dict(text="<b>Key</b>"),
            bgcolor="rgba(255,255,255,0.9)",
        ),
        margin=dict(l=10, r=10, t=70, b=45),
        dragmode=False,
        hovermode="closest",
        hoverdistance=40,
        showlegend=True,
        xaxis=axis,
        yaxis=axis,
    )
    if extent:
        x_range, y_range, ratio = _ranges(extent)
        fig.update_xaxes(range=x_range)
        fig.update_yaxes(range=y_range, scaleanchor="x", scaleratio=ratio)
    if place_map.attribution:
        fig.add_annotation(
            text=escape(place_map.attribution),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-8,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            font=dict(size=11, color=SECONDARY_TEXT),
            align="left",
        )
    return fig


# ---- one place's months (the drill-down) --------------------------------------------------------

HIDDEN_MONTH_WORDS = "Hidden month (grey column, no number shown)"


def _detail_finding(detail: PlaceDetail) -> str:
    """What the place's months show, in words (the drill-down chart's subtitle)."""
    from cspdash.spc import VARIATION_PLAIN, plain_cause

    chart = detail.spc
    if chart is None or not getattr(chart, "usable", False):
        if detail.hidden_months:
            return f"{detail.hidden_months} of {len(detail.months)} months hidden, so no control chart: counts only"
        return "Too few months or crimes for a control chart: counts only"
    labels = [label for label, _ in detail.months]
    unusual = [labels[i] for i, t in enumerate(chart.point_types) if t != "common_cause"]
    latest = chart.point_types[-1]
    words = f"{labels[-1]}, the latest month: {VARIATION_PLAIN[latest].lower()}"
    if latest != "common_cause":
        words += f" ({plain_cause(chart)})"
    if not unusual:
        return words + ". No month outside the usual ups and downs"
    listed = ", ".join(unusual[:4]) + ("…" if len(unusual) > 4 else "")
    return words + f". Unusual in all: {len(unusual)} month{'s' if len(unusual) != 1 else ''} ({listed})"


def place_detail_figure(detail: PlaceDetail) -> go.Figure:
    """One place's indicator by month: a control chart (mean, limits, unusual months highlighted)
    when `detail.spc` is usable, else the published counts as bars with hidden months marked on the
    axis and never given a number. The title states the finding in words."""
    from cspdash.palette import SPC_POINTS

    labels = [label for label, _ in detail.months]
    values = [value for _, value in detail.months]
    chart = detail.spc
    fig = go.Figure()
    if chart is not None and getattr(chart, "usable", False):
        limits = chart.segments[-1].limits
        fig.add_scatter(
            x=labels,
            y=values,
            mode="lines",
            line=dict(color=CHANGE_BORDER, width=2),
            hoverinfo="skip",
            showlegend=False,
        )
        for kind, (colour, symbol, words) in SPC_POINTS.items():
            chosen = [i for i, t in enumerate(chart.point_types) if t == kind]
            if chosen:
                fig.add_scatter(
                    x=[labels[i] for i in chosen],
                    y=[values[i] for i in chosen],
                    mode="markers",
                    marker=dict(color=colour, symbol=symbol, size=8 if kind == "common_cause" else 13),
                    name=words,
                    hovertemplate="%{x}: %{y:,.0f}<extra>" + words + "</extra>",
                )
        for value, name, dash in (
            (limits.mean, f"Mean ({limits.mean:,.1f})", "solid"),
            (limits.upper, "Usual range (upper and lower limits)", "dash"),
            (max(limits.lower, 0.0), None, "dash"),
        ):
            fig.add_scatter(
                x=labels,
                y=[value] * len(labels),
                mode="lines",
                line=dict(color=SECONDARY_TEXT, width=1.5, dash=dash),
                name=name or "",
                legendgroup="limits" if dash == "dash" else "mean",
                showlegend=name is not None,
                hoverinfo="skip",
            )
    else:
        fig.add_bar(
            x=labels,
            y=values,  # a hidden month is None: no bar, no number
            marker_color="#12436D",
            name=detail.unit_words,
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
            showlegend=False,
        )
        hidden = [i for i, value in enumerate(values) if value is None]
        for i in hidden:  # a grey column the height of the chart: marked, with no height that reads as a figure
            fig.add_vrect(x0=i - 0.5, x1=i + 0.5, fillcolor=HIDDEN_FILL, line_width=0, layer="below")
        if hidden:
            fig.add_scatter(
                x=[labels[i] for i in hidden],
                y=[0] * len(hidden),
                mode="markers",
                marker=dict(symbol="x-thin-open", size=12, color=HIDDEN_HATCH, line=dict(width=2, color=HIDDEN_HATCH)),
                name=HIDDEN_MONTH_WORDS,
                hovertemplate="%{x}: hidden<extra></extra>",
                cliponaxis=False,
            )
    fig.update_layout(
        height=380,
        template="none",
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        font=dict(family=FONT_FAMILY, size=13, color=TEXT),
        title=dict(
            text=f"{escape(detail.name)}: {escape(detail.indicator_name)} by month",
            subtitle=dict(text=escape(_detail_finding(detail)), font=dict(size=14, color=SECONDARY_TEXT)),
            x=0.01,
            xanchor="left",
            font=dict(size=16),
        ),
        legend=dict(orientation="h", x=0, y=-0.3, yanchor="top"),
        margin=dict(l=55, r=15, t=75, b=110),
        hovermode="closest",
        dragmode=False,
    )
    fig.update_xaxes(tickangle=-45, fixedrange=True, type="category")
    fig.update_yaxes(
        title=dict(text=escape(detail.unit_words.capitalize())),
        rangemode="tozero",
        fixedrange=True,
        gridcolor="#dddddd",
    )
    return fig
