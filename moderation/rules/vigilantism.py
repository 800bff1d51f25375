"""``vigilantism.*``: calls to gather, patrol, hunt, punish, pay for a capture, or identify someone.

Unlike threats, a call to hunt someone is not excused by quoting it: passing on "let's find him" spreads
the call whoever first said it.
"""

from __future__ import annotations

from moderation.rules.document import Document, Finding, findings_by_code


def findings(doc: Document) -> list[Finding]:
    return findings_by_code(doc, (term for term in doc.signals if term.key.startswith("vigilantism.")))
