"""The mechanisms benchmark's bookkeeping: what counts as a wasted step, and its table."""

from __future__ import annotations

import json

from benchmarks.perf.mechanisms import ARMS, SETTINGS, measure, spec, table


def step(n, kind, node="act", **extra):
    return {"step_num": n, "node": node, "decision": {"reasoning": f"{kind}: step {n} of 3"}, **extra}


def test_wasted_steps_are_the_ones_that_did_not_advance_the_solution(tmp_path):
    traj = [
        step(1, "oracle"),
        step(2, "stuck"),
        step(3, "stuck", node="loop_breaker", loop_breaker={"tier": 1}),
        step(4, "oracle"),
        step(5, "early done", node="verify", verifier={"complete": False}),
        step(6, "oracle"),
        step(7, "final", node="verify", verifier={"complete": True}),
    ]
    (tmp_path / "traj.jsonl").write_text("".join(json.dumps(r) + "\n" for r in traj))
    (tmp_path / "result.txt").write_text("1.0\n")
    (tmp_path / "taxonomy.json").write_text(json.dumps({"label": "success"}))
    m = measure(tmp_path)
    assert m == {
        "success": True,
        "steps": 7,
        "wasted": 3,
        "vetoes": 1,
        "false_completion": False,
        "label": "success",
    }


def test_specs_pair_the_arms_and_the_table_prints_them(tmp_path):
    a = spec(tmp_path / "p.json", 2, "loop-prone", "good")
    assert a.startswith("faulty:") and "seed=2" in a and "stuck=0.35" in a and "verifier_tr=0.9" in a
    assert "verifier=off" in spec(tmp_path / "p.json", 2, "loop-prone", "off")
    ep = {"success": True, "wasted": 1, "vetoes": 1, "false_completion": False}
    miss = {"success": False, "wasted": 6, "vetoes": 0, "false_completion": True}
    text = table(
        "loop-prone", {"lb-on+ver-good": {("os", "t", 1): ep}, "lb-off+ver-good": {("os", "t", 1): miss}}
    )
    assert "| lb-on+ver-good | 1 | 100% (21%-100%) | 1.00 | 1.00 | 0% | 100% |" in text
    assert "solved only with the Loop Breaker 1, only without 0" in text
    assert set(SETTINGS) >= {"clean", "loop-prone"} and len(ARMS) == 5
