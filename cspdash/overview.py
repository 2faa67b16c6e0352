"""The board overview: every indicator's figure, its comparison, its status and why, as an
accessible table; built on `cspdash.board.assess_all` (the board's one judgement)."""

from __future__ import annotations

import base64
from bisect import bisect_right
from dataclasses import dataclass, replace
from html import escape

import pandas as pd

from cspdash.board import Assessment, assess_all, prepare_all
from cspdash.catalogue import Catalogue, Indicator
from cspdash.comparators import Comparison, LondonFigures, london_figures, ordinal, twelve_month_comparison
from cspdash.disclosure import DisclosurePolicy
from cspdash.formatting import format_change, format_reading, format_value, headline
from cspdash.history import History
from cspdash.palette import ASSURANCE_ICONS, VARIATION_ICONS
from cspdash.periods import Quarter
from cspdash.protected import WithheldMarks, withheld_quarters
from cspdash.safe_text import plain_markdown
from cspdash.spc import SpcOptions
from cspdash.status import MEANINGS, Judgement, Status, Target

SPARK_QUARTERS = 8


@dataclass(frozen=True)
class OverviewRow:
    assessment: Assessment
    subgroup_name: str
    trend: list[float | None]
    headline: str
    provenance: str = ""
    commentary: str = ""
    withheld: str = ""  # for analysts: how the quarter's figure is published ("<5", "withheld")
    london: Comparison | None = None  # the area beside London, from a London-wide release

    @property
    def indicator(self) -> Indicator:
        return self.assessment.indicator

    @property
    def change(self):
        return self.assessment.change

    @property
    def judgement(self) -> Judgement:
        return self.assessment.judgement


@dataclass(frozen=True)
class BoardFigures:
    """What the board's view of an area is built from: its figures and releases (as the reader may see
    them), targets, the quarter's commentary, London-wide crime figures, and (for an analyst) the
    figures as published, to mark what viewers see withheld."""

    observations: pd.DataFrame
    releases: pd.DataFrame | None
    targets: dict
    commentary: dict[str, dict] | None = None
    london: pd.DataFrame | LondonFigures | None = None
    published: pd.DataFrame | WithheldMarks | None = None
    histories: dict[str, History] | None = None  # prepared from observations and releases, if already done


def overview_rows(
    catalogue: Catalogue,
    observations: pd.DataFrame,
    quarter: Quarter,
    targets: dict[tuple[str, int], Target],
    commentary: dict[str, dict] | None = None,
    releases: pd.DataFrame | None = None,
    provisional_months: dict[str, int] | None = None,
    histories: dict[str, History] | None = None,
) -> list[OverviewRow]:
    """One row per indicator that has figures for the area (observations of one area); from
    `histories` (`cspdash.board.prepare_all`) when they have been prepared already."""
    if histories is None:
        histories = prepare_all(catalogue, observations, releases, provisional_months)
    rows = []
    for assessment in assess_all(catalogue, observations, quarter, targets, histories=histories):
        ind = assessment.indicator
        history = histories[ind.id]
        trend = spark_values(history, quarter)
        rows.append(
            OverviewRow(
                assessment,
                catalogue.subgroup(ind.subgroup).name,
                trend,
                headline(ind, assessment.headline_label, assessment.change, assessment.judgement),
                headline_provenance(history, quarter),
                (commentary or {}).get(ind.id, {}).get("text", ""),
            )
        )
    return rows


def spark_values(history: History, quarter: Quarter) -> list[float | None]:
    """The last eight quarters of the headline measure (the 12 months to each quarter's end for a
    12-month headline), so that the sparkline ends at the figure beside it."""
    rolling = history.indicator.headline == "rolling_12_months"
    quarters, readings = (
        (history.rolling_quarters, history.rolling_by_quarter) if rolling else (history.quarters, history.by_quarter)
    )
    recent = quarters[bisect_right(quarters, quarter.shift(-SPARK_QUARTERS)) :]
    return [None if r.suppressed else r.value for r in (readings[q] for q in recent if q <= quarter)]


