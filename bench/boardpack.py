"""Benchmark: the board pack's charts drawn with one Chromium kept open for the whole pack, against
one Chromium started per chart; and a meeting screen (from the snapshot) against building today's
overview for the same area and quarter. Same process, same run, interleaved (A B A B …, after a
warm-up); CPU of this process (the Chromium processes' CPU is not counted: compare wall times for
the charts), medians (min–max); prints ratios.

    python bench/boardpack.py [--db URL] [--area Hackney] [--quarter "2024/25 Q4"] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.common import interleaved, record, start_results  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--area", default="Hackney")
    parser.add_argument("--quarter", default="2024/25 Q4")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start_results("boardpack")
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(args.db or f"sqlite:///{folder}/bench.db")
        load_sample_if_empty(engine)
        quarter = Quarter.parse(args.quarter)
        snapshot = records.signed_off(engine, args.area, quarter) or published_snapshot(engine, args.area, quarter)
        charts = figures(snapshot)
        timed = interleaved(
            {"kept": lambda: render_charts(charts), "each": lambda: render_charts_one_browser_each(charts)},
            args.repeat,
        )
        kept, each = timed["kept"], timed["each"]
        ratio = each.wall_median / kept.wall_median
        print(f"pack charts ({len(charts)}): one Chromium per chart / one kept open = {ratio:.1f}x (wall)")
        print(f"  one kept open: {kept.spread()}\n  one per chart: {each.spread()}")
        record(
            f"board pack charts ({len(charts)}), one Chromium kept open against one per chart (wall)",
            kept.wall_median,
            unit="s",
            baseline=each.wall_median,
            baseline_name="one Chromium per chart",
            ratio=ratio,
            ratio_goal="(x faster)",
            source="boardpack",
            detail=f"kept {kept.spread()}; each {each.spread()}",
        )

        agenda = screens(snapshot)
        catalogue = load_catalogue()

        def overview() -> None:
            observations = queries.current_observations(engine, area=args.area)
            releases = queries.release_observations(engine, args.area)
            rows = overview_rows(
                catalogue, observations, quarter, queries.targets(engine), {}, releases, provisional_months()
            )
            overview_html(rows, quarter)

        def steps() -> None:
            for number, screen in enumerate(agenda, 1):
                screen_html(snapshot, screen, number, len(agenda))

        timed = interleaved({"steps": steps, "overview": overview}, args.repeat)
        per_screen = timed["steps"].cpu_median / len(agenda)
        page = timed["overview"].cpu_median
        print(
            f"meeting screen (next/previous, from the snapshot) vs building today's overview: "
            f"{page / per_screen:,.0f}x faster (CPU); a screen {per_screen * 1e6:.0f} µs (median of all "
            f"{len(agenda)}), the overview {timed['overview'].spread('ms')}"
        )
        record(
            "meeting screen from the snapshot, against building today's overview (CPU)",
            per_screen * 1000,
            unit="ms",
            baseline=page * 1000,
            baseline_name="building the overview",
            ratio=page / per_screen,
            ratio_goal="(x faster)",
            source="boardpack",
        )


if __name__ == "__main__":
    main()
