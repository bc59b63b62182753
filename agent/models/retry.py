"""One retry loop for every backend: exponential backoff with jitter, Retry-After honoured.

The SDK clients are built with max_retries=0 so this is the only retry mechanism
(two stacked loops would multiply attempts and hide the real count). Sleep and
clock are injectable so tests never wait.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from agent.models.base import ModelError

R = TypeVar("R")

# 408 request timeout, 409 lock conflict, 429 rate limit; every 5xx (529 = overloaded) too.
RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # calls in all, the first included
    base_delay_s: float = 1.0  # first backoff; doubles each retry
    max_delay_s: float = 30.0  # cap on one computed backoff
    max_total_s: float = 180.0  # no retry starts (or sleeps) past this since the first call
    jitter: float = 0.25  # +-25% so many agents do not retry in lockstep
    max_retry_after_s: float = 120.0  # a server asking for longer than this: give up now


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


def retry_after_seconds(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds a server asked us to wait: `retry-after-ms`, `retry-after` (seconds or HTTP date)."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    if (ms := lower.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _status_and_headers(exc: BaseException) -> tuple[int | None, Mapping[str, str] | None]:
    """Both SDKs' APIStatusError carry `status_code` and the httpx `response`; duck-typed
    so this module imports neither SDK."""
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    return (status if isinstance(status, int) else None), headers


def describe(exc: BaseException) -> str:
    status, _ = _status_and_headers(exc)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"HTTP {status}: {message}" if status else f"{type(exc).__name__}: {message}"


class Retrier:
    """Runs `fn` until it succeeds, a non-retryable error occurs, or the policy runs out.

    `transient`: exception types that mean "try again" without a status (the SDKs'
    connection and timeout errors). `wrap`: the SDK's base error; one of those that is
    not retried becomes a ModelError naming the model. Anything else (our bugs) propagates."""

    def __init__(
        self,
        model: str,
        policy: RetryPolicy | None = None,
        *,
        transient: tuple[type[BaseException], ...] = (),
        wrap: tuple[type[BaseException], ...] = (),
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.model = model
        self.policy = policy or RetryPolicy()
        self.transient = (*transient, TimeoutError, ConnectionError)
        self.wrap = wrap
        self.sleep, self.clock, self.rand = sleep, clock, rand

    def _retryable(self, exc: BaseException) -> bool:
        status, headers = _status_and_headers(exc)
        # Both providers send x-should-retry to overrule the status-based guess.
        hint = {k.lower(): v for k, v in (headers or {}).items()}.get("x-should-retry")
        if hint in ("true", "false"):
            return hint == "true"
        if status is not None:
            return is_retryable_status(status)
        return isinstance(exc, self.transient)

    def backoff(self, retry: int) -> float:
        """Delay before retry number `retry` (1-based), jittered."""
        p = self.policy
        raw = min(p.max_delay_s, p.base_delay_s * (2 ** (retry - 1)))
        return raw * (1.0 - p.jitter + 2.0 * p.jitter * self.rand())

    def call(self, fn: Callable[[], R]) -> R:
        p = self.policy
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except BaseException as exc:
                if not isinstance(exc, (*self.transient, *self.wrap)) and _status_and_headers(exc)[0] is None:
                    raise
                if not self._retryable(exc):
                    raise ModelError(f"{self.model}: request failed ({describe(exc)}); not retried") from exc
                elapsed = self.clock() - started
                asked = retry_after_seconds(_status_and_headers(exc)[1])
                delay = asked if asked is not None else self.backoff(attempt)
                why = None
                if attempt >= p.max_attempts:
                    why = f"after {attempt} attempts"
                elif asked is not None and asked > p.max_retry_after_s:
                    why = f"server asked to wait {asked:.0f} s (limit {p.max_retry_after_s:.0f} s)"
                elif elapsed + delay > p.max_total_s:
                    why = f"time limit of {p.max_total_s:.0f} s would be passed ({attempt} attempts)"
                if why:
                    raise ModelError(
                        f"{self.model}: gave up {why} in {elapsed:.1f} s; last error: {describe(exc)}"
                    ) from exc
                self.sleep(delay)
