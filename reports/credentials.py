"""Bearer credentials: random, shown once, stored only as a digest.

The tokens carry 256 bits of entropy, so a fast digest is enough: there is nothing to brute-force
that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets


def credential_new(prefix: str) -> str:
    """A fresh credential such as ``ltd_4f…``; the prefix tells what kind of secret leaked."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def credential_digest(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8")).hexdigest()
