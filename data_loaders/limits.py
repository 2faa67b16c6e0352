"""What an uploaded file may hold before it is parsed, and what reading it may use.

Every file is measured against these limits before any parser sees it (see `filecheck`), and is
then read in a worker process that cannot use more memory or time than allowed (see `sandbox`).
Each limit can be changed with an environment variable; the defaults hold every real publication a
partnership loads (the largest, the MPS VAWG file, is 411,341 rows × 11 columns) with room to spare.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * MB
    max_rows: int = 2_000_000
    max_columns: int = 2_000
    max_cells: int = 10_000_000
    max_sheets: int = 100  # a return has 3 sheets, the YJB regional tables 11
    max_unzipped_bytes: int = 300 * MB
    max_zip_ratio: int = 100
    max_line_chars: int = 100_000
    parse_memory_bytes: int = 2048 * MB
    parse_seconds: float = 120.0

    def describe(self) -> str:
        return f"{self.max_rows:,} rows, {self.max_columns:,} columns and {self.max_cells:,} cells"


def _number(variable: str, default: float) -> float:
    raw = os.environ.get(variable, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def current_limits() -> Limits:
    """The limits in force: the defaults, or DASHBOARD_MAX_UPLOAD_MB, DASHBOARD_MAX_ROWS,
    DASHBOARD_MAX_COLUMNS, DASHBOARD_MAX_CELLS, DASHBOARD_MAX_SHEETS, DASHBOARD_PARSE_MEMORY_MB and
    DASHBOARD_PARSE_SECONDS."""
    base = Limits()
    return Limits(
        max_file_bytes=int(_number("DASHBOARD_MAX_UPLOAD_MB", base.max_file_bytes / MB) * MB),
        max_rows=int(_number("DASHBOARD_MAX_ROWS", base.max_rows)),
        max_columns=int(_number("DASHBOARD_MAX_COLUMNS", base.max_columns)),
        max_cells=int(_number("DASHBOARD_MAX_CELLS", base.max_cells)),
        max_sheets=int(_number("DASHBOARD_MAX_SHEETS", base.max_sheets)),
        parse_memory_bytes=int(_number("DASHBOARD_PARSE_MEMORY_MB", base.parse_memory_bytes / MB) * MB),
        parse_seconds=_number("DASHBOARD_PARSE_SECONDS", base.parse_seconds),
    )
