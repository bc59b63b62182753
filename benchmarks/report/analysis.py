"""The numbers of a results report, as JSON-able data (report.json holds exactly this).

Per configuration: success per domain with 95% Wilson intervals, the failure taxonomy per
domain, steps / wall time / tokens / cost per episode, and over repeats the mean score with
its 95% t interval, pass@k and pass^k, and the tasks whose outcome flips between repeats.
Given two or more configurations: each against the first, per task (and repeat) — which
tasks one solves and the other does not — with the exact McNemar test.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from benchmarks.osworld.taxonomy import LABELS
from benchmarks.report.runs import Episode, Run
from benchmarks.report.stats import (
    mcnemar_exact,
    mean_ci,
    pass_at_k,
    pass_hat_k,
    wilson,
)

__all__ = ["analyse", "compare", "summarise"]

WHAT_IF_NOTE = (
    "Played by the fault-injecting policy (agent/models/faulty.py): its verifier "
    "verdicts come from a SIMULATED verifier with set true- and false-rejection rates "
    "- a what-if, not a model's judgement."
)


def _rate(episodes: list[Episode]) -> dict[str, Any]:
    k, n = sum(e.success for e in episodes), len(episodes)
    low, high = wilson(k, n)
    return {"solved": k, "episodes": n, "rate": k / n if n else 0.0, "ci95": [low, high]}


def summarise(run: Run) -> dict[str, Any]:
    eps = run.episodes
    by_domain: dict[str, list[Episode]] = defaultdict(list)
    for e in eps:
        by_domain[e.domain].append(e)
    taxonomy = {
        d: {
            label: sum(e.label == label for e in items)
            for label in LABELS
            if any(e.label == label for e in items)
        }
        for d, items in by_domain.items()
    }
    reps = run.reps
    per_rep = {r: [e for e in eps if e.rep == r] for r in reps}
    rep_scores = [sum(e.success for e in items) / len(items) for items in per_rep.values() if items]
    mean, half = mean_ci(rep_scores)
    by_task: dict[tuple[str, str], list[Episode]] = defaultdict(list)
    for e in eps:
        by_task[(e.domain, e.task_id)].append(e)
    n = len(reps)
    pass_k = {}
    if n:
        for k in range(1, n + 1):
            tasks = [items for items in by_task.values() if len(items) == n]
            pass_k[str(k)] = {
                "pass@k": sum(pass_at_k(n, sum(e.success for e in t), k) for t in tasks) / max(1, len(tasks)),
                "pass^k": sum(pass_hat_k(n, sum(e.success for e in t), k) for t in tasks)
                / max(1, len(tasks)),
            }
    flipping = [
        {"domain": d, "task_id": t, "outcomes": {str(e.rep): int(e.success) for e in items}}
        for (d, t), items in sorted(by_task.items())
        if len({e.success for e in items}) > 1
    ]
    return {
        "name": run.name,
        "path": str(run.path),
        "what_if": run.what_if,
        "repeats": reps,
        "overall": _rate(eps),
        "domains": {d: _rate(items) for d, items in sorted(by_domain.items())},
        "taxonomy": taxonomy,
        "repeat_scores": {str(r): s for r, s in zip(reps, rep_scores)},
        "mean_over_repeats": {"mean": mean, "ci95_half_width": half},
        "pass_k": pass_k,
        "flipping_tasks": flipping,
        "episodes": [e.to_dict() for e in eps],
    }


def compare(a: Run, b: Run) -> dict[str, Any]:
    """Paired per task and repeat (episodes both runs have); McNemar on the discordant pairs."""
    left = {(e.domain, e.task_id, e.rep): e for e in a.episodes}
    right = {(e.domain, e.task_id, e.rep): e for e in b.episodes}
    pairs = sorted(set(left) & set(right))
    only_a = [list(k) for k in pairs if left[k].success and not right[k].success]
    only_b = [list(k) for k in pairs if right[k].success and not left[k].success]
    both = sum(left[k].success and right[k].success for k in pairs)
    return {
        "a": a.name,
        "b": b.name,
        "pairs": len(pairs),
        "both_solved": both,
        "neither_solved": len(pairs) - both - len(only_a) - len(only_b),
        "only_a": only_a,
        "only_b": only_b,
        "mcnemar_exact_p": mcnemar_exact(len(only_a), len(only_b)),
    }


def analyse(runs: list[Run]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "runs": [summarise(r) for r in runs],
        "comparisons": [compare(runs[0], r) for r in runs[1:]],
    }
    if any(r.what_if for r in runs):
        data["what_if"] = WHAT_IF_NOTE
    return data
