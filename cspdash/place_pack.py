"""Where it happens, for the board's snapshot: the area's map of small areas (LSOAs) for the total of
the recorded-crime kinds, frozen as plain JSON with its figures, its text alternative and its figure,
so that sign-off, meeting mode and the pack show one map that a later upload cannot change.

Every figure is as published: a hidden place keeps no count, rate, class or change, only the
hidden label (`cspdash.place_records`)."""

from __future__ import annotations

import json
import textwrap

import plotly.graph_objects as go

from cspdash.periods import Quarter
from cspdash.place_records import PlaceMap

LEVEL = "lsoa"
PLACE_HEADERS = (
    "Indicator",
    "Period",
    "Place",
    "Code",
    "Count",
    "Rate per 1,000 residents",
    "Compared with the area average",
    "Change on a year earlier",
    "Above the average beyond chance",
)


def map_quarter(board_at, area: str, quarter: Quarter) -> Quarter | None:
    """The snapshot's quarter when the small-area figures cover it, else the newest covered quarter
    before it; None when none is."""
    from cspdash.places import quarter_shown

    return quarter_shown(board_at.place_quarters(area, LEVEL), quarter)


def places_records(board_at, area: str, quarter: Quarter) -> list[dict]:
    """The area's LSOA map of the kinds' total (counts) as snapshot records (one, or none when the
    area has no LSOA figures for the quarter or one before it)."""
    from cspdash import geography
    from cspdash.place_charts import place_figure

    indicators = board_at.place_indicators(area, LEVEL)  # none when the area has no LSOA figures
    when = map_quarter(board_at, area, quarter)
    if not indicators or when is None:
        return []
    place_map = board_at.place_map(area, when, indicators[0].id, LEVEL, "count")
    if place_map is None or not place_map.places:
        return []
    shapes = geography.lsoa_shapes(place_map.area_code)
    fig = place_figure(place_map, shapes, outline=geography.borough_shape(place_map.area_code))
    return [record(place_map, when, fig)]


def record(place_map: PlaceMap, quarter: Quarter, fig: go.Figure) -> dict:
    """One map as plain JSON: what it shows in words, its places (a hidden one with no number) and
    its figure."""
    return {
        "indicator": place_map.indicator_name,
        "indicator_id": place_map.indicator_id,
        "level": place_map.level,
        "level_words": list(place_map.level_words),
        "quarter": quarter.label,
        "period": place_map.period,
        "previous_period": place_map.previous_period,
        "measure": place_map.measure,
        "finding": place_map.finding,
        "method": place_map.method,
        "attribution": place_map.attribution,
        "source": place_map.source,
        "hidden_label": place_map.hidden_label,
        "hidden": place_map.hidden_count,
        "places": [
            {
                "name": p.name,
                "code": p.code,
                "hidden": p.hidden,
                "count": None if p.hidden else p.count,
                "rate": None if p.hidden or p.rate is None else round(float(p.rate), 1),
                "band": "" if p.hidden or p.band is None else place_map.bands[p.band],
                "change": "" if p.hidden else p.change_words,
                "hotspot": bool(p.hotspot and not p.hidden),
            }
            for p in place_map.places
        ],
        "chart": fig.to_json(),
    }


def place_rows(snapshot: dict) -> list[list]:
    """Every place of every map, as spreadsheet rows: numbers as numbers, a hidden place's count as
    the hidden label (and nothing else about it)."""
    rows = []
    for r in snapshot.get("places") or []:
        for p in r["places"]:
            hidden = p.get("hidden") or p.get("count") is None
            rows.append(
                [
                    r["indicator"],
                    r["period"],
                    p["name"],
                    p["code"],
                    r["hidden_label"] if hidden else p["count"],
                    None if hidden else p.get("rate"),
                    "" if hidden else p.get("band", ""),
                    "" if hidden else p.get("change", ""),
                    "" if hidden else ("Yes" if p.get("hotspot") else ""),
                ]
            )
    return rows


def title(record: dict) -> str:
    """'Where it happens: All recorded crime'."""
    return f"Where it happens: {record['indicator']}"


def note(record: dict) -> str:
    """The method, the source and the boundaries' licence line: a small note under the map."""
    return " ".join(
        part
        for part in (
            record.get("method", ""),
            f"Figures: {record['source']}." if record.get("source") else "",
            record.get("attribution", ""),
        )
        if part
    )


def map_figure(
    record: dict, width: int | None, height: int, text: int, legend_below: bool = False, licence: bool = True
) -> go.Figure:
    """The stored map redrawn for the papers or a screen, `width` (None: the container's) × `height`
    px, its text `text` px: no title (the page's heading says it), the key at the right or, with
    `legend_below`, under the map (which then takes the whole width); the licence line at the foot
    unless `licence` is False (the page then prints it)."""
    from cspdash.charts import large_type

    fig = go.Figure(json.loads(record["chart"]))
    large_type(fig, text, width or 800, height)
    fig.update_layout(width=width, title=dict(text="", subtitle_text=""))
    fig.update_xaxes(nticks=None, tickangle=None)
    notes = list(fig.layout.annotations or ()) if licence else []
    small = max(11, round(text * 0.6))
    for annotation in notes:  # the licence line: small, wrapped to the width
        annotation.font.size = small
        annotation.text = "<br>".join(textwrap.wrap(annotation.text, max(40, int((width or 800) / (small * 0.52)))))
    foot = 8 + sum(a.text.count("<br>") + 1 for a in notes) * round(small * 1.3)
    if legend_below:
        keys = sum(1 for trace in fig.data if trace.showlegend is not False and trace.name)
        key_height = round(text * 1.75) * (keys + 1) + 10
        bottom = key_height + foot
        fig.update_layout(
            legend=dict(orientation="v", x=0, xanchor="left", y=0, yanchor="top"),
            margin=dict(l=10, r=10, t=10, b=bottom),
        )
    else:
        bottom = foot + 10
        fig.update_layout(
            legend=dict(orientation="v", x=1.0, xanchor="left", y=1, yanchor="top"),
            margin=dict(l=10, r=10, t=10, b=bottom),
        )
    plot_height = max(1, height - 10 - bottom)
    for annotation in notes:
        annotation.update(y=-(bottom - 4) / plot_height, yshift=0, yanchor="bottom")
    fig.layout.annotations = notes
    return fig
