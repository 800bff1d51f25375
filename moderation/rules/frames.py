"""Intent frames: vigilantism and threats said indirectly, recognised by who does what to whom.

Phrase lists catch what someone has written before ("let's patrol", "I'll kill you"). A new wording gets
through them: "you'll need an ambulance", "ti spezzo le gambe", "print his face and stick it on every
lamppost", "a few of us will pay him a visit tonight, bring the bats". What these share is not their words
but their parts: a harm verb aimed at a second person, a consequence promised to someone, a face or an
address published to a place or an audience, a euphemism ("visit", "welcome") that carries a weapon.

So each lexicon lists, per language, the words that fill the *slots* of a frame (``frames`` section):
``call`` (a collective call: "let's", "who's up for", "wer ist dabei"), ``target`` (a third person:
"him", "lui", "ihn"), ``second_person``, ``harm_lemmas`` / ``detain_lemmas`` / ``publish_lemmas`` (verbs as
lemmas, whose every inflected form is stored beside the lexicon, built from ``simplemma``'s dictionaries by
``manage.py moderation_forms_build``: "spezzare" gives "spezzo", "spezzerò"...), ``until_we``, ``lesson``,
``exposed`` ("his face", "sa photo"), ``audience`` ("every lamppost", "the group"), ``euphemism``,
``weapons``, ``consequence``, ``hospital`` and ``future`` ("you'll", "vas a", "du brauchst"). The frames
below, the same in every language, say which slots must meet in one sentence. Slot words are found by the
one phrase scan every report gets anyway.

A threat frame inside quotes or after a reported-speech cue is the report of a threat, not one (see
``threat``); a vigilantism frame counts wherever it is, as passing the call on spreads it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from moderation.rules.document import Document, Finding, Span, Term, merge_spans
from moderation.rules.folding import fold_term
from moderation.rules.lexicon import FRAME_CONTEXT_SLOTS, Lexicon

# Between a harm verb and the person it is aimed at ("break your legs", "je vais te casser"): words and
# spaces only, no punctuation ("take a break, you deserve it" is no threat), at most this many characters.
_ADJACENT = re.compile(r"[\w\s'’-]{0,20}")
_BEFORE_VERB = re.compile(r"[\w\s'’-]{0,16}")
_SENTENCE_END = re.compile(r"[.!?\n]")


@dataclass(frozen=True, slots=True)
class Frame:
    code: str
    slots: tuple[str, ...]  # every slot must be filled in one sentence
    quoted_counts: bool  # False: no hit inside quotes or reported speech (threats)


FRAMES: tuple[Frame, ...] = (
    Frame("vigilantism.punish", ("euphemism", "weapons"), quoted_counts=True),
    Frame("vigilantism.punish", ("lesson", "call", "target"), quoted_counts=True),
    Frame("vigilantism.hunt", ("detain", "until_we"), quoted_counts=True),
    Frame("vigilantism.identify", ("publish", "exposed", "audience"), quoted_counts=True),
    Frame("threat.violence", ("future", "consequence"), quoted_counts=False),
    Frame("threat.violence", ("future", "hospital", "second_person"), quoted_counts=False),
    Frame("threat.violence", ("future", "hospital", "soon"), quoted_counts=False),
)
def findings(doc: Document) -> list[Finding]:
    anchors = [term for term in doc.vocabulary if term.key.startswith("frame.") or term.key == "pii.institution_cues"]
    if not anchors:
        return []
    found: dict[str, list[Span]] = {}
    for (start, end), sentence in _sentences(doc, anchors):
        by_slot: dict[str, list[Span]] = {}
        for term in sentence:
            by_slot.setdefault(term.key.rpartition(".")[2], []).append((term.start, term.end))
        for frame in FRAMES:
            if not all(slot in by_slot or slot in FRAME_CONTEXT_SLOTS for slot in frame.slots):
                continue
            if frame.code == "vigilantism.identify" and _published_by_institution(by_slot):
                continue
            used = [span for slot in frame.slots if slot in by_slot for span in by_slot[slot]]
            context = [_context(doc, slot, start, end) for slot in frame.slots if slot not in by_slot]
            if not all(context):
                continue
            used.extend(span for spans in context for span in spans[:1])
            if frame.quoted_counts or not any(doc.is_reported_speech(s, e) for s, e in used):
                found.setdefault(frame.code, []).extend(doc.span(s, e) for s, e in used)
        for incite, harm in _incited(doc, by_slot.get("harm", []), start, end):
            if not doc.is_reported_speech(*harm):
                found.setdefault("threat.incitement", []).extend([doc.span(*incite), doc.span(*harm)])
        for harm, person in _harm_aimed(doc, by_slot.get("harm", []), start, end):
            if not doc.is_reported_speech(*harm):
                found.setdefault("threat.violence", []).extend([doc.span(*harm), doc.span(*person)])
    return [Finding(code, merge_spans(spans)) for code, spans in found.items()]


def _published_by_institution(by_slot: dict[str, list[Span]]) -> bool:
    """ "The police shared his photo on Facebook": an institution named before the verb is the one
    publishing (a police appeal), not a call to the readers."""
    first_verb = min(start for start, _ in by_slot["publish"])
    return any(end <= first_verb for _, end in by_slot.get("institution_cues", []))


def _sentences(doc: Document, terms: Sequence[Term]) -> Iterator[tuple[Span, list[Term]]]:
    """The terms grouped by sentence of the folded text, with the sentence's bounds."""
    text = doc.lowered
    current: list[Term] = []
    for term in terms:
        if current and _SENTENCE_END.search(text, current[-1].end, term.start):
            yield _bounds(text, current), current
            current = []
        current.append(term)
    if current:
        yield _bounds(text, current), current


