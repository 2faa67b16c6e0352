"""Files in, tidy observations out: loaders for the sub-groups' returns and police data.

Nothing here imports Streamlit. `load_file` checks a file and picks its kind (declared in kinds/).
The names below are imported when first used, so that `python -m data_loaders --help` starts at once.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["Problem", "ReturnRefused", "load_file"]
_FROM = {
    "load_file": "data_loaders.detect",
    "Problem": "data_loaders.problems",
    "ReturnRefused": "data_loaders.problems",
}


def __getattr__(name: str):
    if name in _FROM:
        value = getattr(import_module(_FROM[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'data_loaders' has no attribute {name!r}")
