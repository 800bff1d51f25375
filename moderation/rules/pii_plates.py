"""``pii.licence_plate``: plates in national formats, as written or in lower case, split or after a cue word."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from moderation.rules.document import Document, Span
from moderation.rules.pii_words import overlaps, stopwords

_PLATE_FORMATS = (
    "[A-Z]{2}[0-9]{2} ?[A-Z]{3}",  # GB: LD21 XRT
    "[A-Z]{2}-[0-9]{3}-[A-Z]{2}",  # FR: AB-123-CD
    "[A-Z]{2} [0-9]{3} [A-Z]{2}",  # IT: AB 123 CD
    "[A-Z]{2}[0-9]{3}[A-Z]{2}",  # IT and FR without hyphens
    "[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} ?[0-9]{1,4}[EH]?",  # DE: B-AB 1234, HH-KL 482
    "[1-9]-[A-Z]{3}-[0-9]{3}",  # BE: 1-ABC-234
    "[0-9]{4} ?[BCDFGHJKLMNPRSTVWXYZ]{3}",  # ES: 1234 BCD (consonants only)
    # NL side codes 1-14 (letters and digits alternate in three hyphenated groups)
    "[A-Z]{2}-[0-9]{2}-[0-9]{2}",
    "[0-9]{2}-[0-9]{2}-[A-Z]{2}",
    "[0-9]{2}-[A-Z]{2}-[0-9]{2}",
    "[A-Z]{2}-[0-9]{2}-[A-Z]{2}",
    "[A-Z]{2}-[A-Z]{2}-[0-9]{2}",
    "[0-9]{2}-[A-Z]{2}-[A-Z]{2}",
    "[0-9]{2}-[A-Z]{3}-[0-9]",
    "[0-9]-[A-Z]{3}-[0-9]{2}",
    "[A-Z]{2}-[0-9]{3}-[A-Z]",
    "[A-Z]-[0-9]{3}-[A-Z]{2}",
    "[A-Z]{3}-[0-9]{2}-[A-Z]",
    "[A-Z]-[0-9]{2}-[A-Z]{3}",
    "[0-9]-[A-Z]{2}-[0-9]{3}",
    "[0-9]{3}-[A-Z]{2}-[0-9]",
)


def _first_character_first(formats: Sequence[str], before: str, after: str) -> re.Pattern[str]:
    """One pattern for ``formats`` that starts with a character set (the union of their first characters),
    so that the regex engine skips to candidate characters in C; each format then checks, by a lookbehind,
    that the character taken is one it may start with. ``before`` is checked on the character before."""
    heads: dict[str, list[str]] = {}
    for form in formats:
        head = re.match(r"(\[[^]]+\])(?:\{(\d+)(?:,(\d+))?\})?", form)
        if head is None:
            raise ValueError(f"a plate format must start with a character set: {form}")
        low = int(head.group(2) or 1)
        high = int(head.group(3) or low)
        rest = form[head.end() :]
        if high > 1:
            repeat = f"{low - 1},{high - 1}" if low != high else f"{low - 1}"
            rest = f"{head.group(1)}{{{repeat}}}{rest}"
        heads.setdefault(head.group(1), []).append(rest)
    first = "[" + "".join(dict.fromkeys(head[1:-1] for head in heads)) + "]"
    branches = "|".join(f"(?<={head})(?:{'|'.join(rests)})" for head, rests in heads.items())
    return re.compile(f"{first}(?<!{before}.)(?:{branches}){after}")


# Licence plates in the national formats, written the way the plate is (capitals). Anything looser needs
# a plate cue word. Lookarounds keep plates from matching inside longer codes.
_STRICT_PLATE = _first_character_first(_PLATE_FORMATS, r"[\w-]", r"(?![\w-])")
# "2019 BBC" has the shape of a Spanish plate; a year-like number needs a cue word.
_YEAR_LIKE_PLATE = re.compile(r"(?:19|20)\d\d [A-Z]{3}")
_PLATE_TOKEN = re.compile(r"[a-z0-9]{1,4}(?:-[a-z0-9]{1,4}){0,2}")
PLATE_CUE_REACH = 30
_PLATE_GAP = re.compile(r"[\s:.,\"'()-]{1,3}")

# A plate written loosely: in lower case, split by spaces, dashes or middle dots ("ex·123·ab",
# "g k – 1 2 3 – z", "l d 2 1 - x r t"). Its characters are gathered into groups and the groups are tried
# against the national formats. Groups of plates have at most four characters, so words never qualify.
_SINGLES = r"[A-Za-z0-9](?![A-Za-z0-9])(?:[ \t][A-Za-z0-9](?![A-Za-z0-9])){1,3}"
_GROUP = rf"(?:{_SINGLES}|[A-Za-z0-9]{{1,4}}(?![A-Za-z0-9]))"
_STRONG = r"[ \t]?[·•.\-–—/][ \t]?"
_SPACED = r"[A-Za-z0-9](?![A-Za-z0-9])(?:[ \t][A-Za-z0-9](?![A-Za-z0-9])){4,7}"
_LOOSE_PLATE = re.compile(rf"(?<![\w@.\-])(?:{_GROUP}(?:{_STRONG}{_GROUP}){{1,3}}|{_SPACED})(?![\w@\-]|\.\w)")
# Scanning a whole report with the pattern above costs as much as the rest of the personal-data rules, as
# any letter may start one. So it only runs near anchors found by patterns that start with a literal
# character (which the regex engine finds in C): a separator between letters and digits, or spaced singles.
_ANCHORS = tuple(
    re.compile(
        rf"{re.escape(separator)}(?:(?:(?<=[0-9].)|(?<=[0-9] .))[ \t]?[A-Za-z]"
        rf"|(?:(?<=[A-Za-z].)|(?<=[A-Za-z] .))[ \t]?[0-9])"
    )
    for separator in "-./·•–—"
)
_SPACED_ANCHOR = re.compile(r" [0-9A-Za-z] [0-9A-Za-z] (?=[0-9A-Za-z](?![0-9A-Za-z]))")
_ANCHOR_REACH = 24
_STRONG_SEPARATOR = re.compile(r"[ \t]?[·•.\-–—/][ \t]?")
_ANY_PLATE = re.compile("|".join(f"(?:{form})" for form in _PLATE_FORMATS))
# The formats without their separators (outside character sets): "AB123CD", "1234BCD".
_COMPACT_PLATE = re.compile(
    "|".join(f"(?:{re.sub(r'(?<=[]}])(?: [?]?|-)', '', form)})" for form in _PLATE_FORMATS)
)

def plates(doc: Document) -> Iterator[Span]:
    text = doc.text
    cue_ends = [t.end for t in doc.vocabulary if t.key == "pii.plate_cues"]
    strict_matches = list(_STRICT_PLATE.finditer(text))
    for match in strict_matches:
        if _YEAR_LIKE_PLATE.fullmatch(match.group()) and not any(
            0 <= match.start() - doc.folded.original_index(e) <= PLATE_CUE_REACH for e in cue_ends
        ):
            continue
        yield match.span()
    strict = [match.span() for match in strict_matches]
    loose = list(_loose_plates(text, strict))
    yield from loose
    strict.extend(loose)
    common = stopwords(doc)
    for cue_end in cue_ends:
        found = _plate_after_cue(doc.lowered, cue_end, common)
        # A plate in its national format is already exact; the cue reading may have run on into a word.
        if found is not None and not overlaps(doc.span(*found), strict):
            yield doc.span(*found)


def _loose_plates(text: str, strict: list[Span]) -> Iterator[Span]:
    anchors = [m.start() for m in _SPACED_ANCHOR.finditer(text)]
    for separator, pattern in zip("-./·•–—", _ANCHORS, strict=True):
        if separator in text:
            anchors.extend(m.start() for m in pattern.finditer(text))
    seen: set[Span] = set()
    for anchor in sorted(anchors)[:MAX_LOOSE_ANCHORS]:
        start = max(0, anchor - _ANCHOR_REACH)
        for match in _LOOSE_PLATE.finditer(text, start, min(len(text), anchor + _ANCHOR_REACH)):
            span = match.span()
            if span not in seen and not overlaps(span, strict) and _loose_plate(match.group()):
                seen.add(span)
                yield span


MAX_LOOSE_ANCHORS = 40


def _loose_plate(raw: str) -> bool:
    """Whether ``raw`` (a run of letters and digits with separators) is a plate in a national format."""
    if not (any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw)):
        return False
    groups = [group.replace(" ", "").replace("\t", "").upper() for group in _STRONG_SEPARATOR.split(raw)]
    if len(groups) > 1 and any(not group or len(group) > 4 for group in groups):
        return False
    if len(groups) == 1:
        # No strong separator: only letters and digits typed one by one ("a b 1 2 3 c d") or a run in lower
        # case as one word count, not ordinary words with a number ("on 123 the").
        if not all(len(piece) == 1 for piece in raw.split()) and " " in raw:
            return False
        return _COMPACT_PLATE.fullmatch(groups[0]) is not None and not groups[0].isdigit()
    variants = {"-".join(groups), " ".join(groups), groups[0] + "-" + " ".join(groups[1:]), "".join(groups)}
    return any(_ANY_PLATE.fullmatch(variant) for variant in variants)


def _plate_after_cue(folded: str, cue_end: int, stopwords: frozenset[str]) -> Span | None:
    """A plate-shaped token group within a few words after a cue: "Kennzeichen M AB 123"."""
    tokens = [m for m in _PLATE_TOKEN.finditer(folded, cue_end, cue_end + PLATE_CUE_REACH + 12)]
    for first in range(min(4, len(tokens))):
        if tokens[first].group() in stopwords:
            continue
        group = []
        previous_end = tokens[first].start()
        for token in tokens[first:]:
            gap = folded[previous_end : token.start()]
            if group and not _PLATE_GAP.fullmatch(gap):
                break
            if group and token.group() in stopwords and not any(c.isdigit() for c in token.group()):
                break
            group.append(token)
            previous_end = token.end()
            if len(group) == 3:
                break
        chars = "".join(t.group().replace("-", "") for t in group)
        while group and len(chars) > 9:
            group.pop()
            chars = "".join(t.group().replace("-", "") for t in group)
        if 4 <= len(chars) <= 9 and any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars):
            return group[0].start(), group[-1].end()
    return None

