"""Compiled phrase layers: what a lexicon's phrases become, and how a report is scanned with them.

``moderation.rules.phrases`` turns phrases into a prefix tree (``Trie``) and the tree into one regular
expression; this module holds the tree, its regex and the matchers that scan a report with it (see
``phrases`` for the phrase language and why one big expression).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"[.!?\n]")
# The separator that switches the first layer of a LayeredMatcher off at one position (see there).
BLOCK = "\x00"


@dataclass(frozen=True, slots=True)
class Entry:
    """What a matched phrase stands for: a lexicon key (a rule code, "descriptor.clothing", ...)."""

    language: str
    key: str
    phrase: str
    capitalised: bool = False


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    start: int
    end: int
    entries: tuple[Entry, ...]


class PhraseMatcher:
    """All phrases of a layer in one compiled expression; ``find`` returns every (overlapping) match.

    The expression starts with a non-word character and is run over the text with a space in front
    (``padded``): a pattern that starts with a character class lets the regex engine skip, in C, to the
    next word start, where a pattern starting with a lookbehind is tried at every character.
    """

    def __init__(self, pattern: re.Pattern[str], leaves: Sequence[tuple[Entry, ...]]) -> None:
        self.pattern = pattern
        self.leaves = leaves

    def find(self, folded: str) -> list[PhraseMatch]:
        return self.scan(" " + folded)

    def scan(self, padded: str) -> list[PhraseMatch]:
        """Matches in ``padded`` (the folded text after one space), as positions in the folded text."""
        found: list[PhraseMatch] = []
        search = self.pattern.search
        position = 0
        sentence_end = _SENTENCE_END.search
        while (match := search(padded, position)) is not None:
            start, end = match.span()
            if sentence_end(padded, start + 1, end) is None:
                found.append(PhraseMatch(start, end - 1, self.leaves[match.lastindex or 0]))
            # Restart just after the start, not after the end: a phrase of another rule may begin inside
            # this one ("we'll find him and teach him a lesson").
            position = start + 1
        return found

    def match_at(self, padded: str, start: int) -> PhraseMatch | None:
        """The match starting at folded position ``start``, if any (same rules as ``scan``)."""
        match = self.pattern.match(padded, start)
        if match is None or _SENTENCE_END.search(padded, start + 1, match.end()) is not None:
            return None
        return PhraseMatch(start, match.end() - 1, self.leaves[match.lastindex or 0])


class LayeredMatcher:
    """Two layers of phrases (signals and vocabulary) in one scan, with the results of two separate scans.

    One expression shares the first character of both layers' phrases, then tries the first layer's rest
    before the second's. Scanning once instead of twice saves a third of the time, because most of a
    scan's cost is trying first characters at every word. A regex reports one match per position, so at a
    position where one layer matched, the other layer is asked on its own:

    * where the first layer matched, the same expression is matched again at that position with the first
      layer switched off: its phrases only match after a separator that is not ``BLOCK``, and the text is
      given with ``BLOCK`` as the separator there. (One expression instead of two saves compiling the
      vocabulary twice.)
    * where the second layer matched, the first layer's phrases that start with a class or a number (the
      only ones the second layer's match can hide) are matched on their own.

    Together that is exactly what two separate scans report, for the price of one scan and a few matches.
    """

    def __init__(
        self,
        pattern: re.Pattern[str],
        leaves: Sequence[tuple[Entry, ...]],
        first_layer: Sequence[bool],
        first_opaque: PhraseMatcher | None,
    ) -> None:
        self.pattern = pattern
        self.leaves = leaves
        self.first_layer = first_layer
        self.first_opaque = first_opaque

    def scan(self, padded: str) -> list[PhraseMatch]:
        if BLOCK in padded:
            padded = padded.replace(BLOCK, " ")
        found: list[PhraseMatch] = []
        search = self.pattern.search
        position = 0
        sentence_end = _SENTENCE_END.search
        while (match := search(padded, position)) is not None:
            start, end = match.span()
            leaf = match.lastindex or 0
            if sentence_end(padded, start + 1, end) is None:
                found.append(PhraseMatch(start, end - 1, self.leaves[leaf]))
            if self.first_layer[leaf]:
                hidden = self._second_at(padded, start)
            else:
                hidden = None if self.first_opaque is None else self.first_opaque.match_at(padded, start)
            if hidden is not None:
                found.append(hidden)
            position = start + 1
        return found

    def _second_at(self, padded: str, start: int) -> PhraseMatch | None:
        blocked = padded[:start] + BLOCK + padded[start + 1 :]
        match = self.pattern.match(blocked, start)
        if match is None or _SENTENCE_END.search(padded, start + 1, match.end()) is not None:
            return None
        return PhraseMatch(start, match.end() - 1, self.leaves[match.lastindex or 0])


class Trie:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[str, Trie] = {}
        self.terminal: list[Entry] | None = None

    def add(self, atoms: Sequence[str], entry: Entry | None) -> None:
        node = self
        for atom in atoms:
            node = node.children.setdefault(atom, Trie())
        if node.terminal is None:
            node.terminal = []
        if entry is not None and entry not in node.terminal:
            node.terminal.append(entry)


def trie_copy(node: Trie) -> Trie:
    """A deep copy of ``node``."""
    copied = Trie()
    copied.terminal = None if node.terminal is None else list(node.terminal)
    copied.children = {atom: trie_copy(child) for atom, child in node.children.items()}
    return copied


def trie_merge(target: Trie, source: Trie) -> None:
    """Add every path of ``source`` to ``target`` (``source``'s nodes may end up shared: pass a copy)."""
    if source.terminal is not None:
        if target.terminal is None:
            target.terminal = []
        target.terminal.extend(entry for entry in source.terminal if entry not in target.terminal)
    for atom, child in source.children.items():
        if atom in target.children:
            trie_merge(target.children[atom], child)
        else:
            target.children[atom] = child


def trie_regex(node: Trie, leaves: list[tuple[Entry, ...]] | None) -> str:
    """The regex for ``node``; with ``leaves``, each end of a phrase becomes an empty capturing group."""
    # Single characters first, "not followed by" checks (which consume nothing) after everything that
    # consumes, and the end of a phrase last: the longest phrase wins at a position.
    ordered = sorted(node.children.items(), key=lambda item: (item[0].startswith("(?!"), len(item[0]) > 2, item[0]))
    alternatives = [atom + trie_regex(child, leaves) for atom, child in ordered]
    if node.terminal is not None:
        if leaves is None:
            alternatives.append("")
        else:
            leaves.append(tuple(node.terminal))
            alternatives.append("()")
    if len(alternatives) == 1:
        return alternatives[0]
    if leaves is None and "" in alternatives and len(alternatives) == 2:
        other = next(a for a in alternatives if a)
        return f"(?:{other})?"
    return "(?:" + "|".join(alternatives) + ")"
