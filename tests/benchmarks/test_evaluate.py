"""evaluate(): OSWorld's scoring rules, the getters, and naming what is not supported."""

from __future__ import annotations

import pytest

from benchmarks.osworld.evaluate import (
    UnsupportedEvaluator,
    evaluate,
    unsupported_evaluator,
)
from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.setup import unsupported_steps
from benchmarks.osworld.tasks import Task, load_split
from envs.base import CommandOutput, DesktopUnreachable


def task(evaluator: dict, **extra) -> Task:
    return Task.model_validate({"id": "t", "instruction": "i", "evaluator": evaluator, **extra})


def rule(value) -> dict:
    return {"type": "rule", "rules": {"expected": value}}


def literal(value) -> dict:
    """A result spec that yields `value` (exact_match compares it with rule(...))."""
    return {"type": "rule", "rules": value}


def test_infeasible_scores_one_only_after_fail(recording_desktop, tmp_path):
    t = task({"func": "infeasible"})
    run = lambda last: evaluate(t, recording_desktop(), last_action=last, cache_dir=tmp_path).score
    assert run("FAIL") == 1.0
    assert run("DONE") == 0.0 and run(None) == 0.0


def test_a_final_fail_on_a_feasible_task_scores_zero(recording_desktop, tmp_path):
    t = task({"func": "exact_match", "result": literal(1), "expected": rule(1)})
    assert evaluate(t, recording_desktop(), last_action="DONE", cache_dir=tmp_path).score == 1.0
    assert evaluate(t, recording_desktop(), last_action="FAIL", cache_dir=tmp_path).score == 0.0


@pytest.mark.parametrize(
    "results, conj, score, ran",
    [
        ([1, 1, 1], "and", 1.0, 3),
        ([1, 0, 1], "and", 0.0, 2),  # stops at the first zero
        ([1, 0.5, 1], "and", 2.5 / 3, 3),  # otherwise the mean
        ([0, 1, 0], "or", 1.0, 2),  # stops at the first one
        ([0, 0.4, 0.2], "or", 0.4, 3),  # otherwise the max
        ([1, 0.5], None, 0.75, 2),  # "and" by default
    ],
)
def test_lists_of_metrics_combine_with_conj(recording_desktop, tmp_path, results, conj, score, ran):
    # fuzzy_match against "ab" scores 2 * matched / total characters: any score we need.
    text = {1: "ab", 0: "xy", 0.5: "ax", 0.4: "axy", 0.2: "a" + "q" * 7}
    evaluator = {
        "func": ["fuzzy_match"] * len(results),
        "result": [literal(text[r]) for r in results],
        "expected": [rule("ab") for _ in results],
    }
    if conj:
        evaluator["conj"] = conj
    out = evaluate(task(evaluator), recording_desktop(), last_action=None, cache_dir=tmp_path)
    assert out.score == pytest.approx(score)
    assert len(out.details) == ran and out.error is None


def test_vm_file_fetches_into_the_cache_and_a_missing_file_scores_zero(recording_desktop, tmp_path):
    gold = tmp_path / "task" / "gold.txt"
    gold.parent.mkdir()
    gold.write_text("line\n")
    t = task(
        {
            "func": "compare_text_file",
            "result": {"type": "vm_file", "path": "/home/user/a.txt", "dest": "a.txt"},
            "expected": {"type": "local_file", "path": "gold.txt", "dest": "gold.txt"},
        }
    )
    t._path = gold.parent / "t.json"
    desktop = recording_desktop(files={"/home/user/a.txt": b"line\n"})
    out = evaluate(t, desktop, last_action=None, cache_dir=tmp_path / "cache")
    assert out.score == 1.0 and (tmp_path / "cache" / "a.txt").read_bytes() == b"line\n"
    out = evaluate(t, recording_desktop(), last_action=None, cache_dir=tmp_path / "cache2")
    assert out.score == 0.0 and out.error is None and out.details[0]["result"] == "None"


