"""Open311 tokens: what a POST answers when the request is not public yet (held for moderation).

A token is the report id signed with the server's key, so nothing needs storing, nobody can forge one to
probe which reports exist, and only the client that made the request can follow it.
"""

from __future__ import annotations

import uuid

from django.core import signing

_SIGNER = signing.Signer(salt="lantern.open311.token")


def token_for(report_id: uuid.UUID) -> str:
    return _SIGNER.sign(uuid.UUID(str(report_id)).hex)


def report_id_of(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(_SIGNER.unsign(token))
    except (signing.BadSignature, ValueError):
        return None
