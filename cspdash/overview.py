"""The board overview: every indicator's quarter against the year before, with its RAG status."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape

import pandas as pd

from cspdash.catalogue import Catalogue, Indicator
from cspdash.formatting import format_change, format_reading, format_value, headline
from cspdash.periods import Quarter
from cspdash.rag import Judgement, Status, Target, catalogue_target, judge
from cspdash.safe_text import plain_markdown
from cspdash.trends import Change, quarterly, vintage_note, year_on_year

SPARK_QUARTERS = 8


@dataclass(frozen=True)
class OverviewRow:
    indicator: Indicator
    subgroup_name: str
    change: Change
    judgement: Judgement
    trend: list[float | None]
    headline: str
    vintage_note: str | None = None
    provenance: str = ""
    commentary: str = ""


def target_for(ind: Indicator, fy: int, targets: dict[tuple[str, int], Target]) -> Target | None:
    """The target set in the store for that financial year, else the catalogue's default."""
    return targets.get((ind.id, fy)) or catalogue_target(ind)


def overview_rows(
    catalogue: Catalogue,
    observations: pd.DataFrame,
    quarter: Quarter,
    targets: dict[tuple[str, int], Target],
    commentary: dict[str, dict] | None = None,
) -> list[OverviewRow]:
    """One row per indicator that has figures for the area (observations of one area)."""
    rows = []
    by_indicator = dict(tuple(observations.groupby("indicator"))) if not observations.empty else {}
    in_subgroup_order = [ind for sub in catalogue.subgroups for ind in catalogue.for_subgroup(sub.id)]
    for ind in in_subgroup_order:
        if ind.id not in by_indicator:
            continue
        series = quarterly(ind, by_indicator[ind.id])
        series = series[series["quarter"] <= quarter]
        if series.empty:
            continue
        change = year_on_year(series, quarter)
        judgement = judge(ind, change, target_for(ind, quarter.fy, targets))
        recent = series[series["quarter"] > quarter.shift(-SPARK_QUARTERS)]
        trend = [None if row.suppressed else row.value for row in recent.itertuples()]
        rows.append(
            OverviewRow(
                ind,
                catalogue.subgroup(ind.subgroup).name,
                change,
                judgement,
                trend,
                headline(ind, quarter, change, judgement),
                vintage_note(by_indicator[ind.id], quarter),
                provenance_text(_in_quarter(by_indicator[ind.id], quarter)) if "source_file" in observations else "",
                (commentary or {}).get(ind.id, {}).get("text", ""),
            )
        )
    return rows


