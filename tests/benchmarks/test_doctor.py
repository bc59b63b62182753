"""`agent bench osworld doctor`: one verdict per task, with its reasons, adding up per domain."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from benchmarks.osworld.assets import AssetCache, urls_for
from benchmarks.osworld.doctor import CATEGORIES, diagnose, doctor, format_doctor, programs_used, table
from benchmarks.osworld.tasks import Task, load_split

SPLIT_COUNTS = {
    "chrome": 46,
    "gimp": 26,
    "libreoffice_calc": 47,
    "libreoffice_impress": 47,
    "libreoffice_writer": 23,
    "multi_apps": 101,
    "os": 24,
    "thunderbird": 15,
    "vlc": 17,
    "vs_code": 23,
}


def _task(**fields):
    base = {
        "id": "t",
        "instruction": "x",
        "evaluator": {
            "func": "exact_match",
            "result": {"type": "vm_command_line", "command": "true"},
            "expected": {"type": "rule", "rules": {"expected": ""}},
        },
    }
    return Task.model_validate(base | fields)


def _by_id(verdicts):
    return {v.task_id: v for v in verdicts}


def test_counts_add_up_to_the_split_and_every_blocked_task_says_why(osworld_data, tmp_path):
    tasks = load_split(osworld_data / "test_all.json", osworld_data / "examples")
    verdicts = doctor(tasks, AssetCache(tmp_path / "empty-cache"))
    rows = table(verdicts)
    assert sum(rows["all"].values()) == 369 and len(verdicts) == 369
    assert {d: sum(c.values()) for d, c in rows.items() if d != "all"} == SPLIT_COUNTS
    for v in verdicts:
        assert v.category in CATEGORIES
        assert bool(v.reasons) == (v.category != "ready"), v
    assert rows["all"]["ready"] > 0 and rows["all"]["assets"] > 0 and rows["all"]["network"] > 0
    by_id = _by_id(verdicts)
    # Known cases: a proxy/live-web chrome task, systemd's timedatectl, VS Code.
    assert by_id["b6781586-6346-41cd-935a-a6b1487918fc"].category == "app"
    assert any("timedatectl" in r for r in by_id["b6781586-6346-41cd-935a-a6b1487918fc"].reasons)
    vs_code = [v for v in verdicts if v.domain == "vs_code"]
    if shutil.which("code") is None:
        assert all(v.category in ("app", "network") for v in vs_code)
        assert any("needs code" in r for v in vs_code for r in v.reasons)
    assert all(v.category == "network" for v in verdicts if any("the live web" in r for r in v.reasons))
    text = format_doctor(verdicts)
    assert text.splitlines()[0].split()[:3] == ["domain", "tasks", "ready"]
    assert "b6781586-6346-41cd-935a-a6b1487918fc" in text and "systemd as PID 1" in text


def test_a_task_waiting_only_for_assets_is_ready_once_they_are_cached(osworld_data, tmp_path):
    tasks = load_split(osworld_data / "test_all.json", osworld_data / "examples")
    task = next(t for t in tasks["os"] if t.id.startswith("5c1075ca"))  # setup.sh + eval.sh
    cache = AssetCache(tmp_path / "cache")
    before = diagnose(task, "os", cache)
    assert before.category == "assets" and "2 asset file(s) not cached" in before.reasons[0]
    for url in urls_for(task):
        cache.add(url, b"#!/bin/sh\n")
    after = diagnose(task, "os", cache)
    assert (after.category, after.reasons) == ("ready", [])


def test_verdict_order_network_before_app_before_harness_before_assets():
    live = _task(
        id="web",
        proxy=True,
        related_apps=["vscode"],
        config=[{"type": "download", "parameters": {"files": [{"url": "http://h/f", "path": "/f"}]}}],
    )
    v = diagnose(live, "d", AssetCache("/nonexistent-cache"))
    assert v.category == "network"
    assert any("proxy" in r for r in v.reasons) and any("asset" in r for r in v.reasons)
    harness = _task(id="h", evaluator={"func": "no_such_metric", "result": {"type": "vm_file", "path": "/a"}})
    assert diagnose(harness, "d", None).category == "harness"
    assert "metric no_such_metric is not supported yet" in diagnose(harness, "d", None).reasons


def test_programs_are_read_from_commands_getters_and_related_apps():
    task = _task(
        related_apps=["thunderbird", "os"],
        config=[
            {
                "type": "execute",
                "parameters": {"command": "VLC_VERBOSE=-1 vlc --intf dummy && ./setup.sh", "shell": True},
            },
            {
                "type": "execute",
                "parameters": {
                    "command": "echo {CLIENT_PASSWORD} | sudo -S apt install jq -y",
                    "shell": True,
                },
            },
            {"type": "launch", "parameters": {"command": ["code", "--disable-workspace-trust"]}},
            {
                "type": "launch",
                "parameters": {"command": "if [ -x /x ]; then socat tcp-listen:1 tcp:h:2; fi", "shell": True},
            },
        ],
    )
    found = programs_used(task)
    assert set(found) == {"vlc", "apt", "code", "socat", "thunderbird"}


def test_cli_json_table(osworld_data, tmp_path):
    from agent.cli.bench import osworld_app

    result = CliRunner().invoke(
        osworld_app,
        [
            "doctor",
            "--split",
            str(osworld_data / "test_all.json"),
            "--assets",
            str(tmp_path / "cache"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["table"]["all"]["tasks"] == 369
    assert sum(data["table"]["all"][c] for c in CATEGORIES) == 369
    assert len(data["tasks"]) == 369 and all("reasons" in t for t in data["tasks"])
