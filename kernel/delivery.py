"""One outcome vocabulary for everything Lantern hands to the outside world: a push to FCM, a referral to a
partner's webhook, mailbox or Open311 server.

A send either arrives (``DELIVERED``), fails for now (``TEMPORARY``: tried again with ``kernel.retry``'s
backoff), fails for good (``PERMANENT``: stopped, recorded, an operator looks), or finds its recipient gone
(``RECIPIENT_GONE``: FCM's ``UNREGISTERED``, the app was uninstalled; the address is forgotten, never retried).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["delivered", "temporary", "permanent", "recipient_gone"]
DELIVERED: Outcome = "delivered"
TEMPORARY: Outcome = "temporary"
PERMANENT: Outcome = "permanent"
RECIPIENT_GONE: Outcome = "recipient_gone"


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    detail: str = ""  # a short diagnostic: an FCM error code, "HTTP 503", "timed out after 10 s"
    status_code: int | None = None
    remote_id: str = ""  # the recipient's own id for what it received, when it says one

    @property
    def delivered(self) -> bool:
        return self.outcome == DELIVERED
