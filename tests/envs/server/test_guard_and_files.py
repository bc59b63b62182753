"""The server's security and file routes, in-process (no display needed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from envs.server.app import create_app
from envs.server.config import ServerSettings

TOKEN = "s3cret-token"


@pytest.fixture
def roots(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    return home, outside


@pytest.fixture
def http(roots):
    home, _ = roots
    app = create_app(ServerSettings(token=TOKEN, roots=[home], max_body_bytes=64 * 1024))
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}, raise_server_exceptions=False) as c:
        yield c


def test_requests_without_the_token_are_refused(roots):
    home, _ = roots
    app = create_app(ServerSettings(token=TOKEN, roots=[home]))
    with TestClient(app) as anonymous:
        reply = anonymous.post("/list_directory", json={"path": str(home)})
        assert reply.status_code == 401
        assert reply.json()["status"] == "error"
        assert "token" in reply.json()["message"]
        wrong = anonymous.post(
            "/list_directory", json={"path": str(home)}, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        right = anonymous.post(
            "/list_directory", json={"path": str(home)}, headers={"X-Deskpilot-Token": TOKEN}
        )
        assert right.status_code == 200


def test_non_loopback_bind_needs_a_token():
    with pytest.raises(ValueError, match="needs a token"):
        ServerSettings(host="0.0.0.0")
    assert ServerSettings(host="0.0.0.0", token="t").token == "t"
    assert ServerSettings(host="::1").token is None  # loopback v6 is fine without one


def test_server_process_refuses_to_start_beyond_loopback_without_token():
    env = {k: v for k, v in os.environ.items() if k != "DESKPILOT_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "envs.server", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2
    assert "needs a token" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_upload_and_read_back_round_trip(http, roots):
    home, _ = roots
    payload = bytes(range(256)) * 10
    reply = http.post(
        "/setup/upload",
        data={"file_path": str(home / "sub" / "blob.bin")},
        files={"file_data": ("blob.bin", payload)},
    )
    assert reply.status_code == 200, reply.text
    assert (home / "sub" / "blob.bin").read_bytes() == payload
    back = http.post("/file", data={"file_path": str(home / "sub" / "blob.bin")})
    assert back.status_code == 200
    assert back.content == payload


def test_list_directory_gives_osworlds_tree(http, roots):
    home, _ = roots
    (home / "a").mkdir()
    (home / "a" / "x.txt").write_text("x")
    (home / "b.txt").write_text("b")
    tree = http.post("/list_directory", json={"path": str(home)}).json()["directory_tree"]
    assert tree["type"] == "directory"
    names = {child["name"]: child for child in tree["children"]}
    assert names["b.txt"] == {"type": "file", "name": "b.txt"}
    assert names["a"]["children"] == [{"type": "file", "name": "x.txt"}]


@pytest.mark.parametrize("route", ["/file", "/setup/upload", "/list_directory"])
def test_traversal_is_refused(http, roots, route):
    home, outside = roots
    sneaky = str(home / ".." / "outside" / "secret.txt")
    if route == "/file":
        reply = http.post(route, data={"file_path": sneaky})
    elif route == "/setup/upload":
        reply = http.post(route, data={"file_path": sneaky}, files={"file_data": ("x", b"pwned")})
    else:
        reply = http.post(route, json={"path": str(home / ".." / "outside")})
    assert reply.status_code == 403
    assert "outside the allowed roots" in reply.json()["message"]
    assert (outside / "secret.txt").read_text() == "top secret"


def test_symlink_escape_is_refused(http, roots):
    home, outside = roots
    (home / "link").symlink_to(outside)
    (home / "file-link").symlink_to(outside / "secret.txt")
    assert http.post("/file", data={"file_path": str(home / "link" / "secret.txt")}).status_code == 403
    assert http.post("/file", data={"file_path": str(home / "file-link")}).status_code == 403
    upload = http.post(
        "/setup/upload", data={"file_path": str(home / "file-link")}, files={"file_data": ("x", b"pwned")}
    )
    assert upload.status_code == 403
    assert (outside / "secret.txt").read_text() == "top secret"


def test_oversized_body_is_refused(http, roots):
    home, _ = roots
    reply = http.post(
        "/setup/upload",
        data={"file_path": str(home / "big.bin")},
        files={"file_data": ("big.bin", b"0" * (200 * 1024))},
    )
    assert reply.status_code == 413
    assert "limit" in reply.json()["message"]
    assert not (home / "big.bin").exists()


def test_errors_are_json_with_a_message_not_a_traceback(http, roots):
    home, _ = roots
    missing = http.post("/file", data={"file_path": str(home / "nope.txt")})
    assert missing.status_code == 404
    assert missing.json() == {"status": "error", "message": f"no such file: {home / 'nope.txt'}"}
    invalid = http.post("/act", json={"actions": [{"type": "hotkey", "keys": ["ctrl", "bogus"]}]})
    assert invalid.status_code == 422
    assert "unknown key name 'bogus'" in invalid.json()["message"]
    unknown_type = http.post("/act", json={"actions": [{"type": "teleport"}]})
    assert unknown_type.status_code == 422
    assert "Traceback" not in unknown_type.text


def test_execute_runs_commands_with_a_timeout(roots):
    home, _ = roots
    app = create_app(ServerSettings(roots=[home], command_timeout=1.0))
    with TestClient(app) as c:
        ok = c.post("/execute", json={"command": ["echo", "hi there"], "shell": False}).json()
        assert ok == {"status": "success", "output": "hi there\n", "error": "", "returncode": 0}
        split = c.post("/execute", json={"command": "echo 'a b'  c", "shell": False}).json()
        assert split["output"] == "a b c\n"  # a string without shell is split as OSWorld does
        slow = c.post("/execute", json={"command": "sleep 30", "shell": True}).json()
        assert slow["returncode"] != 0
        assert "timed out" in slow["error"]
        missing = c.post("/execute", json={"command": ["no-such-program-xyz"]}).json()
        assert missing["returncode"] == 127


def test_run_python_and_bash_script(roots):
    home, _ = roots
    app = create_app(ServerSettings(roots=[home]))
    with TestClient(app) as c:
        py = c.post("/run_python", json={"code": "import sys\nprint('<&>' * 2)\nsys.exit(3)"}).json()
        assert py["output"] == "<&><&>\n"
        assert py["returncode"] == 3
        sh = c.post(
            "/run_bash_script",
            json={"script": "cd /; pwd; echo err >&2", "timeout": 10, "working_dir": str(home)},
        ).json()
        assert sh["output"] == "/\n"
        assert sh["error"] == "err\n"
        bad_dir = c.post("/run_bash_script", json={"script": "true", "working_dir": "/nope/nope"})
        assert bad_dir.status_code == 400
