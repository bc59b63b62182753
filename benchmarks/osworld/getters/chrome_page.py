"""Reading pages of a browser in the desktop over the DevTools protocol (CDP).

OSWorld's Chrome getters drive Playwright over `connect_over_cdp` from the host.
We reach the browser from inside the desktop instead (a remote desktop's loopback
is not ours): a stdlib-only snippet runs there through `run_python`, opens the
browser's WebSocket endpoint (a minimal RFC 6455 client, since the stdlib has
none), and uses flat CDP sessions to

- `evaluate` a JavaScript expression in open tabs (by target id), and
- `visit` a URL in a fresh, isolated browser context (as Playwright's
  `browser.new_page()` does), evaluate there, optionally print it to PDF, and
  close it again.

Values come back by value (JSON), so expressions must return plain data.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from benchmarks.osworld.chrome import DEFAULT_DEBUG_PORT, ChromeError, PythonDesktop, last_json

__all__ = ["ChromePages", "PageVisit"]

# Runs inside the desktop: stdlib only. PORT, OPS and TIMEOUT are prepended.
_SNIPPET_BODY = r"""
import base64, json, os, socket, struct, time, urllib.request

def _version():
    with urllib.request.urlopen("http://127.0.0.1:%d/json/version" % PORT, timeout=10) as r:
        return json.loads(r.read().decode())

class WS:
    def __init__(self, url):
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0] + b" ":
            raise RuntimeError("websocket handshake refused: %r" % head[:200])
        self.next_id, self.events = 0, []

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("websocket closed by the browser")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, data):
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._take(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._take(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._take(8))[0]
            mask = self._take(4) if b1 & 0x80 else None
            data = self._take(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 8:
                raise RuntimeError("websocket closed by the browser")
            if opcode == 9:
                self._send_frame(10, data)
                continue
            if opcode in (0, 1, 2):
                parts.append(data)
                if b0 & 0x80:
                    return json.loads(b"".join(parts).decode("utf-8", "replace"))

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._send_frame(1, json.dumps(msg).encode())
        while True:
            reply = self._message()
            if reply.get("id") == msg["id"]:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})

def _evaluate(ws, session, expr):
    r = ws.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                     "awaitPromise": True}, session)
    if "exceptionDetails" in r:
        d = r["exceptionDetails"]
        raise RuntimeError("page script failed: %s" % (d.get("exception", {}).get("description")
                                                        or d.get("text")))
    return r.get("result", {}).get("value")

def _settle(ws, session, wait):
    end = time.time() + wait
    while time.time() < end:
        try:
            if _evaluate(ws, session, "document.readyState") == "complete":
                return True
        except Exception:
            pass
        time.sleep(0.2)
    return False

def _attach(ws, target):
    return ws.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

def _run(ws, op):
    if op["op"] == "evaluate":
        session = _attach(ws, op["target"])
        try:
            loaded = _settle(ws, session, op.get("wait", 0))
            return {"value": _evaluate(ws, session, op["expr"]), "loaded": loaded}
        finally:
            ws.call("Target.detachFromTarget", {"sessionId": session})
    context = ws.call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
    try:
        target = ws.call("Target.createTarget", {"url": "about:blank",
                                                 "browserContextId": context})["targetId"]
        session = _attach(ws, target)
        ws.call("Page.enable", {}, session)
        ws.call("Page.navigate", {"url": op["url"]}, session)
        time.sleep(0.2)
        out = {"loaded": _settle(ws, session, op.get("wait", 0))}
        if op.get("expr"):
            out["value"] = _evaluate(ws, session, op["expr"])
        if op.get("pdf"):
            out["pdf"] = ws.call("Page.printToPDF", {}, session)["data"]
        return out
    finally:
        ws.call("Target.disposeBrowserContext", {"browserContextId": context})

try:
    _ws = WS(_version()["webSocketDebuggerUrl"])
except Exception as exc:
    print(json.dumps({"ready": False, "error": "%s: %s" % (type(exc).__name__, exc)}))
    raise SystemExit(0)
_results = []
for _op in OPS:
    try:
        _results.append(dict(_run(_ws, _op), ok=True))
    except Exception as exc:
        _results.append({"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)})
print(json.dumps({"ready": True, "results": _results}))
"""


@dataclass
class PageVisit:
    loaded: bool  # document.readyState reached "complete" in time
    value: Any = None  # the expression's value
    pdf: bytes | None = None  # the page printed to PDF, when asked


class ChromePages:
    """Evaluate JavaScript in the tabs of a browser in `desktop`, or in pages it visits."""

    def __init__(
        self, desktop: PythonDesktop, port: int = DEFAULT_DEBUG_PORT, *, timeout: float = 30.0
    ) -> None:
        self.desktop, self.port, self.timeout = desktop, int(port), timeout

    def _run(self, ops: list[dict[str, Any]], budget: float) -> list[dict[str, Any]]:
        # OPS travels as a JSON string literal: JSON's true/null are not Python.
        code = (
            f"import json\nPORT = {self.port}\nTIMEOUT = {self.timeout!r}\n"
            f"OPS = json.loads({json.dumps(json.dumps(ops))})\n" + _SNIPPET_BODY
        )
        out = self.desktop.run_python(code, timeout=budget + 30)
        reply = last_json(out.output)
        if reply is None:
            raise ChromeError(
                f"CDP helper failed in the desktop (returncode {out.returncode}): "
                f"{(out.error or out.output).strip()[-300:]}"
            )
        if not reply.get("ready"):
            raise ChromeError(f"no DevTools endpoint on port {self.port}: {reply.get('error')}")
        return reply["results"]

    def evaluate(self, targets: list[str], expression: str, *, wait: float = 5.0) -> list[Any]:
        """`expression`'s value in each tab (target id); waits up to `wait` s per tab for
        it to finish loading. A tab where it fails gives a ChromeError in its place."""
        ops = [{"op": "evaluate", "target": t, "expr": expression, "wait": wait} for t in targets]
        results = self._run(ops, budget=wait * len(targets) + self.timeout) if ops else []
        return [r["value"] if r["ok"] else ChromeError(r["error"]) for r in results]

    def visit(
        self, url: str, expression: str | None = None, *, wait: float = 30.0, pdf: bool = False
    ) -> PageVisit:
        """Open `url` in a fresh isolated context, wait for it to load, evaluate
        `expression` there (and print it to PDF if asked), then close it."""
        op = {"op": "visit", "url": url, "expr": expression, "wait": wait, "pdf": pdf}
        result = self._run([op], budget=wait + self.timeout)[0]
        if not result["ok"]:
            raise ChromeError(f"visit {url}: {result['error']}")
        data = result.get("pdf")
        return PageVisit(result["loaded"], result.get("value"), base64.b64decode(data) if data else None)
