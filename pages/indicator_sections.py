"""What the sub-group pages and the overview draw for an indicator, read from the board service: a
sub-group's page, an indicator's section and charts, where a figure comes from, commentary, actions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cspdash.charts import annotations_for, chart_caption, finding, rolling_twelve, rri_figure, rri_title, spc_figure
from cspdash.disproportionality import cohort_table
from cspdash.indicator_view import figures_table, summary_html
from cspdash.overview import (
    TABLE_STYLE,
    change_words,
    notes_html,
    plain_change_words,
    revision_lines,
    spc_icons_html,
    status_badge,
)
from cspdash.periods import Quarter
from cspdash.safe_text import plain_markdown
from cspdash.spc import plain_rules
from pages import effect_sections, quality_sections
from pages.london_sections import london_comparison, london_funnel_section
from pages.map_sections import where_it_happens
from pages.shared import STATIC, board, route_through_app, selected, warm_other_quarters


def subgroup_page(subgroup_id: str) -> None:
    """One sub-group: a summary of every indicator, then each indicator's finding, its charts on demand."""
    reader = board()
    subgroup = reader.catalogue.subgroup(subgroup_id)
    area, quarter = selected()
    st.title(f"{subgroup.name}: {area}")
    if quarter is None:
        st.info(f"No figures are stored for {area} yet.")
        return
    st.caption(f"{quarter.label} · source: {subgroup.source}")
    disclosure_note(area)
    views = reader.views(area, quarter, subgroup_id)  # built once per store version
    if views:
        st.html(TABLE_STYLE + summary_html(views, f"{subgroup.name} at a glance — {quarter.label}"))
    where_it_happens(subgroup_id, area, quarter)
    for view in views:
        marks = reader.withheld(area, view.indicator.id) if reader.audience.sees_stored else None
        _indicator_section(view, quarter, marks)
    warm_other_quarters("views", area, subgroup_id)
    warm_other_quarters("cohorts", area, subgroup_id)
    if not views:
        st.info(f"No {subgroup.name} figures for {area} up to {quarter.label}.")
    _disproportionality(subgroup_id, area, quarter)
    _published(subgroup_id, area)


def _disproportionality(subgroup_id: str, area: str, quarter: Quarter) -> None:
    """Each cohort counted by ethnic group: its relative rate index against the White group."""
    reader = board()
    views, base_note = reader.cohorts(area, quarter, subgroup_id)
    if not views:
        return
    figures = _rri_figures(views, (id(reader.service), reader.version, area, quarter.label, subgroup_id))
    st.header("Disproportionality", anchor="disproportionality")
    st.caption(
        "Each group's rate against the White group's (the relative rate index). A group is called over- or "
        "under-represented only when the 95% interval excludes 1. " + base_note
    )
    label = reader.catalogue.disclosure.label
    for view, figure in zip(views, figures, strict=True):
        st.subheader(view.name)
        st.markdown(f"**{plain_markdown(rri_title(view))}.**")
        st.plotly_chart(figure, key=f"rri-{view.indicator_id}", alt=rri_title(view), config=STATIC)
        st.table(cohort_table(view, label), hide_index=True)
        if view.not_known is not None and view.total is not None:
            st.caption(
                f"{view.not_known:,} of {view.total:,} cases have no ethnic group recorded; "
                "they are left out of every index."
            )


@st.cache_resource(show_spinner=False, max_entries=64)
def _rri_figures(_views: list, key: tuple) -> list:
    """The cohorts' charts, built once per board service, store version, area, quarter and sub-group."""
    return [rri_figure(view) for view in _views]


def _published(subgroup_id: str, area: str) -> None:
    """Published annual figures (e.g. DfE LAIT) for the area beside London and England, with their year."""
    table = board().comparators(area, subgroup_id)
    if table.empty:
        return
    st.subheader("Published comparators")
    st.caption(
        "The latest year each publication gives for this area, with London and England from the same publication "
        "and year. These are annual figures, defined by their publisher; they may differ from the quarterly returns."
    )
    st.table(table.map(lambda v: plain_markdown(str(v))), hide_index=True)


