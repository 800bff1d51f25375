"""The normal form of a report: what the citizen meant, with a map back to what the citizen typed.

People who want a phone number, a name or a slur to get past a filter write it so that a person still
reads it and a pattern does not: ``0 7 9 1 1 . 4 8 2``, ``06🔸71🔸84``, ``zero four seven…``,
``name (at) host (dot) com``, ``Јаvіеr`` with Cyrillic letters, a zero-width space inside a word,
``p1keys``. Every rule would have to know every trick; instead the text is rewritten once, before any
rule, into two layers:

* **words** (``NormalForm.words``): Unicode NFKC character by character, zero-width, bidi-control and
  variation characters removed, letters of other scripts that look like Latin ones replaced by the
  Latin letter (Unicode TR39 confusables, from ``confusable-homoglyphs``' table). Case is kept: names
  and plates need it. Every rule reads this layer; the phrase lexicons read it folded, with leetspeak
  undone inside words (``leet_folded``: one character for one, so positions do not move).
* **digits** (``NormalForm.digits``, made by ``digits_layer``): the words layer with e-mail addresses
  spelled with "at"/"dot" words (in the six languages) written with ``@`` and ``.``, numbers written in
  words turned into digits (``text2num``, en fr de es it nl), and digits joined across odd separators
  and emoji. Only the personal-data rules read it, because "two lads" must stay words for the phrases.

Both layers keep, for each of their characters, where it came from in the original text
(``starts``/``ends``), so a span a rule finds on a layer is turned back into a span of the text as written
(``original_span``): redaction removes what the citizen typed, not what the engine rewrote.

Most reports are plain ASCII with nothing to undo: then each step is one regex scan that finds nothing,
and both layers are the original string itself.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from text_to_num import alpha2digit

# Characters that render as nothing (or only steer rendering) and are typed to split a word or a number.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
# Scripts whose look-alike letters are replaced by their Latin skeleton. Latin letters with accents are not
# confusables of anything: folding removes their accents later.
_CONFUSABLE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "LATIN LETTER SMALL CAPITAL")


@dataclass(frozen=True, slots=True)
class Layer:
    """A rewritten text and, per character, the original span it came from."""

    text: str
    # None when the layer is the original text itself (nothing was rewritten).
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of this layer's characters ``start:end``."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            position = self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0)
            return position, position
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True, slots=True)
class NormalForm:
    original: str
    words: Layer

    @property
    def text(self) -> str:
        return self.words.text


Edit = tuple[int, int, str]  # replace layer[start:end] by the string


def _apply(layer: Layer, edits: Sequence[Edit], original_length: int) -> Layer:
    """``layer`` with ``edits`` (sorted, not overlapping) applied; new characters map to the original span
    of what they replace (a removed character maps nowhere, a replacement spreads over what it replaced)."""
    if not edits:
        return layer
    text = layer.text
    if layer.starts is None or layer.ends is None:
        old_starts: Sequence[int] = range(len(text))
        old_ends: Sequence[int] = range(1, len(text) + 1)
    else:
        old_starts, old_ends = layer.starts, layer.ends
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for start, end, replacement in edits:
        pieces.append(text[cursor:start])
        starts.extend(old_starts[cursor:start])
        ends.extend(old_ends[cursor:start])
        if replacement:
            if end > start:
                span_start, span_end = old_starts[start], old_ends[end - 1]
            else:
                span_start = span_end = old_starts[start] if start < len(text) else original_length
            if len(replacement) == end - start:
                # One for one (a look-alike letter): every character keeps its own origin.
                starts.extend(old_starts[start:end])
                ends.extend(old_ends[start:end])
            else:
                starts.extend([span_start] * len(replacement))
                ends.extend([span_end] * len(replacement))
            pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    starts.extend(old_starts[cursor:])
    ends.extend(old_ends[cursor:])
    return Layer("".join(pieces), tuple(starts), tuple(ends))


# -- words layer -------------------------------------------------------------------------------------------


@functools.cache
def _confusable_table() -> dict[str, str]:
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii():
            continue
        name = unicodedata.name(char, "")
        if not name.startswith(_CONFUSABLE_SCRIPTS):
            continue
        for entry in entries:
            target = entry["c"]
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[char] = target
                break
    return table


class _CharTable(dict[str, str]):
    """Per character: its NFKC form with look-alike letters replaced, computed on first use."""

    def __missing__(self, char: str) -> str:
        if _INVISIBLE.fullmatch(char):
            normal = ""
        else:
            normal = _confusable_table().get(char) or unicodedata.normalize("NFKC", char)
            if len(normal) == 1 and normal != char:
                normal = _confusable_table().get(normal, normal)
        self[char] = normal
        return normal


_CHAR_TABLE = _CharTable()
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def normal_form(text: str) -> NormalForm:
    """The words layer of ``text`` (see the module docstring)."""
    if text.isascii():
        return NormalForm(text, Layer(text))
    # Most non-ASCII in a report is accented Latin letters, which stay: look at distinct characters first.
    changing = {char for char in set(_NON_ASCII.findall(text)) if _CHAR_TABLE[char] != char}
    if not changing:
        return NormalForm(text, Layer(text))
    edits: list[Edit] = [
        (match.start(), match.end(), _CHAR_TABLE[match.group()])
        for match in _NON_ASCII.finditer(text)
        if match.group() in changing
    ]
    return NormalForm(text, _apply(Layer(text), edits, len(text)))


# -- leetspeak, for the phrase lexicons --------------------------------------------------------------------

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
# A word with a leet character between letters ("p1keys", "fr0ci", "kutmar0kkanen") or one leading a word
# of three letters or more ("5hit"). House numbers ("12a", "8bis"), plates and codes ("ld21") are letters
# and digits side by side, never a digit inside letters, so they stay as they are.
_LEET_WORD = re.compile(r"(?<![\w@$])[a-z]*(?:[a-z][013457@$!]+[a-z]|[013457$][a-z]{3})[a-z013457@$!]*")


def leet_folded(folded: str) -> str:
    """``folded`` (lower-case text) with leetspeak undone inside words; the same length, so every position
    still means the same character."""
    if not _LEET_HINT.search(folded):
        return folded
    return _LEET_WORD.sub(lambda match: match.group().translate(_LEET), folded)


# Starts with the rare character, so that the regex engine only stops at digits and signs.
_LEET_HINT = re.compile(r"[013457@$!](?:(?<=[a-z].)[a-z]|(?<![\w@$].)[a-z]{3})")


# -- digits layer ------------------------------------------------------------------------------------------


# eq=False: compared and hashed by identity (one per lexicon), which caches keyed on them need to be cheap.
@dataclass(frozen=True, eq=False)
class NumberWords:
    """One language's number words, for finding numbers written in words before ``text2num`` reads them."""

    language: str
    token: re.Pattern[str]  # one word made of number morphemes ("dreiundzwanzig", "vingt-trois")
    small: frozenset[str]  # words too common alone to be a number ("one", "un", "ein", "een")
    joiners: frozenset[str]  # words that join two number words ("et", "y")
    # The morphemes and the words of two (or two joined by a third: "drei|und|zwanzig") of them, as typed and
    # without accents: a report is checked against this set before any pattern runs.
    words: frozenset[str]


