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
from datetime import datetime
from html import escape

import pandas as pd
import plotly.graph_objects as go

from cspdash.catalogue import Catalogue
from cspdash.charts import chart_of
from cspdash.completeness import ReturnStatus
from cspdash.overview import OverviewRow, overview_frame
from cspdash.periods import Quarter
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
        "indicators": [_indicator(row, record) for row, record in zip(rows, records, strict=True)],
        "completeness": [_return(status) for status in completeness],
        "actions": _actions(actions),
    }


def _indicator(row: OverviewRow, record: dict) -> dict:
    a = row.assessment
    status = a.judgement.status
    exception = status in EXCEPTIONS
    return {
        "id": a.indicator.id,
        "name": a.indicator.name,
        "subgroup": row.subgroup_name,
        "unit": a.indicator.unit_label,
        "period": record["period"],
        "definition": a.definition,
        "figure": record["value"],
        "comparator": record["comparator value"],
        "comparator_period": a.comparator_label,
        "change": record["change"],
        "status": status.name,
        "reason": a.judgement.reason,
        "variation": record["variation"],
        "assurance": record["assurance"],
        "caveats": record["caveats"],
        "commentary": row.commentary,
        "headline": row.headline,
        "exception": exception,
        "chart": chart_of(a).to_json() if exception and a.spc_points else None,
    }


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


def stamp(snapshot: dict) -> str:
    """'Data as at 21 Apr 2025 09:30; signed off by chair@… on 23 Apr 2025 10:00' (or a draft)."""
    as_at = _when(snapshot.get("data_as_at")) or "unknown"
    if snapshot.get("signed_off_by"):
        return (
            f"Data as at {as_at}; signed off by {snapshot['signed_off_by']} on {_when(snapshot.get('signed_off_at'))}"
        )
    return f"Data as at {as_at}; DRAFT — not signed off"


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


def status_counts(snapshot: dict) -> dict[Status, int]:
    """How many of the snapshot's indicators have each status, most severe first (none left out)."""
    counts = {status: 0 for status in sorted(Status, key=lambda s: s.severity)}
    for indicator in snapshot["indicators"]:
        counts[status_of(indicator)] += 1
    return {status: n for status, n in counts.items() if n}


def exceptions(snapshot: dict) -> list[dict]:
    """Red, then amber, then unusual; catalogue order within each."""
    return sorted((i for i in snapshot["indicators"] if i["exception"]), key=lambda i: status_of(i).severity)


def subgroups(snapshot: dict) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for indicator in snapshot["indicators"]:
        grouped.setdefault(indicator["subgroup"], []).append(indicator)
    return grouped


def figures(snapshot: dict, wrap: int = 95) -> dict[str, go.Figure]:
    """The exceptions' SPC charts, as plotly figures, titles wrapped for a full page width."""
    return {i["id"]: chart_figure(i, wrap) for i in snapshot["indicators"] if i.get("chart")}


def chart_figure(indicator: dict, wrap: int = 95) -> go.Figure:
    """One indicator's SPC chart from the snapshot, its title wrapped at `wrap` characters."""
    fig = go.Figure(json.loads(indicator["chart"]))
    lines = textwrap.wrap((fig.layout.title.text or "").replace("<br>", " "), wrap)
    fig.update_layout(title_text="<br>".join(lines), margin_t=30 + 22 * len(lines))
    return fig


# ---- charts: one Chromium for the whole pack -----------------------------------------------------


class ChartsUnavailable(RuntimeError):
    """Static charts need Chromium (kaleido): say so instead of failing the pack."""


def render_charts(charts: dict[str, go.Figure], fmt: str = "png", progress: Callable[[float], None] | None = None):
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
            images[key] = kaleido.calc_fig_sync(fig, opts={"format": fmt, "width": 1000, "height": 520, "scale": 1})
            if progress:
                progress(done / len(charts))
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return images


def render_charts_one_browser_each(charts: dict[str, go.Figure], fmt: str = "png") -> dict[str, bytes]:
    """The slow way (a browser started per chart), kept for the benchmark."""
    import kaleido

    return {
        key: kaleido.calc_fig_sync(fig, opts={"format": fmt, "width": 1000, "height": 520, "scale": 1})
        for key, fig in charts.items()
    }


# ---- Excel ---------------------------------------------------------------------------------------

SUMMARY_COLUMNS = {
    "subgroup": "Sub-group",
    "name": "Indicator",
    "unit": "Unit",
    "period": "Period",
    "figure": "Figure",
    "comparator": "A year earlier",
    "change": "Change",
    "status": "Status",
    "reason": "Why",
    "variation": "SPC variation",
    "assurance": "SPC assurance",
    "commentary": "Commentary",
    "caveats": "Notes",
}


