"""Why an episode ended as it did: one primary label and the evidence, from its folder alone.

    label = classify(folder, infeasible=None)      # reads task.json, traj.jsonl, result.json,
    write_taxonomy(folder)                          # runner.json, setup.json, the evaluator's record

Labels (LABELS): success; false_completion (said done, the evaluator says 0);
false_infeasible (said FAIL on a feasible task, calling it impossible) and missed_infeasible
(an infeasible task not answered FAIL); gave_up (FAIL on a feasible task for another reason,
or the verifier's rejection limit); loop (Loop Breaker vetoes, one action repeated on an
unchanged screen, the same screen at the end); budget (steps, tokens, dollars or seconds:
`detail` says which); grounding_miss (the grounder found no target, clicks that changed
nothing); approval_refused; setup_failure (the setup raised, or a step that makes the starting state
failed: setup.json); evaluator_error; infrastructure (the desktop died,
a timeout, the model failed); not_run.

The primary label is the first cause that explains the outcome, in the order `classify`
checks them; every signal found is kept in `evidence` with its step numbers, so a false
completion that followed two vetoes shows both. Written as `taxonomy.json` in the folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from benchmarks.osworld.setup import SETUP_FILE, STATE_STEPS

__all__ = ["LABELS", "TAXONOMY_FILE", "Taxonomy", "classify", "write_taxonomy"]

Label = Literal[
    "success",
    "false_completion",
    "false_infeasible",
    "missed_infeasible",
    "gave_up",
    "loop",
    "budget",
    "grounding_miss",
    "approval_refused",
    "setup_failure",
    "evaluator_error",
    "infrastructure",
    "not_run",
]
LABELS: tuple[str, ...] = get_args(Label)  # the order reports list them in
TAXONOMY_FILE = "taxonomy.json"
PASS = 1.0 - 1e-9
LOOP_TAIL = 3  # the last this-many executed steps repeating one action on one screen is a loop
_INFEASIBLE_WORDS = re.compile(
    r"infeasible|impossible|not possible|cannot be done|can't be done|"
    r"does not exist|doesn't exist|no such|not available|unsupported",
    re.IGNORECASE,
)
_BUDGETS = (
    ("step budget", "steps"),
    ("token budget", "tokens"),
    ("dollar budget", "usd"),
    ("time budget", "seconds"),
)
_SETUP = re.compile(
    r"SetupStepError|MissingAssets|UnsupportedSetupStep|setup step|step \d+ \(", re.IGNORECASE
)
_DESKTOP = re.compile(
    r"desktop (died|stopped answering|did not start)|DesktopUnreachable|"
    r"ConnectionError|timeout",
    re.IGNORECASE,
)


class Taxonomy(BaseModel):
    label: Label
    detail: str = ""  # in words: which budget, which error, ...
    evidence: dict[str, list[int]] = Field(default_factory=dict)  # signal -> step numbers
    steps: int = 0


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_traj(path: Path) -> list[dict[str, Any]]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash: the rest still counts
        if isinstance(record, dict) and isinstance(record.get("step_num"), int):
            out.append(record)
    return out


def is_infeasible(task: dict[str, Any]) -> bool:
    """OSWorld marks an infeasible task by its evaluator: func "infeasible"."""
    func = (task.get("evaluator") or {}).get("func")
    return func == "infeasible" or (isinstance(func, list) and "infeasible" in func)


def _action_type(record: dict[str, Any]) -> str:
    action = record.get("action")
    if isinstance(action, dict):
        return str(action.get("type", ""))
    return str(action).lower()


def _signals(traj: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Every signal with the steps it was seen at."""
    sig: dict[str, list[int]] = {}

    def add(name: str, step: int) -> None:
        sig.setdefault(name, []).append(step)

    executed: list[dict[str, Any]] = []
    for r in traj:
        n, node = r["step_num"], r.get("node", "act")
        if r.get("loop_breaker"):
            add("veto", n)
        if r.get("verifier") is not None:
            add("verifier_accept" if r["verifier"].get("complete") else "verifier_reject", n)
        if node == "ground" or (r.get("error") or "").startswith("target not found"):
            add("grounder_refusal", n)
        if (r.get("approval") or {}).get("decision") == "denied":
            add("approval_refused", n)
        if node == "act":
            executed.append(r)
            changed = (r.get("settle") or {}).get("changed")
            if r.get("error"):
                add("action_error", n)
            elif changed is False:
                add("unchanged_screen", n)
                if r.get("points"):
                    add("click_no_change", n)
        if node == "fail" or _action_type(r) == "fail":
            add("fail", n)
    # the tail: the same action again and again, the screen unchanged
    tail = executed[-LOOP_TAIL:]
    if (
        len(tail) == LOOP_TAIL
        and len({json.dumps(t.get("action"), sort_keys=True) for t in tail}) == 1
        and all((t.get("settle") or {}).get("changed") is False for t in tail[1:])
    ):
        for t in tail:
            add("repeated_at_end", t["step_num"])
    return sig


