"""What the overview and an indicator's section draw about data quality and dependencies, read from the
board service: an agreement that has expired or expires within 60 days, naming the indicators that
would get no new figures; and beside an indicator's status, its owner, accountable lead, data-quality
rating, stale flag and the agreements its figures depend on (never instead of the status)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cspdash.data_quality import DataQualityError, warnings_headline
from cspdash.periods import Quarter
from cspdash.safe_text import plain_markdown
from pages.shared import board, route_through_app


def agreement_banner() -> None:
    """On the overview, under the summary matrix (its first line flags it): an expired agreement as an
    error, one expiring soon as a warning, each naming its indicators; a mistake in the declarations
    as one sentence."""
    try:
        warnings = board().agreement_warnings(date.today())
    except DataQualityError as mistake:
        st.warning(plain_markdown(mistake), icon=":material/rule:")
        return
    for warning in warnings:
        say = st.error if warning.expired else st.warning
        say(plain_markdown(warning.sentence), icon=":material/handshake:")


def agreement_flag() -> str:
    """A few words for the overview's first line when an agreement has expired or expires soon (its
    warning, naming the indicators, follows the summary matrix, which stays on the first screen)."""
    try:
        warnings = board().agreement_warnings(date.today())
    except DataQualityError:
        return " · ⚠ **the data quality declarations have a mistake** (below the summary)"
    if not warnings:
        return ""
    return f" · ⚠ **{plain_markdown(warnings_headline(warnings))}** (below the summary)"


def quality_beside(indicator_id: str, area: str, quarter: Quarter) -> None:
    """An indicator's owner, lead, data-quality rating, stale flag and agreements, under its status."""
    try:
        quality = board().data_quality(area, quarter).get(indicator_id)
    except DataQualityError:
        return  # the overview says what is wrong with the declarations
    if quality is None:
        return
    lines = [plain_markdown(line) for line in quality.lines]
    if quality.stale:
        lines = [f"**{line}**" if line == plain_markdown(quality.stale_why) else line for line in lines]
    st.markdown("  \n".join(lines))


def stale_figures(area: str, quarter: Quarter) -> dict:
    """The overview matrix's stale marks: each indicator's `IndicatorQuality`, or none when the
    declarations cannot be used (the banner says why)."""
    try:
        return board().data_quality(area, quarter)
    except DataQualityError:
        return {}


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
