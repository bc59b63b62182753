"""Chrome tab steps over DevTools HTTP, against a real headless Chromium in the desktop."""

from __future__ import annotations

import shutil
import socket

import pytest

from benchmarks.osworld.chrome import (
    ChromeDevTools,
    ChromeError,
    debug_port_in,
    same_url,
)
from benchmarks.osworld.setup import CHROME_STEPS, SetupRunner, UnsupportedSetupStep


def test_port_and_url_matching():
    assert debug_port_in(["google-chrome", "--remote-debugging-port=1337"]) == 1337
    assert debug_port_in("google-chrome --remote-debugging-port 9222 &") == 9222
    assert debug_port_in(["mousepad"]) is None
    assert same_url("https://www.TripAdvisor.com/", "https://tripadvisor.com")
    assert not same_url("https://a.com/x", "https://a.com/y")


def test_chrome_steps_need_run_python(recording_desktop):
    with pytest.raises(UnsupportedSetupStep, match="run_python"):
        SetupRunner(recording_desktop(), (1, 1)).run(
            [{"type": "chrome_open_tabs", "parameters": {"urls_to_open": ["about:blank"]}}]
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chromium(client):
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    port = _free_port()
    out = client.execute(
        f"chromium --headless --no-sandbox --disable-gpu --remote-debugging-port={port} "
        f"--user-data-dir=/tmp/deskpilot-cdp-{port} about:blank >/dev/null 2>&1 & echo $!",
        shell=True,
    )
    pid = int(out.output.strip().splitlines()[-1])
    try:
        yield port
    finally:
        client.execute(["kill", str(pid)])


def test_open_list_and_close_tabs_in_a_real_chromium(client, chromium, until):
    port = chromium
    tools = ChromeDevTools(client, port, ready_timeout=20)
    assert "Browser" in tools.version()  # waits for /json/version
    first = "data:text/html,<title>one</title>first"
    second = "data:text/html,<title>two</title>second?a=1&b=2"
    runner = SetupRunner(client, (1024, 768), chrome_timeout=20)
    outcomes = runner.run(
        [
            {"type": "launch", "parameters": {"command": ["true", f"--remote-debugging-port={port}"]}},
            {"type": "chrome_open_tabs", "parameters": {"urls_to_open": [first, second]}},
        ]
    )
    assert all(o.ok for o in outcomes), outcomes
    assert runner.chrome_port == port  # taken from the launch step
    # Polled: DevTools closes a tab asynchronously.
    want = sorted([first, second])  # the start tab (about:blank) was closed, as upstream
    until(lambda: sorted(t["url"] for t in tools.tabs()) == want, timeout=20, what=f"tabs {want}")
    outcomes = runner.run([{"type": "chrome_close_tabs", "parameters": {"urls_to_close": [first]}}])
    assert outcomes[0].ok and "1 tab" in outcomes[0].detail
    until(lambda: [t["url"] for t in tools.tabs()] == [second], timeout=20, what="only the second tab")
    assert CHROME_STEPS == {"chrome_open_tabs", "chrome_close_tabs"}


def test_no_endpoint_is_a_failed_step_not_a_hang(client):
    runner = SetupRunner(client, (1024, 768), chrome_port=_free_port(), chrome_timeout=1)
    outcomes = runner.run([{"type": "chrome_open_tabs", "parameters": {"urls_to_open": ["about:blank"]}}])
    assert not outcomes[0].ok and "no DevTools endpoint" in outcomes[0].detail
    with pytest.raises(ChromeError):
        ChromeDevTools(client, _free_port(), ready_timeout=0.5).tabs()
