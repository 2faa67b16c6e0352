"""app.py as Streamlit's AppTest should run it, and `open_page`, how a test opens a page by its link.

AppTest starts every run in Streamlit's older multipage mode when the main script has a pages/
folder beside it; a real server does so only on its first run, which app.py handles (and
tests/test_browser_resilience.py checks in a real browser). Running app.py from here, a folder with
no pages/ beside it, keeps AppTest in the mode a real server is in; file pages are then `../pages/…`.
"""

import runpy
from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Open the page at /url_path on the next run, as following a link to it would: a sub-group page
    is built from the catalogue (a callable, not a file), and `AppTest.switch_page` takes files only.
    Streamlit names every page by the hash of its URL path."""
    at._page_hash = calc_hash(url_path)
    return at


if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"), run_name="__main__")