def test_vm_file_multi_gives_the_chosen_files(recording_desktop, tmp_path):
    desktop = recording_desktop(files={"/a": b"A", "/c": b"C"})
    ctx = EvalContext(desktop, tmp_path)
    spec = {"multi": True, "path": ["/a", "/b", "/c"], "dest": ["a", "b", "c"], "gives": [0, 1, 2]}
    assert GETTERS["vm_file"](ctx, spec) == [str(tmp_path / "a"), None, str(tmp_path / "c")]
    assert GETTERS["vm_file"](ctx, {**spec, "gives": [2]}) == str(tmp_path / "c")
    assert GETTERS["vm_file"](ctx, {**spec, "gives": [1]}) is None
    assert GETTERS["vm_file"](ctx, {"path": "/a", "dest": "one"}) == str(tmp_path / "one")
    with pytest.raises(ValueError, match="outside"):
        GETTERS["vm_file"](ctx, {"path": "/a", "dest": "../escape"})


def test_command_directory_terminal_and_rule_getters(recording_desktop, tmp_path):
    desktop = recording_desktop(
        on_execute=lambda cmd, shell: CommandOutput(0, f"ran {cmd} shell={shell}\n", "warn"),
        dirs={"/d": {"type": "directory", "name": "d", "children": []}},
        terminal="$ ls\n",
    )
    ctx = EvalContext(desktop, tmp_path)
    assert GETTERS["vm_command_line"](ctx, {"command": "ls", "shell": True}) == "ran ls shell=True\n"
    assert GETTERS["vm_command_error"](ctx, {"command": ["ls"]}) == "warn"
    assert GETTERS["list_directory"](ctx, {"path": "/d"})["name"] == "d"
    assert GETTERS["list_directory"](ctx, {"path": "/gone"}) is None
    assert GETTERS["vm_terminal_output"](ctx, {}) == "$ ls\n"
    assert GETTERS["rule"](ctx, {"rules": {"include": ["x"]}}) == {"include": ["x"]}


def test_postconfig_runs_before_the_getters(recording_desktop, tmp_path):
    desktop = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(0, "ok\n", ""))
    t = task(
        {
            "postconfig": [{"type": "execute", "parameters": {"command": ["sync"]}}],
            "func": "exact_match",
            "result": {"type": "vm_command_line", "command": "cat f"},
            "expected": rule("ok\n"),
        }
    )
    assert evaluate(t, desktop, last_action=None, cache_dir=tmp_path).score == 1.0
    assert [c[1][0] for c in desktop.calls if c[0] == "execute"] == [["sync"], "cat f"]


def test_a_metric_that_raises_scores_zero_with_the_reason(recording_desktop, tmp_path):
    t = task(
        {
            "func": "check_direct_json_object",
            "result": literal("{not json"),
            "expected": {"type": "rule", "rules": {"expected": {"a": 1}}},
        }
    )
    out = evaluate(t, recording_desktop(), last_action=None, cache_dir=tmp_path)
    assert out.score == 0.0 and "check_direct_json_object" in out.error


def test_an_unreachable_desktop_is_not_a_score(recording_desktop, tmp_path):
    def down(cmd, shell):
        raise DesktopUnreachable("gone")

    t = task(
        {"func": "exact_match", "result": {"type": "vm_command_line", "command": "x"}, "expected": rule("y")}
    )
    with pytest.raises(DesktopUnreachable):
        evaluate(t, recording_desktop(on_execute=down), last_action=None, cache_dir=tmp_path)


def test_unknown_getters_and_metrics_are_named(recording_desktop, tmp_path):
    t = task(
        {
            "func": ["compare_quantum_states", "exact_match"],
            "result": [{"type": "vm_file", "path": "/a", "dest": "a"}, {"type": "crystal_ball"}],
            "expected": [{"type": "crystal_ball"}, rule(1)],
        }
    )
    assert unsupported_evaluator(t) == ["metric:compare_quantum_states", "getter:crystal_ball"]
    with pytest.raises(UnsupportedEvaluator) as info:
        evaluate(t, recording_desktop(), last_action=None, cache_dir=tmp_path)
    assert "compare_quantum_states" in str(info.value) and "crystal_ball" in str(info.value)
    assert unsupported_evaluator(task({"func": "infeasible", "result": {}})) == []


def test_supported_osworld_tasks_are_counted(osworld_data):
    """How much of OSWorld this first core runs end to end (setup and evaluator)."""
    tasks = load_split(osworld_data / "test_all.json", osworld_data / "examples")
    supported = [
        t
        for items in tasks.values()
        for t in items
        if not unsupported_steps(t) and not unsupported_evaluator(t)
    ]
    assert len(supported) >= 31  # a floor: coverage only grows (27 in the first core)
    assert sum(t.infeasible for t in supported) == 17
