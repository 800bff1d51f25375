"""The README's "Try it" section as the test runs it: its shell blocks, each with the output it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Try it"
# A fenced block: its language and its text. A ```text block right after a ```sh block is what it prints.
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class ShellBlock:
    code: str
    shows: tuple[str, ...]  # the lines it prints, in order; "…" stands for anything

    def missing_from(self, output: str) -> list[str]:
        """The lines it shows that the output does not print, in order (none when it prints all of them)."""
        lines = [line.strip() for line in output.splitlines()]
        position = 0
        missing = []
        for shown in self.shows:
            pattern = re.compile(".*".join(re.escape(part) for part in shown.strip().split("…")))
            for index in range(position, len(lines)):
                if pattern.fullmatch(lines[index]):
                    position = index + 1
                    break
            else:
                missing.append(shown)
        return missing


def try_it_section(text: str | None = None) -> str:
    text = README.read_text(encoding="utf-8") if text is None else text
    start = text.index(SECTION + "\n")
    # The section ends at the next heading of its level; its own ### headings belong to it.
    after = re.search(r"^## ", text[start + len(SECTION):], re.MULTILINE)
    return text[start: start + len(SECTION) + after.start()] if after else text[start:]


def shell_blocks(section: str) -> list[ShellBlock]:
    blocks: list[ShellBlock] = []
    fences = list(FENCE.finditer(section))
    for index, fence in enumerate(fences):
        if fence.group(1) != "sh":
            continue
        shows: tuple[str, ...] = ()
        following = fences[index + 1] if index + 1 < len(fences) else None
        adjacent = following is not None and not section[fence.end():following.start()].strip()
        if following is not None and adjacent and following.group(1) == "text":
            shows = tuple(line for line in following.group(2).splitlines() if line.strip())
        blocks.append(ShellBlock(code=fence.group(2), shows=shows))
    return blocks