def number_words_compile(
    language: str, morphemes: Iterable[str], small: Iterable[str], joiners: Iterable[str]
) -> NumberWords:
    parts = sorted({m.lower() for m in morphemes}, key=len, reverse=True)
    alternation = "|".join(re.escape(m) for m in parts)
    token = re.compile(rf"(?:{alternation})(?:-?(?:{alternation}))*", re.IGNORECASE)
    # Joining morphemes ("drei|und|zwanzig", "drie|ën|twintig") are common words of their own: only inside.
    inner = [m for m in parts if m in _COMPOUND_JOINERS]
    standalone = [m for m in parts if m not in inner]
    words = {*standalone, *(a + b for a in parts for b in parts)}
    words |= {a + j + b for a in parts for j in inner for b in parts}
    words |= {_unaccented(word) for word in words}
    return NumberWords(
        language,
        token,
        frozenset(w.lower() for w in small),
        frozenset(w.lower() for w in joiners),
        frozenset(words),
    )


_COMPOUND_JOINERS = frozenset({"und", "en", "ën"})


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


# Between two number words of one run: spaces, a comma or a hyphen, and maybe a joining word ("et", "y").
_RUN_GAP = re.compile(r"[ \t,.\-/]{1,3}")


@functools.lru_cache(maxsize=64)
def _number_vocabulary(numbers: tuple[NumberWords, ...]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Every language's number words that are worth a look alone, the small ones, and all with joiners."""
    small = frozenset().union(*(grammar.small for grammar in numbers))
    words = frozenset().union(*(grammar.words for grammar in numbers))
    known = words | frozenset().union(*(grammar.joiners for grammar in numbers))
    # "un", "ein", "een", "one" are articles more often than numbers: they do not count towards three.
    return words - small, small - _ARTICLES, known


_ARTICLES = frozenset({"one", "un", "une", "uno", "una", "ein", "eine", "een"})


def _number_runs(
    text: str, numbers: tuple[NumberWords, ...], folded: str | None = None, seen: Sequence[str] | None = None
) -> list[tuple[int, int, str]]:
    """Runs of number words (start, end, language): two or more words, or one that is not a small word.

    A word that is a number alone ("twenty", "dreiundzwanzig"), or three different small ones (a phone
    number read out digit by digit), make a report worth a look; "two cars and one man" does not."""
    big, small, known = _number_vocabulary(numbers)
    if seen is not None and len(set(seen) & small) < 3 and not any(word not in small for word in seen):
        # The phrase scan found no number word worth a look: no need to split the report into words.
        return []
    tokens = words_of(folded if folded is not None else text.lower())
    if tokens.isdisjoint(big) and len(tokens & small) < 3:
        return []
    # Number words and their positions, in order; runs are made of neighbours among them.
    found = [m for m in _LETTERS.finditer(text) if m.group().lower() in known]
    runs: list[tuple[int, int, str]] = []
    index = 0
    while index < len(found):
        last = index
        while last + 1 < len(found) and _RUN_GAP.fullmatch(text, found[last].end(), found[last + 1].start()):
            last += 1
        group = [match.group().lower() for match in found[index : last + 1]]
        for grammar in numbers:
            # Joining words ("et", "y") count inside a run, not at its ends.
            inside = [word for word in group if word not in grammar.joiners]
            edges = group[0] not in grammar.joiners and group[-1] not in grammar.joiners
            if edges and inside and all(word in grammar.words for word in inside):
                if len(inside) >= 2 or inside[0] not in grammar.small:
                    runs.append((found[index].start(), found[last].end(), grammar.language))
                break
        index = last + 1
    return runs


_LETTERS = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=4)
def words_of(lowered: str) -> frozenset[str]:
    """The words of a lower-case text, also without the punctuation around them; remembered for the few
    texts being screened, as both spelled-out checks ask."""
    tokens = set(lowered.replace("-", " ").split())
    tokens |= {token.strip(_PUNCTUATION) for token in tokens if not token[-1].isalpha()}
    return frozenset(tokens)
