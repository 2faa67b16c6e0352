"""File names from uploads and the command line: made safe to store and show, never used as paths.

A browser sends whatever name it likes. The name is only a label: it is stripped to its last part,
cleaned of control and direction-changing characters, and shortened to fit; a name with nothing
usable left is refused. Files are always written under names of our own.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 255
_SEPARATORS = re.compile(r"[/\\]")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class BadFileName(ValueError):
    """An uploaded file's name with nothing usable in it."""


def _visible(text: str) -> str:
    return "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in text)


def _shorten(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """Cut a long name to `limit` UTF-8 bytes, keeping its extension."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    tail = ("…." + suffix) if suffix else "…"
    room = limit - len(tail.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + tail


def safe_file_name(raw: object) -> str:
    """The name to store and show for an uploaded file; BadFileName if none is left."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = _SEPARATORS.split(text)[-1]
    text = " ".join(_visible(text).split()).strip(" .")
    if not text or not any(ch.isalnum() for ch in text):
        raise BadFileName(
            "the file's name has nothing usable in it (it is empty, dots only or control characters): "
            "rename the file, e.g. 2025-26_Q1_hackney_youth_justice.xlsx, and upload it again"
        )
    return _shorten(text)
