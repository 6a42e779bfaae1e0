"""A small fixed-window rate limiter on Django's cache (Redis when REDIS_URL is set, so limits
hold across processes; the per-process locmem cache otherwise)."""

from __future__ import annotations

import time

from django.core.cache import cache

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/h" → (10, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[-1]] * int(period.strip()[:-1] or 1)


def hit(scope: str, key: str, rate: str) -> bool:
    """Count one attempt; False when the limit of ``rate`` is already reached in this window."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    cache_key = f"rl:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period + 5)
        count = 1
    return count <= limit


class RateLimited(Exception):
    """Raised by services when a per-user limit is reached; pages answer 429, the API too."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def require(scope: str, key: str, rate: str, message: str) -> None:
    """Count one attempt; raise RateLimited (with the seconds left in the window) over the limit."""
    if not hit(scope, key, rate):
        _, period = parse_rate(rate)
        raise RateLimited(message, retry_after=max(1, period - int(time.time()) % period))
