"""Harness overhead on the local tasks and on osworld-profile desktops (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.harness [--local] [--osworld]

Runs every task of benchmarks/tasks/local with its oracle standing in for the
agent, through the real split runner (a fresh LocalDesktop per task), and
reports per task: reset (a new isolated desktop, ready), setup, evaluate — the
fixed overhead beside OSWorld's fixed 80 s (60 s after reset + 20 s before
evaluation) — and tasks per hour with one and with two desktops.
Target: <= 10 s fixed overhead per local task.

--osworld: the `osworld` profile (envs/profiles/): the baseline home's build (once)
and copy, the reset (fresh home copied from the baseline + desktop ready; target
<= 5 s), and the whole-task overhead without agent steps (reset + setup + evaluate
+ teardown, through the split runner) on the real OSWorld tasks that `doctor` says
run here now (os, vlc, chrome), scored untouched.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Literal

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult
from benchmarks.osworld.evaluate import evaluate
from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.runner import run_split
from benchmarks.osworld.setup import SetupRunner
from benchmarks.osworld.task_data import osworld_data
from benchmarks.osworld.tasks import load_split
from envs.local import LocalDesktop

LOCAL = Path(__file__).resolve().parents[1] / "tasks" / "local"
SIZE = (1280, 800)


def oracle_runner(phases: dict[str, list[float]]):
    def run_one(client, task, config, folder) -> EpisodeResult:
        start = time.perf_counter()
        SetupRunner(client, screen=client.screen_size(), cache_dir=folder / "eval").setup_task(task)
        phases["setup"].append(time.perf_counter() - start)
        actions, last = oracle_plan(task)
        if actions:
            client.act(actions)
        start = time.perf_counter()
        scored = evaluate(task, client, last_action=last, cache_dir=folder / "eval")
        phases["evaluate"].append(time.perf_counter() - start)
        status: Literal["done", "fail"] = "done" if last != "FAIL" else "fail"
        return EpisodeResult(task_id=task.id, status=status, score=scored.score, steps=len(actions))

    return run_one


def untouched_runner(phases: dict[str, list[float]]):
    """Setup, then evaluate with no step in between: the fixed cost of a real task."""

    def run_one(client, task, config, folder) -> EpisodeResult:
        start = time.perf_counter()
        SetupRunner(client, screen=client.screen_size(), cache_dir=folder / "eval").setup_task(task)
        phases["setup"].append(time.perf_counter() - start)
        start = time.perf_counter()
        scored = evaluate(task, client, last_action=None, cache_dir=folder / "eval")
        phases["evaluate"].append(time.perf_counter() - start)
        return EpisodeResult(task_id=task.id, status="done", score=scored.score, steps=0)

    return run_one


def local_figures() -> None:
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
            summary = run_split(
                tasks,
                config=AgentConfig(),
                out=Path(out),
                desktops=desktops,
                task_timeout_s=120,
                size=SIZE,
                progress=False,
                run_one=oracle_runner(phases),
            )
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


def osworld_figures(domains: tuple[str, ...] = ("os", "vlc", "chrome")) -> None:
    from benchmarks.osworld.doctor import doctor
    from envs.profiles.baseline import baseline_home, copy_home

    start = time.perf_counter()
    home = baseline_home()
    built = time.perf_counter() - start
    copies = []
    for _ in range(5):
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            copy_home(home, Path(scratch) / "home")
            copies.append(time.perf_counter() - start)
    resets, plain = [], []
    for _ in range(5):  # interleaved, so that both see the same load on the machine
        start = time.perf_counter()
        with LocalDesktop(profile="osworld"):
            resets.append(time.perf_counter() - start)
        start = time.perf_counter()
        with LocalDesktop():
            plain.append(time.perf_counter() - start)
    osworld = osworld_data()
    split = load_split(osworld / "test_all.json", osworld / "examples")
    ready = {v.task_id for v in doctor(split, None) if v.category == "ready"}
    tasks = {d: [t for t in split[d] if t.id in ready] for d in domains if d in split}
    count = sum(len(t) for t in tasks.values())
    phases: dict[str, list[float]] = {"setup": [], "evaluate": []}
    out = Path(tempfile.mkdtemp(prefix="harness-osworld-"))
    try:
        start = time.perf_counter()
        summary = run_split(
            tasks,
            config=AgentConfig(),
            out=out,
            desktops=1,
            task_timeout_s=180,
            progress=False,
            run_one=untouched_runner(phases),
            profile="osworld",
        )
        wall = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    median = statistics.median
    print(
        f"osworld profile, 1920x1080; baseline home {sum(f.stat().st_size for f in home.rglob('*') if f.is_file()) / 1e6:.1f} MB"
        + (f", built now in {built:.0f} s" if built > 1 else " (cached)")
    )
    print(f"baseline copy: median {median(copies):.2f} s")
    print(
        f"reset (fresh home from the baseline + desktop ready): median {median(resets):.2f} s "
        f"(target <= 5 s; OSWorld: VM snapshot revert + 60 s wait); "
        f"a default-profile desktop beside it: {median(plain):.2f} s"
    )
    print(f"{count} real OSWorld tasks that run here now ({', '.join(tasks)}), no agent steps:")
    print(
        f"  setup: median {median(phases['setup']):.2f} s   evaluate: median {median(phases['evaluate']):.2f} s"
    )
    print(
        f"  whole-task overhead (reset + setup + evaluate + teardown): {wall / max(count, 1):.2f} s per task "
        f"(OSWorld: 80 s of fixed waits)"
    )
    statuses = Counter(r.status for r in summary.rows)
    above = [f"{r.domain}/{r.task_id[:8]}={r.score:g}" for r in summary.rows if r.score]
    print(f"  untouched desktops: {dict(statuses)}; scoring above 0: {', '.join(above) or 'none'}")
    for row in summary.rows:
        if row.reason:
            print(f"    {row.domain}/{row.task_id}: {row.status} {row.reason[:160]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.perf.harness")
    parser.add_argument("--local", action="store_true", help="only the local tasks")
    parser.add_argument("--osworld", action="store_true", help="only the osworld profile")
    args = parser.parse_args(argv)
    both = not (args.local or args.osworld)
    if args.local or both:
        local_figures()
    if args.osworld or both:
        osworld_figures()


if __name__ == "__main__":
    main()
