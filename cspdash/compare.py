"""The partnership's areas side by side (City of London and Hackney): each indicator's figure, its rate
per 1,000 residents with its rank among London's boroughs where a London-wide release gives one,
London's rate, and each area's status, for one quarter."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import pandas as pd

from cspdash.comparators import Comparison, ordinal
from cspdash.formatting import format_reading
from cspdash.overview import OverviewRow, status_badge
from cspdash.periods import Quarter

COMPARE_STYLE = """<style>
table.compare col.cname {width: 28%;} table.compare col.cfig {width: 15%;} table.compare col.cstatus {width: 13.5%;}
table.compare tr.group th {background: var(--csp-band, #f3f2f1); color: var(--csp-text, #0b0c0c); font-size: 1.05rem; padding-top: 0.6rem;}
</style>"""


def _rate_words(row: OverviewRow, compared: Comparison | None) -> str:
    if compared is not None and compared.funnel is not None:
        return (
            f"{compared.rate:,.1f} per 1,000: {compared.funnel.verdict[:1].lower()}{compared.funnel.verdict[1:]}"
            + (f", beyond the {compared.funnel.strength} limit" if compared.funnel.strength else "")
            + f" ({compared.population.label} population)"
        )
    if compared is not None:
        return (
            f"{compared.rate:,.1f} per 1,000 ({ordinal(compared.rank)} of {compared.boroughs}; "
            f"{compared.population.label} population)"
        )
    if row.assessment.resident_rate is not None:
        rate, population = row.assessment.resident_rate
        return f"{rate:,.1f} per 1,000 ({population.label} population)"
    return ""


def _indicators(rows_by_area: Mapping[str, list[OverviewRow]]) -> list:
    """Every indicator that any area has, in catalogue order as the areas list them."""
    seen: dict[str, object] = {}
    for rows in rows_by_area.values():
        for row in rows:
            seen.setdefault(row.indicator.id, row.indicator)
    return list(seen.values())


def side_by_side_frame(
    rows_by_area: Mapping[str, list[OverviewRow]],
    comparisons: Mapping[tuple[str, str], Comparison | None],
) -> pd.DataFrame:
    """One row per indicator; for each area its figure, rate per 1,000 (rank) and status; London's rate."""
    lines = []
    by_area = {area: {row.indicator.id: row for row in rows} for area, rows in rows_by_area.items()}
    for ind in _indicators(rows_by_area):
        line = {"indicator": ind.name, "unit": ind.unit_label}
        london = None
        for area, rows in by_area.items():
            row = rows.get(ind.id)
            compared = comparisons.get((area, ind.id))
            london = london if compared is None else compared.london_rate
            line[f"{area}: figure"] = format_reading(ind, row.assessment.reading) if row else "–"
            line[f"{area}: per 1,000 residents"] = _rate_words(row, compared) if row else ""
            line[f"{area}: status"] = row.judgement.status.word if row else ""
        line["London: per 1,000 residents"] = "" if london is None else f"{london:,.1f}"
        lines.append(line)
    return pd.DataFrame(lines)


def side_by_side_html(
    rows_by_area: Mapping[str, list[OverviewRow]],
    comparisons: Mapping[tuple[str, str], Comparison | None],
    quarter: Quarter,
) -> str:
    """An accessible table: areas as column groups, the status as word + shape + colour."""
    areas = list(rows_by_area)
    by_area = {area: {row.indicator.id: row for row in rows} for area, rows in rows_by_area.items()}
    head_top = '<th scope="col" rowspan="2">Indicator</th>' + "".join(
        f'<th scope="colgroup" colspan="2">{escape(area)}</th>' for area in areas
    )
    head_top += '<th scope="col" rowspan="2">London, per 1,000 residents</th>'
    head_sub = "".join('<th scope="col">Figure</th><th scope="col">Status</th>' for _ in areas)
    body = []
    subgroup = None
    columns = 2 + 2 * len(areas)
    for ind in _indicators(rows_by_area):
        row_any = next(by_area[a][ind.id] for a in areas if ind.id in by_area[a])
        if row_any.subgroup_name != subgroup:
            subgroup = row_any.subgroup_name
            body.append(f'<tr class="group"><th scope="colgroup" colspan="{columns}">{escape(subgroup)}</th></tr>')
        cells = [f'<th scope="row">{escape(ind.name)}<div class="unit">{escape(ind.unit_label)}</div></th>']
        london = None
        for area in areas:
            row = by_area[area].get(ind.id)
            compared = comparisons.get((area, ind.id))
            london = london if compared is None else compared.london_rate
            if row is None:
                cells.append('<td class="num">–</td><td>No figure</td>')
                continue
            rate = _rate_words(row, compared)
            rate_html = f'<div class="unit">{escape(rate)}</div>' if rate else ""
            mark = f'<div class="unit withheld">‡ published as “{escape(row.withheld)}”</div>' if row.withheld else ""
            figure = escape(format_reading(ind, row.assessment.reading))
            cells.append(f'<td class="num">{figure}{rate_html}{mark}</td>')
            cells.append(f"<td>{status_badge(row.judgement, with_reason=False)}</td>")
        cells.append(f'<td class="num">{"–" if london is None else f"{london:,.1f}"}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"{' and '.join(areas)} side by side — {quarter.label}"
    widths = '<col class="cname">' + '<col class="cfig"><col class="cstatus">' * len(areas) + '<col class="cfig">'
    return (
        COMPARE_STYLE + f'<table class="overview compare"><caption>{escape(caption)}</caption>'
        f"<colgroup>{widths}</colgroup><thead><tr>{head_top}</tr><tr>{head_sub}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
