"""What the benchmarks read from /proc: the machine they run on, how busy it is, and the CPU and resident memory
of the processes under a server they start (uvicorn, its workers, the job worker)."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.intake_figures import PhaseResult

# --- the machine -------------------------------------------------------------------------------


def machine_description() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {model}, {platform.system()} " \
           f"{platform.release()}, Python {platform.python_version()}"


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def machine_busy_now(seconds: float = 1.0) -> float:
    """Share of all cores busy over the next ``seconds``: other work on the box skews every figure."""
    busy, total = _machine_ticks()
    time.sleep(seconds)
    busy2, total2 = _machine_ticks()
    return (busy2 - busy) / max(total2 - total, 1)


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of ``/proc/<pid>/stat`` after the command name) of every process still there."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        yield int(entry.name), text[text.rfind(")") + 2:].split()


def _process_tree_ticks(root_pid: int) -> int:
    """utime + stime (jiffies) of ``root_pid`` and its direct children (uvicorn's workers)."""
    return sum(int(rest[11]) + int(rest[12]) for pid, rest in process_stats()
               if pid == root_pid or int(rest[1]) == root_pid)


class CpuMeter:
    """CPU used between ``start()`` and ``stop()`` by this process, the server and the whole machine."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.hz = os.sysconf("SC_CLK_TCK")

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self._machine = _machine_ticks()
        self._server = _process_tree_ticks(self.server_pid) if self.server_pid else 0

    def stop(self, result: PhaseResult) -> None:
        """Add what was used since ``start()`` to ``result``."""
        result.metered_s += time.perf_counter() - self._wall
        result.client_cpu_s += time.process_time() - self._cpu
        busy, total = _machine_ticks()
        before_busy, before_total = self._machine
        result.machine_ticks = (
            result.machine_ticks[0] + busy - before_busy, result.machine_ticks[1] + total - before_total
        )
        if self.server_pid:
            result.server_cpu_s += (_process_tree_ticks(self.server_pid) - self._server) / self.hz


# --- processes and their memory ----------------------------------------------------------------


def rss_kib(status_text: str) -> int | None:
    """The resident set size in KiB from the text of ``/proc/<pid>/status``."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def role_of(command: str, *, leads_group: bool, parent_is_web: bool) -> str | None:
    """What a process under run.sh is, from its command line; None for helpers not worth measuring."""
    if "jobs_worker" in command or "procrastinate worker" in command:
        return "job worker"
    if "uvicorn" in command and leads_group:
        return "web supervisor"
    if parent_is_web and "resource_tracker" not in command:
        return "web worker"
    return None


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def processes_under(root: int) -> dict[int, str]:
    """Every process below ``root`` (itself included) worth measuring, with its role."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for pid, rest in process_stats():
        parents[pid], groups[pid] = int(rest[1]), int(rest[2])
    below, todo = {root}, [root]
    while todo:
        current = todo.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in below:
                below.add(pid)
                todo.append(pid)
    roles: dict[int, str] = {}
    web_supervisors = set()
    for pid in sorted(below):
        command = _command(pid)
        role = role_of(command, leads_group=groups.get(pid) == pid, parent_is_web=False)
        if role == "web supervisor" or (pid == root and "uvicorn" in command):
            web_supervisors.add(pid)
            roles[pid] = "web supervisor"
        elif role:
            roles[pid] = role
    for pid in sorted(below):
        if pid not in roles and parents.get(pid) in web_supervisors:
            role = role_of(_command(pid), leads_group=False, parent_is_web=True)
            if role:
                roles[pid] = role
    if "web worker" not in roles.values():
        # uvicorn --workers 1 serves in its own process.
        roles = {pid: "web server" if role == "web supervisor" else role for pid, role in roles.items()}
    return roles


def memory_sample(root: int | None) -> dict[int, tuple[str, int]]:
    """pid → (role, RSS in KiB) of the processes under ``root``."""
    if root is None:
        return {}
    sample = {}
    for pid, role in processes_under(root).items():
        try:
            rss = rss_kib(Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        if rss:
            sample[pid] = (role, rss)
    return sample
