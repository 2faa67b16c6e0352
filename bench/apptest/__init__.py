"""AppTest hosts for bench/london.py (a folder with no pages/ beside its script: see tests/streamlit_app.py)."""

RUNS: list[float] = []  # CPU seconds of the script thread, one entry per script run (a rerun adds one)
