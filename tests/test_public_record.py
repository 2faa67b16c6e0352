"""Rare events the source publishes itself (domestic homicide reviews, lethal barrel discharges) are
not hidden as small counts, so the board sees their time-between-events chart; every other small
count still is."""

from __future__ import annotations

import pandas as pd

from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.protected import protect_observations
from cspdash.service import Audience, BoardService
from cspdash.store.db import open_store


def _row(indicator: str, value: float) -> dict:
    return dict(
        area="Hackney",
        indicator=indicator,
        breakdown="",
        period_start="2025-01-01",
        period_end="2025-03-31",
        value=value,
        numerator=None,
        denominator=None,
        suppressed=False,
    )


def test_a_public_record_keeps_its_small_count_and_other_small_counts_are_hidden():
    indicators = {ind.id: ind for ind in load_catalogue().indicators}
    assert indicators["dhr_open"].public_record and not indicators["yj_custody"].public_record
    frame = pd.DataFrame([_row("dhr_open", 2), _row("yj_custody", 2), _row("yj_custody", 0)])
    published = protect_observations(frame, indicators)
    assert published["value"].tolist()[0] == 2 and published["withheld"].tolist()[0] == ""
    assert pd.isna(published["value"].tolist()[1]) and published["withheld"].tolist()[1] == "primary"
    assert published["value"].tolist()[2] == 0


def test_the_board_sees_the_gaps_between_domestic_homicide_reviews(sample_store_url):
    """Hackney's reviews commissioned: a g chart on the published figures, its rule set, and the
    days since the last, for a viewer as for an analyst."""
    engine = open_store(sample_store_url)
    quarter = Quarter.parse("2024/25 Q4")
    for audience in (Audience.PUBLIC, Audience.ANALYST):
        rows = BoardService(engine, audience).at().rows("Hackney", quarter)
        a = next(row.assessment for row in rows if row.indicator.id == "dhr_open")
        assert a.spc is not None and a.spc.usable and a.spc.kind == "g", a.spc and a.spc.unusable
        assert a.rule_set().startswith("g chart")
        assert any("since the last" in note or "latest event" in note for note in a.break_notes)
