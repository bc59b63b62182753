"""Stand-ins for the runner tests: a provider of desktops that are only names, and a tiny
HTTP desktop that remembers what it was told (the state a task leaves behind)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from envs.providers.base import DesktopLease, ProviderError, ResetUnsupported


class FakeVMs:
    """A provider whose desktops exist only as names (the task runners of these tests never
    talk to them). Records acquire / reset / release / close in order; every reset hands out
    a new URL, as a fresh container would. `failing_resets` resets fail (the desktop lost);
    `unsupported` makes reset refuse although the leases claim they can be reset."""

    def __init__(self, failing_resets: int = 0, unsupported: bool = False) -> None:
        self.events: list[tuple[str, ...]] = []
        self.failing_resets, self.unsupported = failing_resets, unsupported
        self._lock = threading.Lock()
        self._made = 0

    def _lease(self, name: str) -> DesktopLease:
        self._made += 1
        return DesktopLease(
            f"http://{name}-{self._made}.invalid",
            None,
            name=name,
            provider="fake",
            handle=name,
            can_reset=True,
        )

    def acquire(self) -> DesktopLease:
        with self._lock:
            name = f"vm{sum(e[0] == 'acquire' for e in self.events) + 1}"
            self.events.append(("acquire", name))
            return self._lease(name)

    def reset(self, lease: DesktopLease, mode: str = "snapshot") -> DesktopLease:
        with self._lock:
            self.events.append(("reset", lease.name, mode))
            if self.unsupported:
                raise ResetUnsupported(f"{lease.name} has no snapshot to go back to")
            if self.failing_resets:
                self.failing_resets -= 1
                raise ProviderError(f"{lease.name} did not come back")
            return self._lease(lease.name)

    def release(self, lease: DesktopLease) -> None:
        with self._lock:
            self.events.append(("release", lease.name))

    def close(self) -> None:
        with self._lock:
            self.events.append(("close",))

    def of(self, name: str) -> list[tuple[str, ...]]:
        """The events of one desktop, in order."""
        return [e for e in self.events if len(e) > 1 and e[1] == name]


class StandInDesktop:
    """A desktop server on 127.0.0.1 that answers /health and remembers every /execute
    command: its output is everything run so far, so a task sees what earlier ones left."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/health":
                    self._reply({"status": "ok"})
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path != "/execute":
                    self.send_error(404)
                    return
                outer.commands.append(str(body.get("command")))
                self._reply({"returncode": 0, "output": "\n".join(outer.commands), "error": ""})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
