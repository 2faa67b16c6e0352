"""The board's quarter as one snapshot, and the papers built from it (PDF, PowerPoint, Excel).

A snapshot is plain JSON: every indicator's figure (as published: the disclosure policy applies),
comparator, change, status with its reason, commentary, caveats and, for exceptions, its SPC chart
(a plotly figure); the completeness of returns; open actions; and "data as at". Sign-off freezes it
in the store; the pack and meeting mode read it, so a later upload cannot change them.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date, datetime
from html import escape

import pandas as pd
import plotly.graph_objects as go

from cspdash.catalogue import Catalogue
from cspdash.charts import annotations_for, chart_of
from cspdash.completeness import ReturnStatus
from cspdash.overview import OverviewRow, overview_frame, plain_change_words
from cspdash.periods import Quarter
from cspdash.place_pack import PLACE_HEADERS, map_figure, note, place_rows
from cspdash.place_pack import title as place_title
from cspdash.snapshot import SCHEMA_VERSION, status_of
from cspdash.status import Status

EXCEPTIONS = (Status.RED, Status.AMBER, Status.UNUSUAL)
FORMATS = ("pdf", "pptx", "xlsx")
PPTX_ROWS = 9  # indicators on one sub-group slide


def snapshot_from_rows(
    catalogue: Catalogue,
    area: str,
    quarter: Quarter,
    rows: list[OverviewRow],
    actions: pd.DataFrame,
    completeness: Iterable[ReturnStatus],
    data_as_at: datetime | None,
) -> dict:
    """The board's rows frozen as plain JSON with a schema version (`cspdash.snapshot`): each
    indicator's figure, comparator and change as the overview shows them, status by its enum name."""
    records = overview_frame(rows, quarter).to_dict(orient="records")
    policy = catalogue.disclosure
    return {
        "schema_version": SCHEMA_VERSION,
        "area": area,
        "quarter": quarter.label,
        "period": f"{quarter.start:%-d %B %Y} to {quarter.end:%-d %B %Y}",
        "data_as_at": data_as_at.isoformat(timespec="minutes") if data_as_at else None,
        "disclosure": f"Counts of {policy.low}–{policy.high}, and figures that would let one be worked out, "
        f"are shown as “{policy.label}”.",
        "indicators": [_indicator(row, record, actions) for row, record in zip(rows, records, strict=True)],
        "london": london_records(rows),
        "completeness": [_return(status) for status in completeness],
        "actions": _actions(actions),
    }


def _indicator(row: OverviewRow, record: dict, actions: pd.DataFrame | None = None) -> dict:
    """One indicator of the snapshot: what the board reads (plain words, no statistics) and, for
    "how this was judged" and speaker notes, the reason; numbers also as numbers (for Excel). An
    exception's chart marks its breaks, baseline and the actions linked to it (`annotations_for`)."""
    a = row.assessment
    ind = a.indicator
    status = a.judgement.status
    exception = status in EXCEPTIONS
    spc = a.spc if a.spc is not None and a.spc.usable else None
    return {
        "id": ind.id,
        "name": ind.name,
        "subgroup": row.subgroup_name,
        "unit": ind.unit_label,
        "unit_kind": ind.unit,
        "period": record["period"],
        "definition": a.definition,
        "figure": record["value"],
        "figure_value": _number(a.reading),
        "comparator": record["comparator value"],
        "comparator_value": _number(a.comparator),
        "comparator_period": a.comparator_label,
        "change": plain_change_words(a),
        "change_value": a.change.absolute,
        "change_detail": record["change"],
        "target": target_words(a),
        "status": status.name,
        "plain": a.judgement.sentence,
        "reason": a.judgement.reason,
        "variation": a.variation_plain,
        "assurance": a.assurance_plain,
        "variation_icon": spc.variation if spc else "",
        "assurance_icon": (spc.assurance or "") if spc else "",
        "trend": [None if v is None else float(v) for v in row.trend],
        "caveats": record["caveats"],
        "commentary": row.commentary,
        "headline": row.headline,
        "exception": exception,
        "chart": chart_of(a, annotations_for(a, actions)).to_json() if exception and a.spc_points else None,
    }


def london_records(rows: list[OverviewRow]) -> list[dict]:
    """The area against London (funnel plots), exceptions first, as the rows carry them; a funnel
    beyond its limits keeps its chart for the meeting screen and the pack."""
    from cspdash.against_london import WITHIN, exceptions_first
    from cspdash.funnel_charts import funnel_figure

    views = exceptions_first([row.london.funnel for row in rows if row.london and row.london.funnel])
    return [
        {**view.to_record(), "chart": funnel_figure(view).to_json() if view.band != WITHIN else None} for view in views
    ]


def _number(reading) -> float | None:
    return float(reading.value) if reading is not None and reading.known else None


def target_words(a) -> str:
    """'300 (indicative)', '80%', or '' when the indicator has no target this year."""
    if a.target is None:
        return ""
    value = f"{a.target.value:g}{'%' if a.indicator.unit == 'percent' else ''}"
    return value + ("" if a.target.confirmed else " (indicative)")


def _return(status: ReturnStatus) -> dict:
    record = asdict(status)
    record["due"] = status.due.isoformat()
    record["received_at"] = status.received_at.isoformat(timespec="minutes") if status.received_at else None
    return record


