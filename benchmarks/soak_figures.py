"""What a soak run (``benchmarks/soak.py``) records, and how it reports it: answers and latencies per stretch
of time, socket drops, the processes' memory, the text summary and the section of docs/performance.md.
Pure: tested in tests/benchmarks/test_soak_script.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from benchmarks.intake_figures import percentile
from benchmarks.process_meters import machine_description

AIM_RSS_GROWTH = 0.10
SECTION_START = "<!-- soak-benchmark:start -->"
SECTION_END = "<!-- soak-benchmark:end -->"


def growth(start: int, end: int) -> float:
    """Relative growth from ``start`` to ``end`` (0.1 is 10 %)."""
    return (end - start) / start if start else 0.0


def markdown_section_update(document: str, section: str) -> str:
    """``document`` with the text between the soak markers replaced by ``section`` (appended when missing)."""
    block = f"{SECTION_START}\n{section.strip()}\n{SECTION_END}"
    start, end = document.find(SECTION_START), document.find(SECTION_END)
    if start != -1 and end > start:
        return document[:start] + block + document[end + len(SECTION_END):]
    return document.rstrip("\n") + "\n\n" + block + "\n"


# --- the records of a run ------------------------------------------------------------------------


@dataclass
class Window:
    """What answered within one stretch of time."""

    latencies: list[float] = field(default_factory=list)  # seconds, of 201 answers
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, status: int | str, latency: float) -> None:
        self.statuses[str(status)] += 1
        if status == 201:
            self.latencies.append(latency)

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "201")


@dataclass
class Sockets:
    opened: int = 0
    drops: int = 0
    frames: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    live: int = 0


@dataclass
class Result:
    seconds: float = 0.0
    sent: int = 0
    measured: Window = field(default_factory=Window)
    warmup: Window = field(default_factory=Window)
    unfinished: int = 0
    max_send_lag_ms: float = 0.0
    memory_start: dict[int, tuple[str, int]] = field(default_factory=dict)
    memory_end: dict[int, tuple[str, int]] = field(default_factory=dict)
    sockets: Sockets = field(default_factory=Sockets)
    jobs_waiting: int | None = None


# --- report ------------------------------------------------------------------------------------


def memory_rows(result: Result) -> list[tuple[str, str, str, str]]:
    rows = []
    for pid, (role, start) in sorted(result.memory_start.items(), key=lambda item: (item[1][0], item[0])):
        if pid in result.memory_end:
            end = result.memory_end[pid][1]
            rows.append((f"{role} (pid {pid})", f"{start / 1024:.0f}", f"{end / 1024:.0f}",
                         f"{growth(start, end):+.1%}"))
        else:
            rows.append((f"{role} (pid {pid})", f"{start / 1024:.0f}", "gone", "–"))
    for pid, (role, end) in sorted(result.memory_end.items()):
        if pid not in result.memory_start:
            rows.append((f"{role} (pid {pid}, new)", "–", f"{end / 1024:.0f}", "–"))
    return rows


def summary_lines(args: argparse.Namespace, result: Result) -> list[str]:
    measured = result.measured
    everything = Counter(measured.statuses) + Counter(result.warmup.statuses)
    errors = measured.errors + result.warmup.errors + result.unfinished
    lines = [
        f"Load: {args.rate:g} reports/s for {result.seconds / 60:.1f} min ({result.sent} sent), "
        f"{args.sockets} sockets, {args.devices} devices; first {min(args.warmup, args.minutes * 12):g} s are warm-up.",
        "Answers: " + ", ".join(f"{status}×{count}" for status, count in everything.most_common())
        + (f", unfinished×{result.unfinished}" if result.unfinished else ""),
        f"Errors: {errors} (aim 0: {'met' if errors == 0 else 'MISSED'})",
    ]
    if measured.latencies:
        p50, p99 = percentile(measured.latencies, 50) * 1000, percentile(measured.latencies, 99) * 1000
        lines.append(f"Latency after warm-up (from the scheduled send): p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                     f"max {max(measured.latencies) * 1000:.1f} ms")
    if result.max_send_lag_ms > 50:
        lines.append(f"The load generator sent up to {result.max_send_lag_ms:.0f} ms late.")
    lines.append(f"Sockets: {result.sockets.opened} opened for {args.sockets} wanted, {result.sockets.drops} dropped"
                 + (f" ({dict(result.sockets.failures)})" if result.sockets.failures else "")
                 + f", {result.sockets.frames} frames received")
    rows = memory_rows(result)
    if rows:
        worst = max((growth(result.memory_start[pid][1], result.memory_end[pid][1])
                     for pid in result.memory_start if pid in result.memory_end), default=0.0)
        lines.append(f"Memory: largest growth {worst:+.1%} (aim < {AIM_RSS_GROWTH:.0%}: "
                     f"{'met' if worst < AIM_RSS_GROWTH else 'MISSED'})")
    if result.jobs_waiting is not None:
        lines.append(f"Jobs waiting for the worker at the end: {result.jobs_waiting}")
    return lines


def markdown_section(args: argparse.Namespace, result: Result, background: float) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = ["| process | RSS after warm-up (MiB) | RSS at the end (MiB) | growth |", "|---|---:|---:|---:|"]
    table += [f"| {' | '.join(row)} |" for row in memory_rows(result)]
    return "\n".join([
        f"### Latest soak run: {when}",
        "",
        f"- Machine: {machine_description()}; {background:.0%} busy with other work just before the run.",
        f"- Command: `benchmarks/soak.py --rate {args.rate:g} --minutes {args.minutes:g} --sockets {args.sockets} "
        f"--web-workers {args.web_workers}` (scripts/run.sh: uvicorn and the job worker; PostgreSQL, Redis and "
        "the load generator on the same machine).",
        "",
        *[f"- {line}" for line in summary_lines(args, result)],
        "",
        *table,
    ])
