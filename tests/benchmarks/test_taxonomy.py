"""The failure taxonomy on hand-made episode folders: every label, with its evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.osworld.taxonomy import LABELS, TAXONOMY_FILE, classify, write_taxonomy

FEASIBLE = {"id": "t", "instruction": "do it", "evaluator": {"func": "exact_match"}}
INFEASIBLE = {"id": "t", "instruction": "do it", "evaluator": {"func": "infeasible"}}


def act(
    n: int, action: dict[str, Any] | None = None, *, changed: bool = True, points=None, **extra: Any
) -> dict[str, Any]:
    return {
        "step_num": n,
        "node": "act",
        "action": action or {"type": "hotkey", "keys": ["tab"]},
        "settle": {"stable": True, "changed": changed, "seconds": 0.1, "frames": 3},
        "points": points or [],
        **extra,
    }


def veto(n: int) -> dict[str, Any]:
    return {
        "step_num": n,
        "node": "loop_breaker",
        "action": {"type": "click", "target": "x"},
        "loop_breaker": {"tier": 1, "rule": "repeat_no_change", "constraint": "do not"},
    }


def verify(n: int, complete: bool) -> dict[str, Any]:
    return {
        "step_num": n,
        "node": "verify",
        "action": {"type": "done"},
        "verifier": {"complete": complete, "reason": "r", "missing_steps": []},
    }


def fail(n: int, reason: str = "") -> dict[str, Any]:
    return {"step_num": n, "node": "fail", "action": {"type": "fail", "reason": reason}}


def folder(
    tmp_path: Path, *, task=FEASIBLE, traj=(), result=None, score=None, runner=None, name: str = "ep"
) -> Path:
    f = tmp_path / name
    f.mkdir()
    (f / "task.json").write_text(json.dumps(task))
    (f / "traj.jsonl").write_text("".join(json.dumps(r) + "\n" for r in traj))
    if result is not None:
        (f / "result.json").write_text(json.dumps({"task_id": "t", "steps": len(traj), **result}))
    if score is not None:
        (f / "result.txt").write_text(f"{score}\n")
    if runner is not None:
        (f / "runner.json").write_text(json.dumps(runner))
    return f


CASES: dict[str, dict[str, Any]] = {
    "success": {"traj": [act(1), verify(2, True)], "result": {"status": "done"}, "score": 1.0},
    "false_completion": {
        "traj": [act(1), verify(2, True)],
        "result": {"status": "done", "reason": "ok"},
        "score": 0.0,
    },
    "false_infeasible": {
        "traj": [act(1), fail(2, "this is impossible here")],
        "result": {"status": "fail", "reason": "this is impossible here"},
        "score": 0.0,
    },
    "missed_infeasible": {
        "task": INFEASIBLE,
        "traj": [act(1), verify(2, True)],
        "result": {"status": "done"},
        "score": 0.0,
    },
    "gave_up": {
        "traj": [act(1), verify(2, False), verify(3, False), verify(4, False)],
        "result": {"status": "fail", "reason": "the verifier rejected done 3 times in a row; last reason: x"},
        "score": 0.0,
    },
    "loop": {
        "traj": [act(1), act(2, changed=False), veto(3), veto(4), fail(5, "stuck")],
        "result": {"status": "fail", "reason": "stuck"},
        "score": 0.0,
    },
    "budget": {
        "traj": [act(i) for i in range(1, 5)]
        + [fail(5, "step budget of 5 reached; last proposal was click")],
        "result": {"status": "fail", "reason": "step budget of 5 reached; last proposal was click"},
        "score": 0.0,
    },
    "grounding_miss": {
        "traj": [
            {
                "step_num": 1,
                "node": "ground",
                "action": {"type": "click", "target": "Save"},
                "error": "target not found: Save",
            },
            act(
                2,
                {"type": "click", "target": {"description": "a", "x": 1, "y": 2}},
                changed=False,
                points=[[1, 2]],
            ),
            fail(3, "cannot find the button"),
        ],
        "result": {"status": "fail", "reason": "cannot find the button"},
        "score": 0.0,
    },
    "approval_refused": {
        "traj": [
            act(1),
            {
                "step_num": 2,
                "node": "approve",
                "action": {"type": "open", "app_or_file": "x"},
                "approval": {"decision": "denied", "by": "policy"},
            },
            fail(3, "not allowed"),
        ],
        "result": {"status": "fail", "reason": "not allowed"},
        "score": 0.0,
    },
    "setup_failure": {
        "traj": [],
        "runner": {
            "status": "error",
            "reason": "error: SetupStepError: step 0 (execute) of t: exit 1",
            "wall_s": 1.0,
        },
    },
    "evaluator_error": {
        "traj": [act(1), verify(2, True)],
        "result": {"status": "done", "evaluation": {"details": [], "error": "compare_table: KeyError: 'D1'"}},
        "score": 0.0,
    },
    "infrastructure": {
        "traj": [act(1)],
        "runner": {"status": "error", "reason": "error: desktop died (DesktopUnreachable)", "wall_s": 3.0},
    },
}


def test_every_label_has_a_hand_made_case():
    assert set(CASES) | {"not_run"} == set(LABELS)


@pytest.mark.parametrize("label", sorted(CASES))
def test_label_of_a_hand_made_folder(tmp_path, label):
    tax = classify(folder(tmp_path, **CASES[label]))
    assert tax.label == label, tax


def test_not_run_for_an_empty_or_missing_folder(tmp_path):
    assert classify(tmp_path / "absent").label == "not_run"
    (tmp_path / "partial").mkdir()
    assert classify(tmp_path / "partial").label == "not_run"


def test_evidence_names_the_steps(tmp_path):
    tax = classify(folder(tmp_path, **CASES["loop"]))
    assert tax.evidence["veto"] == [3, 4]
    assert tax.evidence["unchanged_screen"] == [2]
    assert tax.evidence["fail"] == [5]
    done = classify(folder(tmp_path, name="done", **CASES["false_completion"]))
    assert done.evidence["done"] == [2] and done.evidence["verifier_accept"] == [2]


def test_budget_says_which_budget(tmp_path):
    tax = classify(
        folder(
            tmp_path,
            traj=[act(1)],
            result={"status": "budget", "reason": "dollar budget of $0.50 reached ($0.51 spent)"},
        )
    )
    assert (tax.label, tax.detail) == ("budget", "usd")


def test_a_budget_spent_repeating_one_action_is_a_loop(tmp_path):
    same = {"type": "hotkey", "keys": ["ctrl", "s"]}
    traj = [
        act(1),
        act(2, same),
        act(3, same, changed=False),
        act(4, same, changed=False),
        fail(5, "step budget of 5 reached; last proposal was hotkey"),
    ]
    tax = classify(
        folder(
            tmp_path, traj=traj, result={"status": "fail", "reason": traj[-1]["action"]["reason"]}, score=0.0
        )
    )
    assert tax.label == "loop"
    assert tax.evidence["repeated_at_end"] == [2, 3, 4]


def test_a_timeout_is_infrastructure(tmp_path):
    tax = classify(
        folder(tmp_path, traj=[act(1)], runner={"status": "timeout", "reason": "timeout after 60 s"})
    )
    assert (tax.label, tax.detail) == ("infrastructure", "timeout after 60 s")


def test_a_cut_line_in_traj_does_not_hide_the_rest(tmp_path):
    f = folder(tmp_path, **CASES["loop"])
    with (f / "traj.jsonl").open("a") as out:
        out.write('{"step_num": 6, "node": "a')
    assert classify(f).label == "loop"


def test_write_taxonomy_puts_the_label_in_the_folder(tmp_path):
    f = folder(tmp_path, **CASES["success"])
    write_taxonomy(f)
    assert json.loads((f / TAXONOMY_FILE).read_text())["label"] == "success"
    write_taxonomy(tmp_path / "absent")
    assert not (tmp_path / "absent").exists()


def test_the_summary_carries_the_label(tmp_path):
    from benchmarks.osworld.summary import load_results
    from benchmarks.osworld.tasks import Task

    task = Task.model_validate(FEASIBLE)
    ep = folder(tmp_path, **CASES["false_completion"])
    ep.rename(tmp_path / "os")
    (tmp_path / "run" / "os").mkdir(parents=True)
    (tmp_path / "os").rename(tmp_path / "run" / "os" / "t")
    summary = load_results(tmp_path / "run", {"os": [task]})
    assert summary.rows[0].label == "false_completion"
    assert (tmp_path / "run" / "os" / "t" / TAXONOMY_FILE).is_file()
    assert "| false_completion | 1 |" in summary.to_markdown()


def test_a_failed_setup_step_that_made_the_starting_state_explains_a_0(tmp_path):
    def with_setup(name: str, steps=(), error=None, **case) -> Path:
        f = folder(tmp_path, name=name, **case)
        record = {"steps": list(steps), "seconds": 1.0, **({"error": error} if error else {})}
        (f / "setup.json").write_text(json.dumps(record))
        return f

    launch_failed = {"index": 1, "type": "launch", "ok": False, "detail": "no such program: gimp"}
    focus_failed = {"index": 2, "type": "activate_window", "ok": False, "detail": "no window"}
    ran = {"index": 0, "type": "execute", "ok": True, "detail": "returncode 0: "}
    tax = classify(with_setup("launch", [ran, launch_failed, focus_failed], **CASES["false_completion"]))
    assert tax.label == "setup_failure" and "gimp" in tax.detail
    assert tax.evidence["setup_steps"] == [1]
    # A window that could not be focused leaves the starting state as it was: the agent's label.
    assert classify(with_setup("focus", [ran, focus_failed], **CASES["false_completion"])).label == (
        "false_completion"
    )
    # A success stays a success whatever the setup logged.
    assert classify(with_setup("won", [launch_failed], **CASES["success"])).label == "success"
    # The setup raised and nothing else was written (agent run, no runner.json).
    tax = classify(with_setup("raised", error="MissingAssets: 2 files not in the cache"))
    assert tax.label == "setup_failure" and "MissingAssets" in tax.detail
