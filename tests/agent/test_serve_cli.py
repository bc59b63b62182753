"""`agent serve`: dry runs, a missing vLLM, and real launches of a fake `vllm` executable
(a small script on PATH that serves /health on the port it is given) - healthy, dying
with a log, hanging past the timeout, and a foreground server stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from typer.testing import CliRunner

from agent.cli import app
from grounding.serving import launch
from grounding.serving.profiles import resolve, vllm_argv

FAKE_VLLM = """#!{python}
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

args = sys.argv[1:]
with open(os.environ["FAKE_VLLM_RECORD"], "a") as f:
    f.write(json.dumps({{"argv": args, "pid": os.getpid(),
                        "api_key": os.environ.get("VLLM_API_KEY")}}) + "\\n")
print("INFO loading", args[1], flush=True)
mode = os.environ.get("FAKE_VLLM_MODE", "serve")
if mode == "die":
    print("ValueError: no CUDA GPUs are available", flush=True)
    sys.exit(3)
if mode == "hang":
    time.sleep(3600)
time.sleep(float(os.environ.get("FAKE_VLLM_DELAY", "0")))


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer((args[args.index("--host") + 1], int(args[args.index("--port") + 1])), Health).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeVllm:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        exe = self.bin / "vllm"
        exe.write_text(FAKE_VLLM.format(python=sys.executable))
        exe.chmod(0o755)
        self.record = root / "record.jsonl"
        self.log = root / "serve.log"
        self.port = free_port()
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_VLLM_RECORD", str(self.record))

    def calls(self) -> list[dict]:
        return (
            [json.loads(line) for line in self.record.read_text().splitlines()]
            if self.record.exists()
            else []
        )

    def kill_all(self) -> None:
        for call in self.calls():
            try:
                os.killpg(call["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def fake_vllm(tmp_path, monkeypatch):
    fake = FakeVllm(tmp_path, monkeypatch)
    yield fake
    fake.kill_all()


def gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


runner = CliRunner()


def test_dry_run_prints_the_profile_command(monkeypatch):
    result = runner.invoke(app, ["serve", "grounding", "--model", "jedi-3b", "--dry-run", "--port", "8100"])
    assert result.exit_code == 0, result.output
    assert shlex.split(result.output.strip()) == vllm_argv(resolve("grounding", "jedi-3b"), port=8100)
    # The planner's image limit follows the agent's own history settings.
    monkeypatch.setenv("DESKPILOT_HISTORY_IMAGES", "5")
    result = runner.invoke(app, ["serve", "planner", "--dry-run", "--gpus", "2"])
    argv = shlex.split(result.output.strip())
    assert argv == vllm_argv(resolve("planner"), images=13, gpus=2)


def test_dry_run_beyond_loopback_puts_a_key_in_the_environment_only():
    result = runner.invoke(app, ["serve", "grounding", "--dry-run", "--host", "0.0.0.0"])
    words = shlex.split(result.output.strip())
    assert words[0].startswith("VLLM_API_KEY=") and len(words[0]) > len("VLLM_API_KEY=") + 20
    assert words[1:3] == ["vllm", "serve"] and "--api-key" not in words
    result = runner.invoke(app, ["serve", "grounding", "--dry-run", "--host", "0.0.0.0", "--api-key", "k1"])
    assert shlex.split(result.output)[0] == "VLLM_API_KEY=k1"


def test_unknown_model_and_missing_vllm_say_what_to_do(tmp_path, monkeypatch):
    result = runner.invoke(app, ["serve", "grounding", "--model", "nonsense"])
    assert result.exit_code == 2 and "unknown model 'nonsense'" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = runner.invoke(app, ["serve", "grounding", "--log", str(tmp_path / "x.log")])
    assert result.exit_code == 2
    assert "pip install 'deskpilot[serve]'" in result.output


def test_detached_launch_waits_for_health_and_prints_the_endpoint(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_DELAY", "1.0")  # the health wait must really wait
    result = runner.invoke(
        app,
        [
            "serve",
            "grounding",
            "--model",
            "jedi-7b",
            "--port",
            str(fake_vllm.port),
            "--detach",
            "--log",
            str(fake_vllm.log),
        ],
    )
    assert result.exit_code == 0, result.output
    url = f"http://127.0.0.1:{fake_vllm.port}/v1"
    assert f"endpoint: jedi@{url}" in result.output
    assert f"agent run --grounder jedi@{url}" in result.output
    [call] = fake_vllm.calls()
    assert call["argv"] == vllm_argv(resolve("grounding", "jedi-7b"), port=fake_vllm.port)[1:]
    assert call["api_key"] is None  # loopback: no key needed
    assert httpx.get(f"http://127.0.0.1:{fake_vllm.port}/health").status_code == 200
    assert "INFO loading xlangai/Jedi-7B-1080p" in fake_vllm.log.read_text()


def test_a_server_that_dies_reports_its_log_tail(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "die")
    result = runner.invoke(
        app, ["serve", "grounding", "--port", str(fake_vllm.port), "--log", str(fake_vllm.log)]
    )
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "exited with code 3 before it was healthy" in text
    assert "no CUDA GPUs are available" in text


def test_a_server_that_never_gets_healthy_is_stopped(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "hang")
    server = launch.start(
        ["vllm", "serve", "m", "--host", "127.0.0.1", "--port", str(fake_vllm.port)],
        port=fake_vllm.port,
        log_path=fake_vllm.log,
    )
    # The log line must be there before the 1 s wait starts: a child slow to start on a
    # busy machine has not written it yet, and wait_healthy stops it before reading the log.
    deadline = time.monotonic() + 30
    while "INFO loading m" not in _read(fake_vllm.log) and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(launch.ServeError, match=r"not healthy after 1 s(.|\n)*INFO loading m"):
        launch.wait_healthy(server, timeout=1.0, interval=0.1)
    assert gone(server.pid)


def test_foreground_server_with_a_key_stops_on_ctrl_c(fake_vllm):
    command = [
        sys.executable,
        "-c",
        "from agent.cli import app; app()",
        "serve",
        "planner",
        "--host",
        "0.0.0.0",
        "--port",
        str(fake_vllm.port),
        "--log",
        str(fake_vllm.log),
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("endpoint:"):
                break
        assert (
            lines
            and lines[-1].strip() == f"endpoint: vllm:qwen2.5-vl-7b@http://127.0.0.1:{fake_vllm.port}/v1"
        ), lines
        [call] = fake_vllm.calls()
        key = call["api_key"]
        assert key and len(key) >= 24 and key not in " ".join(call["argv"])  # in the environment only
        assert call["argv"][call["argv"].index("--host") + 1] == "0.0.0.0"
        assert any(key in line for line in lines)  # shown to the person who started it
        assert psutil.pid_exists(call["pid"])
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert gone(call["pid"])
    finally:
        if proc.poll() is None:
            proc.kill()
