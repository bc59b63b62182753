"""Whole episodes on the FakeDesktop with scripted models: every way an episode ends."""

from __future__ import annotations

import json

from envs.base import CommandOutput
from envs.fake import FakeDesktop


def click(x, y, what=None):
    what = what or f"the button at {x},{y}"  # distinct targets: the same one twice is a loop
    return {
        "reasoning": f"click {what}",
        "action": {"type": "click", "target": {"description": what, "x": x, "y": y}},
    }


def typing(text):
    return {"reasoning": "type it", "action": {"type": "type", "text": text}}


DONE = {"reasoning": "all criteria met", "action": {"type": "done", "summary": "typed hello"}}
ACCEPT = {"complete": True, "reason": "hello is visible in the editor"}


def test_a_task_done_and_accepted(episode):
    ep = episode({"planner": [click(100, 100, "the editor"), typing("hello"), DONE], "verifier": [ACCEPT]})
    state, result = ep.run()
    assert (result.status, result.steps, result.wasted_steps) == ("done", 3, 0)
    assert ep.desktop.text == "hello"
    assert [s.node for s in ep.steps()] == ["act", "act", "verify"]
    assert ep.steps()[0].points == [(100, 100)]
    assert state["criteria"] == [{"text": "hello is in the editor", "exact_value": None}]
    assert "hello is in the editor" in ep.planner_texts()[0]  # criteria shown to the planner


def test_repeated_no_op_click_is_stopped_by_the_loop_breaker(episode):
    same = click(300, 300, "the Save button")
    ep = episode(
        {
            "planner": [
                same,
                same,
                same,
                {"reasoning": "give up", "action": {"type": "fail", "reason": "stuck"}},
            ]
        }
    )
    state, result = ep.run()
    nodes = [s.node for s in ep.steps()]
    assert nodes[:2] == ["act", "act"]  # the first repeat ran: the screen had not been seen unchanged yet
    assert "loop_breaker" in nodes
    veto = next(s for s in ep.steps() if s.node == "loop_breaker")
    assert veto.loop_breaker["tier"] in (1, 2)
    assert result.wasted_steps >= 1
    assert len(ep.desktop.log) == 2  # the vetoed click never reached the desktop
    after_veto = ep.planner_texts()[nodes.index("loop_breaker") + 1]
    assert "VETOED by the loop breaker" in after_veto
    assert result.status == "fail"


def test_premature_done_is_rejected_then_finished_properly(episode):
    reject = {"complete": False, "reason": "the editor is still empty", "missing_steps": ["type hello"]}
    ep = episode({"planner": [DONE, typing("hello"), DONE], "verifier": [reject, ACCEPT]})
    state, result = ep.run()
    assert (result.status, result.steps, result.wasted_steps) == ("done", 3, 1)
    assert [s.node for s in ep.steps()] == ["verify", "act", "verify"]
    assert ep.steps()[0].verifier["complete"] is False
    second = ep.planner_texts()[1]
    assert "REJECTED" in second and "the editor is still empty" in second and "type hello" in second


def test_hedged_or_unreadable_verdicts_are_rejections(episode):
    hedged = {"complete": True, "reason": "I cannot verify that the text was saved"}
    ep = episode(
        {
            "planner": [DONE, DONE, DONE],
            "verifier": [hedged, "this is not json at all", "still not json", "nope"],
        },
        verifier_max_rejections=2,
    )
    state, result = ep.run()
    assert result.status == "done"  # on_rejection_limit defaults to accept
    assert "same done 2 times in a row" in result.reason and "accepting" in result.reason
    assert [s.verifier["complete"] for s in ep.steps()] == [False, False]
    assert ep.steps()[-1].info["rejection_limit"] == {"rejections": 2, "then": "accept"}


def test_unparseable_planner_reply_ends_with_a_clear_error(episode):
    ep = episode({"planner": ["I think I should click somewhere", "still prose", "{not json"]})
    state, result = ep.run()
    assert result.status == "error"
    assert "planner's reply could not be read after 3 attempts" in result.reason
    assert "Decision" in result.reason


