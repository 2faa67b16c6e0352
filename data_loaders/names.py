"""File names from uploads and the command line: made safe to store and show, never used as paths.

A browser sends whatever name it likes. The name is only a label: it is stripped to its last part,
cleaned of control and direction-changing characters, and shortened to fit; a name with nothing
usable left (nothing but an extension, say) is refused, saying which characters were not allowed
and where. Files are always written under names of our own.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 255
MAX_SUFFIX_CHARS = 10
_SEPARATORS = re.compile(r"[/\\]")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_CONTROL_NAMES = {0: "NUL", 9: "tab", 10: "line feed", 13: "carriage return", 27: "escape", 127: "DEL"}
ALLOWED = "letters, digits, spaces and punctuation such as - _ . ( )"
EXAMPLE = "e.g. 2025-26_Q1_hackney_youth_justice.xlsx"


class BadFileName(ValueError):
    """An uploaded file's name with nothing usable in it."""


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE


def _visible(text: str) -> str:
    return "".join(" " if _invisible(ch) else ch for ch in text)


def _describe(ch: str) -> str:
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "").lower()
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def _not_allowed(text: str) -> str:
    """'a control character (U+0000 (NUL)) at position 1' for the invisible characters of a name."""
    found = [(position, ch) for position, ch in enumerate(text, start=1) if _invisible(ch)]
    if not found:
        return ""
    listed = ", ".join(f"{_describe(ch)} at position {position}" for position, ch in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    noun = "a control character" if len(found) == 1 else f"{len(found)} control or invisible characters"
    return f"; the name holds {noun} ({listed}{more}), which a file name may not contain"


def _shorten(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """Cut a long name to `limit` UTF-8 bytes, keeping its extension."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > MAX_SUFFIX_CHARS:
        stem, suffix = name, ""
    tail = ("…." + suffix) if suffix else "…"
    room = limit - len(tail.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + tail


def _usable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def safe_file_name(raw: object) -> str:
    """The name to store and show for an uploaded file; BadFileName if none is left."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = _SEPARATORS.split(text)[-1]
    visible = " ".join(_visible(text).split())
    stem, dot, suffix = visible.rpartition(".")
    only_extension = bool(dot) and 0 < len(suffix) <= MAX_SUFFIX_CHARS and suffix.isalnum() and not _usable(stem)
    cleaned = visible.strip(" .")
    if only_extension or not _usable(cleaned):
        what = (
            f"nothing usable before its extension .{suffix}"
            if only_extension
            else "nothing usable in it (it is empty, dots only or control characters)"
        )
        raise BadFileName(
            f"the file's name has {what}{_not_allowed(text)}. A name needs at least one letter or digit "
            f"({ALLOWED} are allowed): rename the file, {EXAMPLE}, and upload it again"
        )
    return _shorten(cleaned)
