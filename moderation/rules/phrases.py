"""The phrase language of the lexicon files, compiled into one prefix-tree regular expression.

Lexicon writers are not programmers, so phrases are not regular expressions. A phrase is words separated
by spaces; matching ignores case and accents and only matches whole words. Inside a phrase:

``word``        the word itself; an apostrophe or hyphen in it also matches a space or nothing
                ("c'est" matches "cest", "nous-mêmes" matches "nous mêmes")
``word*``       any word starting with ``word`` ("menac*" matches "menace", "menacé", "menaçait")
``{class}``     any entry of the language's ``classes`` list called ``class`` (entries are phrases too)
``#``           a number ("£500", "20 ans")
``~N``          up to N (at most 8) arbitrary words
``word?``       an optional word (also ``{class}?``)
``!word``       not followed by this word (also ``!{class}``): "{det} noir !{noun}"
``^word``       first word only: the word must start with a capital letter in the original text
                (German nouns: "Schwarzer" the person, not "schwarzer" the colour)

Why one big expression: Python's ``re`` tries alternatives one after another, so a plain alternation of
a thousand phrases costs a thousand attempts at every position. Factoring the phrases into a prefix tree
("kill", "kicked" -> "k(?:ill|icked)") makes a scan cost a few character tests per word, whatever the
number of phrases. Every quantifier is bounded and word characters never overlap separator characters,
so no input can make the expression backtrack catastrophically.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from moderation.rules.folding import fold_term

# Between two words of a phrase: spaces, apostrophes, hyphens, commas, quotes. Bounded, and disjoint from
# \w. A match that spans a sentence end ("...kill. You...") is dropped after matching: a character class
# excluding ".!?" here would cost a second of compile time for the whole pattern, for the same result.
SEPARATOR = r"\W{1,4}"
_SENTENCE_END = re.compile(r"[.!?\n]")
# Inside one written word of a phrase ("c'est", "nous-mêmes"), the apostrophe or hyphen is optional.
_JOINER = r"[\s'\-]?"
_END = r"(?!\w)"
_NUMBER = r"\d{1,9}(?:[.,]\d{1,3}){0,4}(?!\d)"
# Every compiled layer starts with the non-word character before a phrase (texts are scanned with a space
# in front): see PhraseMatcher.
_PREFIX = r"\W"
MAX_GAP = 8
# Cap on optional-word expansion: 2**4 variants of one phrase is plenty.
_MAX_OPTIONALS = 4
# A leading class with more alternatives than this stays one alternative of the pattern (see
# PhraseCompiler._expand_leading_class): spelling it out would cost more compile time than it saves.
_MAX_LEADING_EXPANSION = 30


class PhraseError(ValueError):
    """A phrase in a lexicon file cannot be compiled; the message names the phrase."""


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
    position where one layer matched, the other layer is asked on its own: the second layer wherever the
    first matched, and the first layer's phrases that start with a class or a number (the only ones the
    second layer's match can have hidden) wherever the second matched. Together that is exactly what two
    separate scans report, for the price of one scan and a few anchored matches.
    """

    def __init__(
        self,
        pattern: re.Pattern[str],
        leaves: Sequence[tuple[Entry, ...]],
        first_layer: Sequence[bool],
        second: PhraseMatcher,
        first_opaque: PhraseMatcher | None,
    ) -> None:
        self.pattern = pattern
        self.leaves = leaves
        self.first_layer = first_layer
        self.second = second
        self.first_opaque = first_opaque

    def scan(self, padded: str) -> list[PhraseMatch]:
        found: list[PhraseMatch] = []
        search = self.pattern.search
        position = 0
        sentence_end = _SENTENCE_END.search
        while (match := search(padded, position)) is not None:
            start, end = match.span()
            leaf = match.lastindex or 0
            if sentence_end(padded, start + 1, end) is None:
                found.append(PhraseMatch(start, end - 1, self.leaves[leaf]))
            other = self.second if self.first_layer[leaf] else self.first_opaque
            if other is not None:
                hidden = other.match_at(padded, start)
                if hidden is not None:
                    found.append(hidden)
            position = start + 1
        return found


class _Trie:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.terminal: list[Entry] | None = None

    def add(self, atoms: Sequence[str], entry: Entry | None) -> None:
        node = self
        for atom in atoms:
            node = node.children.setdefault(atom, _Trie())
        if node.terminal is None:
            node.terminal = []
        if entry is not None and entry not in node.terminal:
            node.terminal.append(entry)


def _trie_regex(node: _Trie, leaves: list[tuple[Entry, ...]] | None) -> str:
    """The regex for ``node``; with ``leaves``, each end of a phrase becomes an empty capturing group."""
    # Single characters first and the end of a phrase last: the longest phrase wins at a position.
    ordered = sorted(node.children.items(), key=lambda item: (len(item[0]) > 2, item[0]))
    alternatives = [atom + _trie_regex(child, leaves) for atom, child in ordered]
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