def headline_provenance(history: History, quarter: Quarter) -> str:
    """Where the headline figure comes from: the quarter's cells, or the four quarters' of a 12-month figure."""
    if history.indicator.headline != "rolling_12_months":
        return history.provenance.get(quarter, "")
    four = [quarter.shift(-n) for n in (3, 2, 1, 0)]
    return "\n".join(history.provenance[q] for q in four if history.provenance.get(q))


def exceptions_first(rows: list[OverviewRow]) -> list[OverviewRow]:
    """Red, then amber, unusual, green, no signal, not rated; catalogue order within each."""
    return sorted(rows, key=lambda row: row.judgement.status.severity)


def status_counts(rows: list[OverviewRow]) -> dict[Status, int]:
    return {status: sum(r.judgement.status is status for r in rows) for status in Status}


def change_words(a: Assessment) -> str:
    """The change, and whether it is more than the series' usual variation (information, not status)."""
    shown = format_change(a.indicator, a.change)
    note = f" ({a.release_note})" if a.release_note else ""
    if a.change.absolute is None or a.change_test is None:
        return shown + note
    return f"{shown}: {a.change_test.text}{note}"


def plain_change_words(a: Assessment) -> str:
    """The change as a board reads it: the difference, whether it is beyond the usual ups and downs,
    and (when no change is given) why; no statistics."""
    shown = format_change(a.indicator, a.change)
    if a.change.absolute is not None and a.change_test is not None:
        shown += f": {a.change_test.plain}"
    return shown + (f" ({a.release_note})" if a.release_note else "")


def year_to_date_words(a: Assessment) -> str:
    ytd = a.year_to_date
    if ytd is None or ytd.current is None or a.indicator.headline != "quarter":
        return ""  # a 12-month headline already covers the year
    ind = a.indicator
    return (
        f"Year to date (Q1–Q{a.quarter.q}): {format_reading(ind, ytd.current)} against "
        f"{format_reading(ind, ytd.previous)} a year earlier ({format_change(ind, ytd)})"
    )


def board_frame(assessments: list[Assessment]) -> pd.DataFrame:
    """The board's judgement, one row per indicator: what the `board` command prints and the
    overview shows."""
    return pd.DataFrame(
        [
            {
                "indicator": a.indicator.name,
                "unit": a.indicator.unit_label,
                "period": a.headline_label,
                "value": format_reading(a.indicator, a.reading),
                "comparator value": format_reading(a.indicator, a.comparator),
                "change": change_words(a),
                "year to date": year_to_date_words(a),
                "per 1,000 residents": a.resident_rate_words,
                "variation": a.variation_words,
                "variation plain": a.variation_plain,
                "assurance": a.assurance_words,
                "status": a.judgement.status.word,
                "summary": a.judgement.sentence,
                "reason": a.judgement.reason,
                "caveats": " ".join(
                    _sentence(text)
                    for text in [*a.caveats, *filter(None, [a.provisional_note, a.denominator_note]), *a.break_notes]
                ),
                "rule set": a.rule_set(),
            }
            for a in assessments
        ],
        columns=[
            "indicator",
            "unit",
            "period",
            "value",
            "comparator value",
            "change",
            "year to date",
            "per 1,000 residents",
            "variation",
            "variation plain",
            "assurance",
            "status",
            "summary",
            "reason",
            "caveats",
            "rule set",
        ],
    )


def marked(
    rows: list[OverviewRow], published: pd.DataFrame | WithheldMarks, quarter: Quarter, label: str
) -> list[OverviewRow]:
    """For analysts: each row with how its quarter's figure is published to viewers and in exports
    (from the published figures, or their marks worked out already by `withheld_marks`)."""
    if isinstance(published, WithheldMarks):
        return [replace(row, withheld=published.get(row.indicator.id, {}).get(quarter, "")) for row in rows]
    return [replace(row, withheld=withheld_quarters(published, row.indicator, label).get(quarter, "")) for row in rows]


