"""The docker provider against a fake Docker client that records its calls. What stands in
for a container is real: a local HTTP server that checks the token, or (with desktop tools)
the image's own entrypoint, docker/desktop-entrypoint.sh, starting a real desktop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from envs.providers import ProviderError
from envs.providers.docker import DockerProvider

ROOT = Path(__file__).resolve().parents[3]


class NotFound(Exception):
    """As the SDK's docker.errors.NotFound."""


class FakeContainer:
    def __init__(self, client: FakeClient, cid: str, name: str, stop: Callable[[], None]) -> None:
        self.client, self.id, self.name = client, cid, name
        self.status = "created"
        self.ports: dict[str, list[dict[str, str]]] = {}
        self.published: dict[str, list[dict[str, str]]] = {}
        self.log_lines: list[str] = []
        self._stop = stop

    def reload(self) -> None:
        self.client.calls.append(("reload", self.id))
        self.ports = self.published

    def logs(self, tail: int = 10) -> bytes:
        return "\n".join(self.log_lines[-tail:]).encode()

    def stop(self, timeout: int = 10) -> None:
        self.client.calls.append(("stop", self.id))
        self._stop()
        self.status = "exited"

    def remove(self, force: bool = False) -> None:
        self.client.calls.append(("remove", self.id))
        self._stop()
        del self.client.containers.by_id[self.id]


class FakeContainers:
    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.by_id: dict[str, FakeContainer] = {}

    def run(self, image: str, **kwargs: Any) -> FakeContainer:
        self.client.calls.append(("run", image, kwargs))
        if image == "missing:image":
            raise RuntimeError("404 Client Error: pull access denied for missing")
        cid = f"{len(self.client.calls):064x}"
        container = self.client.backend(self.client, cid, kwargs)
        self.by_id[cid] = container
        return container

    def get(self, cid: str) -> FakeContainer:
        self.client.calls.append(("get", cid))
        if cid not in self.by_id:
            raise NotFound(cid)
        return self.by_id[cid]


class FakeClient:
    def __init__(self, backend: Callable[[FakeClient, str, dict], FakeContainer]) -> None:
        self.backend = backend
        self.calls: list[tuple] = []
        self.containers = FakeContainers(self)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health_server(token: str, delay: float = 0.0) -> ThreadingHTTPServer:
    """Answers /health like our control server: 401 without the token, 503 while 'starting'."""
    started = time.monotonic()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.headers.get("authorization") != f"Bearer {token}":
                code, body = 401, {"status": "error"}
            elif time.monotonic() - started < delay:
                code, body = 503, {"status": "starting"}
            else:
                code, body = (
                    200,
                    {"status": "ok", "server": "deskpilot", "screen": {"width": 1280, "height": 720}},
                )
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def http_backend(delay: float = 0.0, exits: bool = False):
    def make(client: FakeClient, cid: str, kwargs: dict) -> FakeContainer:
        if exits:  # the entrypoint refused to start
            container = FakeContainer(client, cid, kwargs["name"], lambda: None)
            container.status = "exited"
            container.log_lines = [
                "starting",
                "deskpilot-desktop: refusing to serve on 0.0.0.0 without a token",
            ]
            container.published = {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(free_port())}]}
            return container
        server = health_server(kwargs["environment"]["DESKPILOT_TOKEN"], delay)
        container = FakeContainer(client, cid, kwargs["name"], server.shutdown)
        container.status = "running"
        container.published = {
            "5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(server.server_address[1])}]
        }
        return container

    return make


