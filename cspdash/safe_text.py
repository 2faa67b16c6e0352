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
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    return safe