def london_words(c: Comparison) -> str:
    """'446.2 per 1,000 residents a year: worse than London (105.3; beyond the 99.8% funnel limit of 32
    boroughs; Census 2021 population)'; the rank only where there is no funnel."""
    if c.funnel is None:
        return (
            f"{c.rate:,.1f} per 1,000 residents a year ({ordinal(c.rank)} highest of {c.boroughs} boroughs; "
            f"London {c.london_rate:,.1f}; {c.population.label} population)"
        )
    beyond = f"beyond the {c.funnel.strength} funnel limit" if c.funnel.strength else "within the funnel limits"
    return (
        f"{c.rate:,.1f} per 1,000 residents a year: {c.funnel.verdict[:1].lower()}{c.funnel.verdict[1:]} "
        f"(London {c.london_rate:,.1f}; {beyond} of {c.boroughs} boroughs; {c.population.label} population)"
    )


def beside_london(
    rows: list[OverviewRow], london: pd.DataFrame | LondonFigures, area: str, quarter: Quarter
) -> list[OverviewRow]:
    """Each police-recorded crime row with the area beside London, where a London-wide release has it."""
    if isinstance(london, pd.DataFrame):
        london = london_figures(london)
    return [
        replace(row, london=twelve_month_comparison(london, row.indicator, area, quarter))
        if row.indicator.subgroup == "mps_crime"
        else row
        for row in rows
    ]


def board_rows(
    catalogue: Catalogue,
    area: str,
    quarter: Quarter,
    figures: BoardFigures,
    provisional_months: dict[str, int] | None = None,
) -> list[OverviewRow]:
    """The board's view of an area's quarter (the overview, the `board` command and downloads): each
    indicator's row, crime beside London, and, for analysts, how each figure is published."""
    rows = overview_rows(
        catalogue,
        figures.observations,
        quarter,
        figures.targets,
        figures.commentary,
        figures.releases,
        provisional_months,
        figures.histories,
    )
    if figures.london is not None:
        rows = beside_london(rows, figures.london, area, quarter)
    if figures.published is not None:
        rows = marked(rows, figures.published, quarter, catalogue.disclosure.label)
    return rows


def _sentence(text: str) -> str:
    """A note as a sentence, so that several read as a paragraph."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def overview_frame(rows: list[OverviewRow], quarter: Quarter) -> pd.DataFrame:
    """The overview as a plain table (for download and for tests): the board's frame."""
    frame = board_frame([row.assessment for row in rows])
    frame.insert(0, "sub-group", [row.subgroup_name for row in rows])
    return frame


def legend_html(detail: bool = False) -> str:
    """What each status means: one meaning each, with its shape and colour (and, for analysts, the rule set)."""
    items = "".join(
        f"<li>{status_badge(Judgement(status, ''), with_reason=False)} {escape(MEANINGS[status])}</li>"
        for status in Status
    )
    rules = (
        escape(
            SpcOptions().describe("period") + " Where the catalogue says, a p or u chart (limits per period from "
            "its denominator, Laney's p′ or u′ for large over-dispersed ones) or a g chart of the periods between "
            "rare events is drawn instead; each chart states its own rule set."
        )
        if detail
        else (
            "Each figure is compared with its own usual range over the last three years (statistical process "
            "control: see the Glossary); a target decides the status where one is set."
        )
    )
    return (
        '<details class="legend"><summary><strong>What the statuses mean</strong></summary>'
        f'<ul style="list-style:none;padding-left:0;margin:0.3rem 0">{items}</ul>'
        f'<p style="font-size:0.85rem;color:var(--csp-muted, #505a5f);margin:0">{rules}</p></details>'
    )


