"""The fault-injecting policy, call by call: it follows the plan, injects faults from its
seed, listens to vetoes and rejections as configured, and its verifier is a labelled what-if."""

from __future__ import annotations

import json

import pytest

from agent.decision import Criteria, Decision, Verdict
from agent.models.base import Message
from agent.models.factory import ModelSpecError, make_model
from agent.models.faulty import _RUNS, WHAT_IF, FaultConfig

INSTRUCTION = "Make the folder logs in the open terminal"
ACTIONS = [
    {"type": "switch_application", "app": "Terminal"},
    {"type": "type", "text": "mkdir logs\n"},
    {"type": "hotkey", "keys": ["ctrl", "l"]},
    {"type": "click", "target": {"description": "the point (100, 200)", "x": 100, "y": 200}},
]


@pytest.fixture
def plans(tmp_path):
    _RUNS.clear()
    path = tmp_path / "plans.json"
    path.write_text(
        json.dumps(
            {
                "kind": "deskpilot-oracle-plans",
                "tasks": [
                    {"task_id": "t", "instruction": INSTRUCTION, "actions": ACTIONS, "final": "done"},
                    {
                        "task_id": "inf",
                        "instruction": "Pair the bluetooth headphones",
                        "actions": [],
                        "final": "fail",
                    },
                ],
            }
        )
    )
    return path


class Episode:
    """Drives the model as the graph would: a growing conversation."""

    def __init__(self, model, instruction=INSTRUCTION):
        self.model, self.messages = (
            model,
            [Message.text("system", "sys"), Message.text("user", f"TASK: {instruction}")],
        )

    def step(self, observation: str = "Executed; the screen changed.") -> dict:
        if len(self.messages) > 2:
            self.messages.append(Message.text("user", observation))
        result = self.model.complete(self.messages, schema=Decision)
        self.messages.append(Message.text("assistant", result.text))
        return result.parsed.action.model_dump(mode="json")

    def verify(self) -> Verdict:
        return self.model.complete(
            [Message.text("user", f"Task: {INSTRUCTION}\nIs it done?")], schema=Verdict
        ).parsed


def test_clean_policy_plays_the_plan_then_done(plans):
    ep = Episode(make_model(f"faulty:{plans}"))
    got = [ep.step() for _ in range(5)]
    assert [a["type"] for a in got] == ["switch_application", "type", "hotkey", "click", "done"]
    assert got[3]["target"]["x"] == 100 and got[1]["text"] == "mkdir logs\n"
    assert ep.verify().complete


def test_infeasible_plan_answers_fail_and_the_gate_says_so(plans):
    model = make_model(f"faulty:{plans}")
    ep = Episode(model, "Pair the bluetooth headphones")
    assert ep.step()["type"] == "fail"
    gate = model.complete([Message.text("user", "Pair the bluetooth headphones")], schema=Criteria).parsed
    assert gate.feasible is False


def test_faults_come_from_the_seed_and_repeat_exactly(plans):
    def play(seed: int) -> list[dict]:
        _RUNS.clear()
        ep = Episode(make_model(f"faulty:{plans}?seed={seed}&stuck=0.5&stuck_len=2&early_done=0.3"))
        return [ep.step() for _ in range(8)]

    assert play(3) == play(3)
    assert any(play(s) != play(3) for s in range(4, 9))


def test_stuck_repeats_and_a_listening_model_stops_after_a_veto(plans):
    ep = Episode(make_model(f"faulty:{plans}?stuck=1&stuck_len=3&listen_veto=1"))
    first = ep.step()
    assert first["type"] == "switch_application"
    assert ep.step("Executed; the screen did NOT change.") == first  # stuck
    after_veto = ep.step("VETOED by the loop breaker (tier 1): do not repeat it")
    assert after_veto["type"] == "type"  # listened: back on the plan


def test_a_veto_of_a_solution_step_is_answered_once_then_given_up(plans):
    ep = Episode(make_model(f"faulty:{plans}"))
    first = ep.step()
    assert ep.step("VETOED by the loop breaker (tier 1): no") == first
    assert ep.step("VETOED by the loop breaker (tier 1): no")["type"] == "fail"


def test_a_deaf_model_insists_after_a_veto(plans):
    ep = Episode(make_model(f"faulty:{plans}?stuck=1&stuck_len=3&listen_veto=0"))
    first = ep.step()
    ep.step()
    assert ep.step("VETOED by the loop breaker (tier 1): no") == first


