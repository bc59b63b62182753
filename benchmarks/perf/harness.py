"""Harness overhead on the local tasks (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.harness

Runs every task of benchmarks/tasks/local with its oracle standing in for the
agent, through the real split runner (a fresh LocalDesktop per task), and
reports per task: reset (a new isolated desktop, ready), setup, evaluate — the
fixed overhead beside OSWorld's fixed 80 s (60 s after reset + 20 s before
evaluation) — and tasks per hour with one and with two desktops.
Target: <= 10 s fixed overhead per local task.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult
from benchmarks.osworld.evaluate import evaluate
from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.runner import run_split
from benchmarks.osworld.setup import SetupRunner
from benchmarks.osworld.tasks import load_split
from envs.local import LocalDesktop

LOCAL = Path(__file__).resolve().parents[1] / "tasks" / "local"
SIZE = (1280, 800)


def oracle_runner(phases: dict[str, list[float]]):
    def run_one(client, task, config, folder) -> EpisodeResult:
        start = time.perf_counter()
        SetupRunner(client, screen=client.screen_size()).setup_task(task)
        phases["setup"].append(time.perf_counter() - start)
        actions, last = oracle_plan(task)
        if actions:
            client.act(actions)
        start = time.perf_counter()
        scored = evaluate(task, client, last_action=last, cache_dir=folder / "eval")
        phases["evaluate"].append(time.perf_counter() - start)
        status = "done" if last != "FAIL" else "fail"
        return EpisodeResult(task_id=task.id, status=status, score=scored.score, steps=len(actions))
    return run_one


def main() -> None:
    tasks = load_split(LOCAL / "test_all.json", LOCAL / "examples")
    count = sum(len(t) for t in tasks.values())
    resets = []
    for _ in range(5):
        start = time.perf_counter()
        with LocalDesktop(*SIZE):
            resets.append(time.perf_counter() - start)
    rates, scores = {}, {}
    phases: dict[str, list[float]] = {"setup": [], "evaluate": []}
    for desktops in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            summary = run_split(tasks, config=AgentConfig(), out=Path(out), desktops=desktops,
                                task_timeout_s=120, size=SIZE, progress=False,
                                run_one=oracle_runner(phases))
            wall = time.perf_counter() - start
        rates[desktops] = count / wall * 3600
        scores[desktops] = summary.score
    reset, setup, score = (statistics.median(v) for v in (resets, phases["setup"], phases["evaluate"]))
    print(f"{count} local tasks, oracle as the agent, desktop {SIZE[0]}x{SIZE[1]}")
    print(f"reset (fresh isolated desktop, ready): median {reset:.2f} s")
    print(f"setup: median {setup:.2f} s   evaluate: median {score:.2f} s")
    print(f"fixed overhead per task: {reset + setup + score:.2f} s (OSWorld: 80 s of fixed waits)")
    for desktops in (1, 2):
        print(f"{desktops} desktop(s): {rates[desktops]:.0f} tasks/hour, score {scores[desktops]:.3f}")


if __name__ == "__main__":
    main()