def _bounds(text: str, terms: list[Term]) -> Span:
    start = max(text.rfind(mark, 0, terms[0].start) for mark in ".!?\n") + 1
    end = min((i for i in (text.find(mark, terms[-1].end) for mark in ".!?\n") if i >= 0), default=len(text))
    return start, end


def _context(doc: Document, slot: str, start: int, end: int) -> list[Span]:
    """Where a common-word slot ("him", "you", "every") is filled between ``start`` and ``end``."""
    spans: list[Span] = []
    for language in sorted(doc.languages):
        pattern = context_pattern(doc.lexicons[language], slot)
        spans.extend(match.span(1) for match in pattern.finditer(doc.padded, start, end + 1))
    # doc.padded has one character in front of the folded text.
    return sorted((s - 1, e - 1) for s, e in spans)


@functools.cache
def context_pattern(lexicon: Lexicon, slot: str) -> re.Pattern[str]:
    words = sorted({fold_term(word).strip() for word in lexicon.data["frames"][slot] if word.strip()}, key=len)
    # Words of a phrase are separated by spaces or punctuation; an apostrophe may be left out ("youll").
    # "#" is a number or a time ("at # tonight", "um # uhr", "à #h").
    pieces = (
        re.escape(word).replace(r"\ ", r"\W{1,3}").replace("'", r"['\s]?").replace(r"\#", r"\d{1,2}(?:[:.h]\d{2})?h?")
        for word in reversed(words)
    )
    alternation = "|".join(pieces)
    return re.compile(rf"(?<!\w)({alternation})(?!\w)")


# Between "someone should" and the harm verb: at most four words ("jemand sollte dem Typen das Auto
# abfackeln"); "someone should call the police before they burn it down" is further.
_INCITE_GAP = re.compile(r"\W{1,3}(?:[\w'’-]+\W{1,3}){0,4}")


def _incited(doc: Document, harms: list[Span], start: int, end: int) -> Iterator[tuple[Span, Span]]:
    """A call on others to do harm: "someone should torch his van", "qualcuno dovrebbe bruciargli"."""
    for harm in harms:
        for incite in _context(doc, "incite", max(start, harm[0] - 48), harm[0]):
            if _INCITE_GAP.fullmatch(doc.lowered, incite[1], harm[0]):
                yield incite, harm
                break


def _harm_aimed(doc: Document, harms: list[Span], start: int, end: int) -> Iterator[tuple[Span, Span]]:
    """A harm verb with a second person right after it ("kill you", "snap your arms") or a pronoun just
    before it ("ti spezzo", "te voy a romper", "je vais te casser")."""
    if not harms:
        return
    text = doc.lowered
    for harm in harms:
        window_start = max(start, harm[0] - 20)
        window_end = min(end, harm[1] + 24)
        for person in _context(doc, "second_person", window_start, window_end):
            if person[0] >= harm[1] and _ADJACENT.fullmatch(text, harm[1], person[0]):
                yield harm, person
                break
            if person[1] <= harm[0] and _BEFORE_VERB.fullmatch(text, person[1], harm[0]):
                yield harm, person
                break