def test_typed_steps_are_never_stuck_but_can_be_mistyped(plans):
    ep = Episode(make_model(f"faulty:{plans}?stuck=1&stuck_len=1&typo=1&listen_veto=1"))
    assert ep.step()["type"] == ep.step()["type"] == "switch_application"  # the step, and once more
    typed = ep.step()
    assert typed["type"] == "type" and typed["text"] != "mkdir logs\n" and typed["text"].endswith("\n")
    assert len(typed["text"]) == len("mkdir logs\n")
    assert ep.step()["type"] == "hotkey"  # not a repeat of the typing


def test_off_target_click_is_fixed_when_nothing_changed(plans):
    ep = Episode(make_model(f"faulty:{plans}?offset=1&offset_px=50"))
    for _ in range(3):
        ep.step()
    missed = ep.step()
    assert missed["type"] == "click" and (missed["target"]["x"], missed["target"]["y"]) != (100, 200)
    assert abs(missed["target"]["x"] - 100) <= 50 and abs(missed["target"]["y"] - 200) <= 50
    fixed = ep.step("Executed click; the screen did NOT change.")
    assert (fixed["target"]["x"], fixed["target"]["y"]) == (100, 200)


def test_early_done_and_the_simulated_verifier(plans):
    model = make_model(f"faulty:{plans}?early_done=1&verifier_tr=1&listen_reject=1")
    ep = Episode(model)
    ep.step()
    assert ep.step()["type"] == "done"  # before step 2 of 4
    verdict = ep.verify()
    assert not verdict.complete and WHAT_IF in verdict.reason
    nxt = ep.step("The Completeness Verifier REJECTED 'done': not finished")
    assert nxt["type"] == "type"  # listened: back to the plan


def test_verifier_off_accepts_a_premature_done(plans):
    ep = Episode(make_model(f"faulty:{plans}?early_done=1&verifier=off"))
    ep.step()
    assert ep.step()["type"] == "done"
    verdict = ep.verify()
    assert verdict.complete and WHAT_IF in verdict.reason


def test_a_focus_that_failed_is_retried_after_a_wait(plans):
    ep = Episode(make_model(f"faulty:{plans}"))
    focus = ep.step()
    assert ep.step("The action failed: no window titled 'Terminal'") == {"type": "wait", "seconds": 2.0}
    assert ep.step("Executed wait; the screen changed.") == focus
    # Still not up: a longer wait the second time (a loaded machine starts apps slowly).
    assert ep.step("The action failed: no window titled 'Terminal'") == {"type": "wait", "seconds": 5.0}
    assert ep.step("Executed wait; the screen changed.") == focus
    assert ep.step()["type"] == "type"


def test_bad_specs_say_what_is_wrong(plans, tmp_path):
    with pytest.raises(ValueError, match="unknown setting 'stuk'"):
        make_model(f"faulty:{plans}?stuk=1")
    with pytest.raises(ValueError, match="cannot read plans"):
        make_model(f"faulty:{tmp_path / 'none.json'}")
    with pytest.raises(ModelSpecError):
        make_model("faulti:x")
    assert FaultConfig.from_query("verifier=off").verifier is False
    assert FaultConfig.from_query("seed=4&").seed == 4
    with pytest.raises(ValueError):
        FaultConfig.from_query("seed")


def test_a_task_without_a_plan_is_an_error(plans):
    from agent.models.base import ModelError

    ep = Episode(make_model(f"faulty:{plans}"), "Something else entirely")
    with pytest.raises(ModelError, match="no plan"):
        ep.step()


def test_a_plan_whose_setup_starts_apps_waits_for_a_still_screen_first(tmp_path):
    _RUNS.clear()
    path = tmp_path / "plans.json"
    path.write_text(
        json.dumps(
            {
                "tasks": [
                    {
                        "task_id": "t",
                        "instruction": INSTRUCTION,
                        "actions": ACTIONS,
                        "final": "done",
                        "settle_first": True,
                    }
                ]
            }
        )
    )
    ep = Episode(make_model(f"faulty:{path}"))
    assert ep.step() == {"type": "wait", "seconds": 2.0}
    assert ep.step("Executed wait; the screen changed.") == {"type": "wait", "seconds": 2.0}
    assert ep.step("Executed wait; the screen did NOT change.")["type"] == "switch_application"
    assert ep.step()["type"] == "type"