def _loop(sig: dict[str, list[int]]) -> bool:
    return len(sig.get("veto", [])) >= 2 or "repeated_at_end" in sig


def classify(folder: Path, infeasible: bool | None = None) -> Taxonomy:
    """The episode folder's label; `infeasible` overrides what task.json says."""
    folder = Path(folder)
    result = _read_json(folder / "result.json")
    runner = _read_json(folder / "runner.json")
    setup = _read_json(folder / SETUP_FILE)
    task = _read_json(folder / "task.json")
    traj = _read_traj(folder / "traj.jsonl")
    sig = _signals(traj)
    steps = int(result.get("steps") or len(traj))
    infeasible = is_infeasible(task) if infeasible is None else infeasible

    def out(label: str, detail: str = "", **extra: list[int]) -> Taxonomy:
        return Taxonomy(label=label, detail=detail, evidence={**sig, **extra}, steps=steps)  # type: ignore[arg-type]  # label is one of Label's literals

    status, reason = str(result.get("status", "")), str(result.get("reason", ""))
    if runner.get("status") in ("timeout", "error") and (folder / "result.txt").is_file() is False:
        why = str(runner.get("reason", ""))
        if runner["status"] == "error" and (setup.get("error") or _SETUP.search(why)) and not traj:
            return out("setup_failure", why)
        return out("infrastructure", why)
    score_text = (folder / "result.txt").read_text().strip() if (folder / "result.txt").is_file() else ""
    if setup.get("error") and not traj and not score_text:  # the setup raised: no episode ran
        return out("setup_failure", str(setup["error"]))
    if not result and not score_text:
        return out("not_run", "no result in the folder" if folder.exists() else "no folder")
    if status in ("error", "interrupted") and not score_text:
        return out("infrastructure", f"{status}: {reason}")
    try:
        score = float(score_text) if score_text else float(result.get("score") or 0.0)
    except ValueError:
        return out("evaluator_error", "result.txt does not hold a number")
    if score >= PASS:
        return out("success")
    evaluation = result.get("evaluation") or {}
    if evaluation.get("error"):
        return out("evaluator_error", str(evaluation["error"]))
    # Upstream goes on past a failed setup step; one that made the starting state (a file
    # not downloaded, an app not launched) explains the 0 before anything the agent did.
    broken = [s for s in setup.get("steps", []) if not s.get("ok", True) and s.get("type") in STATE_STEPS]
    if broken:
        first = broken[0]
        return out(
            "setup_failure",
            f"setup step {first.get('index')} ({first.get('type')}) failed: {first.get('detail', '')}"[:300],
            setup_steps=[int(s.get("index", -1)) for s in broken],
        )
    last = traj[-1]["step_num"] if traj else 0
    budget = next((which for words, which in _BUDGETS if words in reason), None)
    if infeasible and status != "fail":
        return out("missed_infeasible", f"ended {status or 'without an answer'}, not FAIL")
    if status == "done":
        done_steps = sig.get("verifier_accept") or [last]
        return out("false_completion", "said done; the evaluator scored 0", done=done_steps)
    if budget is not None or status == "budget":
        if _loop(sig):
            return out("loop", f"the {budget or 'a'} budget ran out in a loop")
        return out("budget", budget or reason)
    if status == "error":
        return out("infrastructure", reason)
    if sig.get("approval_refused"):
        return out("approval_refused", reason)
    if _loop(sig):
        return out("loop", reason)
    if "rejected done" in reason:
        return out("gave_up", reason)
    if status == "fail":
        if sig.get("grounder_refusal") or len(sig.get("click_no_change", [])) >= 2:
            return out("grounding_miss", reason)
        if _INFEASIBLE_WORDS.search(reason):
            return out("false_infeasible", reason)
        return out("gave_up", reason)
    return out("infrastructure", f"ended {status}: {reason}")


def write_taxonomy(folder: Path, infeasible: bool | None = None) -> Taxonomy:
    """Classify the folder and write taxonomy.json in it (a folder that does not exist is
    not created)."""
    label = classify(folder, infeasible)
    if Path(folder).is_dir():
        from agent.trajectory import write_atomic

        write_atomic(Path(folder) / TAXONOMY_FILE, label.model_dump_json(indent=1) + "\n")
    return label
