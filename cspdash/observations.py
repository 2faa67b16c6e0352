"""What a loader hands to the store: one file's submission details and its tidy observations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

OBSERVATION_COLUMNS = [
    "indicator",
    "area",
    "area_kind",
    "area_code",
    "parent",
    "breakdown",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "not_applicable",
    "source_sheet",
    "source_cell",
]


@dataclass
class LoadedReturn:
    """A file read and checked, not yet stored."""

    original_name: str
    sha256: str
    kind: str
    observations: pd.DataFrame
    vintage: str | None = None
    warnings: list = field(default_factory=list)
    content: bytes | None = field(default=None, repr=False)  # the original file, kept for backup

    @property
    def period_start(self) -> date:
        return min(self.observations["period_start"])

    @property
    def period_end(self) -> date:
        return max(self.observations["period_end"])

    @property
    def areas(self) -> list[str]:
        return sorted(self.observations["area"].unique())

    @property
    def vintage_end(self) -> date | None:
        """A publication's release is known by its last period: later releases win."""
        return self.period_end if self.vintage else None


def tidy_frame(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Observation rows as a frame with the standard columns, in order (defaults filled in)."""
    frame = pd.DataFrame(rows)
    defaults = {
        "area_kind": "la",
        "area_code": "",
        "parent": "",
        "breakdown": "",
        "numerator": None,
        "denominator": None,
        "suppressed": False,
        "not_applicable": False,
        "source_sheet": "",
        "source_cell": "",
    }
    for column, default in defaults.items():
        if column not in frame:
            frame[column] = default
    frame = frame.reindex(columns=OBSERVATION_COLUMNS)
    for column in ("area_code", "parent", "breakdown", "source_sheet", "source_cell"):
        frame[column] = frame[column].fillna("").astype(str)
    frame["not_applicable"] = frame["not_applicable"].fillna(False)
    return frame.astype({"suppressed": bool, "not_applicable": bool})