def _in_quarter(rows: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    starts = pd.to_datetime(rows["period_start"]).dt.date
    return rows[(starts >= quarter.start) & (starts <= quarter.end)]


def exceptions_first(rows: list[OverviewRow]) -> list[OverviewRow]:
    """Red, then amber, then green, then not rated; catalogue order within each."""
    return sorted(rows, key=lambda row: row.judgement.status.severity)


def status_counts(rows: list[OverviewRow]) -> dict[Status, int]:
    return {status: sum(r.judgement.status is status for r in rows) for status in Status}


def overview_frame(rows: list[OverviewRow], quarter: Quarter) -> pd.DataFrame:
    """The overview as a plain table (for download and for tests)."""
    return pd.DataFrame(
        [
            {
                "Sub-group": row.subgroup_name,
                "Indicator": row.indicator.name,
                "Unit": row.indicator.unit_label,
                quarter.label: format_reading(row.indicator, row.change.current),
                quarter.year_earlier().label: format_reading(row.indicator, row.change.previous),
                "Change": format_change(row.indicator, row.change),
                "Status": row.judgement.status.word,
                "Why": row.judgement.reason,
            }
            for row in rows
        ]
    )


def sparkline_svg(values: list[float | None], label: str, width: int = 120, height: int = 30) -> str:
    """A small line of recent quarters: an SVG image with a text alternative."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return f'<span class="spark-none">{escape(label)}</span>'
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (width - 8) / max(len(values) - 1, 1)
    points = [
        (4 + i * step, height - 4 - (v - low) / span * (height - 8)) for i, v in enumerate(values) if v is not None
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<polyline points="{path}" fill="none" stroke="#12436D" stroke-width="2"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="#12436D"/></svg>'
    )
    encoded = base64.b64encode(svg.encode()).decode()
    return (
        f'<img class="spark" src="data:image/svg+xml;base64,{encoded}" '
        f'width="{width}" height="{height}" alt="{escape(label)}">'
    )


def trend_description(ind: Indicator, values: list[float | None]) -> str:
    """Text alternative for a sparkline: where the series started, ended, and its range."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return "Not enough quarters for a trend"
    shown = [format_value(ind, v) for v in (known[0], known[-1], min(known), max(known))]
    return (
        f"{ind.name}, last {len(values)} quarters: from {shown[0]} to {shown[1]} "
        f"(lowest {shown[2]}, highest {shown[3]})"
    )


def status_badge(judgement: Judgement) -> str:
    """The status as a coloured badge with its shape and word, and the reason under it."""
    status = judgement.status
    style = (
        f"background:{status.colour};color:{status.text_colour};display:inline-block;"
        "padding:0.1rem 0.5rem;border-radius:0.25rem;font-weight:700;white-space:nowrap;"
        "border:1px solid #0b0c0c"
    )
    return (
        f'<span class="rag" style="{style}"><span aria-hidden="true">{status.shape}</span> '
        f'{status.word}</span><div class="why" style="font-size:0.85rem;color:#505a5f;'
        f'margin-top:0.15rem">{escape(judgement.reason)}</div>'
    )


TABLE_STYLE = """
<style>
table.overview {border-collapse: collapse; width: 100%; font-size: 0.95rem; margin-bottom: 1.2rem;}
table.overview caption {text-align: left; font-weight: 700; font-size: 1.1rem; padding: 0.4rem 0;}
table.overview thead th {text-align: left; border-bottom: 2px solid #0b0c0c; padding: 0.35rem 0.5rem;}
table.overview tbody th {text-align: left; border-bottom: 1px solid #b1b4b6; padding: 0.35rem 0.5rem;
  font-weight: 600; vertical-align: top;}
table.overview td {border-bottom: 1px solid #b1b4b6; padding: 0.35rem 0.5rem; vertical-align: top;}
table.overview td.num {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;}
table.overview .unit {font-size: 0.8rem; color: #505a5f;}
table.overview .comment {font-size: 0.85rem; font-weight: 400; font-style: italic; color: #0b0c0c; margin-top: 0.2rem;}
</style>
"""


def _row_html(row: OverviewRow, show_subgroup: bool) -> str:
    ind = row.indicator
    label = trend_description(ind, row.trend)
    comment = f'<div class="comment">“{escape(row.commentary)}”</div>' if row.commentary else ""
    source = f' title="{escape(row.provenance)}"' if row.provenance else ""
    cells = [
        f'<th scope="row">{escape(ind.name)}<div class="unit">{escape(ind.unit_label)}</div>{comment}</th>',
        f'<td class="num"{source}>{escape(format_reading(ind, row.change.current))}</td>',
        f'<td class="num">{escape(format_reading(ind, row.change.previous))}</td>',
        f'<td class="num">{escape(format_change(ind, row.change))}</td>',
        f"<td>{status_badge(row.judgement)}{_release_note(row)}</td>",
        f"<td>{sparkline_svg(row.trend, label)}</td>",
    ]
    if show_subgroup:
        cells.insert(1, f"<td>{escape(row.subgroup_name)}</td>")
    return "<tr>" + "".join(cells) + "</tr>"


def _release_note(row: OverviewRow) -> str:
    if not row.vintage_note:
        return ""
    return f'<div class="why" style="font-size:0.85rem;color:#505a5f">Compares two releases: {escape(row.vintage_note)}</div>'


def overview_table_html(rows: list[OverviewRow], quarter: Quarter, caption: str, show_subgroup: bool = False) -> str:
    """An accessible HTML table: real headers, a caption, RAG as word + shape + colour."""
    headers = [
        "Indicator",
        quarter.label,
        quarter.year_earlier().label,
        "Change",
        "Status",
        "Last 8 quarters",
    ]
    if show_subgroup:
        headers.insert(1, "Sub-group")
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(_row_html(row, show_subgroup) for row in rows)
    return (
        f'<table class="overview"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def overview_html(rows: list[OverviewRow], quarter: Quarter, order: str = "subgroup") -> str:
    """Tables grouped by sub-group, or one table with the exceptions first."""
    if order == "exceptions":
        return TABLE_STYLE + overview_table_html(
            exceptions_first(rows), quarter, f"All indicators, exceptions first — {quarter.label}", True
        )
    tables = []
    for name in dict.fromkeys(row.subgroup_name for row in rows):
        group = [row for row in rows if row.subgroup_name == name]
        tables.append(overview_table_html(group, quarter, f"{name} — {quarter.label}"))
    return TABLE_STYLE + "".join(tables)


def provenance_text(rows: pd.DataFrame) -> str:
    """Where a quarter's figure comes from: file, sheet and cells, release, who loaded it and when."""
    parts = []
    for row in rows.itertuples():
        where = f"{row.source_file}, {row.source_sheet}!{row.source_cell}"
        vintage, who = getattr(row, "vintage", None), getattr(row, "submitted_by", None)
        release = f"; release {vintage}" if isinstance(vintage, str) and vintage else ""
        loaded = ""
        if isinstance(who, str) and pd.notna(getattr(row, "submitted_at", None)):
            loaded = f"; loaded by {row.submitted_by} on {pd.Timestamp(row.submitted_at):%-d %b %Y %H:%M}"
        parts.append(f"{pd.Timestamp(row.period_start):%b %Y}: {where}{release}{loaded}")
    return "\n".join(parts)


def revision_lines(history: pd.DataFrame) -> list[str]:
    """One line per revision of a figure, newest first: value, source cell, release, who and when."""
    lines = []
    for row in history.iloc[::-1].itertuples():
        value = "suppressed" if row.suppressed else f"{row.value:,.4g}"
        parts = (
            f" ({row.numerator:,.0f} / {row.denominator:,.0f})"
            if pd.notna(row.numerator) and pd.notna(row.denominator)
            else ""
        )
        state = "**in force**" if row.in_force else ("withdrawn" if row.status == "withdrawn" else "superseded")
        release = f", release {plain_markdown(row.vintage)}" if isinstance(row.vintage, str) and row.vintage else ""
        source = plain_markdown(f"{row.file}, {row.sheet}!{row.cell}")
        lines.append(
            f"{state}: {value}{parts} — {source}{release}; loaded by {plain_markdown(row.loaded_by)} "
            f"on {pd.Timestamp(row.loaded_at):%-d %b %Y %H:%M} (submission {row.submission})"
        )
    return lines
