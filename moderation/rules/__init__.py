"""Content and behaviour rules of the moderation engine, one module per rule family.

Each content module exposes ``findings(doc) -> list[Finding]`` over a ``Document``; ``behaviour`` works
on the reporter's history and nearby activity instead. Rules never decide the verdict: the engine does,
from the action each reason code carries (``reasons.REASONS``).
"""