SPARK_LINE = "#1d70b8"  # an image cannot read the page's theme: at least 3:1 on white and on dark


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
        f'<polyline points="{path}" fill="none" stroke="{SPARK_LINE}" stroke-width="2"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{SPARK_LINE}"/></svg>'
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
    measure = ", 12 months to each quarter's end" if ind.headline == "rolling_12_months" else ""
    return (
        f"{ind.name}{measure}, last {len(values)} quarters: from {shown[0]} to {shown[1]} "
        f"(lowest {shown[2]}, highest {shown[3]})"
    )


def status_badge(judgement: Judgement, with_reason: bool = True, detail: bool = False) -> str:
    """The status as a coloured badge with its shape and word, its plain sentence under it, and (with
    `detail`, for analysts) how it was judged."""
    status = judgement.status
    style = (
        f"background:{status.colour};color:{status.text_colour};display:inline-block;"
        "padding:0.1rem 0.5rem;border-radius:0.25rem;font-weight:700;white-space:nowrap;"
        "border:1px solid #0b0c0c"
    )
    badge = f'<span class="rag" style="{style}"><span aria-hidden="true">{status.shape}</span> {status.word}</span>'
    if not with_reason:
        return badge
    said = f'<div class="why">{escape(judgement.sentence)}</div>'
    if detail and judgement.plain and judgement.reason != judgement.plain:
        said += f'<div class="why">How this was judged: {escape(judgement.reason)}</div>'
    return badge + said


def _icon(colours: tuple[str, str, str], words: str) -> str:
    background, text, symbol = colours
    return (
        f'<div class="spc"><span class="icon" aria-hidden="true" style="background:{background};color:{text}">'
        f"{escape(symbol)}</span> {escape(words)}</div>"
    )


def spc_icons_html(a: Assessment, detail: bool = False) -> str:
    """The variation icon for the latest point and the assurance icon against the target, with words:
    plain words for a board, the statistical terms (`detail`) for analysts."""
    if a.spc is None or not a.spc.usable:
        return f'<div class="why">{escape(a.variation_words if detail else a.variation_plain)}</div>'
    parts = [_icon(VARIATION_ICONS[a.spc.variation], a.variation_words if detail else a.variation_plain)]
    if a.spc.assurance:
        parts.append(_icon(ASSURANCE_ICONS[a.spc.assurance], a.assurance_words if detail else a.assurance_plain))
    if a.spc.latest.provisional:
        parts.append('<div class="why">Provisional limits (fewer than 13 points)</div>' if detail else "")
    return "".join(parts)


TABLE_STYLE = """
<style>
table.overview {border-collapse: collapse; width: 100%; font-size: 0.95rem; margin-bottom: 1.2rem;}
table.overview caption {text-align: left; font-weight: 700; font-size: 1.1rem; padding: 0.4rem 0;}
table.overview thead th {text-align: left; border-bottom: 2px solid var(--csp-strong-rule, #0b0c0c); padding: 0.35rem 0.5rem;}
table.overview tbody th {text-align: left; border-bottom: 1px solid var(--csp-rule, #b1b4b6); padding: 0.35rem 0.5rem;
  font-weight: 600; vertical-align: top;}
table.overview td {border-bottom: 1px solid var(--csp-rule, #b1b4b6); padding: 0.35rem 0.5rem; vertical-align: top;}
table.overview td.num {text-align: right; font-variant-numeric: tabular-nums;}
table.overview td, table.overview th {overflow-wrap: anywhere;}
@media (max-width: 900px) {
  table.overview, table.matrix {table-layout: auto !important;}
  table.overview .rag, table.matrix .rag, table.overview .icon {white-space: normal;}
  table.matrix thead th {font-size: 0.7rem; overflow-wrap: anywhere;}
}
table.overview .unit {font-size: 0.8rem; color: var(--csp-muted, #505a5f); font-weight: 400;}
table.overview .comment {font-size: 0.85rem; font-weight: 400; font-style: italic; color: var(--csp-text, #0b0c0c); margin-top: 0.2rem;}
.why {font-size: 0.85rem; color: var(--csp-muted, #505a5f); margin-top: 0.15rem;}
.caveat {font-size: 0.85rem; color: var(--csp-text, #0b0c0c); margin-top: 0.15rem;}
.spc {font-size: 0.85rem; margin-bottom: 0.2rem;}
table.overview {table-layout: fixed;}
table.overview col.name {width: 19%;} table.overview col.num {width: 8.5%;} table.overview col.change {width: 17%;}
table.overview col.status {width: 22%;} table.overview col.spc {width: 15%;} table.overview col.spark {width: 10%;}
table.overview col.sub {width: 10%;}
table.overview img.spark {max-width: 100%; height: auto;}
.spc .icon {display: inline-block; min-width: 1.3rem; text-align: center; border-radius: 50%;
  font-weight: 700; border: 1px solid var(--csp-strong-rule, #0b0c0c); padding: 0 0.15rem;}
.legend li {margin: 0.2rem 0;}
</style>
"""


