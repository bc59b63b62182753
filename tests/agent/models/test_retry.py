"""The retry loop on its own: delays, limits, and what is and is not retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from agent.models.base import ModelError
from agent.models.retry import Retrier, RetryPolicy, retry_after_seconds


class StatusError(Exception):
    def __init__(self, status, headers=None):
        super().__init__(f"status {status}")
        self.status_code = status
        self.response = type("R", (), {"headers": headers or {}})()


class SDKError(Exception):
    pass


def failing(errors, result="ok"):
    errors = list(errors)

    def fn():
        if errors:
            raise errors.pop(0)
        return result

    return fn


def test_retry_after_forms():
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    when = datetime(2030, 1, 1, tzinfo=UTC)
    now = (when - timedelta(seconds=30)).timestamp()
    assert retry_after_seconds({"retry-after": format_datetime(when, usegmt=True)}, now=now) == pytest.approx(
        30
    )
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


def test_backoff_doubles_with_bounded_jitter():
    r = Retrier("m", RetryPolicy(base_delay_s=1, max_delay_s=5, jitter=0.25), rand=lambda: 1.0)
    assert [r.backoff(n) for n in (1, 2, 3, 4)] == [1.25, 2.5, 5.0, 6.25]
    low = Retrier("m", RetryPolicy(base_delay_s=1, jitter=0.25), rand=lambda: 0.0)
    assert low.backoff(2) == 1.5


def test_total_time_limit_stops_retries():
    sleeps, clock = [], [0.0]

    def sleep(s):
        sleeps.append(s)
        clock[0] += s

    r = Retrier(
        "m",
        RetryPolicy(max_attempts=10, base_delay_s=4, jitter=0, max_total_s=10),
        sleep=sleep,
        clock=lambda: clock[0],
    )
    with pytest.raises(ModelError, match="time limit of 10 s"):
        r.call(failing([StatusError(500)] * 10))
    assert sleeps == [4.0]  # 4 + 8 would pass 10 s


def test_too_long_retry_after_gives_up_at_once():
    r = Retrier("m", RetryPolicy(max_retry_after_s=60), sleep=lambda s: pytest.fail("slept"))
    with pytest.raises(ModelError, match="asked to wait 3600 s"):
        r.call(failing([StatusError(429, {"retry-after": "3600"})]))


def test_transient_types_and_unknown_errors():
    sleeps = []
    r = Retrier("m", transient=(SDKError,), sleep=sleeps.append, rand=lambda: 0.5)
    assert r.call(failing([SDKError("conn reset"), TimeoutError()])) == "ok"
    assert len(sleeps) == 2
    with pytest.raises(KeyError):  # our own bugs are not dressed up as model errors
        r.call(failing([KeyError("bug")]))


def test_wrapped_sdk_error_becomes_model_error():
    class Fatal(SDKError):
        pass

    r = Retrier("m", transient=(), wrap=(SDKError,), sleep=lambda s: None)
    with pytest.raises(ModelError, match="m: request failed .*Fatal.*not retried"):
        r.call(failing([Fatal("schema rejected")]))


def test_should_retry_header_overrules_status():
    sleeps = []
    r = Retrier("m", sleep=sleeps.append)
    assert r.call(failing([StatusError(400, {"x-should-retry": "true"})])) == "ok"
    assert len(sleeps) == 1
