"""The README's configuration table names every environment variable the settings read, and nothing else.

Variables are found by parsing ``backend/settings.py``: calls to the ``env_*`` readers of
``backend/environment.py`` (and any direct ``os.environ`` / ``os.getenv`` read). The table is the one under
``## Configuration`` in README.md: one backticked variable per row, or a bold row naming a group.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "backend" / "settings.py"
README = ROOT / "README.md"

BACKTICKED_VARIABLE = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return ast.unparse(func)
    return ""


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        key = None
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name.startswith("env_") or name in {"os.getenv", "os.environ.get", "environ.get", "getenv"}:
                assert node.args, f"{name}() without arguments at line {node.lineno}"
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in {"os.environ", "environ"}:
            key = node.slice
        if key is None:
            continue
        # A name computed at run time could not be checked against the README: refuse it outright.
        assert isinstance(key, ast.Constant) and isinstance(key.value, str), (
            f"backend/settings.py line {node.lineno} reads an environment variable whose name is not a literal"
        )
        names.add(key.value)
    return names


def _configuration_rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, flags=re.M | re.S)
    assert match, "README.md has no '## Configuration' section"
    rows = []
    for line in match.group(1).splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "variable" or set(cells[0]) <= {"-", " "}:
            continue  # the header and its rule
        rows.append(cells)
    assert rows, "the Configuration section has no table"
    return rows


def _documented_variables() -> list[str]:
    documented = []
    for cells in _configuration_rows():
        first = cells[0]
        if first.startswith("**"):
            continue  # a group's heading row
        assert re.fullmatch(r"`[A-Z][A-Z0-9_]*`", first), f"a configuration row must name one `VARIABLE`: {cells}"
        assert len(cells) == 3 and all(cells), f"a configuration row needs a default and a meaning: {cells}"
        documented.append(first.strip("`"))
    return documented


def test_the_settings_read_variables_and_the_parser_finds_them():
    read = _variables_read_by_settings()
    # Guards the parser itself: an empty or tiny set would make the tests below pass vacuously.
    assert {"LANTERN_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DATABASE_POOL_TIMEOUT",
            "REFERENCE_CACHE_SECONDS", "TEST_DATABASE_NAME"} <= read


def test_every_variable_the_settings_read_is_in_the_configuration_table():
    missing = sorted(_variables_read_by_settings() - set(_documented_variables()))
    assert not missing, f"README.md's configuration table does not document {missing}"


def test_the_configuration_table_names_no_variable_the_settings_do_not_read():
    read = _variables_read_by_settings()
    documented = _documented_variables()
    assert len(documented) == len(set(documented)), "a variable has two rows in the configuration table"
    unread = sorted(set(documented) - read)
    assert not unread, f"the configuration table documents variables backend/settings.py does not read: {unread}"
    # Names mentioned in the other columns too: a variable read by the settings, or its NAME_FILE variant
    # (backend.environment.env_str reads NAME_FILE for every NAME).
    mentioned = {
        name for cells in _configuration_rows() for cell in cells for name in BACKTICKED_VARIABLE.findall(cell)
    }
    unknown = sorted(name for name in mentioned if name not in read and name.removesuffix("_FILE") not in read)
    assert not unknown, f"the configuration table mentions variables the settings do not read: {unknown}"
