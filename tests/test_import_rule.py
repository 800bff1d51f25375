"""Imports run one way: backend → api → maps, workflows → alerts, moderation, referrals → reports → kernel, privacy.

Every import of every module counts, at the top or inside a function: a piece that needs an import against the
rule sits in the wrong room and moves, rather than hiding the import.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each part and the parts it may import (besides itself). Parts on one line never import each other.
MAY_IMPORT: dict[str, set[str]] = {
    "backend": {"api", "maps", "workflows", "alerts", "moderation", "referrals", "reports", "kernel", "privacy"},
    "api": {"maps", "workflows", "alerts", "moderation", "referrals", "reports", "kernel", "privacy"},
    "maps": {"alerts", "moderation", "referrals", "reports", "kernel", "privacy"},
    "workflows": {"alerts", "moderation", "referrals", "reports", "kernel", "privacy"},
    "alerts": {"reports", "kernel", "privacy"},
    "moderation": {"reports", "kernel", "privacy"},
    "referrals": {"reports", "kernel", "privacy"},
    "reports": {"kernel", "privacy"},
    "kernel": set(),
    "privacy": set(),
}
# What every part may use, imports only Django, the standard library, (for the live-event sender) the
# channel layer Django's websockets run on, and (for the metrics every part records into) prometheus-client.
KERNEL_OUTSIDE_IMPORTS = {"django", "channels", "prometheus_client"}


def _modules() -> list[Path]:
    return sorted(path for part in MAY_IMPORT for path in (ROOT / part).rglob("*.py") if "migrations" not in path.parts)


def _imports(path: Path, package: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, wherever it stands; relative ones resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1] if package is None else package
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.append((node.lineno, module))
    return found


def _part(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def test_it_finds_the_modules_it_judges():
    assert len(_modules()) > 100


@pytest.mark.parametrize("part", sorted(MAY_IMPORT))
def test_it_imports_only_the_parts_below(part: str):
    against = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules() if _part(path) == part
        for line, module in _imports(path)
        if (top := module.split(".")[0]) in MAY_IMPORT and top != part and top not in MAY_IMPORT[part]
    ]
    assert against == []


def test_the_kernel_imports_only_django_and_the_standard_library():
    outside = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules() if _part(path) == "kernel"
        for line, module in _imports(path)
        if (top := module.split(".")[0]) not in sys.stdlib_module_names
        and top not in KERNEL_OUTSIDE_IMPORTS and top not in ("kernel", "__future__")
    ]
    assert outside == []


def test_it_reads_imports_inside_functions_too(tmp_path):
    hidden = tmp_path / "hidden.py"
    hidden.write_text("def f():\n    from api import problems\n    from . import sibling\n", encoding="utf-8")
    assert [module for _, module in _imports(hidden, package=("alerts",))] == ["api", "alerts"]


def test_only_the_parts_events_modules_send_live_events():
    # kernel/live.py is the sender itself, backend/channel_layers.py the channel layer it sends through.
    senders = {
        str(path.relative_to(ROOT)) for path in _modules()
        if re.search(r"\b(group_send\w*|live_send_on_commit)\(", path.read_text(encoding="utf-8"))
    }
    others = {name for name in senders if not name.endswith("/events.py")}
    assert others <= {"kernel/live.py", "backend/channel_layers.py"}
    assert {"alerts/events.py", "moderation/events.py"} <= senders
