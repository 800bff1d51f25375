r"""The phrase language of the lexicon files, compiled into one prefix-tree regular expression.

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

What a scan costs, measured (benchmarks/moderation.py; see docs/moderation.md): the regex engine tries the
expression at every word, and at the top level of the tree each alternative that starts with a plain
character is rejected with one comparison, while one that starts with a group, a repeat or a lookbehind is
entered first, several times dearer. So the compiler keeps the top level to plain characters: the pattern
starts with the separator ``\W`` (a character set, which the engine skips to in C), numbers are written
``\d\d{0,8}``, and phrases that start with a class hang under the first letters of the class's words
(``PhraseCompiler._split_leading_classes``). Signals and vocabulary share one scan (``LayeredMatcher``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

from moderation.rules.folding import fold_term
from moderation.rules.phrase_matchers import (
    Entry,
    LayeredMatcher,
    PhraseMatcher,
    Trie,
    trie_copy,
    trie_merge,
    trie_regex,
)

# Between two words of a phrase: spaces, apostrophes, hyphens, commas, quotes. Bounded, and disjoint from
# \w. A match that spans a sentence end ("...kill. You...") is dropped after matching: a character class
# excluding ".!?" here would cost a second of compile time for the whole pattern, for the same result.
SEPARATOR = r"\W{1,4}"
_SENTENCE_END = re.compile(r"[.!?\n]")
# Inside one written word of a phrase ("c'est", "nous-mêmes"), the apostrophe or hyphen is optional.
_JOINER = r"[\s'\-]?"
_END = r"(?!\w)"
# "\d\d{0,8}", not "\d{1,9}": a pattern alternative that starts with a character set is rejected in one
# comparison by the regex engine, one that starts with a repeat is entered first.
_DIGITS = r"\d\d{0,8}"
_NUMBER = _DIGITS + r"(?:[.,]\d{1,3}){0,4}(?!\d)"
# Every compiled layer starts with the non-word character before a phrase (texts are scanned with a space
# in front): see PhraseMatcher.
_PREFIX = r"\W"
_UNBLOCKED = r"(?<!\x00)"
_UNBLOCKED_AFTER_ONE = r"(?<!\x00.)"
MAX_GAP = 8
# Cap on optional-word expansion: 2**4 variants of one phrase is plenty.
_MAX_OPTIONALS = 4
# A leading class with more alternatives than this stays one alternative of the pattern (see
# PhraseCompiler._expand_leading_class): spelling it out would cost more compile time than it saves.
_MAX_LEADING_EXPANSION = 30
# ... and only while the copies of the rest of the phrase stay below this many characters of pattern.
_MAX_EXPANSION_SIZE = 4000
# Characters of pattern that hanging a class-led group of phrases under its first letters may add.
_MAX_SPLIT_COPIES = 12_000


class PhraseError(ValueError):
    """A phrase in a lexicon file cannot be compiled; the message names the phrase."""


class PhraseCompiler:
    """Compiles phrases of several languages, each with its own ``classes``, into one ``PhraseMatcher``."""

    def __init__(
        self,
        classes: Mapping[str, Mapping[str, Sequence[str]]],
        *,
        max_expansion: int = _MAX_LEADING_EXPANSION,
        max_expansion_size: int = _MAX_EXPANSION_SIZE,
        only_on_conflict: bool = False,
    ) -> None:
        self._max_expansion = max_expansion
        self._max_expansion_size = max_expansion_size
        # With only_on_conflict, a leading class is spelt out only when another phrase (not led by the same
        # class) can start with one of its words: that is when spelling out matters, since a regex reports
        # one match per position and only phrases sharing a path in the tree let the longest one win.
        self._only_on_conflict = only_on_conflict
        self._pending: list[tuple[str, Entry]] = []
        self._starts: dict[str | None, set[str]] | None = None
        self._classes = classes
        self._class_cache: dict[tuple[str, str], str] = {}
        self._class_tries: dict[str, Trie] = {}
        self._trie = Trie()
        self._count = 0

    def add(self, phrase: str, entry: Entry) -> None:
        if self._only_on_conflict:
            # Checked now (errors name the phrase) but added at build time, when every start is known.
            list(self._atom_sequences(phrase, entry.language, stack=()))
            self._pending.append((phrase, entry))
            return
        for expanded in self._expand_leading_class(phrase, entry.language, depth=0):
            self._add(expanded, entry)

    def _flush(self) -> None:
        if not self._pending:
            return
        starts: dict[str | None, set[str]] = {}
        for phrase, entry in self._pending:
            lead = phrase.split()[0].lstrip("^").rstrip("?")
            key = lead[1:-1] if lead.startswith("{") else None
            starts.setdefault(key, set()).update(self._first_words(phrase, entry.language, 0))
        self._starts = starts
        pending, self._pending = self._pending, []
        for phrase, entry in pending:
            for expanded in self._expand_leading_class(phrase, entry.language, depth=0):
                self._add(expanded, entry)

    def _first_words(self, phrase: str, language: str, depth: int) -> set[str]:
        """The words a phrase can start with (folded; "stem*" for a stem, "#" for a number)."""
        tokens = phrase.split()
        first = tokens[0].lstrip("^")
        optional = first.endswith("?") and len(first) > 1
        first = first.rstrip("?") if optional else first
        words: set[str] = set()
        if first.startswith("{") and first.endswith("}"):
            if depth < 4:
                for alternative in self._classes.get(language, {}).get(first[1:-1], ()):
                    words |= self._first_words(alternative, language, depth + 1)
        elif "#" in first:
            words.add("#")
        elif not first.startswith(("~", "!")):
            words.add(re.split(r"['\-]", fold_term(first))[0] or first)
        if optional and len(tokens) > 1:
            words |= self._first_words(" ".join(tokens[1:]), language, depth)
        return words

    def _conflicts(self, name: str, language: str) -> bool:
        """Whether a phrase not led by class ``name`` can start with one of the class's words."""
        if self._starts is None:
            return True
        mine = self._first_words("{" + name + "}", language, 0)
        others = set().union(*(words for key, words in self._starts.items() if key != name))
        if mine & others:
            return True
        return _stem_overlap(mine, others) or _stem_overlap(others, mine)

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
        if not alternatives or depth > 2 or len(alternatives) > self._max_expansion or (not rest and optional):
            return [phrase]
        if self._only_on_conflict and not self._conflicts(name[1:-1], language):
            return [phrase]
        # Each alternative gets its own copy of the rest of the phrase: with more than one class in the rest,
        # or a rest whose class is large, the copies cost more compile time than the scan saves. Phrases left
        # unexpanded that start with the same class share one alternative of the pattern.
        if rest.count("{") > 1 or len(alternatives) * self._rest_size(rest, language) > self._max_expansion_size:
            return [phrase]
        expanded = [f"{alternative} {rest}".strip() for alternative in alternatives]
        if optional:
            expanded.append(rest)
        return [deeper for item in expanded for deeper in self._expand_leading_class(item, language, depth + 1)]

    def _rest_size(self, rest: str, language: str) -> int:
        """About how many characters of pattern one copy of ``rest`` costs."""
        size = len(rest)
        for name in re.findall(r"\{(\w+)\}", rest):
            if name in self._classes.get(language, {}):
                size += len(self._class_regex(name, rest, language, ()))
        return size

    def _add(self, phrase: str, entry: Entry) -> None:
        for atoms, capitalised in self._atom_sequences(phrase, entry.language, stack=()):
            marked = Entry(entry.language, entry.key, entry.phrase, capitalised) if capitalised else entry
            self._trie.add(atoms, marked)
            self._count += 1

    def _split_leading_classes(self) -> None:
        """Hang phrases that start with a class (left whole, see _expand_leading_class) under the first
        letters of the class's words: "{we_call} ~3 patrol" becomes "l(?:et's|ets) ~3 patrol",
        "w(?:e should|...) ~3 patrol"...

        At every word of a report the regex engine tries the pattern's first alternatives; one that starts with
        a letter is rejected with one comparison, but one that starts with a group (a class) is entered, which
        costs several times more. The rest of the phrase is copied once per first letter, so a class whose
        phrases are long and whose words start with many letters stays a group: its copies would cost more
        compile time than the scan saves.
        """
        root = self._trie
        for atom in [atom for atom in root.children if atom in self._class_tries]:
            class_trie = self._class_tries[atom]
            if class_trie.terminal is not None or any(len(first) > 2 for first in class_trie.children):
                continue
            copies = len(class_trie.children) - 1
            if copies * len(trie_regex(root.children[atom], None)) > _MAX_SPLIT_COPIES:
                continue
            subtree = root.children.pop(atom)
            for first, node in class_trie.children.items():
                child = root.children.setdefault(first, Trie())
                rest = "(?:" + trie_regex(node, None) + ")" if node.children or node.terminal is None else ""
                # A copy per letter: a node shared by two parents would receive phrases meant for one.
                if not rest:
                    # The class word is this one character: the phrase continues right here.
                    trie_merge(child, trie_copy(subtree))
                elif rest in child.children:
                    trie_merge(child.children[rest], trie_copy(subtree))
                else:
                    child.children[rest] = trie_copy(subtree)

    def build(self) -> PhraseMatcher:
        self._flush()
        self._split_leading_classes()
        leaves: list[tuple[Entry, ...]] = [()]
        if not self._trie.children:
            return PhraseMatcher(re.compile(r"(?!)"), leaves)
        body = trie_regex(self._trie, leaves)
        return PhraseMatcher(re.compile(_PREFIX + body), leaves)

    def build_layered(self, second: PhraseCompiler) -> LayeredMatcher:
        """This compiler's phrases and ``second``'s in one scan (see ``LayeredMatcher``)."""
        self._flush()
        second._flush()
        self._split_leading_classes()
        second._split_leading_classes()
        leaves: list[tuple[Entry, ...]] = [()]
        first_layer = [False]
        alternatives = []

        def rest(child: Trie, layer: bool) -> str:
            before = len(leaves)
            regex = trie_regex(child, leaves)
            first_layer.extend([layer] * (len(leaves) - before))
            return regex

        # Single characters first, as in trie_regex: the shared first characters, then opaque atoms
        # (a class or a number at the start of a phrase), which the first layer does not share, since its
        # block must be checked before the atom.
        atoms = sorted({*self._trie.children, *second._trie.children}, key=lambda atom: (len(atom) > 2, atom))
        for atom in atoms:
            first, other = self._trie.children.get(atom), second._trie.children.get(atom)
            if len(atom) > 2:
                if first is not None:
                    alternatives.append(_UNBLOCKED + atom + rest(first, True))
                if other is not None:
                    alternatives.append(atom + rest(other, False))
                continue
            rests = []
            if first is not None:
                rests.append(_UNBLOCKED_AFTER_ONE + rest(first, True))
            if other is not None:
                rests.append(rest(other, False))
            alternatives.append(atom + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
        body = "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"
        opaque = Trie()
        opaque.children = {atom: child for atom, child in self._trie.children.items() if len(atom) > 2}
        first_opaque = None
        if opaque.children:
            opaque_leaves: list[tuple[Entry, ...]] = [()]
            first_opaque = PhraseMatcher(re.compile(_PREFIX + trie_regex(opaque, opaque_leaves)), opaque_leaves)
        return LayeredMatcher(re.compile(_PREFIX + body), leaves, first_layer, first_opaque)

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
            # Literal words become one atom per character so that phrases share prefixes in the tree; so does
            # a number, and the letters around a number glued to them ("£#", "#cm"): every phrase that starts
            # with a number then shares one alternative of the pattern.
            if token.startswith("{"):
                atoms.append(piece)
            elif piece == _NUMBER:
                atoms.extend([_DIGITS, piece[len(_DIGITS) :]])
            elif "#" in token:
                for index, part in enumerate(piece.split(_DIGITS)):
                    if index:
                        atoms.append(_DIGITS)
                    if part:
                        atoms.extend(_split_literal(part) if part != _END else [part])
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
            return _DIGITS.join(pieces) + _END
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
        trie = Trie()
        for alternative in alternatives:
            for atoms, _ in self._atom_sequences(alternative, language, (*stack, name)):
                trie.add(atoms, None)
        regex = "(?:" + trie_regex(trie, None) + ")"
        self._class_cache[key] = regex
        self._class_tries[regex] = trie
        return regex


def _stem_overlap(stems_from: set[str], words: set[str]) -> bool:
    """Whether a stem ("suspicious*") of the first set starts a word of the second."""
    stems = [word[:-1] for word in stems_from if word.endswith("*")]
    return any(word.startswith(stem) for stem in stems for word in words)


def literal_alternation(words: Iterable[str]) -> str:
    """One prefix-tree regex (no groups, no boundaries) matching any of ``words`` literally."""
    trie = Trie()
    for word in words:
        if word:
            trie.add([re.escape(char) for char in word], None)
    if not trie.children:
        return "(?!)"
    return "(?:" + trie_regex(trie, None) + ")"


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