class PhraseCompiler:
    """Compiles phrases of several languages, each with its own ``classes``, into one ``PhraseMatcher``."""

    def __init__(self, classes: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self._classes = classes
        self._class_cache: dict[tuple[str, str], str] = {}
        self._trie = _Trie()
        self._count = 0

    def add(self, phrase: str, entry: Entry) -> None:
        for expanded in self._expand_leading_class(phrase, entry.language, depth=0):
            self._add(expanded, entry)

    def _expand_leading_class(self, phrase: str, language: str, depth: int) -> list[str]:
        """``{we} patrol`` -> ``we patrol``, ``let's patrol``...: a class at the start of a phrase is spelt out.

        At the start of the pattern a class is an opaque alternative that the engine tries at every word of
        every report; spelt out, its words join the prefix tree and cost one character test. Classes in the
        middle of a phrase stay as they are, since they are only tried where the phrase's start matched.
        """
        first, _, rest = phrase.strip().partition(" ")
        optional = first.endswith("?")
        name = first.rstrip("?")
        alternatives = self._classes.get(language, {}).get(name[1:-1]) if name.startswith("{") else None
        if not alternatives or depth > 2 or len(alternatives) > _MAX_LEADING_EXPANSION or (not rest and optional):
            return [phrase]
        # Each alternative gets its own copy of the rest of the phrase: with more than one class in the rest,
        # the copies cost more compile time than the scan saves.
        if rest.count("{") > 1:
            return [phrase]
        expanded = [f"{alternative} {rest}".strip() for alternative in alternatives]
        if optional:
            expanded.append(rest)
        return [deeper for item in expanded for deeper in self._expand_leading_class(item, language, depth + 1)]

    def _add(self, phrase: str, entry: Entry) -> None:
        for atoms, capitalised in self._atom_sequences(phrase, entry.language, stack=()):
            marked = Entry(entry.language, entry.key, entry.phrase, capitalised) if capitalised else entry
            self._trie.add(atoms, marked)
            self._count += 1

    def build(self) -> PhraseMatcher:
        leaves: list[tuple[Entry, ...]] = [()]
        if not self._trie.children:
            return PhraseMatcher(re.compile(r"(?!)"), leaves)
        body = _trie_regex(self._trie, leaves)
        return PhraseMatcher(re.compile(_PREFIX + body), leaves)

    def build_layered(self, second: PhraseCompiler) -> LayeredMatcher:
        """This compiler's phrases and ``second``'s in one scan (see ``LayeredMatcher``)."""
        leaves: list[tuple[Entry, ...]] = [()]
        first_layer = [False]
        alternatives = []
        # Single characters first, as in _trie_regex: the shared first characters, then opaque atoms
        # (a class or a number at the start of a phrase).
        atoms = sorted({*self._trie.children, *second._trie.children}, key=lambda atom: (len(atom) > 2, atom))
        for atom in atoms:
            rests = []
            for layer, trie in ((True, self._trie), (False, second._trie)):
                child = trie.children.get(atom)
                if child is not None:
                    before = len(leaves)
                    rests.append(_trie_regex(child, leaves))
                    first_layer.extend([layer] * (len(leaves) - before))
            alternatives.append(atom + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
        body = "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"
        opaque = _Trie()
        opaque.children = {atom: child for atom, child in self._trie.children.items() if len(atom) > 2}
        first_opaque = None
        if opaque.children:
            opaque_leaves: list[tuple[Entry, ...]] = [()]
            first_opaque = PhraseMatcher(re.compile(_PREFIX + _trie_regex(opaque, opaque_leaves)), opaque_leaves)
        return LayeredMatcher(re.compile(_PREFIX + body), leaves, first_layer, second.build(), first_opaque)

    # -- phrase to atoms ------------------------------------------------------------------------------

    def _atom_sequences(self, phrase: str, language: str, stack: tuple[str, ...]) -> Iterable[tuple[list[str], bool]]:
        tokens = phrase.split()
        if not tokens:
            raise PhraseError(f"empty phrase in {language}")
        capitalised = tokens[0].startswith("^")
        if capitalised:
            tokens[0] = tokens[0][1:]
        optional_positions = [i for i, token in enumerate(tokens) if token.endswith("?") and len(token) > 1]
        if len(optional_positions) > _MAX_OPTIONALS:
            raise PhraseError(f"too many optional words in {phrase!r} ({language})")
        for kept in itertools.product((True, False), repeat=len(optional_positions)):
            dropped = {pos for pos, keep in zip(optional_positions, kept, strict=True) if not keep}
            variant = [
                token[:-1] if i in optional_positions else token for i, token in enumerate(tokens) if i not in dropped
            ]
            if not any(not t.startswith(("!", "~")) for t in variant):
                continue
            # Dropping an optional last word must not leave a gap at the end: "{noun} ~1 {person}?".
            while dropped and variant[-1].startswith("~"):
                variant.pop()
            yield self._atoms(variant, phrase, language, stack), capitalised

    def _atoms(self, tokens: Sequence[str], phrase: str, language: str, stack: tuple[str, ...]) -> list[str]:
        atoms: list[str] = []
        pending_gap = ""
        for token in tokens:
            if token.startswith("~"):
                if not token[1:].isdigit() or not 0 < int(token[1:]) <= MAX_GAP:
                    raise PhraseError(f"gap {token!r} in {phrase!r} ({language}) must be ~1 to ~{MAX_GAP}")
                pending_gap = rf"(?:\w{{1,40}}{SEPARATOR}){{0,{int(token[1:])}}}"
                continue
            if token.startswith("!"):
                if not atoms:
                    raise PhraseError(f"{phrase!r} ({language}) cannot start with a negation")
                atoms.append(f"(?!{SEPARATOR}{self._token(token[1:], phrase, language, stack)})")
                continue
            if atoms:
                atoms.append(SEPARATOR)
                if pending_gap:
                    atoms.append(pending_gap)
            elif pending_gap:
                raise PhraseError(f"{phrase!r} ({language}) cannot start with a gap")
            pending_gap = ""
            piece = self._token(token, phrase, language, stack)
            # Literal words become one atom per character so that phrases share prefixes in the tree.
            if token.startswith("{") or "#" in token:
                atoms.append(piece)
            else:
                atoms.extend(_split_literal(piece))
        if pending_gap:
            raise PhraseError(f"{phrase!r} ({language}) cannot end with a gap")
        return atoms

    def _token(self, item: str, phrase: str, language: str, stack: tuple[str, ...]) -> str:
        if item == "#":
            return _NUMBER
        if item.startswith("{") and item.endswith("}"):
            return self._class_regex(item[1:-1], phrase, language, stack)
        if "#" in item and not any(c in item for c in "{}~!^?*"):
            # A number glued to a word: "#cm", "#-year-old", "5ft#".
            pieces = [re.escape(fold_term(part)).replace(r"\-", _JOINER) for part in item.split("#")]
            return r"\d{1,9}".join(pieces) + _END
        if any(c in item for c in "{}~!^#?") or not item.strip("*'-"):
            raise PhraseError(f"cannot read {item!r} in {phrase!r} ({language})")
        stem = item.endswith("*")
        word = fold_term(item.rstrip("*"))
        parts = [re.escape(part) for part in re.split(r"['\-]+", word) if part]
        body = _JOINER.join(parts)
        if stem:
            return body + r"\w{0,30}"
        # After a word character, \b is (?!\w) and parses faster: the pattern holds thousands of them.
        return body + (r"\b" if parts and parts[-1][-1:].isalnum() else _END)

    def _class_regex(self, name: str, phrase: str, language: str, stack: tuple[str, ...]) -> str:
        key = (language, name)
        cached = self._class_cache.get(key)
        if cached is not None:
            return cached
        if name in stack:
            raise PhraseError(f"class {{{name}}} refers to itself ({language})")
        alternatives = self._classes.get(language, {}).get(name)
        if not alternatives:
            raise PhraseError(f"unknown class {{{name}}} in {phrase!r} ({language})")
        trie = _Trie()
        for alternative in alternatives:
            for atoms, _ in self._atom_sequences(alternative, language, (*stack, name)):
                trie.add(atoms, None)
        regex = "(?:" + _trie_regex(trie, None) + ")"
        self._class_cache[key] = regex
        return regex


def literal_alternation(words: Iterable[str]) -> str:
    """One prefix-tree regex (no groups, no boundaries) matching any of ``words`` literally."""
    trie = _Trie()
    for word in words:
        if word:
            trie.add([re.escape(char) for char in word], None)
    if not trie.children:
        return "(?!)"
    return "(?:" + _trie_regex(trie, None) + ")"


def _split_literal(piece: str) -> list[str]:
    """Split a compiled literal into single-character atoms, keeping escapes and groups whole."""
    atoms: list[str] = []
    index = 0
    while index < len(piece):
        if piece.startswith(_JOINER, index):
            atoms.append(_JOINER)
            index += len(_JOINER)
        elif piece.startswith(_END, index):
            atoms.append(_END)
            index += len(_END)
        elif piece.startswith(r"\b", index):
            atoms.append(r"\b")
            index += 2
        elif piece.startswith(r"\w{0,30}", index):
            atoms.append(r"\w{0,30}")
            index += len(r"\w{0,30}")
        elif piece[index] == "\\":
            atoms.append(piece[index : index + 2])
            index += 2
        else:
            atoms.append(piece[index])
            index += 1
    return atoms
