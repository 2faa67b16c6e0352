"""What a loader hands to the store: one file's submission details and its tidy observations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

OBSERVATION_COLUMNS = [
    "indicator",
    "area",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "suppressed",
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
    area_kinds: dict[str, str] = field(default_factory=dict)

    @property
    def period_start(self) -> date:
        return min(self.observations["period_start"])

    @property
    def period_end(self) -> date:
        return max(self.observations["period_end"])

    @property
    def areas(self) -> list[str]:
        return sorted(self.observations["area"].unique())


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tidy_frame(rows: list[dict]) -> pd.DataFrame:
    """Observation rows as a frame with the standard columns, in order."""
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    return frame.astype({"suppressed": bool})
