"""The registers as a board member reads them: plain English, what needs attention first."""

from datetime import date

import pandas as pd
import streamlit as st

from cspdash.registers import next_meeting, scored
from cspdash.safe_text import plain_markdown
from pages.shared import board, route_through_app


def _day(value: date | None) -> str:
    return f"{value:%-d %b %Y}" if value else ""


def horizon_list(today: date) -> None:
    items = sorted(board().register("horizon"), key=lambda i: (not i.review_due(today), -i.score, i.id))
    due = sum(i.review_due(today) for i in items)
    st.markdown(f"**{len(items)}** items on the horizon; **{due}** due for review, shown first.")
    rows = [
        {
            "No.": i.id,
            "What is coming": i.title,
            "PESTLE": i.category,
            "When": i.horizon,
            "Likelihood × impact": scored(i.score),
            "Response": i.response,
            "Owner": i.owner,
            "Review by": ("Due now: " if i.review_due(today) else "") + _day(i.review_date),
        }
        for i in items
    ]
    _table(rows, "Nothing on the horizon yet.")


def risk_list(today: date) -> None:
    risks = sorted(board().register("risk"), key=lambda r: (r.status != "open", -r.residual_score, r.id))
    still_open = [r for r in risks if r.status == "open"]
    high = sum(r.residual_score >= 10 for r in still_open)
    st.markdown(f"**{len(still_open)}** open risks; **{high}** high or very high after controls, shown first.")
    rows = [
        {
            "No.": r.id,
            "Risk": r.title,
            "Owner": r.owner,
            "After controls": scored(r.residual_score),
            "Before controls": scored(r.inherent_score),
            "Treatment": r.treatment,
            "Review by": ("Overdue: " if r.review_date and r.review_date < today else "") + _day(r.review_date),
            "Status": r.status,
        }
        for r in risks
    ]
    _table(rows, "No risks recorded yet.")


def forward_plan(today: date) -> None:
    meetings = board().meetings()
    coming, which = next_meeting(meetings, today), "Next meeting"
    if coming is None and meetings:  # none planned: the last one's agenda, said as such
        st.info(f"No meeting is planned after today ({today:%-d %B %Y}): add the next one below.")
        coming, which = meetings[-1], "Last meeting"
    if coming is None:
        st.info("No meeting is planned yet.")
    else:
        place = f", {coming.place}" if coming.place else ""
        st.subheader(plain_markdown(f"{which}: {coming.title}, {coming.date:%A %-d %B %Y}{place}"))
        columns = ("Time", "Item", "Lead", "Purpose", "Paper", "Sub-group")
        names = {s.id: s.name for s in board().catalogue.subgroups}
        timed = [(a.times, a.title, a.lead, a.purpose, a.paper, names.get(a.subgroup_id, "")) for a in coming.agenda]
        rows = [dict(zip(columns, values, strict=True)) for values in timed]
        _table(rows, "No agenda items yet.")
    st.subheader("Meetings")
    _table([{"No.": m.id, "Date": _day(m.date), "Meeting": m.title, "Place": m.place} for m in meetings], "None.")
    st.subheader("Decisions log")
    where = {m.id: f"{m.title}, {_day(m.date)}" for m in meetings}
    decided = [d for m in reversed(meetings) for d in m.decisions]
    rows = [
        {"Decision": d.title, "Meeting": where[d.meeting_id], "Actions": ", ".join(map(str, d.actions))}
        for d in decided
    ]
    _table(rows, "No decisions recorded yet.")


def _table(rows: list[dict], empty: str) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption(empty)


LISTS = {"horizon": horizon_list, "risk": risk_list, "meeting": forward_plan}

if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
