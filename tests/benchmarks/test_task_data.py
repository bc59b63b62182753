"""Where task data lives: the packaged OSWorld/WAA files by default, DESKPILOT_TASK_DATA to
point elsewhere, and no code that guesses a folder beside the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli.bench import osworld_app
from benchmarks.osworld import task_data
from benchmarks.osworld.tasks import load_split
from tests.benchmarks.conftest import REPO


def test_the_packaged_task_data_is_the_default(monkeypatch):
    monkeypatch.delenv(task_data.ENV, raising=False)
    assert task_data.task_data_dir() == REPO / "benchmarks" / "data"
    assert task_data.split_file("test_small") == REPO / "benchmarks/data/osworld/test_small.json"
    small = load_split(task_data.split_file("test_small"), task_data.osworld_data() / "examples")
    assert sum(len(tasks) for tasks in small.values()) == 39
    waa = load_split(task_data.split_file("test_all", "waa"), task_data.waa_data() / "examples")
    assert sum(len(tasks) for tasks in waa.values()) == 154
    with pytest.raises(ValueError, match="osworld or waa"):
        task_data.split_file("test_all", "webarena")


def test_the_setting_names_another_folder_and_the_cli_reads_it(tmp_path, monkeypatch):
    """A copy with one task in test_small: `agent bench osworld coverage` counts that one."""
    mine = tmp_path / "data" / "osworld"
    task = next((task_data.PACKAGED / "osworld" / "examples" / "os").glob("*.json"))
    (mine / "examples" / "os").mkdir(parents=True)
    shutil.copy2(task, mine / "examples" / "os" / task.name)
    (mine / "test_small.json").write_text(json.dumps({"os": [task.stem]}))
    monkeypatch.setenv(task_data.ENV, str(tmp_path / "data"))
    assert task_data.osworld_data() == mine
    result = CliRunner().invoke(osworld_app, ["coverage", "--split", "test_small"])
    assert result.exit_code == 0, result.output
    assert [line.split()[:2] for line in result.output.splitlines() if line.startswith("all")] == [
        ["all", "1"]
    ]
    monkeypatch.setenv(task_data.ENV, str(tmp_path / "nowhere"))
    missing = CliRunner().invoke(osworld_app, ["coverage", "--split", "test_small"])
    assert missing.exit_code != 0 and "nowhere" in missing.output


def test_no_code_guesses_a_folder_beside_the_checkout():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout")
    found = subprocess.run(
        [
            "git",
            "grep",
            "-n",
            "-E",
            r"shared/data|/work/shared|\"shared\" /",
            "--",
            "agent",
            "benchmarks/*.py",
            "envs",
            "grounding",
            "scripts",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout == "", found.stdout
    assert Path(task_data.__file__).parent.parent == REPO / "benchmarks"
