"""A stand-in control server for the small test VM: the protocol's /health, /screenshot,
/execute, /run_bash_script, /setup/upload, /file, /platform and /screen_size, on port 5000.

It runs inside the guest on Debian's python3 alone. The guest has no display, so
/screenshot answers a small solid PNG whose colour follows /etc/deskpilot/colour (a
"setting" a test can change and see reverted). The token, when there is one, comes from
the kernel command line (deskpilot.token=...), so each VM booted by the provider has its
own and a snapshot keeps it.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import json
import os
import struct
import subprocess
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 5000
WIDTH, HEIGHT = 64, 48


def cmdline_value(key: str) -> str | None:
    try:
        with open("/proc/cmdline", encoding="utf-8") as f:
            words = f.read().split()
    except OSError:
        return None
    for word in words:
        if word.startswith(key + "="):
            return word.split("=", 1)[1]
    return None


TOKEN = cmdline_value("deskpilot.token")


def _form_field(part: email.message.Message) -> tuple[str, bytes] | None:
    """(name, content) of one multipart part; None for a part without a name or a body."""
    name = part.get_param("name", header="content-disposition")
    payload = part.get_payload(decode=True)
    if isinstance(name, str) and isinstance(payload, bytes):
        return name, payload
    return None


def png(rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * WIDTH
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * HEIGHT))
        + chunk(b"IEND", b"")
    )


def colour() -> tuple[int, int, int]:
    try:
        with open("/etc/deskpilot/colour", encoding="utf-8") as f:
            text = f.read().strip().lstrip("#")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except (OSError, ValueError, IndexError):
        return 40, 40, 40


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, code: int, body: bytes | dict, kind: str = "application/json") -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        self.send_response(code)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def allowed(self) -> bool:
        if TOKEN and self.headers.get("authorization") != f"Bearer {TOKEN}":
            self.reply(401, {"status": "error", "message": "missing or wrong token"})
            return False
        return True

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def form(self) -> dict[str, bytes]:
        """Fields of a multipart or urlencoded form."""
        raw = self.body()
        kind = self.headers.get("content-type", "")
        if kind.startswith("multipart/"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"content-type: " + kind.encode() + b"\r\n\r\n" + raw
            )
            return dict(field for part in message.iter_parts() if (field := _form_field(part)))
        from urllib.parse import parse_qs

        return {k: v[0].encode() for k, v in parse_qs(raw.decode()).items()}

    def do_GET(self) -> None:
        if not self.allowed():
            return
        if self.path == "/health":
            self.reply(
                200,
                {
                    "status": "ok",
                    "server": "deskpilot-vm-standin",
                    "screen": {"width": WIDTH, "height": HEIGHT},
                },
            )
        elif self.path == "/screenshot":
            self.reply(200, png(colour()), "image/png")
        elif self.path == "/platform":
            self.reply(200, b"Linux", "text/plain")
        else:
            self.reply(404, {"status": "error", "message": f"no route {self.path}"})

    def do_POST(self) -> None:
        if not self.allowed():
            return
        if self.path == "/execute":
            request = json.loads(self.body() or b"{}")
            command, shell = request.get("command"), bool(request.get("shell"))
            try:
                done = subprocess.run(
                    command, shell=shell, capture_output=True, text=True, timeout=120, check=False
                )
                self.reply(
                    200,
                    {
                        "status": "success",
                        "output": done.stdout,
                        "error": done.stderr,
                        "returncode": done.returncode,
                    },
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                self.reply(200, {"status": "error", "output": "", "error": str(exc), "returncode": -1})
        elif self.path == "/run_bash_script":
            request = json.loads(self.body() or b"{}")
            done = subprocess.run(
                ["bash", "-c", request.get("script", "")],
                capture_output=True,
                text=True,
                timeout=float(request.get("timeout") or 100),
                cwd=request.get("working_dir") or None,
                check=False,
            )
            self.reply(
                200,
                {
                    "status": "success",
                    "output": done.stdout,
                    "error": done.stderr,
                    "returncode": done.returncode,
                },
            )
        elif self.path == "/setup/upload":
            fields = self.form()
            path = fields.get("file_path", b"").decode()
            if not path.startswith("/"):
                self.reply(400, {"status": "error", "message": "file_path must be absolute"})
                return
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(fields.get("file_data") or b"")
                out.flush()
                os.fsync(out.fileno())
            self.reply(200, {"status": "success"})
        elif self.path == "/file":
            path = self.form().get("file_path", b"").decode()
            try:
                with open(path, "rb") as f:
                    self.reply(200, f.read(), "application/octet-stream")
            except OSError as exc:
                self.reply(404, {"status": "error", "message": str(exc)})
        elif self.path == "/screen_size":
            self.reply(200, {"width": WIDTH, "height": HEIGHT})
        else:
            self.reply(404, {"status": "error", "message": f"no route {self.path}"})


def main() -> None:
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    print(f"deskpilot-vm-standin: serving on port {PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
