"""The one backoff of everything Lantern sends to the outside world and tries again (pushes, referrals)."""

from __future__ import annotations

import random


def retry_delay(attempts: int, *, base: float, cap: float, jitter: float = 0.0) -> float:
    """Seconds to wait after the ``attempts``-th failed try: base · 2^(attempts−1), at most ``cap``, times a
    random factor in [1 − jitter, 1 + jitter] (never past ``cap``). Jitter spreads the retries of many sends
    that failed together (a partner that was down), so they do not all return at once."""
    raw = min(cap, base * 2 ** max(0, attempts - 1))
    if not jitter:
        return raw
    return min(cap, raw * random.uniform(1 - jitter, 1 + jitter))
