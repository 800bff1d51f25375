"""The phrase language of the lexicon files (see ``moderation.rules.phrases``) read into atoms: the pieces of
regular expression, one character of a literal word at a time, that ``PhraseCompiler`` hangs into its prefix
tree. Classes (``{name}``) become one prefix-tree expression each, compiled once per language.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

from moderation.rules.folding import fold_term
from moderation.rules.phrase_matchers import Trie, trie_regex

# Between two words of a phrase: spaces, apostrophes, hyphens, commas, quotes. Bounded, and disjoint from
# \w. A match that spans a sentence end ("...kill. You...") is dropped after matching: a character class
# excluding ".!?" here would cost a second of compile time for the whole pattern, for the same result.
SEPARATOR = r"\W{1,4}"
# Inside one written word of a phrase ("c'est", "nous-mêmes"), the apostrophe or hyphen is optional.
_JOINER = r"[\s'\-]?"
_END = r"(?!\w)"
# "\d\d{0,8}", not "\d{1,9}": a pattern alternative that starts with a character set is rejected in one
# comparison by the regex engine, one that starts with a repeat is entered first.
_DIGITS = r"\d\d{0,8}"
_NUMBER = _DIGITS + r"(?:[.,]\d{1,3}){0,4}(?!\d)"
MAX_GAP = 8
# Cap on optional-word expansion: 2**4 variants of one phrase is plenty.
_MAX_OPTIONALS = 4


class PhraseError(ValueError):
    """A phrase in a lexicon file cannot be compiled; the message names the phrase."""


class PhraseReader:
    """Reads phrases of several languages, each with its own ``classes``, into atoms."""

    def __init__(self, classes: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self._classes = classes
        self._class_cache: dict[tuple[str, str], str] = {}
        self._class_tries: dict[str, Trie] = {}

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
