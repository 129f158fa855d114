"""An in-memory token bucket per client (IP address).

Each client may send ``burst`` requests at once, then one more every ``60 / per_minute``
seconds. A refused request learns how long to wait (the HTTP layer sends it as
``Retry-After``). Memory stays bounded: buckets that have refilled are forgotten.

One process only: behind several workers or servers, each keeps its own buckets (so the
effective limit is multiplied); put the limit in the reverse proxy if that matters.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until one token is available (when refused)
    remaining: int = 0        # whole tokens left after this request


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, clock=time.monotonic, max_clients: int = 100_000):
        if per_minute < 0 or burst < 1:
            raise ValueError("per_minute must be >= 0 and burst >= 1")
        self.rate = per_minute / 60.0  # tokens per second; 0 disables the limiter
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, at)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, client: str, cost: float = 1.0) -> Decision:
        if not self.enabled:
            return Decision(True, remaining=int(self.burst))
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= cost:
                tokens -= cost
                self._buckets[client] = (tokens, now)
                decision = Decision(True, remaining=int(tokens))
            else:
                self._buckets[client] = (tokens, now)
                decision = Decision(False, retry_after=(cost - tokens) / self.rate)
            if len(self._buckets) > self.max_clients:
                self._forget_full(now)
        return decision

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled (they behave exactly like a new client)."""
        full = [c for c, (tokens, at) in self._buckets.items()
                if tokens + (now - at) * self.rate >= self.burst]
        for c in full:
            del self._buckets[c]
        if len(self._buckets) > self.max_clients:  # still too many: drop the oldest
            for c, _ in sorted(self._buckets.items(), key=lambda kv: kv[1][1])[: len(self._buckets) // 2]:
                del self._buckets[c]


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, at least 1 (Retry-After takes an integer)."""
    return str(max(1, math.ceil(seconds)))