_PUNCTUATION = ".,;:!?()[]{}\"'«»"


_GROUPED_DIGITS = re.compile(r"\d+(?:[ ,.\-]{1,3}\d+)+")
_GROUP_SEPARATOR = re.compile(r"[ ,.\-]{1,3}")


def _numbers_spelled(
    text: str, numbers: tuple[NumberWords, ...], folded: str | None, seen: Sequence[str] | None = None
) -> list[Edit]:
    edits: list[Edit] = []
    for start, end, language in _number_runs(text, numbers, folded, seen):
        piece = text[start:end]
        try:
            converted = alpha2digit(piece, language)
        except (ValueError, KeyError):
            continue
        if converted != piece and any(char.isdigit() for char in converted):
            # "zéro six, douze, trente-quatre…": a phone number read out in groups is one number.
            if _GROUPED_DIGITS.fullmatch(converted) and len(_GROUP_SEPARATOR.split(converted)) >= 3:
                converted = _GROUP_SEPARATOR.sub("", converted)
            edits.append((start, end, converted))
    return edits


# An e-mail address spelled out: "name (at) host (dot) com", "nome chiocciola host punto it",
# "naam apenstaartje host punt nl"; the words come from the lexicons (``normal_form.at_words``/``dot_words``).
_TOP_LEVEL = "com|net|org|info|eu|be|fr|de|nl|es|it|lu|at|ch|uk|co|io|me"


@dataclass(frozen=True)
class SpelledEmail:
    """An e-mail address spelled out, found from its "at": searching from the user name would try up to 64
    characters at every word of the report."""

    at_words: frozenset[str]
    anchor: re.Pattern[str]  # "@" or an at-word
    user: re.Pattern[str]  # the user name ending just before the at-word (and its bracket)
    tail: re.Pattern[str]  # after the at-word: its bracket, the host, spelled or written dots, the ending


@functools.cache
def spelled_email_pattern(at_words: tuple[str, ...], dot_words: tuple[str, ...]) -> SpelledEmail:
    at = "|".join(re.escape(w) for w in sorted(set(at_words), key=len, reverse=True))
    dot = "|".join(re.escape(w) for w in sorted(set(dot_words), key=len, reverse=True))
    left = r"[\(\[\{<]?[ \t]{0,2}"
    right = r"[ \t]{0,2}[\)\]\}>]?"
    dot_part = rf"(?:[ \t]{{0,3}}{left}(?:{dot}){right}[ \t]{{0,3}}|\.)"
    return SpelledEmail(
        at_words=frozenset(word.lower() for word in at_words),
        anchor=re.compile(rf"@|(?<!\w)(?:{at})(?!\w)", re.IGNORECASE),
        user=re.compile(rf"(?<![\w.+-])(?P<user>[\w.+-]{{1,64}})[ \t]{{0,3}}{left}$"),
        tail=re.compile(
            rf"{right}[ \t]{{0,3}}(?P<host>[\w-]{{1,63}}(?:{dot_part}[\w-]{{1,63}}){{0,3}}?){dot_part}"
            rf"(?P<tld>{_TOP_LEVEL})(?![\w-])",
            re.IGNORECASE,
        ),
    )


