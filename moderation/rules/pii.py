"""``pii.*``: personal data that must not reach anyone but the police: names, phone numbers, e-mail
addresses, home addresses, licence plates, social-media handles and links.

Every detector prefers a missed flag to a wrong one only where the cost is lopsided the other way: a
held report costs a moderator a glance, a published address can cost a man his windows. So formats that
are unambiguous (an e-mail address, "AB-123-CD") count on their own, while formats that ordinary text can
produce (a run of digits, "M AB 123") need a cue word from the lexicon ("call", "plate", "Kennzeichen").
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from moderation.rules.document import Document, Finding, Span, merge_spans
from moderation.rules.folding import fold_term
from moderation.rules.lexicon import Lexicon
from moderation.rules.phrases import literal_alternation

# Regions whose numbering plans the engine knows (Lantern's service countries), most specific first.
PHONE_REGIONS: tuple[str, ...] = ("BE", "FR", "DE", "ES", "IT", "NL", "GB", "LU", "AT", "CH")
# Luxembourg's plan accepts many plain 6-to-11-digit runs as valid numbers (ticket numbers, amounts), so a
# national-format number is taken as Luxembourgish only next to a phone cue word.
_CUE_ONLY_REGIONS = frozenset({"LU"})
MIN_PHONE_DIGITS = 8
# How far before a number a cue word ("call me on", "bel me op") still counts.
CUE_REACH = 40
# A report is at most a few thousand characters; these caps keep the cost of a pathological one bounded.
MAX_NUMBERS_CHECKED = 60
MAX_PHONE_CANDIDATES = 20

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,6}\.[^\W\d_]{2,24}(?![\w-])")
_SOCIAL_HOSTS = (
    r"t\.me|wa\.me|bit\.ly|youtu\.be|fb\.me|"
    r"(?:[a-z]{1,12}\.)?(?:facebook|instagram|tiktok|twitter|x|snapchat|youtube|linkedin|telegram|threads|vinted|"
    r"marktplaats|leboncoin|ebay|wallapop|subito|kleinanzeigen)\.[a-z]{2,3}"
)
_URL = re.compile(
    r"(?<![\w@/.-])(?:https?://|www\.)[^\s<>\"]{1,500}"
    rf"|(?<![\w@/.-])(?:{_SOCIAL_HOSTS})(?:/[^\s<>\"]{{0,300}})?(?![\w.-])"
    r"|(?<![\w@/.-])(?:[a-z0-9-]{1,63}\.){1,4}(?:com|net|org|info|eu|be|fr|de|nl|es|it|lu|at|ch|uk|io|me|tv|ly)"
    r"/[^\s<>\"]{1,300}",
    re.IGNORECASE,
)
# Cheap test before the link pattern, which is costly on long texts: a scheme, "www." or a known ending, in
# the folded (lower-case) text. It starts with a literal dot so that the regex engine jumps from dot to dot.
_URL_ENDING = re.compile(r"\.(?:com|net|org|info|eu|be|fr|de|nl|es|it|lu|at|ch|uk|io|me|tv|ly)\b")
_DIGIT = re.compile(r"\d")
# An ASCII range is a cheaper test per character than the Unicode digit category.
_ASCII_DIGIT = re.compile(r"[0-9]")


def _has_digit(text: str) -> bool:
    return _ASCII_DIGIT.search(text) is not None or (not text.isascii() and _DIGIT.search(text) is not None)


_URL_TRAILING = ".,;:!?)]}'\"»”"
_HANDLE = re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
_TIME_LIKE_HANDLE = re.compile(r"@\d{1,2}(?:[:h.]\d{2})?(?:am|pm|h|u|uhr)?", re.IGNORECASE)

# A run of at least MIN_PHONE_DIGITS digits with phone-style separators; an optional international prefix.
# The patterns below that the engine runs over whole reports start with a character set and check the
# character before it with a lookbehind afterwards: the regex engine then skips in C to the next candidate
# character instead of trying the whole pattern at every position (a leading lookbehind prevents that).
_PHONE_CANDIDATE = re.compile(
    r"[+(\d](?<![\w+].)(?:(?<=\+)\s?\(?\d|(?<=0)0\(?\d|(?<=\()\d|(?<=\d))(?:[ .\-/()]{0,2}\d){7,16}(?!\w)"
)
_DATE_OR_TIME = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}[:h]\d{2}")
# A national number as people write it at home: trunk prefix 0, then groups ("0151 23456789", "06 12 34 56").
_LOCAL_FORMAT = re.compile(r"0\d{1,4}(?:[ ./\-]?\d{2,8}){1,4}")

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

# A house number as written: "7", "12a", "8bis", "8 bis", "14-2", "21/B" (in folded text, so lower case).
_HOUSE_NUMBER = re.compile(
    r"\d(?<![\w:.,/€$£#+-]\d)\d{0,3}(?:[a-z](?!\w)|\s?(?:bis|ter|quater)(?!\w))?(?:[/-](?:\d{1,3}|[a-z]|bis|ter)(?!\w))?"
    r"(?![\w:]|[.,]\d)"
)
_ADDRESS_WINDOW = 80

# A capitalised word ("Hughes", "O'Brien", "García", "Jean-Luc"); the first letter is checked with isupper.
# Combining accents (U+0300-036F) count as letters: a phone may send "José" as "Jose" + U+0301.
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f])"
_CAPITALISED = re.compile(rf"(?<![\w'’-])[A-ZÀ-ÖØ-ÞĀ-ʯ]{_LETTER}{{0,30}}(?:['’-]{_LETTER}{{1,30}}){{0,2}}")
_WORD_AFTER = re.compile(r"[\s,:]{1,3}([^\W\d_][\w'’\u0300-\u036f-]{0,30})")
_WORD_BEFORE = re.compile(r"(?<![\w'’.\u0300-\u036f-])([^\W\d_][\w'’.\u0300-\u036f-]{0,30})[\s,]{1,3}$")
MAX_NAME_WORDS = 4


def findings(doc: Document) -> list[Finding]:
    spans: dict[str, list[Span]] = {}
    text = doc.text
    if "@" in text:
        emails = [m.span() for m in _EMAIL.finditer(text)]
        spans["pii.email"] = emails
        spans["pii.handle"] = [s for s in _handles(text) if not _overlaps(s, emails)]
    else:
        emails = []
    lowered = doc.lowered
    if "://" in lowered or "www." in lowered or ("." in lowered and _URL_ENDING.search(lowered)):
        spans["pii.url"] = [s for s in _urls(text) if not _overlaps(s, emails)]
    if _has_digit(text):
        spans["pii.phone"] = list(_phones(doc))
        spans["pii.address"] = list(_addresses(doc))
        spans["pii.licence_plate"] = list(_plates(doc))
    spans["pii.person_name"] = list(_person_names(doc))
    return [Finding(code, merge_spans(found)) for code, found in spans.items() if found]


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


# -- e-mail, links, handles --------------------------------------------------------------------------------


def _urls(text: str) -> Iterator[Span]:
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING:
            end -= 1
        yield start, end


def _handles(text: str) -> Iterator[Span]:
    for match in _HANDLE.finditer(text):
        if not _TIME_LIKE_HANDLE.fullmatch(match.group()):
            yield match.span()


# -- phone numbers -----------------------------------------------------------------------------------------


def _phones(doc: Document) -> Iterator[Span]:
    text = doc.text
    candidates = list(_PHONE_CANDIDATE.finditer(text))[:MAX_PHONE_CANDIDATES]
    if not candidates:
        return
    cues = [doc.span(t.start, t.end)[1] for t in doc.vocabulary if t.key == "pii.phone_cues"]
    regions = _region_order(doc)
    for candidate in candidates:
        raw = candidate.group()
        if _DATE_OR_TIME.fullmatch(raw.strip()):
            continue
        start = candidate.start()
        cued = any(0 <= start - cue_end <= CUE_REACH for cue_end in cues)
        span = _phone_in(raw, regions, cued)
        if span is not None:
            yield start + span[0], start + span[1]


def _phone_in(raw: str, regions: tuple[str, ...], cued: bool) -> Span | None:
    """The span of a phone number inside candidate ``raw``, by libphonenumber, or None."""
    international = raw.startswith(("+", "00"))
    if international:
        # An explicit country code is a phone number as soon as its length fits the country's plan;
        # fictional ranges ("+44 7700 900123") are still somebody's way of being reached.
        for match in PhoneNumberMatcher(raw, "ZZ", leniency=Leniency.POSSIBLE):
            if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS:
                return match.start, match.end
        return None
    for region in regions:
        if region in _CUE_ONLY_REGIONS and not cued:
            continue
        for match in PhoneNumberMatcher(raw, region, leniency=Leniency.VALID):
            if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS:
                return match.start, match.end
    # Not a valid number anywhere, but written like one at home, or announced by a cue word.
    if cued or _LOCAL_FORMAT.fullmatch(raw.strip()):
        for region in regions:
            for match in PhoneNumberMatcher(raw, region, leniency=Leniency.POSSIBLE):
                if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS:
                    return match.start, match.end
    return None


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _region_order(doc: Document) -> tuple[str, ...]:
    """The locale's region first, then the regions of the report's languages, then every other one."""
    order: list[str] = []
    if doc.region:
        order.append(doc.region)
    for language in sorted(doc.languages):
        lexicon = doc.lexicons.get(language)
        if lexicon is not None:
            order.extend(lexicon.regions)
    order.extend(PHONE_REGIONS)
    known = set(phonenumbers.SUPPORTED_REGIONS)
    return tuple(dict.fromkeys(region for region in order if region in known))


# -- street addresses --------------------------------------------------------------------------------------


def _addresses(doc: Document) -> Iterator[Span]:
    folded = doc.lowered
    grammars = [
        (doc.lexicons[language], doc.lexicons[language].address)
        for language in sorted(doc.languages)
        if language in doc.lexicons
    ]
    for count, number in enumerate(_HOUSE_NUMBER.finditer(folded)):
        if count >= MAX_NUMBERS_CHECKED:
            break
        start, end = number.span()
        best: Span | None = None
        for lexicon, grammar in grammars:
            if grammar.not_after.match(folded, end, end + _ADDRESS_WINDOW):
                continue
            found_start, found_end = start, end
            if grammar.before is not None:
                before = grammar.before.search(folded, max(0, start - _ADDRESS_WINDOW), start)
                if before is not None:
                    trimmed = _street_name_start(doc, before.start(), start, lexicon)
                    if trimmed is not None:
                        found_start = trimmed
            if grammar.after is not None:
                after = grammar.after.match(folded, end, end + _ADDRESS_WINDOW)
                if after is not None:
                    found_end = _street_name_end(doc, end, after.end(), lexicon) or end
            if (found_start, found_end) == (start, end):
                continue
            word = grammar.number_word.search(folded, max(0, found_start - 20), found_start)
            if word is not None:
                found_start = word.start()
            if best is None or found_end - found_start > best[1] - best[0]:
                best = (found_start, found_end)
        if best is not None:
            yield doc.span(*best)


_ADDRESS_WORD = re.compile(r"[^\W\d_][\w'’\u0300-\u036f-]*")


def _street_name_start(doc: Document, start: int, end: int, lexicon: Lexicon) -> int | None:
    """Where a street address found in folded text really starts, judged by capitals in the original.

    The patterns match lower-cased text, so "wohnt in der Berliner Straße 5" matches as a whole and "calle
    Alcalá hubo 3 robos" looks like "calle <name> 3". Capitals tell them apart: words before the street
    word are trimmed up to the first capitalised one ("Berliner Straße"), and a capitalised street name
    followed by a lower-case word ("Alcalá hubo") is no street name. All-lower-case text is taken as typed.
    None means "not an address".
    """
    original_start, original_end = doc.span(start, end)
    words = [m for m in _ADDRESS_WORD.finditer(doc.text, original_start, original_end)]
    suffixes = tuple(fold_term(s) for s in lexicon.data["address"]["street_suffixes"])
    street_at = next(
        (
            i
            for i, m in enumerate(words)
            if _fold_word(m.group()) in lexicon.street_words or _is_street_word(_fold_word(m.group()), suffixes)
        ),
        None,
    )
    if street_at is None:
        return start
    particles = {fold_term(p) for p in lexicon.data["address"]["particles"]}
    if street_at > 0:
        # Name before the street word: start at its first capitalised word, else at the last word.
        leading = words[:street_at]
        first = next((m for m in leading if m.group()[0].isupper()), leading[-1])
        return _folded_position(doc, first.start())
    number_words = _folded_words(lexicon, "number_words")
    content = [m.group() for m in words[1:] if _fold_word(m.group()) not in particles | number_words]
    if content and content[0][0].isupper() and any(word[0].islower() for word in content[1:]):
        return None
    return start


def _street_name_end(doc: Document, start: int, end: int, lexicon: Lexicon) -> int | None:
    """Where a street address found after a house number really ends, judged by capitals in the original.

    "du 14 rue des Lilas vend de la drogue": the street name is the capitalised run after the street word
    ("des Lilas"), and stops at the first lower-case word after it. "50, bald, green parka": when the
    street word comes last (English "7 Mill Lane"), a text written with capitals needs a capital in the
    street name; all-lower-case text is taken as typed. None means "not an address".
    """
    original_start, original_end = doc.span(start, end)
    words = list(_ADDRESS_WORD.finditer(doc.text, original_start, original_end))
    suffixes = tuple(fold_term(s) for s in lexicon.data["address"]["street_suffixes"])
    street_at = next(
        (
            i
            for i, m in enumerate(words)
            if _fold_word(m.group()) in lexicon.street_words or _is_street_word(_fold_word(m.group()), suffixes)
        ),
        None,
    )
    if street_at is None or not words:
        return end
    particles = {fold_term(p) for p in lexicon.data["address"]["particles"]} | _HOUSE_NUMBER_WORDS
    # Words before the street word that only join it to the number ("di via Garibaldi", "bis rue Pasteur")
    # are not a street name before a street word ("7 Mill Lane").
    named_before = any(_fold_word(m.group()) not in particles for m in words[:street_at])
    if named_before or len(words) == 1:
        # "3 big green bins", "20 anyway": a street word that is also an ordinary word (or a compound that
        # ends in one, "Kingsway") needs a capital somewhere in the street name, unless the whole text is
        # written without capitals.
        street = _fold_word(words[street_at].group())
        common_words = _folded_words(lexicon, "common_word_types")
        common = street in common_words or (
            street not in lexicon.street_words and any(street.endswith(word) for word in common_words)
        )
        if common and _has_capitals(doc.text) and not any(m.group()[0].isupper() for m in words[: street_at + 1]):
            return None
        return end
    content = [m for m in words[street_at + 1 :] if _fold_word(m.group()) not in particles]
    if not content or not content[0].group()[0].isupper():
        return end
    last = content[0]
    for m in content[1:]:
        if not m.group()[0].isupper():
            break
        last = m
    return _folded_position(doc, last.end())


_HOUSE_NUMBER_WORDS = frozenset({"bis", "ter", "quater", "di", "de", "del", "du", "des", "la", "of", "the"})


@functools.lru_cache(maxsize=64)
def _folded_words(lexicon: Lexicon, key: str) -> frozenset[str]:
    """A list of the address section, folded; with the letters alone too ("n°" is also "n")."""
    words = {_fold_word(w) for w in lexicon.data["address"][key]}
    words |= {re.sub(r"[\W_]+", "", word) for word in words}
    return frozenset(word for word in words if word)


def _has_capitals(text: str) -> bool:
    """Whether the text is written with capitals at all (not an all-lower-case message)."""
    return not text.islower()


def _folded_position(doc: Document, original: int) -> int:
    if doc.folded.starts is None:
        return original
    return bisect.bisect_left(doc.folded.starts, original)


# -- licence plates ----------------------------------------------------------------------------------------


def _plates(doc: Document) -> Iterator[Span]:
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
    stopwords = _stopwords(doc)
    for cue_end in cue_ends:
        found = _plate_after_cue(doc.lowered, cue_end, stopwords)
        # A plate in its national format is already exact; the cue reading may have run on into a word.
        if found is not None and not _overlaps(doc.span(*found), strict):
            yield doc.span(*found)


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


def _stopwords(doc: Document) -> frozenset[str]:
    return frozenset().union(*(doc.lexicons[lang].stopwords for lang in doc.languages if lang in doc.lexicons))


# -- names of private persons ------------------------------------------------------------------------------


@functools.cache
def _name_words(lexicons: tuple[Lexicon, ...]) -> tuple[frozenset[str], ...]:
    """Given names, titles, particles, non-name words and indefinite articles of every language.

    Names cross borders (a Karim in Ghent, a Sem in Cologne), so every language's lists apply to every report.
    """
    return (
        frozenset().union(*(lex.given_names for lex in lexicons)),
        frozenset().union(*(lex.titles for lex in lexicons)),
        frozenset().union(*(lex.name_particles for lex in lexicons)),
        frozenset().union(*(lex.not_names for lex in lexicons)),
        frozenset().union(*(lex.indefinite_articles for lex in lexicons)),
    )


@functools.cache
def _street_suffixes(lexicons: tuple[Lexicon, ...]) -> tuple[str, ...]:
    return tuple(sorted({fold_term(s) for lex in lexicons for s in lex.data["address"]["street_suffixes"]}))


@functools.cache
def _name_patterns(lexicons: tuple[Lexicon, ...]) -> re.Pattern[str]:
    """A run of capitalised words, with particles between them ("Tim de Vries")."""
    _, _, particles, _, _ = _name_words(lexicons)
    particle = literal_alternation(sorted(p for p in particles if p))
    capitalised = rf"[A-ZÀ-ÖØ-ÞĀ-ʯ]{_LETTER}{{0,30}}(?:['’-]{_LETTER}{{1,30}}){{0,2}}"
    gap = rf"\.?[ \t]{{1,2}}(?:(?i:{particle})[ \t]{{1,2}}){{0,3}}"
    return re.compile(rf"{capitalised}(?:{gap}{capitalised}){{0,{MAX_NAME_WORDS}}}")


@functools.lru_cache(maxsize=65536)
def _fold_token(word: str) -> str:
    return fold_term(word)


# Apostrophes and dashes as typed (they fold to "'" and "-"): a word boundary is not one of these.
_APOSTROPHES_DASHES = "'’ʼ`´′‐‑‒–—―−\\-"


_CAPITAL = "[A-ZÀ-ÖØ-ÞĀ-ʯ]"
# A capitalised word (the class is the one of the name runs). The pattern starts with the capital letter and
# checks the word boundary after it, so the regex engine skips from capital to capital in C.
_NAME_WORD = re.compile(rf"{_CAPITAL}(?<![\w{_APOSTROPHES_DASHES}].)[\w{_APOSTROPHES_DASHES}\u0300-\u036f]{{0,59}}")


@functools.lru_cache(maxsize=8)
def _starters(given: frozenset[str], titles: frozenset[str]) -> frozenset[str]:
    return given | titles


def _name_candidates(doc: Document, given: frozenset[str], titles: frozenset[str]) -> Iterator[int]:
    """Original positions where a name may start: a capitalised given name or title, or the capitalised word
    after a lower-case title ("la signora Ferraro", "mevrouw Jansen", "de heer Smit").

    Only capitalised words are looked at, which keeps long reports cheap: one scan in C lists them as
    strings, checked against the lists as a set, and positions are looked up only when one qualifies.
    """
    text = doc.text
    starters = _starters(given, titles)
    if not starters.isdisjoint(map(_fold_token, _NAME_WORD.findall(text))):
        for match in _NAME_WORD.finditer(text):
            if text[match.start()].isupper() and _fold_token(match.group()) in starters:
                yield match.start()
    # Lower-case titles come from the vocabulary scan, which has already read the report.
    for term in doc.vocabulary:
        if term.key != "pii.titles":
            continue
        start, end = doc.span(term.start, term.end)
        if text[start].isupper():
            continue
        after = _WORD_AFTER.match(text, end)
        if after is not None and after.group(1)[0].isupper():
            yield after.start(1)


def _person_names(doc: Document) -> Iterator[Span]:
    """Private persons' names.

    A run of capitalised words is a name when it starts with a title ("Mrs Patel", "la signora Esposito"),
    or with a known given name followed by a surname ("Mark Thompson", "Tim de Vries"), or when a cue such
    as "it was", "heißt", "si chiama" introduces it. A run is never a name when it, or the word before it
    (skipping particles), or the word after it, is a place word: "rue Victor Hugo", "Victoria Station",
    "Saint-Michel", "Albert Heijn" (a shop), "lycée Jean Jaurès". Lower-case names are caught only after a
    cue word ("it was kevin").
    """
    text = doc.text
    lexicons = tuple(doc.lexicons.values())
    given, titles, particles, not_names, indefinite = _name_words(lexicons)
    suffixes = _street_suffixes(lexicons)
    run_pattern = _name_patterns(lexicons)
    cue_ends = {doc.folded.original_index(t.end) for t in doc.vocabulary if t.key == "pii.name_cues"}
    candidates: dict[int, bool] = dict.fromkeys(_name_candidates(doc, given, titles), False)
    for cue_end in cue_ends:
        after = _WORD_AFTER.match(text, cue_end)
        if after is None:
            continue
        word = after.group(1)
        if word[0].isupper():
            candidates[after.start(1)] = True
        elif _fold_word(word) in given:
            # Lower-case given names are only trusted right after a cue: "it was kevin", "c'est karim".
            yield after.span(1)
    covered = -1
    for position in sorted(candidates):
        if position < covered:
            continue
        match = run_pattern.match(text, position)
        if match is None:
            continue
        covered = match.end()
        run = [m.span() for m in _CAPITALISED.finditer(text, match.start(), match.end())]
        folded = [_fold_word(text[s:e]) for s, e in run]
        if any(word in not_names or _is_street_word(word, suffixes) for word in folded):
            continue
        if _place_context(text, run, not_names, particles):
            continue
        name = _name_in_run(text, run, folded, given, titles, indefinite)
        if name is None and len(run) >= 2 and candidates[position]:
            name = run
        if name:
            yield name[0][0], name[-1][1]


def _name_in_run(
    text: str,
    run: list[Span],
    folded: list[str],
    given: frozenset[str],
    titles: frozenset[str],
    indefinite: frozenset[str],
) -> list[Span] | None:
    """The part of a capitalised run that is a name: after a title, or from a given name on.

    The run may start with an unrelated capitalised word ("Yesterday Mark Thompson", "Nachbar Jonas
    Becker"), so every position is tried.
    """
    preceding = _word_before(text, run[0][0])
    if preceding is not None and _fold_word(preceding[0]) in titles:
        article = _word_before(text, preceding[1])
        if article is None or _fold_word(article[0]) not in indefinite:
            return run
    for index, word in enumerate(folded):
        if word in titles:
            rest = run[index + 1 :]
            article = _word_before(text, run[index][0])
            # "eine Frau Schmidt" is a title; "eine Frau mit Hund" is not, nor is "a Miss World".
            if rest and (article is None or _fold_word(article[0]) not in indefinite):
                return rest
            return None
        if word in given and len(run) - index >= 2:
            return run[index:]
    return None


@functools.lru_cache(maxsize=65536)
def _is_street_word(word: str, suffixes: tuple[str, ...]) -> bool:
    """ "Pieterszoonplein", "Goethestraße": a compound ending in a street word names a street, not a person."""
    return any(word.endswith(suffix) and len(word) > len(suffix) + 2 for suffix in suffixes)


def _place_context(text: str, run: list[Span], not_names: frozenset[str], particles: frozenset[str]) -> bool:
    # Hyphenated to a place word: "Saint-Michel", "Sint-Niklaas".
    start = run[0][0]
    if start > 1 and text[start - 1] == "-":
        head = re.search(r"([^\W\d_]+)-$", text[max(0, start - 12) : start])
        if head is not None and _fold_word(head.group(1)) in not_names:
            return True
    # The word before, skipping particles: "lycée Jean Jaurès", "rue du Général Leclerc", "piazza di Spagna".
    before = _word_before(text, start)
    for _ in range(3):
        if before is None:
            break
        word = _fold_word(before[0])
        if word in not_names:
            return True
        if word not in particles:
            break
        before = _word_before(text, before[1])
    after = _WORD_AFTER.match(text, run[-1][1])
    return after is not None and _fold_word(after.group(1)) in not_names


def _word_before(text: str, position: int) -> tuple[str, int] | None:
    """The word ending just before ``position`` (across spaces and commas) and where it starts."""
    match = _WORD_BEFORE.search(text, max(0, position - 34), position)
    if match is None:
        return None
    return match.group(1), match.start(1)


# Elided articles and prepositions: in "l'école" or "dell'ospedale" the word after them is what counts
# (but not in "c'est" or "qu'il", where the part after the apostrophe is a verb or pronoun).
_ELIDED = frozenset({"l", "d", "dell", "all", "nell", "sull", "dall", "un", "de l"})


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    folded = fold_term(word).strip(".'’-")
    head, apostrophe, tail = folded.rpartition("'")
    return tail if apostrophe and head in _ELIDED else folded
