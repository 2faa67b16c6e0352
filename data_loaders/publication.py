"""The figures as published, for every output that leaves the analysts' view (the `board` and
`boardpack` commands, sign-off, meeting mode, viewers): the catalogue's disclosure policy over the
relations the kinds declare, and the board's snapshot built from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.periods import Quarter
from cspdash.protected import for_publication
from data_loaders.kinds import disclosure_rules


def publisher(catalogue: Catalogue | None = None) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A function putting a frame of figures under the disclosure policy."""
    catalogue, rules = catalogue or load_catalogue(), disclosure_rules()
    return lambda frame: for_publication(frame, catalogue, rules)


def published_snapshot(engine, area: str, quarter: Quarter, today: date | None = None) -> dict:
    """The board's snapshot of an area's quarter from the figures now, as published (the board
    service's, for tests and benchmarks that hold an engine)."""
    from cspdash.service import Audience, BoardService

    return BoardService(engine, Audience.PUBLIC).at().snapshot(area, quarter, today)