def notes_html(a: Assessment) -> str:
    notes = [f"Caveat: {c}" for c in a.caveats]
    if a.provisional_note:
        notes.append(a.provisional_note)
    if a.denominator_note:
        notes.append(a.denominator_note)
    if a.target is not None and not a.target.confirmed:
        notes.append("The target is indicative: not yet confirmed for this year.")
    return "".join(f'<div class="caveat">{escape(n)}</div>' for n in notes)


def _row_html(row: OverviewRow, show_subgroup: bool, detail: bool = False) -> str:
    a = row.assessment
    ind = a.indicator
    label = trend_description(ind, row.trend)
    comment = f'<div class="comment">“{escape(row.commentary)}”</div>' if row.commentary else ""
    source = f' title="{escape(row.provenance)}"' if row.provenance else ""
    period = "" if ind.headline == "quarter" else '<div class="unit">12 months to quarter end</div>'
    count = ""
    if (
        ind.headline == "rolling_12_months"
        and a.quarter_reading is not None
        and a.quarter_reading.numerator is not None
    ):
        count = f'<div class="unit">{a.quarter_reading.numerator:,.0f} in the quarter</div>'
    ytd = year_to_date_words(a)
    if row.london is not None:
        c = row.london
        count += f'<div class="unit">{escape(london_words(c))}</div>'
    elif a.resident_rate is not None:
        rate, population = a.resident_rate
        count += f'<div class="unit">{rate:,.1f} per 1,000 residents a year ({population.label} population)</div>'
    if row.withheld:
        count += f'<div class="unit withheld">‡ published as “{escape(row.withheld)}”</div>'
    test = (a.change_test.text if detail else a.change_test.plain) if a.change_test else ""
    tested = " ".join(filter(None, [test, a.release_note or ""]))
    change_cell = f"<strong>{escape(format_change(ind, a.change))}</strong>"
    change_cell += "".join(f'<div class="why">{escape(t[0].upper() + t[1:])}</div>' for t in (tested, ytd) if t)
    cells = [
        f'<th scope="row">{escape(ind.name)}<div class="unit">{escape(ind.unit_label)}</div>{comment}</th>',
        f'<td class="num"{source}>{escape(format_reading(ind, a.reading))}{period}{count}</td>',
        f'<td class="num">{escape(format_reading(ind, a.comparator))}</td>',
        f"<td>{change_cell}</td>",
        f"<td>{status_badge(a.judgement, detail=detail)}{notes_html(a)}</td>",
        f"<td>{spc_icons_html(a, detail)}</td>",
        f"<td>{sparkline_svg(row.trend, label)}</td>",
    ]
    if show_subgroup:
        cells.insert(1, f"<td>{escape(row.subgroup_name)}</td>")
    return "<tr>" + "".join(cells) + "</tr>"


