"""Where the command line writes: checked before any work is done, written whole or not at all.

`check_output` answers, in one sentence, what is wrong with an output path (a folder, a folder that
does not exist, one that cannot be written to) before a command spends a minute building what it
would write there; `write_output` writes through a temporary file in the same folder, so a failed
write never leaves half a file. `format_from_extension` takes a format from the file's extension
when `--format` is not given. Nothing here imports pandas or the store.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """An output that cannot be written where asked; the message is one sentence."""


class UnknownFormat(OutputError):
    """An output whose extension names no format the command can write (and no --format given)."""


def format_from_extension(path: Path, given: str | None, formats: tuple[str, ...], option: str = "--format") -> str:
    """`given` if there is one; else the format `path`'s extension names, which must be one of
    `formats` (OutputError naming them if not)."""
    if given:
        return given
    extension = Path(path).suffix.lower().lstrip(".")
    if extension in formats:
        return extension
    named = f"'.{extension}'" if extension else "no extension"
    listed = ", ".join(f".{f}" for f in formats)
    raise UnknownFormat(f"{path}: {named} is not a format this can write: name the file {listed}, or give {option}")


def check_output(path: Path) -> Path:
    """`path` if a file can be written there; OutputError (one sentence) if not. Tries it: a file
    is made and removed in the folder, so a read-only folder is found out now, not after the work."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder: give a file name to write to, e.g. {path / 'output'}")
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"{path}: the folder {folder} does not exist: create it first, or write somewhere else")
    if not folder.is_dir():
        raise OutputError(f"{path}: {folder} is a file, not a folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path} exists and cannot be written to: choose another name or folder")
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise OutputError(f"{path}: cannot write in the folder {folder} ({_reason(error)})") from None
    os.close(handle)
    os.unlink(probe)
    return path


def write_output(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole: through a temporary file in the same folder, then renamed."""
    path = Path(path)
    check_output(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: could not be written ({_reason(error)})") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()