@functools.cache
def _spelled_dots(dot_words: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in dot_words)
    pattern = rf"[ \t]{{0,3}}[\(\[\{{<]?[ \t]{{0,2}}(?:{words})[ \t]{{0,2}}[\)\]\}}>]?[ \t]{{0,3}}"
    return re.compile(pattern, re.IGNORECASE)


_BRACKETED = re.compile(r"[\(\[\{<][ \t]{0,2}(?:@|[^\W\d_]{2,12})[ \t]{0,2}[\)\]\}>]")


def _emails_spelled(
    text: str, pattern: SpelledEmail, dot_words: tuple[str, ...], folded: str | None = None
) -> list[Edit]:
    # Only when a dot is spelled or something is bracketed, and an "at" is there: substring tests first.
    lowered = folded if folded is not None else text.lower()
    bracketed = ("(" in text or "[" in text or "{" in text or "<" in text) and _BRACKETED.search(text) is not None
    if not bracketed and not any(word in lowered for word in dot_words):
        return []
    tokens = words_of(lowered)
    if not bracketed and tokens.isdisjoint(dot_words):
        return []
    if "@" not in text and tokens.isdisjoint(pattern.at_words):
        return []
    edits: list[Edit] = []
    dots = _spelled_dots(dot_words)
    covered = 0
    for at in pattern.anchor.finditer(text):
        if at.start() < covered:
            continue
        user = pattern.user.search(text, max(0, at.start() - 72), at.start())
        tail = pattern.tail.match(text, at.end()) if user is not None else None
        if user is None or tail is None:
            continue
        written = text[user.start() : tail.end()]
        if "@" in written and "." in written and " " not in written:
            continue  # already an address as written
        # "look at instagram.com": a bare "at" before a real domain is English; a spelled address has its
        # "at" in brackets, or its dot spelled too.
        rest = text[user.end("user") : tail.end()]
        if not any(bracket in rest for bracket in "([{<@") and not dots.search(rest):
            continue
        host = dots.sub(".", tail.group("host"))
        edits.append((user.start(), tail.end(), f"{user.group('user')}@{host}.{tail.group('tld').lower()}"))
        covered = tail.end()
    return edits


# Digits with something odd between them: single spaced digits ("0 7 9 1 1"), several separators
# ("06 - 71"), middle dots, emoji or other symbols ("06🔸71🔸84"). Commas, colons and line ends break a run:
# they separate amounts, times and list items.
_DIGIT_RUN = re.compile(r"[+\d](?:[^\w,:;\n]{0,4}\d){5,}")
_GAP = re.compile(r"[^\d+]+")
_PLAIN_GAP = re.compile(r"[ .\-/()]")


def _digits_joined(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for run in _DIGIT_RUN.finditer(text):
        raw = run.group()
        gaps = list(_GAP.finditer(raw))
        if not gaps:
            continue
        groups = [g for g in re.split(r"[^\d+]+", raw) if g]
        odd = any(len(g.group()) > 1 and g.group().strip("() ") for g in gaps) or any(
            not _PLAIN_GAP.fullmatch(char) for g in gaps for char in g.group()
        )
        single = sum(len(g) == 1 for g in groups) >= 3
        if not (odd or single):
            continue
        for gap in gaps:
            edits.append((run.start() + gap.start(), run.start() + gap.end(), ""))
    return edits


def digits_layer(
    form: NormalForm,
    numbers: tuple[NumberWords, ...],
    at_words: tuple[str, ...],
    dot_words: tuple[str, ...],
    folded: str | None = None,
    number_words: Sequence[str] | None = None,
) -> Layer:
    """The digits layer (see the module docstring), built on ``form``'s words layer. ``numbers`` are the
    number-word grammars to try, most likely language first; ``folded`` is the words layer folded, when the
    caller has it (it spares lower-casing the report again); ``number_words`` are the number words the
    phrase scan found in it, when the caller has them (they spare splitting the report into words)."""
    layer = form.words
    original_length = len(form.original)
    emails = _emails_spelled(layer.text, spelled_email_pattern(at_words, dot_words), dot_words, folded)
    layer = _apply(layer, emails, original_length)
    spelled = _numbers_spelled(layer.text, numbers, folded if not emails else None, number_words)
    layer = _apply(layer, spelled, original_length)
    return _apply(layer, _digits_joined(layer.text), original_length)
