"""``pii.phone``: a person's telephone number, by libphonenumber, on the digits layer of the normal form.

An institution's number is not personal data: citizens quote the council's, the police's or victim
support's number to each other, and holding those reports teaches them nothing. Two signs tell it apart:
the number's type in its numbering plan (toll-free, shared-cost, premium-rate and universal access numbers
are services, never a person's line) and a cue word of the lexicon just before it
(``pii.institution_cues``: "police", "council", "Slachtofferhulp", "Polizeiinspektion", "mairie"...),
unless a third person's possessive ("his number") stands between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumber, PhoneNumberMatcher, PhoneNumberType

from moderation.rules.document import Document, Span

# Regions whose numbering plans the engine knows (Lantern's service countries), most specific first.
PHONE_REGIONS: tuple[str, ...] = ("BE", "FR", "DE", "ES", "IT", "NL", "GB", "LU", "AT", "CH")
# Luxembourg's plan accepts many plain 6-to-11-digit runs as valid numbers (ticket numbers, amounts), so a
# national-format number is taken as Luxembourgish only next to a phone cue word.
_CUE_ONLY_REGIONS = frozenset({"LU"})
MIN_PHONE_DIGITS = 8
# How far before a number a cue word ("call me on", "bel me op") still counts.
CUE_REACH = 40
# A report is at most a few thousand characters; these caps keep the cost of a pathological one bounded.
MAX_PHONE_CANDIDATES = 20
# How far before a number an institution's name still marks it as the institution's.
INSTITUTION_REACH = 60
# Numbering-plan types that are services, never a person's line.
SERVICE_TYPES = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
    }
)

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

def phones(doc: Document) -> Iterator[Span]:
    text = doc.text
    candidates = list(_PHONE_CANDIDATE.finditer(text))[:MAX_PHONE_CANDIDATES]
    if not candidates:
        return
    cues = [doc.span(t.start, t.end)[1] for t in doc.vocabulary if t.key == "pii.phone_cues"]
    institutions = [doc.span(t.start, t.end)[1] for t in doc.vocabulary if t.key == "pii.institution_cues"]
    regions = _region_order(doc)
    for candidate in candidates:
        raw = candidate.group()
        if _DATE_OR_TIME.fullmatch(raw.strip()):
            continue
        start = candidate.start()
        cued = any(0 <= start - cue_end <= CUE_REACH for cue_end in cues)
        found = _phone_in(raw, regions, cued)
        if found is None:
            continue
        (found_start, found_end), number = found
        if phonenumbers.number_type(number) in SERVICE_TYPES:
            continue
        if _institution_before(text, start, institutions):
            continue
        yield start + found_start, start + found_end


def _institution_before(text: str, start: int, institutions: list[int]) -> bool:
    """An institution's name shortly before the number, in the same sentence, and no third person's
    possessive in between ("I told the police his number is…" gives a person's number)."""
    institution = max((end for end in institutions if 0 <= start - end <= INSTITUTION_REACH), default=None)
    if institution is None:
        return False
    between = text[institution:start]
    return _SENTENCE_END.search(between) is None and _THIRD_PERSON.search(between) is None


_SENTENCE_END = re.compile(r"[.!?\n](?:\s|$)")
# "his", "her", "their" in the six languages: the number that follows is that person's.
_THIRD_PERSON = re.compile(
    r"(?<!\w)(?:his|her|their|zijn|haar|hun|sein|seine|seiner|ihr|ihre|ihrer|son|sa|ses|leur|su|sus|suo|sua)(?!\w)",
    re.IGNORECASE,
)


def _phone_in(raw: str, regions: tuple[str, ...], cued: bool) -> tuple[Span, PhoneNumber] | None:
    """The span of a phone number inside candidate ``raw`` and the number, by libphonenumber, or None."""
    international = raw.startswith(("+", "00"))
    if international:
        # An explicit country code is a phone number as soon as its length fits the country's plan;
        # fictional ranges ("+44 7700 900123") are still somebody's way of being reached.
        for match in PhoneNumberMatcher(raw, "ZZ", leniency=Leniency.POSSIBLE):
            if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS:
                return (match.start, match.end), match.number
        return None
    for region in regions:
        if region in _CUE_ONLY_REGIONS and not cued:
            continue
        for match in PhoneNumberMatcher(raw, region, leniency=Leniency.VALID):
            if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS:
                return (match.start, match.end), match.number
    # Not a valid number anywhere, but written like one at home, or announced by a cue word.
    if cued or _LOCAL_FORMAT.fullmatch(raw.strip()):
        for region in regions:
            for match in PhoneNumberMatcher(raw, region, leniency=Leniency.POSSIBLE):
                if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS:
                    return (match.start, match.end), match.number
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

