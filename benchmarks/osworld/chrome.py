"""Chrome (Chromium) tab steps through the DevTools HTTP endpoints.

OSWorld's tasks launch `google-chrome --remote-debugging-port=1337` and then open
or close tabs over the DevTools protocol. We use its plain HTTP endpoints
(`/json/version`, `/json/list`, `PUT /json/new?<url>`, `/json/close/<id>`), and
reach them from inside the desktop: a short stdlib-only Python snippet runs there
through `run_python`, because a remote desktop's loopback is not ours.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from envs.base import CommandOutput

__all__ = ["DEFAULT_DEBUG_PORT", "ChromeDevTools", "ChromeError", "debug_port_in", "last_json", "same_url"]

DEFAULT_DEBUG_PORT = 1337  # what the OSWorld task files pass to google-chrome
_PORT_FLAG = re.compile(r"--remote-debugging-port[= ](\d+)")


class ChromeError(RuntimeError):
    """The DevTools endpoint did not answer, or answered with an error."""


class PythonDesktop(Protocol):
    def run_python(self, code: str, timeout: float = 30) -> CommandOutput: ...


def debug_port_in(command: Any) -> int | None:
    """The `--remote-debugging-port` a launch command asks for, if any."""
    text = command if isinstance(command, str) else " ".join(str(c) for c in command or [])
    match = _PORT_FLAG.search(text)
    return int(match.group(1)) if match else None


def _normal(url: str) -> tuple[str, str, str, str]:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port:
        host = f"{host}:{parts.port}"
    return parts.scheme.lower(), host, parts.path.rstrip("/"), parts.query


def same_url(a: str, b: str) -> bool:
    """Equal up to case of scheme and host, a leading `www.` and a trailing slash."""
    return _normal(a) == _normal(b)


# Runs inside the desktop: stdlib only. PORT, WAIT and CALLS are prepended.
_SNIPPET_BODY = r"""
import json, time, urllib.request
BASE = "http://127.0.0.1:%d" % PORT

def _call(method, path):
    request = urllib.request.Request(BASE + path, method=method)
    with urllib.request.urlopen(request, timeout=10) as reply:
        body = reply.read().decode("utf-8", "replace")
    try:
        return json.loads(body)
    except ValueError:
        return body

_deadline = time.time() + WAIT
while True:
    try:
        _call("GET", "/json/version")
        break
    except Exception as exc:
        if time.time() > _deadline:
            print(json.dumps({"ready": False, "error": "%s: %s" % (type(exc).__name__, exc)}))
            raise SystemExit(0)
        time.sleep(0.25)
_results = []
for _method, _path in CALLS:
    try:
        _results.append({"ok": True, "body": _call(_method, _path)})
    except Exception as exc:
        _results.append({"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)})
print(json.dumps({"ready": True, "results": _results}))
"""


class ChromeDevTools:
    """The DevTools HTTP endpoints of a browser in `desktop`, on `port`."""

    def __init__(
        self,
        desktop: PythonDesktop,
        port: int = DEFAULT_DEBUG_PORT,
        *,
        ready_timeout: float = 60.0,
        attempt_s: float = 15.0,
    ) -> None:
        self.desktop, self.port = desktop, int(port)
        self.ready_timeout, self.attempt_s = ready_timeout, attempt_s

    def _calls(self, calls: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Wait (up to ready_timeout) for the endpoint, then make the calls in order."""
        deadline = time.monotonic() + self.ready_timeout
        while True:
            wait = max(0.0, min(self.attempt_s, deadline - time.monotonic()))
            code = f"PORT = {self.port}\nWAIT = {wait!r}\nCALLS = {json.dumps(list(calls))}\n" + _SNIPPET_BODY
            out = self.desktop.run_python(code, timeout=wait + 30)
            reply = last_json(out.output)
            if reply is None:
                raise ChromeError(
                    f"DevTools helper failed in the desktop (returncode "
                    f"{out.returncode}): {(out.error or out.output).strip()[-300:]}"
                )
            if reply.get("ready"):
                return reply["results"]
            if time.monotonic() >= deadline:
                raise ChromeError(
                    f"no DevTools endpoint on port {self.port} after "
                    f"{self.ready_timeout:.0f} s: {reply.get('error')}"
                )

    @staticmethod
    def _body(result: dict[str, Any], what: str) -> Any:
        if not result["ok"]:
            raise ChromeError(f"{what}: {result['error']}")
        return result["body"]

    def version(self) -> dict[str, Any]:
        return self._body(self._calls([("GET", "/json/version")])[0], "/json/version")

    def tabs(self) -> list[dict[str, Any]]:
        """The open tabs (targets of type "page"), each `{id, url, title, ...}`."""
        targets = self._body(self._calls([("GET", "/json/list")])[0], "/json/list")
        return [t for t in targets if t.get("type") == "page"]

    def open_tabs(self, urls: Iterable[str]) -> list[dict[str, Any]]:
        """Open each URL in a new tab; like OSWorld, the tab that was there first (the
        browser's start page) is closed once the first new one is open."""
        urls = list(urls)
        if not urls:
            return []
        before = self.tabs()
        calls = [("PUT", "/json/new?" + quote(url, safe="")) for url in urls]
        results = self._calls(calls)
        opened = [self._body(r, f"open {url}") for r, url in zip(results, urls)]
        if before:
            self.close_ids([before[0]["id"]])
        return opened

    def activate(self, tab_id: str) -> None:
        """Bring a tab to the front (`/json/activate/<id>`)."""
        self._body(
            self._calls([("GET", f"/json/activate/{quote(tab_id, safe='')}")])[0], f"activate tab {tab_id}"
        )

    def close_ids(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            for result, tab_id in zip(
                self._calls([("GET", f"/json/close/{quote(i, safe='')}") for i in ids]), ids
            ):
                self._body(result, f"close tab {tab_id}")

    def close_tabs(self, urls: Iterable[str]) -> list[str]:
        """Close, for each URL, the first open tab showing it; return the URLs closed."""
        tabs = self.tabs()
        closing: list[str] = []
        closed: list[str] = []
        for url in urls:
            for tab in tabs:
                if tab["id"] not in closing and same_url(tab.get("url", ""), url):
                    closing.append(tab["id"])
                    closed.append(tab.get("url", url))
                    break
        self.close_ids(closing)
        return closed


def last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None