def figure_details(indicator_id: str, area: str, quarter: Quarter, assessment=None) -> None:
    """Where the quarter's figure comes from (and, for a 12-month figure, how it is made), and every
    revision of each period's figure."""
    reader = board()
    ind = reader.catalogue.indicator(indicator_id)
    if assessment is not None and ind.headline == "rolling_12_months":
        st.markdown(plain_markdown(twelve_month_provenance(assessment)))
    observations = reader.observations(area)
    rows = observations[observations["indicator"] == indicator_id] if not observations.empty else observations
    starts = sorted({d for d in rows.get("period_start", []) if quarter.start <= d <= quarter.end})
    if not starts:
        st.write("No figure for this quarter.")
        return
    policy, public = reader.catalogue.disclosure, not reader.audience.sees_stored
    if public and (withheld := reader.withheld(area, indicator_id).get(quarter)):
        st.write(f"This figure is published as “{withheld}” under the partnership's disclosure policy.")
        return
    for start in starts:
        history = reader.revisions(indicator_id, area, start)
        st.markdown(f"**{start:%B %Y}**" if len(starts) > 1 else f"**The quarter's own figure, {quarter.label}**")
        hides = public and not ind.public_record  # a public record's small counts are shown everywhere
        lines = revision_lines(history, policy if hides else None, ind.unit, ind.id in reader.row_counted())
        st.markdown("\n".join(f"- {line}" for line in lines))


def twelve_month_provenance(a) -> str:
    """How a 12-month headline is made: '351.0 (rate per 100,000 a year over the 12 months to the
    quarter's end: …), 12 months to the end of 2024/25 Q4: 86 in the four quarters 2024/25 Q1 to
    2024/25 Q4, on a base of 24,500. Each quarter's own figure is below.'"""
    from cspdash.formatting import format_reading

    ind, reading = a.indicator, a.reading
    text = f"{format_reading(ind, reading)} ({a.definition}), {a.headline_label}"
    if reading is not None and reading.known and reading.numerator is not None:
        first = a.quarter.shift(-3)
        text += f": {reading.numerator:,.0f} in the four quarters {first.label} to {a.quarter.label}"
        if reading.denominator:
            text += f", on a base of {reading.denominator:,.0f}"
    return text + ". Each quarter's own figure is below."


def notes_html_and_actions(indicator_id: str, area: str, quarter: Quarter) -> None:
    reader = board()
    note = reader.commentary(area, quarter).get(indicator_id)
    if note:
        st.info(f"“{plain_markdown(note['text'])}” — {plain_markdown(note['author'])}", icon=":material/chat:")
    for action in reader.open_actions(area).get(indicator_id, ()):
        due = (
            f", due {action.due_date:%-d %b %Y}" if action.due_date is not None and not pd.isna(action.due_date) else ""
        )
        st.markdown(
            f"- Action {action.id}: {plain_markdown(action.title)} — {plain_markdown(action.owner)}{due} ({action.status})"
        )


def disclosure_note(area: str | None = None) -> None:
    """Tell an analyst or admin that they see figures as stored, and what viewers and exports see."""
    reader = board()
    policy = reader.catalogue.disclosure
    if not reader.audience.sees_stored:
        st.caption(
            f"Counts of {policy.low}–{policy.high}, and figures that would let one be worked out, are shown as "
            f"“{policy.label}” (the partnership's disclosure policy)."
        )
        return
    why: dict[str, int] = {}
    for name in [area] if area else [a.name for a in reader.catalogue.areas]:
        for reason, count in reader.withheld_counts(name).items():
            why[reason] = why.get(reason, 0) + count
    if sum(why.values()):
        more = why.get("secondary", 0)
        st.info(
            f"You see every figure as stored. Viewers, exports and the board output see {why.get('primary', 0)} "
            f"small figures (counts of {policy.low}–{policy.high}, or rates on them) as “{policy.label}”"
            + (f", and {more} more as “{policy.label}” so that those cannot be worked out" if more else "")
            + "; quarters they affect are marked ‡. Statuses are judged on the figures as published, so everyone "
            "sees the same status.",
            icon=":material/visibility_off:",
        )


