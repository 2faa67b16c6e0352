"""Did it work? Each action's effect on its indicator, read from the board service
(`BoardAt.action_effects`): the plain sentence for everyone, the rule and the step's interval for
analysts, in the actions log and in the indicator's section."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cspdash.safe_text import plain_markdown
from pages.shared import board, route_through_app

COLUMN = "did it work?"


def effects_for(table: pd.DataFrame) -> dict:
    """Every listed action's effect, by number, from each area's figures (an action with no area is
    read against no area's figures, so it has none)."""
    reader, found = board(), {}
    areas = table["area"].dropna().unique() if not table.empty else []
    for area in areas:
        found.update(reader.action_effects(str(area)))
    return found


def with_effects(table: pd.DataFrame, effects: dict) -> pd.DataFrame:
    """The actions log with a "did it work?" column (blank for an action linked to no indicator)."""
    said = [effects[i].sentence if i in effects else "" for i in table["id"]]
    return table.assign(**{COLUMN: said})


def effects_list(table: pd.DataFrame, effects: dict) -> None:
    """Under the log: each linked action's verdict, in words; for analysts how it was judged."""
    linked = [row for row in table.itertuples() if row.id in effects]
    if not linked:
        return
    st.subheader("Did it work?")
    detail = board().audience.sees_stored
    names = {ind.id: ind.name for ind in board().catalogue.indicators}
    for row in linked:
        found = effects[row.id]
        st.markdown(
            f"**Action {row.id}** ({plain_markdown(row.title)}; {plain_markdown(names.get(row.indicator, ''))}, "
            f"from {found.start:%-d %b %Y}): {plain_markdown(found.sentence)}"
        )
        if detail and found.detail:
            st.caption(plain_markdown(found.detail))


def effect_section(indicator_id: str, area: str, quarter) -> None:
    """In an indicator's section: whether each action linked to it was followed by a real change."""
    reader = board()
    effects = reader.action_effects(area, quarter)
    actions = reader.actions(area)
    titles = dict(zip(actions["id"], actions["title"], strict=True)) if not actions.empty else {}
    for number, found in sorted(effects.items()):
        if found.indicator_id != indicator_id:
            continue
        st.markdown(
            f"**Did it work? Action {number}** ({plain_markdown(titles.get(number, ''))}): "
            f"{plain_markdown(found.sentence)}"
        )
        if reader.audience.sees_stored and found.detail:
            st.caption(plain_markdown(found.detail))


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