def test_start_runs_a_container_with_a_fresh_token_and_waits_for_health():
    client = FakeClient(http_backend(delay=0.5))
    provider = DockerProvider(client, image="deskpilot-desktop:test", width=1280, height=720)
    lease = provider.start(name="d1")
    run = client.calls[0]
    assert run[0] == "run" and run[1] == "deskpilot-desktop:test"
    kwargs = run[2]
    assert kwargs["detach"] is True and kwargs["name"] == "d1"
    assert kwargs["ports"] == {"5000/tcp": ("127.0.0.1", None)}  # loopback, a free port
    env = kwargs["environment"]
    assert env["DESKPILOT_WIDTH"] == "1280" and env["DESKPILOT_HEIGHT"] == "720"
    assert len(env["DESKPILOT_TOKEN"]) >= 24 and lease.token == env["DESKPILOT_TOKEN"]
    assert kwargs["labels"] == {"deskpilot.desktop": "1"} and kwargs["shm_size"] == "1g"
    port = client.containers.by_id[lease.handle].published["5000/tcp"][0]["HostPort"]
    assert lease.url == f"http://127.0.0.1:{port}" and lease.provider == "docker"
    assert lease.token not in repr(lease)
    with lease.client() as desktop:
        assert desktop.health()["server"] == "deskpilot"
    # A second container gets another token.
    other = provider.start()
    assert other.token != lease.token and other.name.startswith("deskpilot-desktop-")
    provider.stop(lease)
    assert ("stop", lease.handle) in client.calls and ("remove", lease.handle) in client.calls
    assert lease.handle not in client.containers.by_id
    provider.stop(lease)  # already gone: fine
    provider.close()
    assert client.containers.by_id == {}


def test_a_container_that_exits_is_removed_and_its_logs_explain():
    client = FakeClient(http_backend(exits=True))
    provider = DockerProvider(client, start_timeout=30)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"exited before it was healthy(.|\n)*without a token"):
        provider.start()
    assert time.monotonic() - started < 10  # no waiting out the timeout
    cid = client.calls[0]
    assert client.containers.by_id == {} and any(c[0] == "remove" for c in client.calls)
    assert cid[0] == "run"


def test_a_container_that_never_gets_healthy_times_out_and_is_removed():
    client = FakeClient(http_backend(delay=60))
    provider = DockerProvider(client, start_timeout=1.0)
    with pytest.raises(ProviderError, match="not healthy after 1 s"):
        provider.start()
    assert client.containers.by_id == {}


def test_image_errors_and_a_missing_sdk_are_clear(monkeypatch):
    provider = DockerProvider(FakeClient(http_backend()), image="missing:image")
    with pytest.raises(ProviderError, match="cannot start a container of missing:image: RuntimeError: 404"):
        provider.start()
    monkeypatch.setitem(sys.modules, "docker", None)  # not installed
    with pytest.raises(ProviderError, match="pip install docker"):
        DockerProvider().start()


def test_a_wildcard_bind_is_reached_over_loopback_and_a_remote_engine_by_name():
    assert DockerProvider(FakeClient(http_backend()), bind="0.0.0.0").url_host == "127.0.0.1"
    assert DockerProvider(FakeClient(http_backend()), url_host="gpu-box").url_host == "gpu-box"


def entrypoint_backend(tmp: Path):
    """The container is the image's entrypoint, run here as this user with the environment
    the provider asked for, on a port published 'by Docker' (a free one)."""

    def make(client: FakeClient, cid: str, kwargs: dict) -> FakeContainer:
        port = free_port()
        home = tmp / cid[-6:] / "home"
        home.mkdir(parents=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISPLAY", "DBUS_", "XDG_", "WAYLAND", "DESKPILOT_"))
        }
        env.update(
            kwargs["environment"],
            HOME=str(home),
            DESKPILOT_HOST="127.0.0.1",
            DESKPILOT_PORT=str(port),
            DESKPILOT_RUN_DIR=str(home.parent / "run"),
            XDG_RUNTIME_DIR=str(home.parent / "runtime"),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            PYTHONPATH=str(ROOT),
        )
        log = (home.parent / "container.log").open("ab")
        proc = subprocess.Popen(
            [str(ROOT / "docker" / "desktop-entrypoint.sh")],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def stop() -> None:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

        container = FakeContainer(client, cid, kwargs["name"], stop)
        container.status = "running"
        container.published = {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
        return container

    return make


@pytest.mark.desktop
def test_the_image_entrypoint_serves_a_real_desktop(desktop_tools, tmp_path):
    client = FakeClient(entrypoint_backend(tmp_path))
    with DockerProvider(client, width=800, height=600, start_timeout=60) as provider:
        lease = provider.start()
        with lease.client() as desktop:
            assert desktop.health()["server"] == "deskpilot"
            assert desktop.screen_size() == (800, 600)
        assert httpx.get(f"{lease.url}/health", timeout=5).status_code == 401  # token demanded
    assert client.containers.by_id == {}
