"""The Docker provider's reset (a fresh container) and OSWorld's own image, as upstream runs
it, against the fake Docker client of test_docker.py."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from envs.providers import Provider, ProviderError
from envs.providers.docker import DockerProvider
from envs.providers.osworld_docker import osworld_docker

from .test_docker import FakeClient, FakeContainer, free_port, http_backend


def test_reset_is_a_fresh_container_with_a_new_token():
    client = FakeClient(http_backend())
    provider = DockerProvider(client)
    assert isinstance(provider, Provider)
    lease = provider.start(name="d1")
    assert lease.can_reset
    fresh = provider.reset(lease)
    assert fresh.name == "d1" and fresh.handle != lease.handle and fresh.token != lease.token
    assert lease.handle not in client.containers.by_id and fresh.handle in client.containers.by_id
    with fresh.client() as desktop:
        assert desktop.health()["server"] == "deskpilot"
    provider.close()
    assert client.containers.by_id == {}


def osworld_backend(hits: list[str]):
    """A container of happysixd/osworld-docker: OSWorld's server (no token, no /health)."""

    def make(client: FakeClient, cid: str, kwargs: dict) -> FakeContainer:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hits.append(self.path)
                code = 200 if self.path == "/screenshot" else 404
                self.send_response(code)
                self.send_header("content-length", "4")
                self.end_headers()
                self.wfile.write(b"\x89PNG")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        container = FakeContainer(client, cid, kwargs["name"], server.shutdown)
        container.status = "running"
        ports = {"5000/tcp": server.server_address[1]}
        ports.update({p: free_port() for p in ("9222/tcp", "8080/tcp", "8006/tcp")})
        container.published = {p: [{"HostIp": "127.0.0.1", "HostPort": str(v)}] for p, v in ports.items()}
        return container

    return make


def test_osworld_image_runs_as_upstream_runs_it(tmp_path):
    qcow2 = tmp_path / "Ubuntu.qcow2"
    qcow2.write_bytes(b"QFI\xfb")
    hits: list[str] = []
    client = FakeClient(osworld_backend(hits))
    provider = osworld_docker(qcow2, client, kvm=True, ram="8G", cpus=2)
    lease = provider.acquire()
    _, image, kwargs = client.calls[0]
    assert image == "happysixd/osworld-docker"
    assert kwargs["volumes"] == {str(qcow2): {"bind": "/System.qcow2", "mode": "ro"}}
    assert kwargs["cap_add"] == ["NET_ADMIN"] and kwargs["devices"] == ["/dev/kvm"]
    assert kwargs["environment"] == {"DISK_SIZE": "32G", "RAM_SIZE": "8G", "CPU_CORES": "2"}
    assert kwargs["ports"] == {
        p: ("127.0.0.1", None) for p in ("5000/tcp", "9222/tcp", "8080/tcp", "8006/tcp")
    }
    assert kwargs["labels"] == {"deskpilot.desktop": "1"}
    assert lease.token is None and hits == ["/screenshot"]  # readiness: upstream's probe
    assert set(lease.extra) == {"chrome", "vlc", "vnc"}
    assert all(url.startswith("http://127.0.0.1:") for url in lease.extra.values())
    again = provider.reset(lease)  # upstream: a new container
    assert again.handle != lease.handle and len([c for c in client.calls if c[0] == "run"]) == 2
    provider.close()
    assert client.containers.by_id == {}


def test_osworld_without_kvm_says_so_and_a_missing_image_is_named(tmp_path):
    qcow2 = tmp_path / "Ubuntu.qcow2"
    qcow2.write_bytes(b"")
    provider = osworld_docker(qcow2, FakeClient(osworld_backend([])), kvm=False)
    assert provider.environment["KVM"] == "N" and "devices" not in provider.run_options
    with pytest.raises(ProviderError, match="nowhere.qcow2 does not exist"):
        osworld_docker(tmp_path / "nowhere.qcow2")
