"""Intent frames: vigilantism and threats said indirectly, recognised by who does what to whom.

Phrase lists catch what someone has written before ("let's patrol", "I'll kill you"). A new wording gets
through them: "you'll need an ambulance", "ti spezzo le gambe", "print his face and stick it on every
lamppost", "a few of us will pay him a visit tonight, bring the bats". What these share is not their words
but their parts: a harm verb aimed at a second person, a consequence promised to someone, a face or an
address published to a place or an audience, a euphemism ("visit", "welcome") that carries a weapon.

So each lexicon lists, per language, the words that fill the *slots* of a frame (``frames`` section):
``call`` (a collective call: "let's", "who's up for", "wer ist dabei"), ``target`` (a third person:
"him", "lui", "ihn"), ``second_person``, ``harm_lemmas`` / ``detain_lemmas`` / ``publish_lemmas`` (verbs as
lemmas, whose every inflected form is taken from ``simplemma``'s dictionaries when the lexicon is compiled:
"spezzare" gives "spezzo", "spezzerò"...), ``until_we``, ``lesson``, ``exposed`` ("his face", "sa photo"),
``audience`` ("every lamppost", "the group"), ``euphemism``, ``weapons``, ``consequence``, ``hospital`` and
``future`` ("you'll", "vas a", "du brauchst"). The frames below, the same in every language, say which
slots must meet in one sentence. Slot words are found by the one phrase scan every report gets anyway.

A threat frame inside quotes or after a reported-speech cue is the report of a threat, not one (see
``threat``); a vigilantism frame counts wherever it is, as passing the call on spreads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from moderation.rules.document import Document, Finding, Term, merge_spans

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
)
def findings(doc: Document) -> list[Finding]:
    terms = [term for term in doc.vocabulary if term.key.startswith("frame.")]
    if len(terms) < 2:
        return []
    found: dict[str, list[tuple[int, int]]] = {}
    for sentence in _sentences(doc, terms):
        by_slot: dict[str, list[Term]] = {}
        for term in sentence:
            by_slot.setdefault(term.key[len("frame.") :], []).append(term)
        for frame in FRAMES:
            if all(slot in by_slot for slot in frame.slots):
                used = [term for slot in frame.slots for term in by_slot[slot]]
                if frame.quoted_counts or not any(doc.is_reported_speech(t.start, t.end) for t in used):
                    found.setdefault(frame.code, []).extend(doc.span(t.start, t.end) for t in used)
        for harm, person in _harm_aimed(doc, by_slot.get("harm", []), by_slot.get("second_person", [])):
            if not doc.is_reported_speech(harm.start, harm.end):
                found.setdefault("threat.violence", []).extend(
                    [doc.span(harm.start, harm.end), doc.span(person.start, person.end)]
                )
    return [Finding(code, merge_spans(spans)) for code, spans in found.items()]


def _sentences(doc: Document, terms: Sequence[Term]) -> Iterator[list[Term]]:
    """The terms grouped by sentence of the folded text."""
    current: list[Term] = []
    for term in terms:
        if current and _SENTENCE_END.search(doc.lowered, current[-1].end, term.start):
            yield current
            current = []
        current.append(term)
    if current:
        yield current


def _harm_aimed(doc: Document, harms: list[Term], persons: list[Term]) -> Iterator[tuple[Term, Term]]:
    """A harm verb with a second person right after it ("kill you", "snap your arms", "dich abstechen" is
    caught the other way) or a pronoun just before it ("ti spezzo", "te voy a romper", "je vais te casser")."""
    text = doc.lowered
    for harm in harms:
        for person in persons:
            if person.start >= harm.end and _ADJACENT.fullmatch(text, harm.end, person.start):
                yield harm, person
                break
            if person.end <= harm.start and _BEFORE_VERB.fullmatch(text, person.end, harm.start):
                yield harm, person
                break
