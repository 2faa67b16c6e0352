"""Serve the dashboard: `streamlit run app.py`, with the router's navigation from the very first request.

With a pages/ folder beside app.py, Streamlit runs a server's first session in its older multipage
mode, which knows only the files in pages/: a first request to a page built from the catalogue (a
sub-group page such as /vawg) would be answered "Page not found" before app.py could route it.
Starting the server here tells Streamlit at once that the app declares its own navigation (as
app.py does on every run), so that first request is routed like any other. Arguments are passed to
`streamlit run` (e.g. --server.port 8501).
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(arguments: list[str]) -> int:
    PagesManager.uses_pages_directory = False  # app.py calls st.navigation: never the pages/ folder mode
    sys.argv = ["streamlit", "run", str(APP), *arguments]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
