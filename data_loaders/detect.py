"""Which loader reads a file: by its extension and first line or details block."""

from __future__ import annotations

from pathlib import Path

from cspdash.catalogue import Catalogue
from cspdash.observations import LoadedReturn
from data_loaders.mps_borough import load_mps_borough
from data_loaders.problems import Problem, ReturnRefused
from data_loaders.quarterly_return import load_quarterly_return

EXCEL = {".xlsx", ".xlsm"}


def load_file(path: Path, catalogue: Catalogue | None = None) -> LoadedReturn:
    """Read and check any supported file; raise ReturnRefused naming what is wrong."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_mps_borough(path, catalogue)
    if suffix in EXCEL:
        return load_quarterly_return(path, catalogue)
    raise ReturnRefused(
        [
            Problem(
                path.name,
                "",
                "",
                "unknown-kind",
                f"'{suffix}' files are not a known return (expected .xlsx or .csv)",
            )
        ]
    )
