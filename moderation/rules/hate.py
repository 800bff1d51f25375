"""``hate.*``: slurs and dehumanising language.

A slur or dehumanising phrase that the reporter quotes from the offender becomes ``hate.quoted``: the
report of a hate crime must get through, but the words are cut from anything shown to others.
"""

from __future__ import annotations

from moderation.rules.document import Document, Finding, Term, findings_by_code


def findings(doc: Document) -> list[Finding]:
    terms = [term for term in doc.signals if term.key.startswith("hate.")]
    quoted = [term for term in terms if doc.is_reported_speech(term.start, term.end)]
    direct = [term for term in terms if term not in quoted]
    relabelled = [Term(t.start, t.end, "hate.quoted", t.language) for t in quoted]
    return findings_by_code(doc, [*direct, *relabelled])
