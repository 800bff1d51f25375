"""``pii.*``: personal data that must not reach anyone but the police: names, phone numbers, e-mail
addresses, home addresses, licence plates, social-media handles and links.

Every detector prefers a missed flag to a wrong one only where the cost is lopsided the other way: a
held report costs a moderator a glance, a published address can cost a man his windows. So formats that
are unambiguous (an e-mail address, "AB-123-CD") count on their own, while formats that ordinary text can
produce (a run of digits, "M AB 123") need a cue word from the lexicon ("call", "plate", "Kennzeichen").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from moderation.rules.document import Document, Finding, Span, merge_spans
from moderation.rules.pii_addresses import addresses
from moderation.rules.pii_names import person_names
from moderation.rules.pii_phones import phones
from moderation.rules.pii_plates import plates
from moderation.rules.pii_words import overlaps

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

def findings(doc: Document) -> list[Finding]:
    spans: dict[str, list[Span]] = {}
    text = doc.text
    if "@" in text:
        emails = [m.span() for m in _EMAIL.finditer(text)]
        spans["pii.email"] = emails
        spans["pii.handle"] = [s for s in _handles(text) if not overlaps(s, emails)]
    else:
        emails = []
    cued = [s for s in _handles_after_cue(doc) if not overlaps(s, emails)]
    if cued:
        spans.setdefault("pii.handle", []).extend(cued)
    lowered = doc.lowered
    if "://" in lowered or "www." in lowered or ("." in lowered and _URL_ENDING.search(lowered)):
        spans["pii.url"] = [s for s in _urls(text) if not overlaps(s, emails)]
    if _has_digit(text):
        spans["pii.phone"] = list(phones(doc))
        spans["pii.address"] = list(addresses(doc))
        spans["pii.licence_plate"] = list(plates(doc))
    spans["pii.person_name"] = list(person_names(doc))
    return [Finding(code, merge_spans(found)) for code, found in spans.items() if found]


# -- e-mail, links, handles --------------------------------------------------------------------------------


def _urls(text: str) -> Iterator[Span]:
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING:
            end -= 1
        yield start, end


# A user name written without "@" after a cue word ("zoek op jordyy.x040", "insta: kev_the_thief99"): a
# word with a digit, an underscore or an inner dot, which ordinary words do not have.
_BARE_HANDLE = re.compile(r"[\s:\"'(]{1,3}([A-Za-z0-9_.]{3,30})(?![\w@])")
HANDLE_CUE_REACH = 12


def _handles_after_cue(doc: Document) -> Iterator[Span]:
    text = doc.text
    for term in doc.vocabulary:
        if term.key != "pii.handle_cues":
            continue
        end = doc.span(term.start, term.end)[1]
        for match in _BARE_HANDLE.finditer(text, end, min(len(text), end + HANDLE_CUE_REACH + 32)):
            if match.start() - end > HANDLE_CUE_REACH:
                break
            word = match.group(1).strip(".")
            if any(c.isalpha() for c in word) and (any(c.isdigit() or c == "_" for c in word) or "." in word):
                yield match.start(1), match.start(1) + len(word)
                break


def _handles(text: str) -> Iterator[Span]:
    for match in _HANDLE.finditer(text):
        if not _TIME_LIKE_HANDLE.fullmatch(match.group()):
            yield match.span()

