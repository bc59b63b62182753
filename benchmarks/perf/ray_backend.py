"""The Ray backend's cost beside the local one (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.ray_backend [--desktops 2] [--tasks N]

Runs the offline local tasks (benchmarks/tasks/local, oracle as the agent, a fresh
LocalDesktop per task) through run_split twice with the same desktops: the local
backend (a thread per desktop) and the Ray backend (an actor per desktop, on a local
Ray instance started here), and prints Ray's startup, the wall time, tasks per hour,
and the score of each (both must score every task the same).
"""

from __future__ import annotations

import argparse
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

LOCAL = Path(__file__).resolve().parents[1] / "tasks" / "local"
SIZE = (1280, 800)


def run_oracle(client, task, config, folder: Path) -> EpisodeResult:
    """Set up, play the oracle, score: the agent's place taken by the task's own solution."""
    SetupRunner(client, screen=client.screen_size()).setup_task(task)
    actions, last = oracle_plan(task)
    if actions:
        client.act(actions)
    scored = evaluate(task, client, last_action=last, cache_dir=folder / "eval")
    folder.mkdir(parents=True, exist_ok=True)
    return EpisodeResult(
        task_id=task.id, status="fail" if last == "FAIL" else "done", score=scored.score, steps=len(actions)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktops", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=0, help="only the first N tasks (0: all)")
    args = parser.parse_args(argv)
    split = load_split(LOCAL / "test_all.json", LOCAL / "examples")
    tasks = [t for group in split.values() for t in group]
    tasks = tasks[: args.tasks] if args.tasks else tasks

    import ray

    start = time.perf_counter()
    ray.init(num_cpus=args.desktops, include_dashboard=False, log_to_driver=False)
    ray_start = time.perf_counter() - start
    figures = {}
    try:
        for backend in ("local", "ray"):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                summary = run_split(
                    tasks,
                    config=AgentConfig(),
                    out=Path(out),
                    desktops=args.desktops,
                    task_timeout_s=180,
                    size=SIZE,
                    progress=False,
                    run_one=run_oracle,
                    backend=backend,
                )
                figures[backend] = (time.perf_counter() - start, summary.score)
    finally:
        ray.shutdown()
    print(f"{len(tasks)} local tasks, oracle as the agent, {args.desktops} desktop(s) {SIZE[0]}x{SIZE[1]}")
    print(f"Ray startup (local instance, {args.desktops} CPUs): {ray_start:.1f} s")
    for backend, (wall, score) in figures.items():
        print(
            f"{backend:>5}: {wall:6.1f} s wall, {len(tasks) / wall * 3600:5.0f} tasks/hour, score {score:.3f}"
        )


if __name__ == "__main__":
    main()
