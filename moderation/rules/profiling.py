"""``profiling.protected_attribute``: a person described by who they are rather than what they did.

"Asian guy hanging around the cash machine" tells nobody who to look for, and teaches readers to suspect
a group. The same attribute in a description that also gives clothing, build, hair, a vehicle or an
action ("Asian man, about 40, grey suit, red backpack, grabbed my bag") describes one person, and is fine.

So a protected mention (ethnicity, skin colour, religion, nationality: the lexicon's ``protected``
phrases) is held unless the report has at least ``REQUIRED_DESCRIPTORS`` distinct non-protected
descriptors. What the person did counts as one descriptor however many verbs tell it, and the reporter's
own things ("stole my phone", "me robó la cartera") describe the loot, not the person: "A black guy stole
my phone" has one descriptor. A suspicion word ("dodgy", "verdächtig", "sospechoso") in the same
sentence as the mention is the classic shape of a profiling post, so it raises the bar to
``REQUIRED_DESCRIPTORS_WHEN_SUSPECTED``.

Reports *about* discrimination ("racist abuse against a black woman") name the attribute because it is the
point; an ``exempt`` word (racist, hate crime, discrimination...) lifts the rule, unless a suspicion word
is also there ("not being racist, but...").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from moderation.rules.document import Document, Finding, Term, merge_spans
from moderation.rules.folding import fold_term

REQUIRED_DESCRIPTORS = 2
REQUIRED_DESCRIPTORS_WHEN_SUSPECTED = 3
CODE = "profiling.protected_attribute"

_SENTENCE_END = re.compile(r"[.!?\n]")
ACTION = "descriptor.action"
# Kinds of descriptor that can be the reporter's belongings rather than the person's description.
_OWNABLE = frozenset({"descriptor.item", "descriptor.vehicle", "descriptor.clothing"})
# "mi ha rubato la borsa": the possessive may stand up to four words before the thing.
_OWNER_WORDS = 4
_OWNER_REACH = 60
_WORD = re.compile(r"\w+")


def findings(doc: Document) -> list[Finding]:
    protected = [term for term in doc.vocabulary if term.key == "profiling.protected"]
    if not protected:
        return []
    suspicion = [term for term in doc.vocabulary if term.key == "profiling.suspicion"]
    near = [s for s in suspicion if any(_same_sentence(doc, s, p) for p in protected)]
    if not near and any(term.key == "profiling.exempt" for term in doc.vocabulary):
        return []
    needed = REQUIRED_DESCRIPTORS_WHEN_SUSPECTED if near else REQUIRED_DESCRIPTORS
    if _descriptor_count(doc, protected) >= needed:
        return []
    spans = merge_spans(doc.span(term.start, term.end) for term in [*protected, *near])
    return [Finding(CODE, spans)]


def _descriptor_count(doc: Document, protected: list[Term]) -> int:
    """Distinct descriptors of the person, counting "grey tracksuit" once although "tracksuit" also matches.

    What the person did counts once however many verbs tell it ("grabbed my phone and ran off" is one
    descriptor: the action). Things that belong to the reporter ("my phone", "mon sac", "me robó la
    cartera", "mir das Handy") describe the loot, not the person, and do not count.
    """
    blocked = [(term.start, term.end) for term in protected]
    terms = [
        term for term in doc.descriptors if not any(start < term.end and term.start < end for start, end in blocked)
    ]
    owned = _reporter_owns(doc)
    acted = any(term.key == ACTION for term in terms)
    spans = [(term.start, term.end) for term in terms if term.key != ACTION and not owned(term)]
    distinct = {doc.lowered[start:end] for start, end in _join_adjacent(merge_spans(spans), doc.lowered)}
    return len(distinct) + acted


def _reporter_owns(doc: Document) -> Callable[[Term], bool]:
    """Whether a descriptor (a thing, a vehicle, a garment) is the reporter's: a possessive word of the
    lexicon ("my", "mon", "mir", "me", "mijn") among the few words before it, in the same sentence, and no
    instrument word ("with", "avec", "mit", "con", "met") in between ("he hit me with a bottle")."""
    possessives: set[str] = set()
    instruments: set[str] = set()
    for language in doc.languages:
        data = doc.lexicons[language].data["profiling"]
        possessives.update(fold_term(word) for word in data["possessives"])
        instruments.update(fold_term(word) for word in data["instrument_words"])

    def owned(term: Term) -> bool:
        if term.key not in _OWNABLE:
            return False
        before = doc.lowered[max(0, term.start - _OWNER_REACH) : term.start]
        cut = max(before.rfind(mark) for mark in ".!?\n")
        for word in reversed(_WORD.findall(before, cut + 1)[-_OWNER_WORDS:]):
            if word in instruments:
                return False
            if word in possessives:
                return True
        return False

    return owned


def _join_adjacent(spans: tuple[tuple[int, int], ...], folded: str) -> list[tuple[int, int]]:
    """Spans separated by a single space are one descriptor: "puffer jacket", "schwarze Jacke"."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and folded[joined[-1][1] : start] == " ":
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _same_sentence(doc: Document, first: Term, second: Term) -> bool:
    start, end = min(first.end, second.end), max(first.start, second.start)
    return start >= end or _SENTENCE_END.search(doc.lowered, start, end) is None
