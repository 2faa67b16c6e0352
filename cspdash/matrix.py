"""The board's summary matrix (an integrated performance report's first page): every indicator a
compact row — name, latest figure, target, variation icon, assurance icon, status (shape and word)
and the last eight quarters — exceptions first, the reasoning one click away on the indicator's
own section. Read in ten seconds on a shared screen: twenty rows fit 1280×720."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from cspdash.formatting import format_reading
from cspdash.overview import TABLE_STYLE, OverviewRow, exceptions_first, sparkline_svg, trend_description
from cspdash.palette import ASSURANCE_ICONS, VARIATION_ICONS
from cspdash.periods import Quarter
from cspdash.status import Status

ORDERS = {"exceptions": "Exceptions first", "subgroup": "By sub-group"}
COLUMNS = (  # heading, width (% of the table): fixed, so no text runs into the next column
    ("Indicator", 41),
    ("Figure", 9),
    ("Target", 7),
    ("Variation", 8),
    ("Assurance", 8),
    ("Status", 14),
    ("8 quarters", 13),
)

MATRIX_STYLE = """<style>
table.matrix {border-collapse: separate; border-spacing: 0; width: 100%; table-layout: fixed; font-size: 0.9rem;
  line-height: 1.25;}
table.matrix caption {text-align: left; font-weight: 700; font-size: 1rem; padding: 0 0 0.2rem;}
table.matrix thead th {position: sticky; top: 0; z-index: 2; background: var(--csp-page, #ffffff); text-align: left;
  font-size: 0.8rem; border-bottom: 2px solid var(--csp-strong-rule, #0b0c0c); padding: 0.2rem 0.4rem;}
table.matrix td, table.matrix tbody th {border-bottom: 1px solid var(--csp-rule, #b1b4b6); padding: 0.1rem 0.4rem;
  vertical-align: middle; overflow-wrap: anywhere; height: 1.5rem;}
table.matrix tbody th {font-weight: 600; text-align: left;}
table.matrix tbody th a {color: inherit;}
table.matrix tr.group th {background: var(--csp-band, #f3f2f1); font-size: 0.85rem; padding: 0.15rem 0.4rem;}
table.matrix td.num {text-align: right; font-variant-numeric: tabular-nums;}
table.matrix .rag {display: inline-block; padding: 0 0.4rem; border-radius: 0.2rem; font-weight: 700;
  white-space: nowrap; border: 1px solid #0b0c0c; font-size: 0.85rem;}
table.matrix .icon {display: inline-block; min-width: 1.35rem; text-align: center; border-radius: 50%;
  font-weight: 700; border: 1px solid var(--csp-strong-rule, #0b0c0c); font-size: 0.8rem;}
table.matrix img.spark {display: block; max-width: 100%; height: 20px;}
@media (max-width: 900px) {table.matrix thead th {width: auto !important;} table.matrix img.spark {width: 60px;}}
.visually-hidden {position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;}
</style>"""


def detail_link(row: OverviewRow, area: str, quarter: Quarter) -> str:
    """The indicator's own section on its sub-group page (its reasoning, charts and figures)."""
    query = urlencode({"area": area, "quarter": quarter.label})
    return f"{row.indicator.subgroup}?{query}#{row.indicator.id}"


def _icon(table: dict, key: str, words: str) -> str:
    if not key or key not in table:
        return '<span class="visually-hidden">none</span>'
    background, text, symbol = table[key]
    return (
        f'<span class="icon" title="{escape(words)}" style="background:{background};color:{text}">'
        f'<span aria-hidden="true">{escape(symbol)}</span><span class="visually-hidden">{escape(words)}</span></span>'
    )


def _status(status: Status) -> str:
    return (
        f'<span class="rag" style="background:{status.colour};color:{status.text_colour}">'
        f'<span aria-hidden="true">{status.shape}</span> {status.word}</span>'
    )


def _target(row: OverviewRow) -> str:
    target = row.assessment.target
    if target is None:
        return ""
    value = f"{target.value:g}{'%' if row.indicator.unit == 'percent' else ''}"
    return value + ("" if target.confirmed else "*")


def _stale(quality) -> str:
    """A small mark beside the status when the figure is stale (its reason as the text alternative)."""
    if quality is None or not quality.stale:
        return ""
    why = escape(quality.stale_why)
    return f' <span title="{why}"><span aria-hidden="true">⏱</span><span class="visually-hidden">{why}</span></span>'


def _row(row: OverviewRow, area: str, quarter: Quarter, quality=None) -> str:
    a = row.assessment
    ind = a.indicator
    spc = a.spc if a.spc is not None and a.spc.usable else None
    variation = _icon(VARIATION_ICONS, spc.variation if spc else "", a.variation_plain)
    assurance = _icon(ASSURANCE_ICONS, (spc.assurance or "") if spc else "", a.assurance_plain)
    trend = sparkline_svg(row.trend, trend_description(ind, row.trend), width=110, height=20)
    figure = format_reading(ind, a.reading) + (" ‡" if row.withheld else "")
    return (
        f'<tr><th scope="row"><a href="{escape(detail_link(row, area, quarter))}" target="_self" '
        f'title="{escape(a.judgement.sentence)}">{escape(ind.name)}</a></th>'
        f'<td class="num">{escape(figure)}</td><td class="num">{escape(_target(row))}</td>'
        f"<td>{variation}</td><td>{assurance}</td><td>{_status(a.judgement.status)}{_stale(quality)}</td><td>{trend}</td></tr>"
    )


def matrix_html(
    rows: list[OverviewRow],
    area: str,
    quarter: Quarter,
    order: str = "exceptions",
    subgroup: str | None = None,
    quality: dict | None = None,
) -> str:
    """The summary matrix: exceptions first (Red, Amber, Unusual, Green, No signal, Not rated), or
    grouped by sub-group; only one sub-group's rows when `subgroup` is given (its id). With `quality`
    (`IndicatorQuality` by indicator id), a stale figure is marked ⏱ beside its status."""
    quality = quality or {}
    shown = [row for row in rows if subgroup is None or row.indicator.subgroup == subgroup]
    head = "".join(f'<th scope="col" style="width:{width}%">{h}</th>' for h, width in COLUMNS)
    if order == "subgroup":
        body = ""
        for name in dict.fromkeys(row.subgroup_name for row in shown):
            body += f'<tr class="group"><th scope="rowgroup" colspan="7">{escape(name)}</th></tr>'
            body += "".join(
                _row(row, area, quarter, quality.get(row.indicator.id)) for row in shown if row.subgroup_name == name
            )
    else:
        body = "".join(_row(row, area, quarter, quality.get(row.indicator.id)) for row in exceptions_first(shown))
    caption = f"{len(shown)} indicators, {ORDERS.get(order, ORDERS['exceptions']).lower()} — {quarter.label}"
    return (
        TABLE_STYLE + MATRIX_STYLE + f'<table class="matrix"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def counts_line(rows: list[OverviewRow]) -> str:
    """'◆ 2 Red · ▲ 13 Amber · …': every status with indicators, most severe first."""
    counts = {status: sum(r.judgement.status is status for r in rows) for status in Status}
    ordered = sorted((s for s, n in counts.items() if n), key=lambda s: s.severity)
    return " · ".join(f"{s.shape} {counts[s]} {s.word}" for s in ordered)


ICON_KEY = (
    "Variation: ~ nothing unusual, ▲ better than usual, ▼ worse than usual, H/L unusually high/low. "
    "Assurance: P reliably meets the target, F reliably misses it, ? hit and miss. * indicative target. "
    "‡ shown to viewers as withheld. ⏱ stale: no figure as recent as expected."
)
