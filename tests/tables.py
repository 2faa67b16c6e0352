"""Read HTML tables as the user sees them (caption, header cells, row cells), for page tests."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img" and self._cell is not None:
            self._cell.append(dict(attrs).get("alt", ""))

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data + " ")


def html_tables(html: str) -> list[dict]:
    """Each table as {'caption': str, 'rows': [[cell text, ...], ...]} (the header row first)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def row_for(table: dict, label_start: str) -> dict[str, str]:
    """The row whose first cell starts with `label_start`, keyed by the header row."""
    header = table["rows"][0]
    for row in table["rows"][1:]:
        if row[0].startswith(label_start):
            return dict(zip(header, row, strict=True))
    raise KeyError(label_start)


def as_read(markdown: str) -> str:
    """Markdown as a reader sees it, for the escaped text the app shows: backslash escapes undone."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
