"""Score a task the way OSWorld's `DesktopEnv.evaluate()` does.

1. Run the evaluator's postconfig steps.
2. `func == "infeasible"`: 1 if the agent's last action was FAIL, else 0.
   Any other task whose last action was FAIL scores 0.
3. One metric: `metric(get(result), get(expected), **options)`; without an
   expected spec, `metric(get(result), **options)`.
4. A list of metrics, `conj` "and" (the default): 0 at the first metric that
   scores 0, else the mean; "or": 1 at the first that scores 1, else the max.

Where upstream would crash (a getter or metric raising), we score that metric 0
and say why in `EvalResult.error`; only an unreachable desktop propagates, since
then no score means anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.getters import GETTERS, EvalContext, EvalDesktop
from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.setup import (
    SetupDesktop,
    SetupRunner,
    UnsupportedSetupStep,
)
from benchmarks.osworld.tasks import GetterSpec, Task
from envs.base import DesktopUnreachable

__all__ = ["EvalResult", "EvaluationDesktop", "UnsupportedEvaluator", "evaluate", "unsupported_evaluator"]

log = logging.getLogger(__name__)
INFEASIBLE = "infeasible"


class EvaluationDesktop(EvalDesktop, SetupDesktop, Protocol):
    """Postconfig steps and getters together; `envs.client.DesktopClient` is one."""


@dataclass
class EvalResult:
    score: float
    details: list[dict[str, Any]] = field(default_factory=list)  # one entry per metric run
    error: str | None = None


class UnsupportedEvaluator(NotImplementedError):
    def __init__(self, names: list[str], task_id: str | None = None) -> None:
        self.names, self.task_id = names, task_id
        where = f" (task {task_id})" if task_id else ""
        super().__init__(f"not supported yet{where}: {', '.join(names)}")


def unsupported_evaluator(task: Task) -> list[str]:
    """`metric:<name>` and `getter:<name>` entries the evaluator needs but we lack."""
    missing: list[str] = []
    for name in task.evaluator.metrics:
        if name != INFEASIBLE and name not in METRICS and f"metric:{name}" not in missing:
            missing.append(f"metric:{name}")
    if task.infeasible:
        return missing  # its getters are never called
    for spec in task.evaluator.getter_specs():
        if spec.type not in GETTERS and f"getter:{spec.type}" not in missing:
            missing.append(f"getter:{spec.type}")
    return missing


def _is_fail(last_action: str | None) -> bool:
    return last_action is not None and str(last_action).strip().upper() == "FAIL"


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _nth(value: Any, i: int, many: bool) -> Any:
    return value[i] if many and isinstance(value, list) else value


def evaluate(
    task: Task,
    desktop: EvaluationDesktop,
    *,
    last_action: str | None,
    cache_dir: Path,
    screen: tuple[int, int] | None = None,
    password: str = "password",
    assets: AssetCache | None = None,
    fetch_assets: bool = False,
) -> EvalResult:
    """Score `task` on `desktop` after the agent's run; `last_action` is its final
    special action ("DONE", "FAIL") or None. Fetched files go to `cache_dir`; `assets`
    serves the URLs of `cloud_file` getters and postconfig downloads."""
    missing = unsupported_evaluator(task)
    if missing:
        raise UnsupportedEvaluator(missing, task.id)
    cache_dir = Path(cache_dir)
    runner = SetupRunner(
        desktop, screen, password=password, cache_dir=cache_dir, assets=assets, fetch_assets=fetch_assets
    )
    supported = runner.supported
    for step in task.evaluator.postconfig:  # refuse before anything runs
        if step.type not in supported:
            raise UnsupportedSetupStep(step.type, task.id, supported)

    cache_dir.mkdir(parents=True, exist_ok=True)
    ev = task.evaluator
    if ev.postconfig:
        runner.run(ev.postconfig, task_id=task.id)

    if task.infeasible:
        score = 1.0 if _is_fail(last_action) else 0.0
        return EvalResult(score, [{"func": INFEASIBLE, "score": score, "last_action": last_action}])
    if _is_fail(last_action):
        return EvalResult(
            0.0,
            [
                {
                    "func": ev.func,
                    "score": 0.0,
                    "last_action": last_action,
                    "note": "the agent gave up (FAIL) on a feasible task",
                }
            ],
        )

    ctx = EvalContext(desktop, cache_dir, task.base_dir, assets=assets, fetch_assets=fetch_assets)
    many = isinstance(ev.func, list)
    conj = ev.conj or "and"
    details: list[dict[str, Any]] = []
    first_error: str | None = None
    scores: list[float] = []
    for i, name in enumerate(ev.metrics):
        result_spec: GetterSpec | None = _nth(ev.result, i, many)
        expected_spec: GetterSpec | None = _nth(ev.expected, i, many)
        options = _nth(ev.options, i, many) or {}
        entry: dict[str, Any] = {"func": name}
        try:
            score = _score_one(ctx, name, result_spec, expected_spec, options, entry)
        except DesktopUnreachable:
            raise
        except Exception as exc:  # noqa: BLE001 - upstream would crash; we score 0, keep the reason
            score = 0.0
            entry["error"] = f"{type(exc).__name__}: {exc}"
            first_error = first_error or f"{name}: {entry['error']}"
            log.warning("task %s: metric %s failed: %s", task.id, name, entry["error"])
        entry["score"] = score
        details.append(entry)
        if not many:
            return EvalResult(score, details, first_error)
        if conj == "and" and score == 0.0:
            return EvalResult(0.0, details, first_error)
        if conj == "or" and score == 1.0:
            return EvalResult(1.0, details, first_error)
        scores.append(score)
    total = sum(scores) / len(scores) if conj == "and" else max(scores)
    return EvalResult(total, details, first_error)


def _score_one(
    ctx: EvalContext,
    name: str,
    result_spec: GetterSpec | None,
    expected_spec: GetterSpec | None,
    options: dict[str, Any],
    entry: dict[str, Any],
) -> float:
    if result_spec is None or not result_spec.type:
        raise ValueError(f"metric {name} has no result getter")
    result = GETTERS[result_spec.type](ctx, result_spec.params)
    entry["result"] = _short(result)
    fn = METRICS[name]
    if expected_spec is not None and expected_spec.type:
        expected = GETTERS[expected_spec.type](ctx, expected_spec.params)
        entry["expected"] = _short(expected)
        return float(fn(result, expected, **options))
    return float(fn(result, **options))