def pack_xlsx(snapshot: dict) -> bytes:
    """The underlying tables: cover, summary, exceptions, completeness, actions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from cspdash.safe_text import neutralise_cell

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    for line in _cover_lines(snapshot):
        cover.append([neutralise_cell(line)])
    cover["A1"].font = Font(bold=True, size=16)
    tables = {
        "Summary": pd.DataFrame(snapshot["indicators"])[list(SUMMARY_COLUMNS)].rename(columns=SUMMARY_COLUMNS),
        "Exceptions": pd.DataFrame(exceptions(snapshot) or [], columns=list(SUMMARY_COLUMNS))[
            list(SUMMARY_COLUMNS)
        ].rename(columns=SUMMARY_COLUMNS),
        "Returns": pd.DataFrame(snapshot["completeness"]),
        "Actions": pd.DataFrame(snapshot["actions"]),
    }
    for title, frame in tables.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([neutralise_cell(v) if isinstance(v, str) else v for v in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
th, td { border-bottom: 1px solid #b1b4b6; padding: 3pt 4pt; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #0b0c0c; }
.status { display: inline-block; padding: 1pt 5pt; border: 1px solid #0b0c0c; font-weight: bold; white-space: nowrap; }
.why { color: #3b3b3b; font-size: 9pt; }
.exception { break-inside: avoid; margin-bottom: 12pt; }
img.chart { width: 100%; }
.comment { font-style: italic; }
"""


def _status_html(indicator: dict) -> str:
    status = status_of(indicator)
    return (
        f'<span class="status" style="background:{status.colour};color:{status.text_colour}">'
        f'<span aria-hidden="true">{status.shape}</span> {escape(status.word)}</span>'
    )


