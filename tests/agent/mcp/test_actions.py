"""act's action union, its mapping to the agent's actions, and the pieces that need no desktop."""

from __future__ import annotations

import pytest
from mcp.server.elicitation import (
    AcceptedElicitation,
    CancelledElicitation,
    DeclinedElicitation,
)
from pydantic import ValidationError

from agent import actions as agent_actions
from agent.approval import classify, load_policy
from agent.mcp.a11y import tree_table
from agent.mcp.actions import ACT_ADAPTER, describe, to_agent_action
from agent.mcp.approval import (
    Approve,
    Verdict,
    verdict_from_answer,
    verdict_without_person,
)
from agent.mcp.task import step_message
from envs import actions as ops


def act(data: dict):
    return to_agent_action(ACT_ADAPTER.validate_python(data))


def test_each_action_compiles_to_the_protocol_ops_the_agent_would_send():
    assert agent_actions.compile_action(act({"type": "click", "x": 10, "y": 20, "button": "right"})) == [
        ops.Click(x=10, y=20, button="right")
    ]
    assert agent_actions.compile_action(act({"type": "double_click", "x": 1, "y": 2})) == [
        ops.Click(x=1, y=2, clicks=2)
    ]
    assert agent_actions.compile_action(
        act({"type": "drag", "start": {"x": 1, "y": 2}, "end": {"x": 30, "y": 40}})
    ) == [ops.Drag(x1=1, y1=2, x2=30, y2=40)]
    assert agent_actions.compile_action(act({"type": "scroll", "x": 5, "y": 6, "clicks": -3})) == [
        ops.Scroll(clicks=-3, x=5, y=6)
    ]
    assert agent_actions.compile_action(act({"type": "type", "text": "<é>"})) == [ops.TypeText(text="<é>")]
    assert agent_actions.compile_action(act({"type": "key", "key": "enter"})) == [ops.Hotkey(keys=["enter"])]
    assert agent_actions.compile_action(act({"type": "hotkey", "keys": ["ctrl", "s"]})) == [
        ops.Hotkey(keys=["ctrl", "s"])
    ]
    assert agent_actions.compile_action(act({"type": "wait", "seconds": 0.5})) == [ops.Wait(seconds=0.5)]


def test_a_target_description_waits_for_the_grounder_and_is_what_the_policy_reads():
    ungrounded = act({"type": "click", "target": "the Delete button"})
    with pytest.raises(agent_actions.UngroundedTargetError):
        agent_actions.compile_action(ungrounded)
    policy = load_policy()
    assert classify(ungrounded, policy, sandbox=False).risk_class == "delete_files"
    assert classify(act({"type": "click", "x": 1, "y": 1}), policy, sandbox=False) is None
    assert describe(act({"type": "click", "x": 3, "y": 4})) == "click target=(3, 4)"
    assert describe(ungrounded) == "click target='the Delete button'"


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "click"},
        {"type": "click", "x": 1},
        {"type": "tap", "x": 1, "y": 1},
        {"type": "hotkey", "keys": []},
        {"type": "key", "key": "notakey"},
        {"type": "type", "text": ""},
        {"type": "click", "x": -1, "y": 0},
        {"type": "click", "x": 1, "y": 1, "extra": True},
    ],
)
def test_malformed_actions_are_rejected(bad):
    with pytest.raises(ValidationError):
        ACT_ADAPTER.validate_python(bad)


def test_verdicts():
    policy = load_policy()
    risk = classify(act({"type": "click", "target": "Send", "x": 1, "y": 1}), policy, sandbox=True)
    assert risk is not None and verdict_without_person(risk, policy, sandbox=True) is None  # send: ask
    delete = classify(act({"type": "click", "target": "Delete", "x": 1, "y": 1}), policy, sandbox=True)
    assert verdict_without_person(delete, policy, sandbox=True).allowed  # sandbox: ok
    assert verdict_without_person(delete, policy, sandbox=False) is None
    assert verdict_from_answer(AcceptedElicitation(data=Approve(approve=True)), risk).allowed
    no = verdict_from_answer(AcceptedElicitation(data=Approve(approve=False, reason="not now")), risk)
    assert not no.allowed and "not now" in no.reason and "send_message" in no.refusal("click")
    assert not verdict_from_answer(DeclinedElicitation(), risk).allowed
    assert "cancelled" in verdict_from_answer(CancelledElicitation(), risk).reason
    own = Verdict(allowed=False, by="policy", reason="x")
    assert verdict_from_answer(AcceptedElicitation[Verdict].model_construct(data=own), None) is own


NS = (
    'xmlns:st="https://accessibility.ubuntu.example.org/ns/state" '
    'xmlns:cp="https://accessibility.ubuntu.example.org/ns/component"'
)


def button(name: str, x: int, active: bool = False) -> str:
    return (
        f'<push-button name="{name}" st:visible="true" st:showing="true" st:focusable="true" '
        f'cp:screencoord="({x}, 10)" cp:size="(20, 20)"/>'
    )


def test_tree_table_is_bounded_and_puts_the_active_window_first():
    many = "".join(button(f"Button {i}", i % 900) for i in range(500))
    xml = (
        f'<desktop-frame {NS}><application name="a"><frame name="Back" st:visible="true" st:showing="true" '
        f'cp:screencoord="(0, 0)" cp:size="(1000, 700)">{many}</frame></application>'
        f'<application name="b"><frame name="Front" st:active="true" st:visible="true" st:showing="true" '
        f'cp:screencoord="(0, 0)" cp:size="(1000, 700)">{button("Front OK", 500)}</frame></application>'
        f"</desktop-frame>"
    )
    table = tree_table(xml, (1000, 700), 3000)
    lines = table.splitlines()
    assert len(table) <= 3000
    assert lines[1].startswith("push-button\t'Front OK'\t(510, 20)")
    assert "more elements left out" in lines[-1]
    assert "(no named" in tree_table(f"<desktop-frame {NS}/>", (10, 10), 1000)


def test_step_messages():
    assert (
        step_message({"step_num": 1, "node": "act", "action": {"type": "type", "text": "hi <3"}})
        == 'step 1: act: type {"text": "hi <3"}'
    )
    said = step_message(
        {
            "step_num": 2,
            "node": "verify",
            "action": "DONE",
            "verifier": {"complete": False, "reason": "not saved"},
        }
    )
    assert said == "step 2: verifier rejected -- not saved"