def _actions(actions: pd.DataFrame) -> list[dict]:
    if actions.empty:
        return []
    open_ = actions[~actions["status"].isin(["done", "dropped"])]
    columns = [c for c in ("id", "title", "owner", "due_date", "status", "indicator") if c in open_]
    out = []
    for record in open_[columns].to_dict(orient="records"):
        due = record.get("due_date")
        record["due_date"] = "" if due is None or pd.isna(due) else pd.Timestamp(due).date().isoformat()
        out.append({k: ("" if v is None or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in record.items()})
    return out


# ---- reading a snapshot ---------------------------------------------------------------------------

COUNT_ORDER = (Status.RED, Status.AMBER, Status.UNUSUAL, Status.GREEN, Status.NO_SIGNAL, Status.NOT_RATED)


def stamp(snapshot: dict) -> str:
    """One line: the period the figures cover and when the newest file behind them was loaded (never
    the day the pack was built), then who signed off and when, or DRAFT: 'Data as at 31 March 2025
    (2024/25 Q4: 1 January to 31 March 2025), as loaded by 21 Apr 2025 10:00; signed off by … on …'."""
    loaded = _when(snapshot.get("data_as_at"))
    line = f"Data as at {covered(snapshot)}" + (f", as loaded by {loaded}" if loaded else "")
    if snapshot.get("signed_off_by"):
        return f"{line}; signed off by {snapshot['signed_off_by']} on {_when(snapshot.get('signed_off_at'))}"
    return f"{line}; DRAFT — not signed off"


def covered(snapshot: dict) -> str:
    """The newest day of the quarter reported and the period its figures cover: '31 March 2025
    (2024/25 Q4: 1 January to 31 March 2025)'."""
    try:
        quarter = Quarter.parse(snapshot["quarter"])
    except (KeyError, ValueError):
        return f"{snapshot.get('quarter', '')} ({snapshot.get('period', '')})"
    start, end = quarter.start, quarter.end
    first = f"{start:%-d %B}" if start.year == end.year else f"{start:%-d %B %Y}"
    return f"{end:%-d %B %Y} ({quarter.label}: {first} to {end:%-d %B %Y})"


def loaded_since(snapshot: dict, newest: datetime | None) -> str | None:
    """When a file was loaded after the snapshot was signed off: a sentence saying that its
    figures are later revisions, not shown (None for a draft, or if nothing is newer)."""
    as_at = snapshot.get("data_as_at")
    if not snapshot.get("signed_off_by") or newest is None or not as_at:
        return None
    if newest.isoformat(timespec="minutes") <= as_at:
        return None
    return (
        f"A file was loaded after sign-off ({newest:%-d %b %Y %H:%M}): its figures are later revisions, not shown here"
    )


def _when(value: str | None) -> str:
    return f"{datetime.fromisoformat(value):%-d %b %Y %H:%M}" if value else ""


def _day(value: str | None) -> str:
    return f"{datetime.fromisoformat(value):%-d %b %Y}" if value else ""


def status_counts(snapshot: dict) -> dict[Status, int]:
    """How many of the snapshot's indicators have each status, Red first (statuses with none left out)."""
    counts = all_counts(snapshot)
    return {status: n for status, n in counts.items() if n}


def all_counts(snapshot: dict) -> dict[Status, int]:
    """Every status with its count (zeros too): Red, Amber, Unusual, Green, No signal, Not rated."""
    counts = dict.fromkeys(COUNT_ORDER, 0)
    for indicator in snapshot["indicators"]:
        counts[status_of(indicator)] += 1
    return counts


def exceptions(snapshot: dict) -> list[dict]:
    """Red, then amber, then unusual; catalogue order within each."""
    return sorted((i for i in snapshot["indicators"] if i["exception"]), key=lambda i: status_of(i).severity)


def matrix_order(snapshot: dict) -> list[dict]:
    """Every indicator for the summary matrix: the exceptions first, then the rest in catalogue order."""
    return exceptions(snapshot) + [i for i in snapshot["indicators"] if not i["exception"]]


def subgroups(snapshot: dict) -> dict[str, list[dict]]:
    """The indicators by sub-group: in the order the meeting's agenda takes the sub-groups, if it has
    one, then the others in the catalogue's order."""
    grouped: dict[str, list[dict]] = {}
    for indicator in snapshot["indicators"]:
        grouped.setdefault(indicator["subgroup"], []).append(indicator)
    order = [item["subgroup"] for item in agenda_items(snapshot) if item["subgroup"] in grouped]
    first = dict.fromkeys(order)
    return {name: grouped[name] for name in [*first, *(n for n in grouped if n not in first)]}


def agenda_items(snapshot: dict) -> list[dict]:
    """The timed items of the meeting that reviews the quarter (none if no meeting is planned)."""
    return (snapshot.get("agenda") or {}).get("items", [])


def agenda_heading(snapshot: dict) -> str:
    """'Board meeting, 20 May 2025, Hackney Town Hall', or '' with no meeting planned."""
    agenda = snapshot.get("agenda")
    if not agenda:
        return ""
    when = pd.Timestamp(agenda["date"]).strftime("%-d %B %Y")
    return ", ".join(part for part in (agenda["meeting"], when, agenda["place"]) if part)


def agenda_rows(snapshot: dict) -> list[list[str]]:
    """Time, item, lead, purpose, paper: the agenda as table rows."""
    return [
        [item["times"], item["title"], item["lead"], item["purpose"], item["paper"]] for item in agenda_items(snapshot)
    ]


def actions_for(snapshot: dict, indicator: dict) -> list[dict]:
    """The open actions linked to one indicator."""
    return [a for a in snapshot["actions"] if a.get("indicator") == indicator["id"]]


def finding(indicator: dict) -> str:
    """The headline's finding without its status words: 'Robbery: 832 in 2024/25 Q4, up 68% on a year earlier'."""
    return (indicator.get("headline") or indicator["name"]).split(" — ")[0]


def alt_text(indicator: dict) -> str:
    """A chart's text alternative: its finding and what the status means."""
    return f"Chart: {finding(indicator)}. {indicator.get('plain', '')}".strip()


def figures(snapshot: dict, wrap: int = 95) -> dict[str, go.Figure]:
    """The exceptions' SPC charts, as plotly figures, titles wrapped for a full page width."""
    return {i["id"]: chart_figure(i, wrap) for i in snapshot["indicators"] if i.get("chart")}


def chart_figure(indicator: dict, wrap: int = 95) -> go.Figure:
    """One indicator's SPC chart from the snapshot, its title wrapped at `wrap` characters."""
    fig = go.Figure(json.loads(indicator["chart"]))
    lines = textwrap.wrap((fig.layout.title.text or "").replace("<br>", " "), wrap)
    fig.update_layout(title_text="<br>".join(lines), margin_t=30 + 22 * len(lines))
    return fig


# ---- charts for the papers: plain words, large type ------------------------------------------------

CHART_WIDTH = 1200  # px: one chart across a slide (12.5 in) or an A4 page (182 mm)
CHART_TEXT = 25  # px at that width: 18 pt on a slide, 10.7 pt on paper
PDF_CHART_HEIGHT = 560
LEGEND_WORDS = {  # the chart's legend in the words a board reads
    "Common cause": "Usual ups and downs",
    "Special cause: improvement": "Unusual: better",
    "Special cause: concern": "Unusual: worse",
    "Special cause: unusually high": "Unusually high",
    "Special cause: unusually low": "Unusually low",
    "Mean": "Average",
    "Process limits": "Usual range",
    "Hollow: provisional (the next release revises it)": "Hollow: provisional",
    "12 months to quarter end": "12 months to quarter end",
}


def legend_words(name: str) -> str:
    """'Process limits (provisional)' → 'Usual range (provisional)'."""
    base = name.removesuffix(" (provisional)")
    return LEGEND_WORDS.get(base, base) + name[len(base) :]


def paper_figure(indicator: dict, height: int, titled: bool) -> go.Figure:
    """An exception's chart for the papers: its finding as the title (or none, when the slide says
    it), the legend in plain words, text large enough to read from the back of a room."""
    from cspdash.charts import large_type

    fig = go.Figure(json.loads(indicator["chart"]))
    for trace in fig.data:
        if trace.name:
            trace.name = legend_words(trace.name)
    lines = textwrap.wrap(finding(indicator), 70) if titled else []
    fig.update_layout(
        title=dict(text="<br>".join(lines), x=0, xanchor="left"),
        margin=dict(l=20, r=20, t=20 + 34 * len(lines), b=20),
    )
    return large_type(fig, CHART_TEXT, CHART_WIDTH, height)


LONDON_HEADERS = ("Indicator", "Compared with London", "Rate per 1,000 residents", "London", "What the funnel says")


def london_rows(snapshot: dict) -> list[list]:
    """The area against London, one row per indicator, exceptions first (numbers as numbers)."""
    return [
        [
            r["indicator"],
            r["verdict"] + (f" ({r['strength']} limit)" if r["strength"] else ""),
            round(r["rate"], 1),
            round(r["london"], 1),
            f"{r['sentence']} {r['rank']}.",
        ]
        for r in snapshot.get("london") or []
    ]


def london_paper_figures(snapshot: dict, fmt: str) -> dict[str, go.Figure]:
    """The spine chart of every comparable indicator and the funnel of each one beyond its limits."""
    from cspdash.charts import large_type
    from cspdash.funnel_charts import spine_figure

    records = snapshot.get("london") or []
    if not records:
        return {}
    width = CHART_WIDTH
    spine = spine_figure(records, snapshot["area"], records[0]["period"], wrap=70)
    charts = {"london:spine": large_type(spine, CHART_TEXT, width, max(PDF_CHART_HEIGHT, 200 + 60 * len(records)))}
    for n, record in enumerate(records):
        if record.get("chart"):
            fig = go.Figure(json.loads(record["chart"]))
            lines = textwrap.wrap((fig.layout.title.text or "").replace("<br>", " "), 70)
            fig.update_layout(title_text="<br>".join(lines), margin=dict(t=20 + 34 * len(lines)))
            charts[f"london:{n}"] = large_type(fig, CHART_TEXT, width, PDF_CHART_HEIGHT + 80)
    return charts


PDF_MAP_HEIGHT = 1150  # px at CHART_WIDTH (175 mm on A4): the map across the page, its key under it


def place_paper_figures(snapshot: dict, fmt: str) -> dict[str, go.Figure]:
    """Where it happens: each map in large type, on paper `PDF_MAP_HEIGHT` tall, on a slide as tall as
    the room under the finding."""
    charts = {}
    for n, record in enumerate(snapshot.get("places") or []):
        if not record.get("chart"):
            continue
        if fmt == "pdf":  # the key under the map, the licence line in the note under the picture
            charts[f"places:{n}"] = map_figure(record, CHART_WIDTH, PDF_MAP_HEIGHT, CHART_TEXT, True, False)
        else:
            height = round(_map_layout(record)[1] / BODY_W * CHART_WIDTH)
            charts[f"places:{n}"] = map_figure(record, CHART_WIDTH, height, CHART_TEXT)
    return charts


def pack_figures(snapshot: dict, fmt: str) -> dict[str, go.Figure]:
    """The exceptions' charts for one format: on paper titled with the finding, on a slide sized to the
    room the slide leaves (the slide's title and sentence say the finding); then the area against London
    and where it happens."""
    charts = london_paper_figures(snapshot, fmt) if fmt == "pdf" else {}
    charts.update(place_paper_figures(snapshot, fmt))
    for i in exceptions(snapshot):
        if not i.get("chart"):
            continue
        if fmt == "pptx":
            height = round(_exception_layout(i, actions_for(snapshot, i)).chart_height / BODY_W * CHART_WIDTH)
            charts[i["id"]] = paper_figure(i, height, titled=False)
        else:
            charts[i["id"]] = paper_figure(i, PDF_CHART_HEIGHT, titled=True)
    return charts


# ---- charts: one Chromium for the whole pack -----------------------------------------------------


class ChartsUnavailable(RuntimeError):
    """Static charts need Chromium (kaleido): say so instead of failing the pack."""


def _opts(fig: go.Figure, fmt: str, scale: float) -> dict:
    """kaleido's options: the figure's own size when it has one (else 1000 × 520)."""
    return {"format": fmt, "width": fig.layout.width or 1000, "height": fig.layout.height or 520, "scale": scale}


def render_charts(
    charts: dict[str, go.Figure],
    fmt: str = "png",
    progress: Callable[[float], None] | None = None,
    scale: float = 1,
) -> dict[str, bytes]:
    """Each figure as image bytes, with one browser kept open for all of them (kaleido's sync server)."""
    import kaleido

    if not charts:
        return {}
    images = {}
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as error:  # no browser: the pack is still built, without charts
        raise ChartsUnavailable(f"charts need Chromium ({error})") from error
    try:
        for done, (key, fig) in enumerate(charts.items(), start=1):
            image = kaleido.calc_fig_sync(fig, opts=_opts(fig, fmt, scale))
            images[key] = image.encode("utf-8") if isinstance(image, str) else image
            if progress:
                progress(done / len(charts))
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return images


def render_charts_one_browser_each(charts: dict[str, go.Figure], fmt: str = "png") -> dict[str, bytes]:
    """The slow way (a browser started per chart), kept for the benchmark."""
    import kaleido

    return {key: kaleido.calc_fig_sync(fig, opts=_opts(fig, fmt, 1)) for key, fig in charts.items()}


# ---- Excel ---------------------------------------------------------------------------------------

NUMBER_FORMATS = {"count": "#,##0", "rate": "#,##0.0", "percent": '0.0"%"', "gbp": "£#,##0"}
CHANGE_FORMATS = {
    "count": "+#,##0;-#,##0;0",
    "rate": "+#,##0.0;-#,##0.0;0.0",
    "percent": '+0.0" pts";-0.0" pts";0.0" pts"',
    "gbp": "+£#,##0;-£#,##0;£0",
}
SUMMARY_HEADERS = (
    "Sub-group",
    "Indicator",
    "Unit",
    "Period",
    "Figure",
    "A year earlier",
    "Compared with",
    "Change on a year earlier",
    "Is the change real?",
    "Target",
    "Status",
    "What the status means",
    "Variation",
    "Assurance",
    "Commentary",
    "Notes on the figures",
)
NUMERIC_HEADERS = ("Figure", "A year earlier", "Change on a year earlier")
RETURN_HEADERS = ("Return", "Status", "Due", "Received")
ACTION_HEADERS = ("No.", "Action", "Owner", "Due", "Status", "Indicator", "Did it work?")
WIDEST = 60  # characters: longer text wraps


def _change_meaning(indicator: dict) -> str:
    """'within the usual ups and downs' from '+57.1 (+19%): within the usual ups and downs'."""
    return indicator["change"].partition(": ")[2]


def _summary_row(indicator: dict) -> list:
    """One indicator as a spreadsheet row: numbers as numbers (a hidden figure as its published marker)."""
    return [
        indicator["subgroup"],
        indicator["name"],
        indicator["unit"],
        indicator["period"],
        _or_text(indicator.get("figure_value"), indicator["figure"]),
        _or_text(indicator.get("comparator_value"), indicator["comparator"]),
        indicator.get("comparator_period", ""),
        indicator.get("change_value"),
        _change_meaning(indicator),
        indicator.get("target", ""),
        status_of(indicator).word,
        indicator.get("plain", ""),
        indicator.get("variation", ""),
        indicator.get("assurance", ""),
        indicator["commentary"],
        indicator["caveats"],
    ]


def _or_text(value: float | None, shown: str) -> float | str | None:
    """The number when it is published; else what is published in its place ('[c]'), or nothing."""
    if value is not None:
        return value
    return shown if shown not in ("", "–") else None


def _return_row(record: dict) -> list:
    due = date.fromisoformat(record["due"][:10]) if record.get("due") else None
    received = datetime.fromisoformat(record["received_at"]) if record.get("received_at") else None
    return [record["name"], record["status"].capitalize(), due, received]


def _action_row(action: dict, names: dict[str, str]) -> list:
    due = date.fromisoformat(action["due_date"][:10]) if action.get("due_date") else None
    return [
        action.get("id") or None,
        action.get("title", ""),
        action.get("owner", ""),
        due,
        str(action.get("status", "")).capitalize(),
        names.get(action.get("indicator", ""), action.get("indicator", "")),
        action.get("effect", ""),
    ]


def _sheet(book, title: str, headers: tuple[str, ...], rows: list[list], formats: Callable | None = None) -> None:
    """A sheet with a bold header row (always, even with no rows), numbers as numbers, widths set."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from cspdash.safe_text import neutralise_cell

    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for n, row in enumerate(rows):
        sheet.append([neutralise_cell(v) if isinstance(v, str) else v for v in row])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = "d mmm yyyy hh:mm" if isinstance(cell.value, datetime) else "d mmm yyyy"
        if formats:
            formats(sheet[sheet.max_row], n)
    for c, header in enumerate(headers, start=1):
        longest = max([len(header)] + [len(_shown(r[c - 1])) for r in rows])
        sheet.column_dimensions[get_column_letter(c)].width = min(WIDEST, max(8, longest + 2))
    sheet.freeze_panes = "A2"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, date):
        return "00 Mmm 0000 00:00"
    return "" if value is None else str(value)


def _indicator_sheet(book, title: str, indicators: list[dict]) -> None:
    """Indicators with Figure, A year earlier and Change as numbers in each unit's number format."""

    def formats(cells, n: int) -> None:
        kind = indicators[n].get("unit_kind", "count")
        for header in NUMERIC_HEADERS:
            cell = cells[SUMMARY_HEADERS.index(header)]
            if isinstance(cell.value, int | float):
                table = CHANGE_FORMATS if header.startswith("Change") else NUMBER_FORMATS
                cell.number_format = table.get(kind, "#,##0.0")

    _sheet(book, title, SUMMARY_HEADERS, [_summary_row(i) for i in indicators], formats)


def pack_xlsx(snapshot: dict) -> bytes:
    """The underlying tables: cover, summary, exceptions, against London and where it happens (every
    place of the map; a hidden one's count as the hidden label), returns, open actions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from cspdash.safe_text import neutralise_cell

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    for line in _cover_lines(snapshot):
        cover.append([neutralise_cell(line)])
    cover["A1"].font = Font(bold=True, size=16)
    cover.column_dimensions["A"].width = 120
    if agenda_items(snapshot):
        _sheet(book, "Agenda", AGENDA_HEADER, agenda_rows(snapshot))
    _indicator_sheet(book, "Summary", snapshot["indicators"])
    _indicator_sheet(book, "Exceptions", exceptions(snapshot))
    if snapshot.get("london"):
        _sheet(book, "Against London", LONDON_HEADERS, london_rows(snapshot))
    if snapshot.get("places"):
        _sheet(book, "Where it happens", PLACE_HEADERS, place_rows(snapshot), _place_formats)
    _sheet(book, "Returns", RETURN_HEADERS, [_return_row(r) for r in snapshot["completeness"]])
    names = {i["id"]: i["name"] for i in snapshot["indicators"]}
    _sheet(book, "Actions", ACTION_HEADERS, [_action_row(a, names) for a in snapshot["actions"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _place_formats(cells, n: int) -> None:
    """A place's count as a whole number and its rate to one decimal place (a hidden count is its label)."""
    count, rate = cells[PLACE_HEADERS.index("Count")], cells[PLACE_HEADERS.index("Rate per 1,000 residents")]
    if isinstance(count.value, int | float):
        count.number_format = NUMBER_FORMATS["count"]
    if isinstance(rate.value, int | float):
        rate.number_format = NUMBER_FORMATS["rate"]


def _cover_lines(snapshot: dict) -> list[str]:
    return [
        f"Community Safety Partnership board pack: {snapshot['area']}",
        f"{snapshot['quarter']} ({snapshot['period']})",
        stamp(snapshot),
        snapshot["disclosure"],
    ]


# ---- PDF: an HTML document printed by Chromium (real text, tagged headings) ------------------------

PACK_STYLE = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #0b0c0c; }
h1 { font-size: 24pt; margin: 0 0 6pt; } h2 { font-size: 16pt; margin: 14pt 0 6pt; break-after: avoid; }
h3 { font-size: 13pt; margin: 10pt 0 4pt; break-after: avoid; }
.stamp { font-weight: bold; border: 2px solid #0b0c0c; padding: 6pt; margin: 10pt 0; }
.cover { break-after: page; } section { break-before: page; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
thead { display: table-header-group; }
tr, th, td { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 3pt 4pt; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #0b0c0c; }
.status, .icon { display: inline-block; padding: 1pt 5pt; border: 1px solid #0b0c0c; font-weight: bold; white-space: nowrap; }
.counts { display: flex; flex-wrap: wrap; gap: 4pt; margin: 6pt 0 10pt; } .counts .status { font-size: 11pt; }
.why { color: #3b3b3b; font-size: 9pt; }
.exception { break-inside: avoid; margin-bottom: 12pt; }
img.chart { width: 100%; }
.comment { font-style: italic; }
"""


def _status_html(indicator: dict) -> str:
    return _badge(status_of(indicator), escape(status_of(indicator).word))


def _badge(status: Status, words: str) -> str:
    return (
        f'<span class="status" style="background:{status.colour};color:{status.text_colour}">'
        f'<span aria-hidden="true">{status.shape}</span> {words}</span>'
    )


def _icon_html(icons: dict, key: str, words: str) -> str:
    """A Making Data Count icon (colour and symbol) beside its words; just the words when there is none."""
    from cspdash.palette import ASSURANCE_ICONS, VARIATION_ICONS

    icon = {"variation": VARIATION_ICONS, "assurance": ASSURANCE_ICONS}[icons].get(key)
    if not icon:
        return escape(words or "–")
    background, colour, symbol = icon
    return (
        f'<span class="icon" style="background:{background};color:{colour}" aria-hidden="true">{escape(symbol)}</span> '
        f"{escape(words)}"
    )


def _table(header: tuple[str, ...], rows: list[str]) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _matrix_table(indicators: list[dict]) -> str:
    """The summary matrix: name, figure, target, variation and assurance icons, status and its meaning."""
    rows = [
        f'<tr><th scope="row">{escape(i["name"])}<div class="why">{escape(i["unit"])}, {escape(i["period"])}</div></th>'
        f"<td>{escape(str(i['figure']))}</td><td>{escape(i.get('target') or '–')}</td>"
        f"<td>{_icon_html('variation', i.get('variation_icon', ''), i.get('variation', ''))}</td>"
        f"<td>{_icon_html('assurance', i.get('assurance_icon', ''), i.get('assurance', ''))}</td>"
        f'<td>{_status_html(i)}<div class="why">{escape(i.get("plain", ""))}</div></td></tr>'
        for i in indicators
    ]
    return _table(("Indicator", "Figure", "Target", "Variation", "Assurance", "Status"), rows)


def _summary_table(indicators: list[dict]) -> str:
    """A sub-group's indicators: figure, a year earlier, change (in words) and status with its meaning."""
    rows = [
        f'<tr><th scope="row">{escape(i["name"])}<div class="why">{escape(i["unit"])}</div></th>'
        f"<td>{escape(str(i['figure']))}</td><td>{escape(str(i['comparator']))}</td>"
        f"<td>{escape(str(i['change']))}</td>"
        f'<td>{_status_html(i)}<div class="why">{escape(i.get("plain", ""))}</div></td></tr>'
        for i in indicators
    ]
    return _table(("Indicator", "Figure", "A year earlier", "Change", "Status"), rows)


def _actions_table(actions: list[dict], names: dict[str, str]) -> str:
    rows = [
        f"<tr><td>{escape(str(a.get('id', '')))}</td><td>{escape(str(a.get('title', '')))}</td>"
        f"<td>{escape(str(a.get('owner', '')))}</td><td>{escape(_day(a.get('due_date')) or '–')}</td>"
        f"<td>{escape(str(a.get('status', '')))}</td><td>{escape(names.get(a.get('indicator', ''), ''))}</td>"
        f"<td>{escape(a.get('effect', ''))}</td></tr>"
        for a in actions
    ]
    return _table(ACTION_HEADERS, rows)


def _counts_html(snapshot: dict) -> str:
    badges = "".join(_badge(s, f"{n} {escape(s.word)}") for s, n in all_counts(snapshot).items())
    return f'<p class="counts">{badges}</p>'


def _exception_html(snapshot: dict, indicator: dict, images: dict[str, bytes], image_type: str) -> str:
    """One exception: its finding, what the status means, the commentary, the chart and its open actions."""
    import base64

    i = indicator
    parts = [
        f'<div class="exception"><h3>{escape(i["name"])} — {_status_html(i)}</h3>',
        f"<p>{'' if i['id'] in images else escape(finding(i)) + '. '}<strong>{escape(i.get('plain', ''))}</strong></p>",
    ]
    if i["commentary"]:
        parts.append(f'<p class="comment">“{escape(i["commentary"])}”</p>')
    if i["id"] in images:
        data = base64.b64encode(images[i["id"]]).decode("ascii")
        parts.append(f'<img class="chart" alt="{escape(alt_text(i))}" src="data:image/{image_type};base64,{data}">')
    linked = actions_for(snapshot, i)
    if linked:
        parts.append(f"<p><strong>Open actions:</strong> {escape('; '.join(_action_words(a) for a in linked))}</p>")
    parts.append("</div>")
    return "".join(parts)


def _london_html(snapshot: dict, images: dict[str, bytes], image_type: str) -> str:
    """The area against every London borough: the table (exceptions first), the spine chart, and the
    funnel of each indicator beyond its limits; the rank only as information."""
    import base64

    def image(key: str, alt: str) -> str:
        if key not in images:
            return ""
        data = base64.b64encode(images[key]).decode("ascii")
        return f'<img class="chart" alt="{escape(alt)}" src="data:image/{image_type};base64,{data}">'

    records = snapshot["london"]
    rows = [
        f'<tr><th scope="row">{escape(r[0])}</th><td><strong>{escape(r[1])}</strong></td>'
        f"<td>{r[2]:,.1f}</td><td>{r[3]:,.1f}</td><td>{escape(r[4])}</td></tr>"
        for r in london_rows(snapshot)
    ]
    parts = [
        f"<p>Each rate over the {escape(records[0]['period'])}, against a funnel plot of every London borough: "
        "better, similar or worse than chance explains for a borough its size. "
        f"{escape(records[0]['method'])} Rates use {escape(records[0]['population'])}.</p>",
        _table(LONDON_HEADERS[:4] + ("What the funnel says (rank for information)",), rows),
        image("london:spine", f"Spine chart: {snapshot['area']} against London"),
    ]
    for n, record in enumerate(records):
        if record.get("chart"):
            parts.append(f'<div class="exception"><h3>{escape(record["indicator"])}: {escape(record["verdict"])}</h3>')
            parts.append(image(f"london:{n}", record["sentence"]) or f"<p>{escape(record['sentence'])}</p>")
            parts.append("</div>")
    return "".join(parts)


def _places_html(snapshot: dict, images: dict[str, bytes], image_type: str) -> str:
    """Where it happens: each map with its text alternative as text above it, and how it was made, its
    source and the boundaries' licence as a small note below."""
    import base64

    parts = []
    for n, record in enumerate(snapshot.get("places") or []):
        measure = "count" if record.get("measure", "count") == "count" else "rate per 1,000 residents"
        places = (record.get("level_words") or ["LSOA", "LSOAs"])[1]
        parts.append(
            f'<div class="exception"><h3>{escape(record["indicator"])}, {escape(record["period"])}: '
            f"{escape(places)} by {measure}</h3><p>{escape(record['finding'])}</p>"
        )
        if f"places:{n}" in images:
            data = base64.b64encode(images[f"places:{n}"]).decode("ascii")
            parts.append(
                f'<img class="chart" alt="{escape(record["finding"])}" src="data:image/{image_type};base64,{data}">'
            )
        parts.append(f'<p class="why">{escape(note(record))}</p></div>')
    return "".join(parts)


def _action_words(action: dict) -> str:
    """'Action 3: Review the panel (K. Smith, due 30 Jun 2025)'."""
    who = ", ".join(
        p for p in (action.get("owner", ""), f"due {_day(action['due_date'])}" if action.get("due_date") else "") if p
    )
    worked = f" Did it work? {action['effect']}" if action.get("effect") else ""
    return f"Action {action.get('id', '')}: {action.get('title', '')}" + (f" ({who})" if who else "") + worked


def _agenda_html(snapshot: dict) -> str:
    """The meeting's timed agenda: the pack's sub-group sections follow its order."""
    rows = [f"<tr>{''.join(f'<td>{escape(str(cell))}</td>' for cell in row)}</tr>" for row in agenda_rows(snapshot)]
    return f"<p>{escape(agenda_heading(snapshot))}</p>" + _table(AGENDA_HEADER, rows)


AGENDA_HEADER = ("Time", "Item", "Lead", "Purpose", "Paper")


def _returns_table(snapshot: dict) -> str:
    rows = [
        f"<tr><td>{escape(r['name'])}</td><td>{escape(str(r['status']).capitalize())}</td>"
        f"<td>{escape(_day(r.get('due')))}</td><td>{escape(_when(r.get('received_at')) or '–')}</td></tr>"
        for r in snapshot["completeness"]
    ]
    return _table(RETURN_HEADERS, rows) if rows else "<p>No returns expected.</p>"


def pack_html(snapshot: dict, images: dict[str, bytes] | None = None, image_type: str = "svg+xml") -> str:
    """The pack as one HTML document: cover, contents, summary matrix, exceptions with charts, against
    London, where it happens (each map with its finding as text), a section per sub-group, returns, actions."""
    images = images or {}
    groups = subgroups(snapshot)
    names = {i["id"]: i["name"] for i in snapshot["indicators"]}
    against = ["Compared with London"] if snapshot.get("london") else []
    where = ["Where it happens"] if snapshot.get("places") else []
    agenda = ["Agenda"] if agenda_items(snapshot) else []
    contents = [*agenda, "Summary", "Exceptions", *against, *where, *groups, "Returns and data quality", "Open actions"]
    anchors = {title: f"s{n}" for n, title in enumerate(contents)}
    parts = [
        '<div class="cover">',
        f"<h1>{escape(snapshot['area'])}: Community Safety Partnership board pack</h1>",
        f"<p><strong>{escape(snapshot['quarter'])}</strong> ({escape(snapshot['period'])})</p>",
        f'<p class="stamp">{escape(stamp(snapshot))}</p>',
        f"<p>{escape(snapshot['disclosure'])}</p>",
        "<h2>Contents</h2><ol>",
        *(f'<li><a href="#{anchors[t]}">{escape(t)}</a></li>' for t in contents),
        "</ol></div>",
        *(
            [f'<section id="{anchors["Agenda"]}"><h2>Agenda</h2>', _agenda_html(snapshot), "</section>"]
            if agenda
            else []
        ),
        f'<section id="{anchors["Summary"]}"><h2>Summary</h2>',
        _counts_html(snapshot),
        _matrix_table(matrix_order(snapshot)),
        "</section>",
        f'<section id="{anchors["Exceptions"]}"><h2>Exceptions</h2>',
    ]
    listed = exceptions(snapshot)
    if not listed:
        parts.append("<p>No indicator is red, amber or unusual this quarter.</p>")
    parts += [_exception_html(snapshot, i, images, image_type) for i in listed]
    parts.append("</section>")
    if against:
        parts.append(f'<section id="{anchors[against[0]]}"><h2>Compared with London</h2>')
        parts.append(_london_html(snapshot, images, image_type))
        parts.append("</section>")
    if where:
        parts.append(f'<section id="{anchors[where[0]]}"><h2>Where it happens</h2>')
        parts.append(_places_html(snapshot, images, image_type))
        parts.append("</section>")
    for name, indicators in groups.items():
        parts.append(f'<section id="{anchors[name]}"><h2>{escape(name)}</h2>')
        parts.append(_summary_table(indicators))
        for i in indicators:
            if i["commentary"]:
                parts.append(
                    f'<p><strong>{escape(i["name"])}:</strong> <span class="comment">“{escape(i["commentary"])}”</span></p>'
                )
        parts.append("</section>")
    notes = "".join(
        f"<li><strong>{escape(i['name'])}:</strong> {escape(i['caveats'])}</li>"
        for i in snapshot["indicators"]
        if i["caveats"]
    )
    parts.append(f'<section id="{anchors["Returns and data quality"]}"><h2>Returns and data quality</h2>')
    parts.append(f"{_returns_table(snapshot)}<h3>Notes on the figures</h3><ul>{notes}</ul></section>")
    parts.append(f'<section id="{anchors["Open actions"]}"><h2>Open actions</h2>')
    parts.append(_actions_table(snapshot["actions"], names) if snapshot["actions"] else "<p>No open actions.</p>")
    parts.append("</section>")
    title = f"{snapshot['area']} board pack {snapshot['quarter']}"
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{PACK_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def pack_pdf(snapshot: dict, images: dict[str, bytes] | None = None, chromium: str = "/usr/bin/chromium") -> bytes:
    """The HTML pack printed to PDF by headless Chromium: real, searchable text with tagged headings;
    charts as SVG (vector) when `images` are SVG, else PNG."""
    import subprocess
    import tempfile
    from pathlib import Path

    images = images or {}
    svg = all(image.lstrip().startswith(b"<") for image in images.values())
    with tempfile.TemporaryDirectory(prefix="csp-pack-") as folder:
        source, target = Path(folder) / "pack.html", Path(folder) / "pack.pdf"
        source.write_text(pack_html(snapshot, images, "svg+xml" if svg else "png"), encoding="utf-8")
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",
            f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ChartsUnavailable(f"the PDF needs Chromium at {chromium} ({error})") from error
        if not target.exists():
            raise ChartsUnavailable(f"Chromium at {chromium} did not write the PDF")
        return target.read_bytes()


# ---- PowerPoint: 16:9, one slide per agenda item ---------------------------------------------------

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches
MARGIN = 0.4
BODY_W = SLIDE_W - 2 * MARGIN
TITLE_PT, MATRIX_PT, TABLE_PT, EXCEPTION_PT = 32, 15, 14, 18
MATRIX_WIDTHS = (3.75, 1.35, 1.6, 2.45, 1.85, 1.533)
GROUP_WIDTHS = (3.4, 1.4, 1.5, 1.6, 4.633)


class Cell:
    """A table cell's text, with a fill and text colour when it shows a status or an icon."""

    def __init__(self, text: str, fill: str | None = None, colour: str | None = None, bold: bool = False):
        self.text, self.fill, self.colour, self.bold = text, fill, colour, bold


class ExceptionLayout:
    """Where an exception slide's parts go (inches from the top): the plain sentence, the chart, the words below."""

    def __init__(self, sentence_top: float, chart_top: float, chart_height: float, footer_top: float):
        self.sentence_top, self.chart_top = sentence_top, chart_top
        self.chart_height, self.footer_top = chart_height, footer_top


def _lines(text: str, points: float, width: float) -> int:
    """About how many lines `text` takes at `points` in a box `width` inches wide (Arial: ~0.5 em a character)."""
    per_line = max(1, int((width * 72 - 14) / (points * 0.52)))
    return max(1, sum(len(textwrap.wrap(part, per_line)) or 1 for part in str(text).split("\n")))


def _title_lines(title: str) -> int:
    return _lines(title, TITLE_PT, BODY_W)


def _exception_footer(indicator: dict, actions: list[dict]) -> list[str]:
    """The words under an exception's chart: the commentary (shortened; in full in the notes) and up to
    three open actions."""
    comment = indicator["commentary"]
    if len(comment) > 260:
        comment = comment[:250].rsplit(" ", 1)[0] + "… (in full in the notes)"
    lines = [f"Commentary: “{comment}”" if comment else "Commentary: none given this quarter."]
    lines += [_action_words(a) for a in actions[:3]]
    if len(actions) > 3:
        lines.append(f"…and {len(actions) - 3} more open actions (see Open actions).")
    elif not actions:
        lines.append("No open actions on this indicator.")
    return lines


def _exception_title(indicator: dict) -> str:
    status = status_of(indicator)
    return f"{status.shape} {status.word}: {indicator['name']}"


def _exception_layout(indicator: dict, actions: list[dict]) -> ExceptionLayout:
    """The chart gets whatever height the title, the sentence and the words below leave (at least 2.6 in)."""
    sentence_top = 0.25 + 0.55 * _title_lines(_exception_title(indicator)) + 0.1
    chart_top = sentence_top + 0.36 * _lines(indicator.get("plain", ""), 20, BODY_W) + 0.15
    footer = sum(_lines(t, EXCEPTION_PT, BODY_W) for t in _exception_footer(indicator, actions))
    footer_height = 0.32 * footer + 0.15
    chart_height = max(2.6, SLIDE_H - 0.15 - chart_top - footer_height)
    return ExceptionLayout(sentence_top, chart_top, chart_height, chart_top + chart_height + 0.05)


def _rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def _write(frame, lines: list[str], points: float, bold: bool = False, italic: bool = False, centre: bool = False):
    """Each line a paragraph of one run, its size set on the run itself."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    frame.word_wrap = True
    for n, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.text = ""
        if centre:
            paragraph.alignment = PP_ALIGN.CENTER
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.italic = Pt(points), bold, italic


def _slide(deck, title: str):
    """A slide whose title is centred across the whole width."""
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Inches

    page = deck.slides.add_slide(deck.slide_layouts[5])
    shape = page.shapes.title
    shape.left, shape.top, shape.width = Inches(MARGIN), Inches(0.2), Inches(BODY_W)
    shape.height = Inches(0.1 + 0.55 * _title_lines(title))
    shape.text_frame.clear()
    shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _write(shape.text_frame, [title], TITLE_PT, bold=True, centre=True)
    return page


def _textbox(page, lines: list[str], top: float, height: float, points: float, **style) -> None:
    from pptx.util import Inches

    box = page.shapes.add_textbox(Inches(MARGIN), Inches(top), Inches(BODY_W), Inches(height))
    _write(box.text_frame, lines, points, **style)


def _fill_cell(cell, value: Cell | str, points: float) -> None:
    from pptx.util import Pt

    value = value if isinstance(value, Cell) else Cell(str(value))
    cell.text = ""
    run = cell.text_frame.paragraphs[0].add_run()
    run.text = value.text
    run.font.size, run.font.bold = Pt(points), value.bold
    cell.text_frame.word_wrap = True
    if value.fill:
        cell.fill.solid()
        cell.fill.fore_color.rgb = _rgb(value.fill)
    if value.colour:
        run.font.color.rgb = _rgb(value.colour)


def _add_table(page, header: list[str], rows: list[list], widths: tuple[float, ...], top: float, points: float):
    from pptx.util import Inches

    shape = page.shapes.add_table(
        len(rows) + 1, len(header), Inches(MARGIN), Inches(top), Inches(sum(widths)), Inches(0.4)
    )
    for c, width in enumerate(widths):
        shape.table.columns[c].width = Inches(width)
    for c, text in enumerate(header):
        _fill_cell(shape.table.cell(0, c), Cell(text, bold=True), points)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            _fill_cell(shape.table.cell(r, c), value, points)
    return shape


def _row_height(row: list, widths: tuple[float, ...], points: float) -> float:
    """A table row's height in inches, from its longest cell."""
    lines = max(_lines(v.text if isinstance(v, Cell) else str(v), points, w) for v, w in zip(row, widths, strict=True))
    return 0.12 + lines * points * 1.2 / 72


def _pages(rows: list[list], widths: tuple[float, ...], points: float, room: float) -> list[list[list]]:
    """The rows split into slides, each holding as many as fit in `room` inches (under a header row)."""
    pages, page, used = [], [], 0.12 + points * 1.2 / 72
    for row in rows:
        height = _row_height(row, widths, points)
        if page and used + height > room:
            pages.append(page)
            page, used = [], 0.12 + points * 1.2 / 72
        page.append(row)
        used += height
    return pages + [page] if page or not pages else pages


def _status_cell(indicator: dict) -> Cell:
    status = status_of(indicator)
    return Cell(f"{status.shape} {status.word}", status.colour, status.text_colour, bold=True)


def _icon_cell(icons: dict, key: str, words: str) -> Cell:
    icon = icons.get(key)
    if not icon:
        return Cell(words or "–")
    background, colour, symbol = icon
    return Cell(f"{symbol}  {words}", background, colour)


def _matrix_row(indicator: dict) -> list:
    from cspdash.palette import ASSURANCE_ICONS, VARIATION_ICONS

    i = indicator
    return [
        i["name"],
        str(i["figure"]),
        i.get("target") or "–",
        _icon_cell(VARIATION_ICONS, i.get("variation_icon", ""), i.get("variation", "")),
        _icon_cell(ASSURANCE_ICONS, i.get("assurance_icon", ""), i.get("assurance", "")),
        _status_cell(i),
    ]


def _counts_bar(page, snapshot: dict, top: float) -> None:
    """Six boxes, Red first: each status's shape, count and word on its colour."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    counts = all_counts(snapshot)
    width = BODY_W / len(counts)
    for n, (status, count) in enumerate(counts.items()):
        box = page.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, Inches(MARGIN + n * width), Inches(top), Inches(width - 0.08), Inches(0.55)
        )
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(status.colour)
        box.line.color.rgb = _rgb("#0b0c0c")
        _write(box.text_frame, [f"{status.shape} {count} {status.word}"], 16, bold=True, centre=True)
        box.text_frame.paragraphs[0].runs[0].font.color.rgb = _rgb(status.text_colour)


def _summary_slides(deck, snapshot: dict) -> None:
    """The summary matrix: the counts, then every indicator a row (exceptions first), over as many slides as it takes."""
    header = ["Indicator", "Figure", "Target", "Variation", "Assurance", "Status"]
    rows = [_matrix_row(i) for i in matrix_order(snapshot)]
    top = 0.2 + 0.1 + 0.55 * _title_lines(f"Summary: {snapshot['quarter']} (1 of 9)") + 0.1
    pages = _pages(rows, MATRIX_WIDTHS, MATRIX_PT, SLIDE_H - top - 0.75 - 0.2)
    for n, chunk in enumerate(pages, start=1):
        title = f"Summary: {snapshot['quarter']}" + (f" ({n} of {len(pages)})" if len(pages) > 1 else "")
        page = _slide(deck, title)
        _counts_bar(page, snapshot, top)
        _add_table(page, header, chunk, MATRIX_WIDTHS, top + 0.75, MATRIX_PT)


def _notes(indicator: dict) -> str:
    """The speaker notes of an exception: how it was judged, the definition, notes on the figures."""
    i = indicator
    parts = [
        f"How this was judged: {i.get('reason', '')}",
        f"Definition: {i.get('definition', '') or '–'} ({i['unit']}, {i['period']}).",
        f"Change on a year earlier ({i.get('comparator_period', '') or 'a year earlier'}: {i['comparator']}): {i['change']}.",
        f"Variation: {i.get('variation', '') or '–'}. Assurance: {i.get('assurance', '') or '–'}.",
    ]
    if i["caveats"]:
        parts.append(f"Notes on the figures: {i['caveats']}")
    if len(i["commentary"]) > 260:
        parts.append(f"Commentary in full: {i['commentary']}")
    return "\n\n".join(parts)


def _exception_slide(deck, snapshot: dict, indicator: dict, images: dict[str, bytes]) -> None:
    """One exception: what its status means, a full-width chart, the commentary and its open actions;
    the reasoning in the speaker notes."""
    from pptx.util import Inches

    linked = actions_for(snapshot, indicator)
    layout = _exception_layout(indicator, linked)
    page = _slide(deck, _exception_title(indicator))
    sentence_height = layout.chart_top - layout.sentence_top - 0.1
    _textbox(page, [indicator.get("plain", "")], layout.sentence_top, sentence_height, 20, bold=True)
    if indicator["id"] in images:
        picture = page.shapes.add_picture(
            io.BytesIO(images[indicator["id"]]), Inches(MARGIN), Inches(layout.chart_top), width=Inches(BODY_W)
        )
        picture.height = Inches(layout.chart_height)
        picture._element.nvPicPr.cNvPr.set("descr", alt_text(indicator))
        picture._element.nvPicPr.cNvPr.set("name", f"Chart: {indicator['name']}")
    else:
        _textbox(page, [finding(indicator)], layout.chart_top, 0.6, EXCEPTION_PT)
    footer = _exception_footer(indicator, linked)
    _textbox(page, footer, layout.footer_top, SLIDE_H - layout.footer_top - 0.1, EXCEPTION_PT)
    page.notes_slide.notes_text_frame.text = _notes(indicator)


PLACE_PT = 18  # the finding on a map's slide
MAP_LEAST = 3.2  # inches: the map's least height on its slide


def _map_layout(record: dict) -> tuple[float, float]:
    """Where a map's slide puts the map: its top and height (inches), under the title and the finding."""
    finding_top = 0.25 + 0.55 * _title_lines(place_title(record)) + 0.1
    top = finding_top + 0.3 * _lines(record["finding"], PLACE_PT, BODY_W) + 0.15
    return top, max(MAP_LEAST, SLIDE_H - 0.15 - top)


def _place_slide(deck, record: dict, image: bytes | None) -> None:
    """Where it happens: the finding as text, the map across the slide under it (its alt text the
    finding); how it was made, its source and the licence line in the notes."""
    from pptx.util import Inches

    page = _slide(deck, place_title(record))
    finding_top = 0.25 + 0.55 * _title_lines(place_title(record)) + 0.1
    top, height = _map_layout(record)
    _textbox(page, [record["finding"]], finding_top, top - finding_top - 0.1, PLACE_PT)
    if image is not None:
        picture = page.shapes.add_picture(io.BytesIO(image), Inches(MARGIN), Inches(top), width=Inches(BODY_W))
        picture.height = Inches(height)
        picture._element.nvPicPr.cNvPr.set("descr", record["finding"])
        picture._element.nvPicPr.cNvPr.set("name", f"Map: {record['indicator']}")
    page.notes_slide.notes_text_frame.text = f"How this map was made: {note(record)}"


def _group_row(indicator: dict) -> list:
    i = indicator
    return [i["name"], str(i["figure"]), str(i["comparator"]), _status_cell(i), i["commentary"]]


def _table_slides(deck, title: str, header: list[str], rows: list[list], widths, points: float) -> None:
    """A table over as many slides as it takes, each titled 'Title (n of m)' when more than one."""
    top = 0.2 + 0.1 + 0.55 * _title_lines(f"{title} (1 of 9)") + 0.15
    pages = _pages(rows, widths, points, SLIDE_H - top - 0.2)
    for n, chunk in enumerate(pages, start=1):
        page = _slide(deck, title if len(pages) == 1 else f"{title} ({n} of {len(pages)})")
        _add_table(page, header, chunk, widths, top, points)


def pack_pptx(snapshot: dict, images: dict[str, bytes] | None = None) -> bytes:
    """16:9: cover, summary matrix, one slide per exception (chart, meaning, commentary, actions; the
    reasoning in the notes), against London, where it happens (the map under its finding), the sub-groups'
    tables, returns, open actions."""
    from pptx import Presentation
    from pptx.util import Inches

    images = images or {}
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    _cover_slide(deck, snapshot)
    if agenda_items(snapshot):
        _table_slides(deck, "Agenda", list(AGENDA_HEADER), agenda_rows(snapshot), (1.6, 5.2, 2.4, 1.8, 2.333), 16)
    _summary_slides(deck, snapshot)
    for indicator in exceptions(snapshot):
        _exception_slide(deck, snapshot, indicator, images)
    if snapshot.get("london"):
        _table_slides(
            deck,
            "Compared with London",
            ["Indicator", "Compared with London", "Rate per 1,000", "London"],
            [[r[0], r[1], f"{r[2]:,.1f}", f"{r[3]:,.1f}"] for r in london_rows(snapshot)],
            (5.0, 3.6, 1.9, 2.033),
            16,
        )
    for n, record in enumerate(snapshot.get("places") or []):
        _place_slide(deck, record, images.get(f"places:{n}"))
    group_header = ["Indicator", "Figure", "A year earlier", "Status", "Commentary"]
    for name, indicators in subgroups(snapshot).items():
        _table_slides(deck, name, group_header, [_group_row(i) for i in indicators], GROUP_WIDTHS, TABLE_PT)
    returns = [
        [r["name"], str(r["status"]).capitalize(), _day(r.get("due")), _when(r.get("received_at")) or "–"]
        for r in snapshot["completeness"]
    ]
    _table_slides(
        deck,
        "Returns and data quality",
        list(RETURN_HEADERS),
        returns or [["No returns expected.", "", "", ""]],
        (5.0, 2.5, 2.4, 2.633),
        16,
    )
    names = {i["id"]: i["name"] for i in snapshot["indicators"]}
    actions = [
        [
            str(a.get("id", "")),
            a.get("title", "") + (f"\nDid it work? {a['effect']}" if a.get("effect") else ""),
            a.get("owner", ""),
            _day(a.get("due_date")) or "–",
            names.get(a.get("indicator", ""), ""),
        ]
        for a in snapshot["actions"]
    ]
    _table_slides(
        deck,
        "Open actions",
        ["No.", "Action", "Owner", "Due", "Indicator"],
        actions or [["", "No open actions.", "", "", ""]],
        (0.8, 5.0, 2.2, 1.6, 2.933),
        16,
    )
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _cover_slide(deck, snapshot: dict) -> None:
    from pptx.util import Inches

    cover = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = cover.shapes.title, cover.placeholders[1]
    for shape, top, height in ((title, 1.6, 1.6), (subtitle, 3.4, 2.6)):
        shape.left, shape.top, shape.width, shape.height = Inches(MARGIN), Inches(top), Inches(BODY_W), Inches(height)
        shape.text_frame.clear()
    _write(title.text_frame, [f"{snapshot['area']}: board pack {snapshot['quarter']}"], 40, bold=True, centre=True)
    _write(subtitle.text_frame, [snapshot["period"], stamp(snapshot), snapshot["disclosure"]], 20, centre=True)


def build_pack(snapshot: dict, fmt: str, progress: Callable[[float], None] | None = None) -> bytes:
    """The pack in one format; charts rendered once, with one browser: SVG (vector) for the PDF, PNG at
    twice the size for PowerPoint."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "xlsx":
        return pack_xlsx(snapshot)
    if fmt == "pdf":
        return pack_pdf(snapshot, render_charts(pack_figures(snapshot, "pdf"), "svg", progress))
    return pack_pptx(snapshot, render_charts(pack_figures(snapshot, "pptx"), "png", progress, scale=2))
