"""`make bench`: throughput, latency and memory, each against a baseline measured in the same run.

Prints one table and writes it as JSON (``benchmarks/results/latest.json`` unless
``--output`` says otherwise), with the machine it ran on. Every figure is the median
of ``--repeats`` runs. ``--compare FILE`` puts an earlier run's figures beside these.
The machines this runs on are shared and noisy: read the ratios, which compare
contenders measured side by side, rather than the absolute figures. The PostgreSQL
section starts a throwaway server for its run, and is reported as skipped, with the
reason, where none can be started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import durable_writes, end_to_end, memory, postgres_writes, quick_checks
from benchmarks.measure import machine

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("writes", "postgres", "engine", "e2e", "memory", "quickcheck")

Row = tuple[str, str, str, str]  # figure, value, goal, verdict


def _goal(value: float, at_least: float | None = None, below: float | None = None) -> str:
    if at_least is not None:
        return "met" if value >= at_least else "MISSED"
    assert below is not None
    return "met" if value < below else "MISSED"


def _rows(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    writes = results.get("writes")
    if writes:
        raw = writes["raw_writes_per_s"]
        rows += [
            (f"1. raw aiosqlite upserts/s, {name.replace(':', ' writer(s), commit ')}", f"{v:,.0f}", "", "")
            for name, v in raw.items()
        ]
        for members, value in writes["store_writes_per_s"].items():
            rows.append((f"2. SessionStore saves/s, {members} member(s)", f"{value:,.0f}", "", ""))
        for members, ratio in writes["store_ratio_to_group_commit"].items():
            goal = "≥ 0.8" if members == "1000" else ""
            verdict = _goal(ratio, at_least=0.8) if members == "1000" else ""
            rows.append((f"2. store ÷ raw group commit, {members} member(s)", f"{ratio:.2f}", goal, verdict))
    engine = results.get("engine")
    if engine:
        rows += [
            ("3. engine turns/s (restore, answer, store)", f"{engine['engine_turns_per_s']:,.0f}", "", ""),
            ("3. transitions turns/s", f"{engine['transitions_turns_per_s']:,.0f}", "", ""),
            ("3. python-statemachine turns/s", f"{engine['statemachine_turns_per_s']:,.0f}", "", ""),
            (
                "3. engine ÷ transitions",
                f"{engine['ratio_vs_transitions']:.1f}x",
                "≥ 5x",
                _goal(engine["ratio_vs_transitions"], at_least=5),
            ),
            (
                "3. engine ÷ python-statemachine",
                f"{engine['ratio_vs_statemachine']:.1f}x",
                "≥ 20x",
                _goal(engine["ratio_vs_statemachine"], at_least=20),
            ),
        ]
    e2e = results.get("e2e")
    if e2e:
        for members, level in e2e["levels"].items():
            rows.append((f"4. bot turns/s, {members} member(s)", f"{level['bot_turns_per_s']:,.0f}", "", ""))
            rows.append(
                (f"4. discord.py floor turns/s, {members}", f"{level['floor_turns_per_s']:,.0f}", "", "")
            )
            at_1000 = members == "1000"
            rows.append(
                (
                    f"4. bot ÷ floor, {members} member(s)",
                    f"{level['ratio_to_floor']:.2f}",
                    "≥ 0.5" if at_1000 else "",
                    _goal(level["ratio_to_floor"], at_least=0.5) if at_1000 else "",
                )
            )
            p99_goal = {"1000": 50.0, "10": 5.0}.get(members)
            rows.append(
                (
                    f"4. p50 ms, {members} member(s) pacing {e2e['think_mean_s']:g} s",
                    f"{level['p50_ms']:.1f}",
                    "",
                    "",
                )
            )
            rows.append(
                (
                    f"4. p99 ms, {members} member(s), {level['latency_samples']} turns timed",
                    f"{level['p99_ms']:.1f}",
                    f"< {p99_goal:g}" if p99_goal else "",
                    _goal(level["p99_ms"], below=p99_goal) if p99_goal else "",
                )
            )
    mem = results.get("memory")
    if mem:
        for stored, mib in mem["rss_mib"].items():
            rows.append((f"5. RSS MiB, {stored:>6} stored, {mem['active']} active", f"{mib:.1f}", "", ""))
        ratio = mem["ratio_large_to_small"]
        small, large = mem["rss_mib"]
        rows.append(
            (
                f"5. RSS {large} ÷ {small} stored",
                f"{ratio:.3f}",
                "0.9–1.1",
                "met" if 0.9 <= ratio <= 1.1 else "MISSED",
            )
        )
    checks = results.get("quickcheck")
    if checks:
        rows += [
            ("6. quick checks/s", f"{checks['checks_per_s']:,.0f}", "", ""),
            ("6. quick check p50 ms", f"{checks['p50_ms']:.2f}", "", ""),
            ("6. quick check p99 ms", f"{checks['p99_ms']:.2f}", "", ""),
        ]
    postgres = results.get("postgres")
    if postgres:
        rows += _postgres_rows(postgres)
    return rows


def _postgres_rows(pg: dict[str, Any]) -> list[Row]:
    """Section 7: run after section 2, numbered after the sections that came before it."""
    if "skipped" in pg:
        return [(f"7. PostgreSQL skipped: {pg['skipped']}", "", "", "")]
    server = pg["server"]
    names = {
        "sqlite_store": "SQLite store",
        "postgres_store": "PostgreSQL store",
        "postgres_raw_asyncpg": "raw asyncpg UPDATE",
    }
    rows: list[Row] = [
        (
            f"7. PostgreSQL {server['server_version'].split()[0]}, fsync {server['fsync']}, "
            f"synchronous_commit {server['synchronous_commit']} (as SQLite WAL NORMAL)",
            "",
            "",
            "",
        ),
        (
            "7.   a bot crash loses no save; an OS crash, or a server crash "
            f"(≤ 3 × {server['wal_writer_delay']}), the last saves",
            "",
            "",
            "",
        ),
    ]
    for members, level in pg["levels"].items():
        rows += [
            (f"7. {name} saves/s, {members} member(s)", f"{level[f'{kind}_saves_per_s']:,.0f}", "", "")
            for kind, name in names.items()
        ]
        ratio = level["postgres_store_ratio_to_raw"]
        goal = pg["goal_postgres_store_ratio_to_raw_at_1000"] if members == "1000" else None
        rows += [
            (
                f"7. PostgreSQL store ÷ raw asyncpg, {members} member(s)",
                f"{ratio:.2f}",
                f"≥ {goal:g}" if goal else "",
                _goal(ratio, at_least=goal) if goal else "",
            ),
            (
                f"7. PostgreSQL store ÷ SQLite store, {members} member(s)",
                f"{level['postgres_store_ratio_to_sqlite_store']:.2f}",
                "",
                "",
            ),
        ]
    for members, latency in pg["latency_under_full_load"].items():
        for kind, name in names.items():
            for quantile in ("p50", "p99"):
                rows.append(
                    (
                        f"7. {name} save {quantile} ms, {members} member(s) at full load",
                        f"{latency[f'{kind}_{quantile}_ms']:.1f}",
                        "",
                        "",
                    )
                )
    across = pg["processes"]
    top = across["members"]
    for kind in ("postgres_store", "sqlite_store"):
        figures = across[kind]
        failed = f", {figures['failed_saves']} failed" if figures["failed_saves"] else ""
        rows += [
            (
                f"7. {names[kind]} saves/s, 1 process × {top} members",
                f"{figures['1_process_saves_per_s']:,.0f}",
                "",
                "",
            ),
            (
                f"7. {names[kind]} saves/s, 2 processes × {top // 2} members{failed}",
                f"{figures['2_process_saves_per_s']:,.0f}",
                "",
                "",
            ),
            (f"7. {names[kind]}, 2 processes ÷ 1 process", f"{figures['ratio_2_to_1']:.2f}", "", ""),
        ]
    return rows


def render(results: dict[str, Any], earlier: dict[str, Any] | None = None) -> str:
    rows = _rows(results)
    before = {figure: value for figure, value, _, _ in _rows(earlier)} if earlier else {}
    headers = ("figure", "value", "goal", "") + (("earlier run",) if earlier else ())
    table = [headers] + [row + ((before.get(row[0], "–"),) if earlier else ()) for row in rows]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(headers))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)) for line in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def run(sections: tuple[str, ...], *, quick: bool, repeats: int) -> dict[str, Any]:
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "repeats": repeats,
        "quick": quick,
    }
    steps: dict[str, Callable[[], Any]] = {
        "writes": lambda: asyncio.run(durable_writes.run(repeats=repeats)),
        "postgres": lambda: asyncio.run(
            postgres_writes.run(
                repeats=repeats,
                levels=(1, 10, 1000) if quick else (1, 10, 100, 1000),
                total_writes=1000 if quick else 4000,
                process_writes=5000 if quick else 20000,
            )
        ),
        "engine": lambda: _engine(repeats, quick),
        "e2e": lambda: asyncio.run(
            end_to_end.run(
                repeats=repeats,
                levels=(1, 10, 100) if quick else (1, 10, 100, 1000),
                latency_turns=3 if quick else 8,
            )
        ),
        "memory": lambda: memory.run(repeats=repeats, large=10_000 if quick else 100_000),
        "quickcheck": lambda: quick_checks.run(repeats=repeats),
    }
    for section in sections:
        started = time.perf_counter()
        print(f"… {section}", flush=True)
        results[section] = steps[section]()
        results.setdefault("seconds", {})[section] = round(time.perf_counter() - started, 1)
    return results


def _engine(repeats: int, quick: bool) -> dict[str, Any]:
    # Imported here: it needs the bench extras (python-statemachine, transitions).
    from benchmarks import engine_compare  # noqa: PLC0415

    return engine_compare.run(repeats=repeats, interviews=50 if quick else 200)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and smaller loads (a minute or two)"
    )
    parser.add_argument("--repeats", type=int, help="runs per figure (median); 3, or 1 with --quick")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--compare", type=Path, help="an earlier run's JSON to show beside this one")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    repeats = args.repeats or (1 if args.quick else 3)
    results = run(tuple(args.only or SECTIONS), quick=args.quick, repeats=repeats)
    earlier = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    info = results["machine"]
    print(
        f"\n{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}, "
        f"SQLite {info['sqlite']}, commit {info['commit']}; median of {repeats} run(s)\n"
    )
    print(render(results, earlier))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