def test_the_step_budget_ends_the_episode_without_turning_it_into_a_fail(episode):
    ep = episode({"planner": [click(10, 10), click(20, 20), click(30, 30)]}, max_steps=3)
    state, result = ep.run()
    assert result.status == "budget"  # judged on the screen, not a FAIL
    assert "step budget of 3 reached" in result.reason
    assert len(ep.desktop.log) == 3  # the last step's action ran as proposed
    assert "LAST step" in ep.planner_texts()[2]
    assert "judged on the screen and files" in ep.planner_texts()[2]


def test_the_planner_prompt_keeps_its_prefix(episode):
    replies = [click(10 + 10 * i, 10) for i in range(6)] + [DONE]
    ep = episode({"planner": replies, "verifier": [ACCEPT]}, history_images=2, image_chunk=4)
    ep.run()
    requests = [json.dumps([m.model_dump(mode="json") for m in r]) for r in ep.models.planner.requests]
    shared = [requests[i + 1].startswith(requests[i][:-2]) for i in range(len(requests) - 1)]
    # only the chunk boundary may break the prefix (dropping old screenshots 4 at a time)
    assert shared.count(False) <= 1, shared


def test_code_agent_runs_in_the_desktop_and_reports_back(episode):
    ran = []

    def python(code: str) -> CommandOutput:
        ran.append(code)
        return CommandOutput(0, "wrote 20 rows\n", "")

    desktop = FakeDesktop(640, 400, on_python=python)
    coder = ["I will write the rows.\n```python\nprint('wrote 20 rows')\n```", "Checked.\nDONE"]
    ep = episode(
        {
            "planner": [
                {"reasoning": "bulk edit", "action": {"type": "call_code_agent", "task": "fill 20 rows"}},
                DONE,
            ],
            "coder": coder,
            "verifier": [ACCEPT],
        },
        desktop=desktop,
    )
    state, result = ep.run()
    assert ran == ["print('wrote 20 rows')\n"]
    assert result.status == "done"
    code_step = ep.steps()[0]
    assert code_step.node == "code" and code_step.info["status"] == "DONE"
    assert "wrote 20 rows" in ep.planner_texts()[1]


def test_search_answer_goes_into_the_very_next_plan(episode, tmp_path):
    docs = tmp_path / "howtos"
    docs.mkdir()
    (docs / "mousepad.md").write_text("# Save a file in Mousepad\n1. Press Ctrl+S.\n2. Pick a folder.\n")
    (docs / "gimp.md").write_text("# Crop in GIMP\nUse the crop tool (Shift+C).\n")
    ep = episode(
        {
            "planner": [
                {
                    "reasoning": "how?",
                    "action": {"type": "call_search_agent", "query": "How to save a file in Mousepad"},
                },
                DONE,
            ],
            "verifier": [ACCEPT],
        },
        search_folder=docs,
    )
    ep.run()
    nxt = ep.planner_texts()[1]
    assert "SEARCH RESULT" in nxt and "Press Ctrl+S" in nxt and "Crop in GIMP" not in nxt


def test_budget_in_dollars_or_tokens_ends_the_episode(episode):
    ep = episode({"planner": [click(10 * i, 10) for i in range(1, 10)]}, max_tokens=3000)
    state, result = ep.run()
    assert result.status == "budget"
    assert "token" in result.reason


def test_interrupted_episode_resumes_without_redoing_steps(episode):
    class Interrupting:
        """A planner that is cut off (Ctrl-C) on its third call."""

        def __init__(self, inner):
            self.inner, self.name, self.calls = inner, inner.name, 0

        def complete(self, *args, **kwargs):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt
            return self.inner.complete(*args, **kwargs)

    replies = {"planner": [click(10, 10), click(20, 20), click(30, 30), DONE], "verifier": [ACCEPT]}
    first = episode(dict(replies))
    first.models.planner = Interrupting(first.models.planner)
    state, result = first.run()
    assert result.status == "interrupted"
    assert [s.step_num for s in first.steps()] == [1, 2]

    # a new process: fresh models whose script starts where the first run stopped
    second = episode({"planner": [click(30, 30), DONE], "verifier": [ACCEPT]}, desktop=first.desktop)
    state, result = second.run(resume=True)
    assert result.status == "done"
    assert [s.step_num for s in second.steps()] == [1, 2, 3, 4]
    assert [op.x for op in first.desktop.log] == [10, 20, 30]  # no click ran twice
