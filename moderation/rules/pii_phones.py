"""``pii.phone``: telephone numbers, by libphonenumber, on the digits layer of the normal form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

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

