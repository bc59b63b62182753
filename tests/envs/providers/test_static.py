"""The static provider: desktops from a list, handed out one at a time, checked first."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from envs.providers import ProviderError
from envs.providers.static import StaticProvider


class Server:
    """Answers GET on `paths` with 200 when the token matches (401 otherwise)."""

    def __init__(self, token: str | None = None, paths: tuple[str, ...] = ("/health",)) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer.hits.append(self.path)
                ok_token = token is None or self.headers.get("authorization") == f"Bearer {token}"
                code = 404 if self.path not in paths else (200 if ok_token else 401)
                data = json.dumps({"status": "ok", "server": "deskpilot"}).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    made: list[Server] = []

    def make(*args, **kwargs) -> Server:
        made.append(Server(*args, **kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_from_a_toml_file_with_tokens_from_the_environment(servers, tmp_path, monkeypatch):
    a, b = servers("tok-a"), servers(None, paths=("/screenshot",))
    path = tmp_path / "desktops.toml"
    path.write_text(
        f'[[desktops]]\nurl = "{a.url}/"\ntoken_env = "VM_A_TOKEN"\nname = "vm-a"\n\n'
        f'[[desktops]]\nurl = "{b.url}"\nprobe = "/screenshot"\n'
    )
    monkeypatch.setenv("VM_A_TOKEN", "tok-a")
    provider = StaticProvider.from_file(path)
    first, second = provider.acquire(), provider.acquire()
    assert (first.name, first.url, first.token) == ("vm-a", a.url, "tok-a")
    assert (second.name, second.url, second.token) == ("desktop-2", b.url, None)
    assert b.hits == ["/screenshot"]  # an OSWorld VM's probe
    assert "tok-a" not in repr(first)
    with first.client() as desktop:
        assert desktop.health()["server"] == "deskpilot"
    monkeypatch.delenv("VM_A_TOKEN")
    provider.release(first)
    with pytest.raises(ProviderError, match="VM_A_TOKEN is not set"):
        provider.acquire(timeout=0)


def test_leases_are_exclusive_and_waiting_ends_on_release(servers):
    provider = StaticProvider([servers().url, servers().url])
    a, b = provider.acquire(), provider.acquire()
    assert a.url != b.url and provider.available == 0
    with pytest.raises(ProviderError, match="all 2 desktops are in use"):
        provider.acquire(timeout=0.2)
    got = []
    waiter = threading.Thread(target=lambda: got.append(provider.acquire(timeout=10)))
    waiter.start()
    time.sleep(0.3)
    assert not got
    provider.release(b)
    waiter.join(10)
    assert got and got[0].url == b.url
    provider.release(a)
    assert provider.available == 1
    with pytest.raises(ProviderError, match="was not leased"):
        provider.release(a)  # twice


def test_a_desktop_that_does_not_answer_is_skipped_and_kept(servers):
    live = servers("t")
    provider = StaticProvider(
        [{"url": dead_url(), "name": "down"}, {"url": live.url, "token": "t", "name": "up"}],
        probe_timeout=0.5,
    )
    lease = provider.acquire()
    assert lease.name == "up" and provider.available == 1  # "down" stays in the pool
    with pytest.raises(ProviderError, match=r"no desktop answered(.|\n)*down: .*not healthy"):
        provider.acquire(timeout=0)
    assert provider.available == 1
    wrong = StaticProvider([{"url": live.url, "token": "nope"}])
    with pytest.raises(ProviderError, match="refused the token"):
        wrong.acquire()
    unchecked = StaticProvider([{"url": dead_url(), "probe": ""}])
    assert unchecked.acquire().provider == "static"  # probe "" : no check


def test_bad_lists_get_clear_errors(tmp_path):
    with pytest.raises(ProviderError, match="no desktops"):
        StaticProvider([])
    with pytest.raises(ProviderError, match="desktop 1: .*http:// or https://"):
        StaticProvider(["10.0.0.5:5000"])
    with pytest.raises(ProviderError, match="token or token_env, not both"):
        StaticProvider([{"url": "http://a:1", "token": "x", "token_env": "Y"}])
    with pytest.raises(ProviderError, match="unique"):
        StaticProvider([{"url": "http://a:1", "name": "x"}, {"url": "http://b:1", "name": "x"}])
    bad = tmp_path / "d.json"
    bad.write_text('{"desktops": "http://a:1"}')
    with pytest.raises(ProviderError, match="expected a list"):
        StaticProvider.from_file(bad)
    (tmp_path / "d.toml").write_text("[[desktops]\n")
    with pytest.raises(ProviderError, match="d.toml"):
        StaticProvider.from_file(tmp_path / "d.toml")
