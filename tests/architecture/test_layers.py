"""The layer contracts in pyproject.toml hold, and they would catch the cycles they replace.

`lint-imports` checks the tree as it is; then a copy of the tree with one forbidden import
put back (the cycles this project once had) must fail the same check, naming the contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("agent", "benchmarks", "envs", "grounding")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_tree_keeps_its_layers():
    done = lint(REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout


def copy_tree(tmp: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(
            REPO / name,
            tmp / name,
            ignore=shutil.ignore_patterns("__pycache__", "data", "tasks", "*.png", "*.json"),
        )
    shutil.copy(REPO / "pyproject.toml", tmp / "pyproject.toml")
    return tmp


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # the agent core reaching up into the task layer (agent/run_cli.py once did)
        ("agent/graph.py", "import benchmarks.osworld.evaluate", "the agent core imports neither"),
        # the task layer's per-task pool importing a command (benchmarks -> agent.run_cli)
        ("benchmarks/osworld/pool.py", "import agent.cli.run", "nothing below the command line"),
        # a core node importing the chat UI (agent/nodes/approve.py once did)
        ("agent/nodes/approve.py", "import agent.chat.control", "agent: cli > runners"),
        # envs importing the agent
        ("envs/local.py", "import agent.config", "envs imports nothing of ours"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    root = copy_tree(tmp_path)
    path = root / module
    path.write_text(path.read_text() + f"\n{line}  # put back on purpose\n")
    done = lint(root)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in " ".join(broken.split()), done.stdout[-3000:]
