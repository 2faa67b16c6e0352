"""The final table of `make bench`: every goal, ours, the baseline, the ratio, and met / not met, from
the results each benchmark wrote to bench/.results/<benchmark>.jsonl in this run.

    python bench/summary.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / ".results"
ORDER = ["run", "untrusted", "boardpack", "pages", "london"]


def _value(value, unit: str) -> str:
    if value is None:
        return ""
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.3f} s" if value < 10 else f"{value:,.1f} s"


def rows() -> list[tuple[str, dict]]:
    files = sorted(RESULTS.glob("*.jsonl"), key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else 99, p.stem))
    found = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append((path.stem, json.loads(line)))
    return found


def main() -> int:
    found = rows()
    if not found:
        print(f"no results under {RESULTS}: run the benchmarks first (make bench)")
        return 1
    width = min(96, max(len(row["goal"]) for _, row in found))
    print(f"\n{'goal':{width}}  {'ours':>10}  {'baseline':>10}  {'ratio':>8}  {'goal ratio':>14}  result  (baseline)")
    print("-" * (width + 70))
    met = not_met = 0
    for source, row in found:
        verdict = {True: "met", False: "NOT MET", None: "-"}[row["met"]]
        met += row["met"] is True
        not_met += row["met"] is False
        ratio = f"{row['ratio']:.1f}x" if row.get("ratio") is not None else ""
        goal = row["goal"] if len(row["goal"]) <= width else row["goal"][: width - 1] + "…"
        print(
            f"{goal:{width}}  {_value(row['ours'], row['unit']):>10}  {_value(row.get('baseline'), row['unit']):>10}  "
            f"{ratio:>8}  {row.get('ratio_goal') or '':>14}  {verdict:7} {row.get('baseline_name') or ''} [{source}]"
        )
    print(f"\n{met} rows met, {not_met} not met (results of {', '.join(sorted({s for s, _ in found}))})")
    print_goals(found)
    return 0


def print_goals(found: list[tuple[str, dict]]) -> None:
    """One line per goal: rows of a group (a goal for every page) summed up as how many met and the
    worst of them; only rows that are judged (met or not)."""
    goals: dict[str, list[dict]] = {}
    for _, row in found:
        if row["met"] is not None:
            goals.setdefault(row.get("group") or row["goal"], []).append(row)
    if not goals:
        return
    width = min(96, max(len(goal) for goal in goals))
    print(f"\n{'GOAL':{width}}  {'RESULT':14}  WORST (ours; baseline; ratio)")
    for goal, members in goals.items():
        failed = [row for row in members if row["met"] is False]
        worst = (failed or members)[0] if len(members) == 1 else _worst(failed or members)
        verdict = "met" if not failed else "NOT MET"
        count = f" ({len(members) - len(failed)}/{len(members)})" if len(members) > 1 else ""
        ratio = f"; {worst['ratio']:.1f}x" if worst.get("ratio") is not None else ""
        baseline = f"; {_value(worst['baseline'], worst['unit'])}" if worst.get("baseline") is not None else ""
        name = goal if len(goal) <= width else goal[: width - 1] + "…"
        where = f"{worst['item']}: " if len(members) > 1 and worst.get("item") else ""
        print(f"{name:{width}}  {verdict + count:14}  {where}{_value(worst['ours'], worst['unit'])}{baseline}{ratio}")


def _worst(rows: list[dict]) -> dict:
    """The row furthest from its goal: the largest ratio for '<=' goals, the smallest for '>=' ones,
    else the largest value."""
    first = rows[0]
    if first.get("ratio") is not None and ">=" in (first.get("ratio_goal") or ""):
        return min(rows, key=lambda row: row["ratio"])
    if first.get("ratio") is not None and "<=" in (first.get("ratio_goal") or ""):
        return max(rows, key=lambda row: row["ratio"])
    return max(rows, key=lambda row: row["ours"])


if __name__ == "__main__":
    sys.exit(main())
