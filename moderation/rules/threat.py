"""``threat.*``: threats of violence and incitement to it, by the reporter.

A threat the reporter *quotes* ("he shouted 'I will kill you'", "er schrie, er bringe mich um") is the
report of an offence, which is exactly what Lantern is for, so it is no hit: the phrase must not be inside
quotes nor follow a reported-speech cue ("he said", "a crié", "schrie") in the same sentence. Cues are
third-person or verbs a reporter rarely uses about their own words, so "I said I'll kill him" still counts.
"""

from __future__ import annotations

from moderation.rules.document import Document, Finding, findings_by_code


def findings(doc: Document) -> list[Finding]:
    terms = [
        term
        for term in doc.signals
        if term.key.startswith("threat.") and not doc.is_reported_speech(term.start, term.end)
    ]
    return findings_by_code(doc, terms)