def _summary_table(indicators: list[dict]) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Indicator", "Figure", "A year earlier", "Change", "Status"))
    body = "".join(
        f'<tr><th scope="row">{escape(i["name"])}<div class="why">{escape(i["unit"])}</div></th>'
        f"<td>{escape(str(i['figure']))}</td><td>{escape(str(i['comparator']))}</td>"
        f"<td>{escape(str(i['change']))}</td>"
        f'<td>{_status_html(i)}<div class="why">{escape(i["reason"])}</div></td></tr>'
        for i in indicators
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pack_html(snapshot: dict, images: dict[str, bytes] | None = None, image_type: str = "svg+xml") -> str:
    """The pack as one HTML document: cover, contents, summary, exceptions with charts, a section per
    sub-group, returns, actions."""
    import base64

    images = images or {}
    groups = subgroups(snapshot)
    contents = ["Summary", "Exceptions", *groups, "Returns and data quality", "Open actions"]
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
        f'<section id="{anchors["Summary"]}"><h2>Summary</h2>',
        _summary_table(snapshot["indicators"]),
        "</section>",
        f'<section id="{anchors["Exceptions"]}"><h2>Exceptions</h2>',
    ]
    listed = exceptions(snapshot)
    if not listed:
        parts.append("<p>No indicator is red, amber or unusual this quarter.</p>")
    for i in listed:
        parts.append(f'<div class="exception"><h3>{escape(i["name"])} — {_status_html(i)}</h3>')
        parts.append(f"<p>{escape(i['headline'])}</p>")
        if i["commentary"]:
            parts.append(f'<p class="comment">“{escape(i["commentary"])}”</p>')
        if i["id"] in images:
            data = base64.b64encode(images[i["id"]]).decode("ascii")
            parts.append(
                f'<img class="chart" alt="{escape(i["headline"])}" src="data:image/{image_type};base64,{data}">'
            )
        parts.append("</div>")
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
    returns = "".join(
        f"<li>{escape(r['name'])}: {escape(r['status'])}{' (received ' + escape(_when(r['received_at'])) + ')' if r['received_at'] else ''}</li>"
        for r in snapshot["completeness"]
    )
    notes = "".join(
        f"<li><strong>{escape(i['name'])}:</strong> {escape(i['caveats'])}</li>"
        for i in snapshot["indicators"]
        if i["caveats"]
    )
    parts.append(f'<section id="{anchors["Returns and data quality"]}"><h2>Returns and data quality</h2>')
    parts.append(f"<ul>{returns}</ul><h3>Notes on the figures</h3><ul>{notes}</ul></section>")
    parts.append(f'<section id="{anchors["Open actions"]}"><h2>Open actions</h2>')
    if snapshot["actions"]:
        rows = "".join(
            f"<tr><td>{a.get('id', '')}</td><td>{escape(str(a.get('title', '')))}</td><td>{escape(str(a.get('owner', '')))}</td>"
            f"<td>{escape(str(a.get('due_date', '')))}</td><td>{escape(str(a.get('status', '')))}</td></tr>"
            for a in snapshot["actions"]
        )
        parts.append(
            '<table><thead><tr><th scope="col">No.</th><th scope="col">Action</th><th scope="col">Owner</th>'
            f'<th scope="col">Due</th><th scope="col">Status</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    else:
        parts.append("<p>No open actions.</p>")
    parts.append("</section>")
    title = f"{snapshot['area']} board pack {snapshot['quarter']}"
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{PACK_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def pack_pdf(snapshot: dict, images: dict[str, bytes] | None = None, chromium: str = "/usr/bin/chromium") -> bytes:
    """The HTML pack printed to PDF by headless Chromium: real, searchable text with tagged headings."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="csp-pack-") as folder:
        source, target = Path(folder) / "pack.html", Path(folder) / "pack.pdf"
        source.write_text(pack_html(snapshot, images, "png"), encoding="utf-8")
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


# ---- PowerPoint: one slide per agenda item ---------------------------------------------------------


def pack_pptx(snapshot: dict, images: dict[str, bytes] | None = None) -> bytes:
    """Cover, summary, one slide per exception (chart, reason, commentary), one per sub-group, returns, actions."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    images = images or {}
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_only, title_slide = deck.slide_layouts[5], deck.slide_layouts[0]

    cover = deck.slides.add_slide(title_slide)
    cover.shapes.title.text = f"{snapshot['area']}: board pack {snapshot['quarter']}"
    cover.placeholders[1].text = f"{snapshot['period']}\n{stamp(snapshot)}"

    def slide(title: str):
        page = deck.slides.add_slide(title_only)
        page.shapes.title.text = title
        page.shapes.title.text_frame.paragraphs[0].font.size = Pt(30)
        return page

    def table(page, header: list[str], rows: list[list[str]], top: float = 1.4) -> None:
        shape = page.shapes.add_table(len(rows) + 1, len(header), Inches(0.4), Inches(top), Inches(12.5), Inches(0.4))
        for c, text in enumerate(header):
            shape.table.cell(0, c).text = text
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row):
                cell = shape.table.cell(r, c)
                cell.text = str(text)
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.font.size = Pt(13)

    def words(page, lines: list[str], top: float, size: int = 16) -> None:
        box = page.shapes.add_textbox(Inches(0.5), Inches(top), Inches(12.3), Inches(1.2)).text_frame
        box.word_wrap = True
        for n, line in enumerate(lines):
            paragraph = box.paragraphs[0] if n == 0 else box.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(size)

    counts = status_counts(snapshot)
    summary = slide(f"Summary: {snapshot['quarter']}")
    words(summary, [" · ".join(f"{s.shape} {n} {s.word}" for s, n in counts.items()), stamp(snapshot)], 1.3)
    for i in exceptions(snapshot):
        page = slide(f"{status_of(i).word}: {i['name']}")
        lines = [i["headline"], i["reason"]] + ([f"“{i['commentary']}”"] if i["commentary"] else [])
        words(page, lines, 1.3, 15)
        if i["id"] in images:
            page.shapes.add_picture(io.BytesIO(images[i["id"]]), Inches(1.6), Inches(2.9), height=Inches(4.4))
    for name, indicators in subgroups(snapshot).items():
        chunks = [indicators[n : n + PPTX_ROWS] for n in range(0, len(indicators), PPTX_ROWS)]
        for n, chunk in enumerate(chunks, start=1):
            page = slide(name if len(chunks) == 1 else f"{name} ({n} of {len(chunks)})")
            rows = [[i["name"], i["figure"], i["comparator"], status_of(i).word, i["commentary"]] for i in chunk]
            table(page, ["Indicator", "Figure", "A year earlier", "Status", "Commentary"], rows)
    returns = slide("Returns and data quality")
    words(returns, [f"{r['name']}: {r['status']}" for r in snapshot["completeness"]] or ["No returns expected."], 1.3)
    actions = slide("Open actions")
    if snapshot["actions"]:
        rows = [
            [a.get("id", ""), a.get("title", ""), a.get("owner", ""), a.get("due_date", "")]
            for a in snapshot["actions"][:12]
        ]
        table(actions, ["No.", "Action", "Owner", "Due"], rows)
    else:
        words(actions, ["No open actions."], 1.3)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def build_pack(snapshot: dict, fmt: str, progress: Callable[[float], None] | None = None) -> bytes:
    """The pack in one format; charts rendered once, with one browser, for PDF and PowerPoint."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "xlsx":
        return pack_xlsx(snapshot)
    images = render_charts(figures(snapshot), "png", progress)
    return pack_pdf(snapshot, images) if fmt == "pdf" else pack_pptx(snapshot, images)
