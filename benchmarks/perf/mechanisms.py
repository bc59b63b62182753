"""The Loop Breaker and the Completeness Verifier, measured on real tasks on real desktops.

    python -m benchmarks.perf.mechanisms                 # a modest subset (2 shared cores)
    python -m benchmarks.perf.mechanisms --full          # every local task and solved OSWorld task
    python -m benchmarks.perf.mechanisms --settings clean --full   # the false-veto sweep only

Each episode is a task's own solution played through the real graph by the fault-injecting
policy (agent/models/faulty.py) on a real desktop (`osworld` profile for real OSWorld
tasks), set up and scored by the task's own evaluator. Fault settings (SETTINGS) x arms
(Loop Breaker on/off x Verifier on/off, and a weaker verifier) share their seeds, so the
arms meet the same faults: paired. The step budget is the solution's length + 1 + --slack.

Printed per setting and arm: success rate (95% Wilson CI), wasted steps per episode (steps
that did not advance the solution: vetoes, rejections, the policy's repeats, premature
dones, missed clicks), vetoes per episode, the false-completion rate (said done, scored 0);
and the exact McNemar test of Loop Breaker on against off. On clean solutions (no faults)
with the Loop Breaker on, the false-veto rate: episodes with any veto (target 0).
The verifier here is SIMULATED (true/false-rejection rates): a what-if, not a model.
Every arm's folder (`OUT/<setting>/<arm>/rep-<seed>/`) is an ordinary repeats folder:
`agent bench report OUT/loop-prone/lb-on+ver-good OUT/loop-prone/lb-off+ver-good` pairs them.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.config import AgentConfig, LoopSettings
from benchmarks.osworld.oracle_policy import (
    local_tasks,
    plan_of,
    solved_osworld_tasks,
    write_plans,
)
from benchmarks.osworld.task_data import osworld_data
from benchmarks.osworld.tasks import Task
from benchmarks.report.stats import mcnemar_exact, wilson

DEFAULT_TASKS = (
    "local-terminal-mkdir",
    "local-files-chmod-private",
    "local-mousepad-note",
    "local-mousepad-append",
    "local-mousepad-edit-line",
)
SETTINGS: dict[str, dict[str, Any]] = {
    "clean": {},
    "loop-prone": {"stuck": 0.35, "stuck_len": 5, "listen_veto": 0.9},
    "false-done": {"early_done": 0.3, "listen_reject": 0.9},
    "sloppy": {"stuck": 0.1, "early_done": 0.1, "offset": 0.5, "typo": 0.1},
}
VERIFIERS: dict[str, dict[str, Any]] = {
    "good": {"verifier_tr": 0.9, "verifier_fr": 0.05},
    "weak": {"verifier_tr": 0.6, "verifier_fr": 0.2},
    "off": {"verifier": "off"},
}
# (arm name, Loop Breaker on, verifier)
ARMS = (
    ("lb-on+ver-good", True, "good"),
    ("lb-off+ver-good", False, "good"),
    ("lb-on+ver-off", True, "off"),
    ("lb-off+ver-off", False, "off"),
    ("lb-on+ver-weak", True, "weak"),
)
USEFUL = ("oracle", "typo", "final", "fix click", "retry focus", "wait for window", "settle")


def spec(plans: Path, seed: int, setting: str, verifier: str) -> str:
    params: dict[str, Any] = {"seed": seed, **SETTINGS[setting], **VERIFIERS[verifier]}
    return f"faulty:{plans}?" + "&".join(f"{k}={v}" for k, v in params.items())


def budgeted(slack: int) -> Callable[[Any, Task, AgentConfig, Path], Any]:
    """run_task_on with the step budget the solution's length + 1 + slack."""
    from benchmarks.osworld.pool import run_task_on

    def run_one(client: Any, task: Task, config: AgentConfig, folder: Path) -> Any:
        plan = plan_of(task)  # (and up to 3 waits for the apps to come up)
        steps = len(plan["actions"]) + 1 + slack + (3 if plan["settle_first"] else 0)
        return run_task_on(client, task, config.model_copy(update={"max_steps": steps}), folder)

    return run_one


def measure(folder: Path) -> dict[str, Any]:
    """One episode's figures, from its folder."""
    traj = []
    try:
        traj = [json.loads(line) for line in (folder / "traj.jsonl").read_text().splitlines() if line.strip()]
    except (OSError, ValueError):
        pass
    tax = {}
    try:
        tax = json.loads((folder / "taxonomy.json").read_text())
    except (OSError, ValueError):
        pass
    try:
        score = float((folder / "result.txt").read_text())
    except (OSError, ValueError):
        score = 0.0
    wasted = 0
    for r in traj:
        kind = str((r.get("decision") or {}).get("reasoning", "")).partition(":")[0]
        rejected = r.get("verifier") is not None and not r["verifier"].get("complete")
        if r.get("node") == "loop_breaker" or rejected or kind not in USEFUL:
            wasted += 1
    return {
        "success": score >= 1 - 1e-9,
        "steps": len(traj),
        "wasted": wasted,
        "vetoes": sum(1 for r in traj if r.get("loop_breaker")),
        "false_completion": tax.get("label") == "false_completion",
        "label": tax.get("label", ""),
    }