def _indicator_section(view, quarter: Quarter, marks: dict | None = None) -> None:
    ind, a = view.indicator, view.assessment
    area, _ = selected()
    detail = board().audience.sees_stored  # analysts see how it was judged, in statistics
    st.subheader(ind.name, anchor=ind.id)
    # everyone may ask how a status was judged (in words); analysts also see the statistics
    st.html(TABLE_STYLE + status_badge(view.judgement, detail=True) + notes_html(a) + spc_icons_html(a, detail))
    quality_sections.quality_beside(ind.id, area, quarter)  # owner, lead, data quality, stale: beside the status
    ytd = _year_to_date(a)
    change = change_words(a) if detail else plain_change_words(a)
    st.markdown(
        f"**{plain_markdown(view.finding)}**  \n{plain_markdown(f'Change on a year earlier: {change}.')}"
        + (f"  \n{plain_markdown(ytd)}." if ytd else "")
        + (f"  \nRate: {plain_markdown(a.resident_rate_words)}." if a.resident_rate else "")
    )
    compared = london_comparison(area, quarter, ind.id)
    if compared is not None and compared.funnel is not None:
        st.markdown(
            f"**{compared.funnel.verdict}.** {plain_markdown(compared.funnel.sentence)}  \n"
            f"{plain_markdown(compared.funnel.rank_words)}."
        )
    notes_html_and_actions(ind.id, area, quarter)
    effect_sections.effect_section(ind.id, area, quarter)  # did its actions work?
    with st.popover("Where this figure comes from", width="stretch", key=f"from-{ind.id}", on_change="rerun") as box:
        if box.open:  # read only when opened
            figure_details(ind.id, area, quarter, a)
    if ind.description:
        st.caption(ind.description)
    if not a.release_note and len(view.releases) > 1:
        st.caption(
            f"Figures from {len(view.releases)} releases; each month is taken from the newest release that has it."
        )
    with st.expander(f"Charts and figures: {ind.name}", key=f"charts-{ind.id}", on_change="rerun") as section:
        if section.open:  # drawn on demand: the page shows every indicator's finding first
            _charts(view, quarter, marks)


def _year_to_date(a) -> str:
    from cspdash.overview import year_to_date_words

    return year_to_date_words(a)


def _charts(view, quarter: Quarter, marks: dict | None) -> None:
    """An indicator's SPC chart and rolling year side by side, then its quarterly figures. A
    12-month headline's chart (the rolling year) is titled with the headline finding."""
    ind, a = view.indicator, view.assessment
    left, right = st.columns(2)
    drawn = annotations_for(a, board().actions(selected()[0]))  # its breaks, baseline and actions
    spc = spc_figure(a, drawn)
    left.plotly_chart(spc, key=f"spc-{ind.id}", alt=_title_text(spc), config=STATIC)
    rules = a.rule_set() if board().audience.sees_stored else plain_rules(a.spc.kind if a.spc else None)
    left.caption(plain_markdown(chart_caption(a, rules, drawn)))
    headline_title = finding(a) if ind.headline == "rolling_12_months" else None
    rolling = rolling_twelve(ind, view.rolling, quarter, title=headline_title)
    right.plotly_chart(rolling, key=f"r12-{ind.id}", alt=_title_text(rolling), config=STATIC)
    st.dataframe(figures_table(view, withheld=marks), hide_index=True)
    compared = london_comparison(selected()[0], quarter, ind.id)
    if compared is not None and compared.funnel is not None:
        london_funnel_section(compared.funnel, key=f"funnel-{ind.id}", quarter=quarter)


def _title_text(fig) -> str:
    """A chart's title as its text alternative (the title states the finding)."""
    return (fig.layout.title.text or "").replace("<br>", " ")


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
