"""Benchmark: the board pack's charts drawn with one Chromium kept open for the whole pack, against
one Chromium started per chart; and a meeting screen (from the snapshot) against building today's
overview for the same area and quarter. Same process, same run; prints ratios.

    python bench/boardpack.py [--db URL] [--area Hackney] [--quarter "2024/25 Q4"]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cspdash.boardpack import figures, render_charts, render_charts_one_browser_each  # noqa: E402
from cspdash.catalogue import load_catalogue  # noqa: E402
from cspdash.meeting import screen_html, screens  # noqa: E402
from cspdash.overview import overview_html, overview_rows  # noqa: E402
from cspdash.periods import Quarter  # noqa: E402
from cspdash.store import queries, records  # noqa: E402
from cspdash.store.db import open_store  # noqa: E402
from data_loaders.ingest import load_sample_if_empty  # noqa: E402
from data_loaders.kinds import provisional_months  # noqa: E402
from data_loaders.publication import published_snapshot  # noqa: E402


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--area", default="Hackney")
    parser.add_argument("--quarter", default="2024/25 Q4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(args.db or f"sqlite:///{folder}/bench.db")
        load_sample_if_empty(engine)
        quarter = Quarter.parse(args.quarter)
        snapshot = records.signed_off(engine, args.area, quarter) or published_snapshot(engine, args.area, quarter)
        charts = figures(snapshot)
        persistent = seconds(lambda: render_charts(charts))
        each = seconds(lambda: render_charts_one_browser_each(charts))
        print(f"pack charts ({len(charts)}): one Chromium per chart / one kept open = {each / persistent:.1f}x")

        agenda = screens(snapshot)
        step = seconds(lambda: [screen_html(snapshot, s, n, len(agenda)) for n, s in enumerate(agenda, 1)])
        catalogue = load_catalogue()

        def overview() -> None:
            observations = queries.current_observations(engine, area=args.area)
            releases = queries.release_observations(engine, args.area)
            rows = overview_rows(
                catalogue, observations, quarter, queries.targets(engine), {}, releases, provisional_months()
            )
            overview_html(rows, quarter)

        page = seconds(overview)
        per_screen = step / len(agenda)
        print(
            f"meeting screen (next/previous, from the snapshot) vs building today's overview: {page / per_screen:,.0f}x faster"
        )


if __name__ == "__main__":
    main()