def overview_table_html(
    rows: list[OverviewRow], quarter: Quarter, caption: str, show_subgroup: bool = False, detail: bool = False
) -> str:
    """An accessible HTML table: real headers, a caption, RAG as word + shape + colour."""
    headers = [
        "Indicator",
        quarter.label,
        quarter.year_earlier().label,
        "Change",
        "Status",
        "Variation and target" if not detail else "SPC",
        "Last 8 quarters",
    ]
    if show_subgroup:
        headers.insert(1, "Sub-group")
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(_row_html(row, show_subgroup, detail) for row in rows)
    widths = ["name", *(["sub"] if show_subgroup else []), "num", "num", "change", "status", "spc", "spark"]
    columns = "".join(f'<col class="{w}">' for w in widths)
    return (
        f'<table class="overview"><caption>{escape(caption)}</caption><colgroup>{columns}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def overview_html(rows: list[OverviewRow], quarter: Quarter, order: str = "subgroup", detail: bool = False) -> str:
    """Tables grouped by sub-group, or one table with the exceptions first (every indicator in full:
    its figures, change, status and why)."""
    if order == "exceptions":
        return TABLE_STYLE + overview_table_html(
            exceptions_first(rows), quarter, f"All indicators, exceptions first — {quarter.label}", True, detail
        )
    tables = []
    for name in dict.fromkeys(row.subgroup_name for row in rows):
        group = [row for row in rows if row.subgroup_name == name]
        tables.append(overview_table_html(group, quarter, f"{name} — {quarter.label}", detail=detail))
    return TABLE_STYLE + "".join(tables)


PROVENANCE_COLUMNS = [
    "period_start",
    "source_file",
    "source_sheet",
    "source_cell",
    "vintage",
    "submitted_by",
    "submitted_at",
]


def provenance_line(row: dict) -> str:
    """One period's figure: where it is in its file, its release, who loaded it and when."""
    where = f"{row['source_file']}, {row['source_sheet']}!{row['source_cell']}"
    vintage, who = row["vintage"], row["submitted_by"]
    release = f"; release {vintage}" if isinstance(vintage, str) and vintage else ""
    loaded = ""
    if isinstance(who, str) and pd.notna(row["submitted_at"]):
        loaded = f"; loaded by {who} on {pd.Timestamp(row['submitted_at']):%-d %b %Y %H:%M}"
    return f"{pd.Timestamp(row['period_start']):%b %Y}: {where}{release}{loaded}"


def revision_lines(
    history: pd.DataFrame, policy: DisclosurePolicy | None = None, unit: str = "count", row_counted: bool = False
) -> list[str]:
    """One line per revision of a figure, newest first: value, source cell, release, who and when.
    Under a disclosure `policy` (for viewers) a figure that is suppressed or rests on a small count
    shows the policy's one label and no cell; a figure counted from rows (`row_counted`, e.g. police.uk
    street-level crimes) never names its rows, whose number would be the count."""
    lines = []
    for row in history.iloc[::-1].itertuples():
        count = row.value if unit == "count" else row.numerator
        small = policy is not None and (bool(row.suppressed) or (not pd.isna(count) and policy.primary(count)))
        value = policy.label if small else ("suppressed" if row.suppressed else f"{row.value:,.4g}")
        parts = (
            f" ({row.numerator:,.0f} / {row.denominator:,.0f})"
            if pd.notna(row.numerator) and pd.notna(row.denominator) and not small
            else ""
        )
        state = "**in force**" if row.in_force else ("withdrawn" if row.status == "withdrawn" else "superseded")
        release = f", release {plain_markdown(row.vintage)}" if isinstance(row.vintage, str) and row.vintage else ""
        hide_cell = policy is not None and (small or row_counted)
        source = plain_markdown(f"{row.file}, {row.sheet}" if hide_cell else f"{row.file}, {row.sheet}!{row.cell}")
        lines.append(
            f"{state}: {value}{parts} — {source}{release}; loaded by {plain_markdown(row.loaded_by)} "
            f"on {pd.Timestamp(row.loaded_at):%-d %b %Y %H:%M} (submission {row.submission})"
        )
    return lines
