"""app.py as Streamlit's AppTest should run it.

AppTest starts every run in Streamlit's older multipage mode when the main script has a pages/
folder beside it; a real server does so only on its first run, which app.py handles (and
tests/test_first_request.py checks in a real browser). Running app.py from here, a folder with no
pages/ beside it, keeps AppTest in the mode a real server is in; pages are then `../pages/…`.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"), run_name="__main__")
