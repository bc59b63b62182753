"""Runs the Triton kernel checks (think_triton_interpreted.py) in a fresh pytest process with
TRITON_INTERPRET=1 set before anything imports Triton: set later, Triton's own library
functions stay compiled-mode and the interpreter refuses them."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = Path(__file__).with_name("think_triton_interpreted.py")
EXPECTED = 10  # tests in CHECKS, so a collection slip cannot pass silently


def test_triton_kernel_matches_the_reference_under_the_interpreter():
    missing = [m for m in ("torch", "triton", "transformers") if importlib.util.find_spec(m) is None]
    if missing:
        message = f"{', '.join(missing)} missing (pip install -e '.[think]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(CHECKS)],
        cwd=Path(__file__).parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(rf"\b{EXPECTED} passed\b", summary) and "skipped" not in summary, summary
