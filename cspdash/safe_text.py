"""Text that people typed (commentary, actions, file names, names from police files) shown and
exported exactly as typed, never as markup or formulas.

- `plain_markdown`: for a Markdown renderer (Streamlit's st.markdown, st.info, captions): every
  punctuation character is escaped, so `![x](https://…)` shows as those characters instead of
  making every viewer's browser fetch an outside image, and `:red[…]` or `$…$` stay text.
- `neutralise`: for spreadsheets (CSV and Excel): a text cell beginning with `=`, `+`, `-`, `@`, a
  tab or a carriage return is prefixed with an apostrophe, as OWASP recommends against formula
  injection; numbers (and text that is just a number) are left exactly as they are.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def plain_markdown(text: object) -> str:
    """Any text, escaped so that a Markdown renderer shows it literally (line breaks kept)."""
    lines = str("" if text is None else text).splitlines() or [""]
    return "  \n".join(_PUNCTUATION.sub(r"\\\1", line.strip()) for line in lines)


def neutralise_cell(value: object) -> object:
    """A spreadsheet cell that cannot start a formula: text starting with = + - @ tab or CR gets a
    leading apostrophe unless it is simply a number; anything that is not text is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame safe to open in a spreadsheet (text columns neutralised, numbers untouched)."""
    safe = frame.copy()
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            safe.isetitem(position, _neutralised(column))
    return safe


def _neutralised(column: pd.Series) -> pd.Series:
    """`column.map(neutralise_cell)`, or a column written out the same: only the cells that start like a
    formula are looked at one by one (text columns, and object columns of text or dates, found at once)."""
    if isinstance(column.dtype, pd.StringDtype):
        starts = column.str.startswith(FORMULA_STARTS, na=False).to_numpy(dtype=bool)
    elif column.dtype == object:
        kind = pd.api.types.infer_dtype(column, skipna=True)
        if kind in ("date", "empty"):
            return column  # dates or nothing: no text (and no numbers that `map` would make a numeric column)
        if kind != "string":
            return column.map(neutralise_cell)
        starts = np.fromiter(
            (isinstance(value, str) and value.startswith(FORMULA_STARTS) for value in column.array),
            dtype=bool,
            count=len(column),
        )
    else:
        return column.map(neutralise_cell)
    if not starts.any():
        return column
    safe = column.copy()
    safe[starts] = [neutralise_cell(value) for value in column[starts]]
    return safe