def run_arm(
    tasks: dict[str, list[Task]], out: Path, config: AgentConfig, slack: int, profile: str | None
) -> dict[tuple[str, str], dict[str, Any]]:
    from benchmarks.osworld.runner import run_split

    size = (1920, 1080) if profile == "osworld" else (1280, 800)  # OSWorld's VM screen
    run_split(
        tasks,
        config=config,
        out=out,
        desktops=1,
        task_timeout_s=600,
        size=size,
        progress=False,
        run_one=budgeted(slack),
        profile=profile,
    )
    return {(d, t.id): measure(out / d / t.id) for d, ts in tasks.items() for t in ts}


def table(setting: str, results: dict[str, dict[tuple[str, str, int], dict[str, Any]]]) -> str:
    lines = [
        f"### {setting}",
        "",
        (
            "| arm | episodes | success (95% CI) | wasted steps/ep | vetoes/ep | "
            "false completion | episodes with a veto |"
        ),
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for arm, eps in results.items():
        n = len(eps) or 1
        k = sum(e["success"] for e in eps.values())
        low, high = wilson(k, len(eps))
        lines.append(
            f"| {arm} | {len(eps)} | {k / n:.0%} ({low:.0%}-{high:.0%}) | "
            f"{sum(e['wasted'] for e in eps.values()) / n:.2f} | "
            f"{sum(e['vetoes'] for e in eps.values()) / n:.2f} | "
            f"{sum(e['false_completion'] for e in eps.values()) / n:.0%} | "
            f"{sum(e['vetoes'] > 0 for e in eps.values()) / n:.0%} |"
        )
    pairs = [("lb-on+ver-good", "lb-off+ver-good"), ("lb-on+ver-off", "lb-off+ver-off")]
    for a, b in pairs:
        if a in results and b in results:
            keys = set(results[a]) & set(results[b])
            only_a = sum(results[a][x]["success"] and not results[b][x]["success"] for x in keys)
            only_b = sum(results[b][x]["success"] and not results[a][x]["success"] for x in keys)
            lines.append(
                f"\n{a} vs {b}: solved only with the Loop Breaker {only_a}, only without {only_b}; "
                f"exact McNemar p = {mcnemar_exact(only_a, only_b):.3g}"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="every local task and every solved OSWorld task")
    ap.add_argument(
        "--settings",
        default="clean,loop-prone,false-done",
        help=f"comma-separated, of {', '.join(SETTINGS)} (--full adds sloppy)",
    )
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--slack", type=int, default=5, help="steps beyond the solution's length")
    ap.add_argument("--tasks", default=",".join(DEFAULT_TASKS), help="local task ids (without --full)")
    ap.add_argument("--out", type=Path, default=Path("runs/mechanisms"))
    args = ap.parse_args(argv)
    settings = args.settings.split(",") + (["sloppy"] if args.full and "sloppy" not in args.settings else [])
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        ap.error(f"unknown settings {unknown}; known: {', '.join(SETTINGS)}")
    local = local_tasks()
    if not args.full:
        wanted = args.tasks.split(",")
        local = {d: [t for t in ts if t.id in wanted] for d, ts in local.items()}
        local = {d: ts for d, ts in local.items() if ts}
    groups: list[tuple[str, dict[str, list[Task]], str | None]] = [("local", local, None)]
    examples = osworld_data() / "examples"  # OSWorld's task files, shipped (or $DESKPILOT_TASK_DATA)
    if args.full and examples.is_dir():
        groups.append(("osworld", solved_osworld_tasks(examples), "osworld"))
    all_tasks = [t for _, g, _ in groups for ts in g.values() for t in ts]
    plans = write_plans(all_tasks, args.out / "plans.json")
    print(
        f"{len(all_tasks)} tasks, settings {settings}, seeds 1..{args.seeds}, slack {args.slack}; "
        "the verifier is SIMULATED (a what-if)\n",
        flush=True,
    )
    for setting in settings:
        arms = ARMS[:2] if setting == "clean" else ARMS
        results: dict[str, dict[tuple[str, str, int], dict[str, Any]]] = {}
        for arm, lb_on, verifier in arms:
            for seed in range(1, (1 if setting == "clean" else args.seeds) + 1):
                config = AgentConfig(
                    model=spec(plans, seed, setting, verifier), loop=LoopSettings(enabled=lb_on)
                )
                for group, tasks, profile in groups:
                    # rep-<seed>: an arm's folder is a repeats folder `agent bench report` reads
                    name = arm if group == "local" else f"{arm}@{group}"
                    out = args.out / setting / name / f"rep-{seed}"
                    for (d, t), m in run_arm(tasks, out, config, args.slack, profile).items():
                        results.setdefault(arm, {})[(d, t, seed)] = m
        print(table(setting, results), flush=True)
        if setting == "clean" and "lb-on+ver-good" in results:
            vetoed = sorted(f"{d}/{t}" for (d, t, _), m in results["lb-on+ver-good"].items() if m["vetoes"])
            eps = len(results["lb-on+ver-good"])
            print(
                f"false-veto rate on clean solutions: {len(vetoed)}/{eps} episodes"
                + (f" ({', '.join(vetoed)})" if vetoed else "")
                + "\n",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
