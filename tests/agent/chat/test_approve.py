"""The approve node in whole episodes on the FakeDesktop: refuse, ask, approve, deny, resume."""

from __future__ import annotations

import json

from agent import interventions as journal
from agent.approval import ApprovalAnswer, ApprovalRequest
from agent.run_graph import run_graph

DELETE = {
    "reasoning": "remove the old draft",
    "action": {"type": "click", "target": {"description": "the Delete button", "x": 10, "y": 10}},
}
TYPE_INSTEAD = {
    "reasoning": "clear the text by typing over it",
    "action": {"type": "type", "text": "hello", "overwrite": True},
}
FAIL = {"reasoning": "cannot without deleting", "action": {"type": "fail", "reason": "refused"}}
DONE = {"reasoning": "done", "action": {"type": "done"}}
ACCEPT = {"complete": True, "reason": "hello is on screen"}


class ScriptedApprover:
    """A person who answers from a list and remembers what they were asked."""

    def __init__(self, *answers: ApprovalAnswer) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    def ask(self, request: ApprovalRequest) -> ApprovalAnswer:
        self.asked.append(request)
        return self.answers.pop(0)


def test_risky_action_is_refused_with_nobody_to_approve(episode):
    ep = episode({"planner": [DELETE, TYPE_INSTEAD, DONE], "verifier": [ACCEPT]}, sandbox=False)
    state, result = ep.run()
    assert result.status == "done"
    steps = ep.steps()
    assert [s.node for s in steps] == ["approve", "act", "verify"]
    assert steps[0].approval["decision"] == "denied" and steps[0].approval["by"] == "policy"
    assert steps[0].approval["risk"]["risk_class"] == "delete_files"
    assert not any(op.type == "click" for op in ep.desktop.log)  # it never ran
    # the planner saw the refusal as the result of its step
    assert "REFUSED, NOT RUN" in ep.planner_texts()[1] and "no person is connected" in ep.planner_texts()[1]
    [entry] = journal.read(ep.folder)
    assert entry["kind"] == "approval" and entry["decision"] == "denied" and entry["step"] == 1


def test_sandbox_lets_an_unattended_class_through_but_not_sending(episode):
    send = {
        "reasoning": "send it",
        "action": {"type": "click", "target": {"description": "the Send button", "x": 5, "y": 5}},
    }
    ep = episode({"planner": [DELETE, send, DONE], "verifier": [ACCEPT]}, sandbox=True)
    ep.run()
    steps = ep.steps()
    assert [s.node for s in steps] == ["act", "approve", "verify"]
    assert steps[0].approval == {**steps[0].approval, "decision": "allowed", "by": "policy"}
    assert steps[1].approval["decision"] == "denied"  # send: never unattended


def test_config_can_deny_the_sandbox(episode):
    ep = episode({"planner": [DELETE, FAIL]}, sandbox=True, approval={"sandbox": False})
    ep.run()
    assert [s.node for s in ep.steps()] == ["approve", "fail"]


def test_person_approves_and_the_action_runs(episode):
    person = ScriptedApprover(ApprovalAnswer(decision="approve"))
    ep = episode({"planner": [DELETE, DONE], "verifier": [ACCEPT]}, sandbox=False, approver=person)
    state, result = ep.run()
    assert result.status == "done"
    [asked] = person.asked
    assert asked.step == 1 and asked.risk.risk_class == "delete_files"
    assert asked.reasoning == "remove the old draft"
    steps = ep.steps()
    assert [s.node for s in steps] == ["act", "verify"]
    assert steps[0].approval["decision"] == "approved" and steps[0].approval["by"] == "person"
    assert [op.type for op in ep.desktop.log] == ["click"]  # ran exactly once
    assert [e["decision"] for e in journal.read(ep.folder)] == ["approved"]


def test_person_denies_with_a_reason_that_reaches_the_planner(episode):
    person = ScriptedApprover(ApprovalAnswer(decision="deny", reason="keep the draft, rename it"))
    ep = episode({"planner": [DELETE, FAIL]}, sandbox=False, approver=person)
    state, result = ep.run()
    assert [s.node for s in ep.steps()] == ["approve", "fail"]
    assert ep.steps()[0].approval["reason"] == "keep the draft, rename it"
    assert "the person denied it" in ep.planner_texts()[1]
    assert "keep the draft, rename it" in ep.planner_texts()[1]
    assert ep.desktop.log == []


def test_an_unanswered_question_survives_a_crash_and_is_refused_without_a_person(episode):
    """The process dies while the person is being asked: the checkpoint holds the interrupt;
    resumed by `agent run --resume` (nobody to ask), the action is refused, not run."""

    class Gone:
        def ask(self, request):
            raise KeyboardInterrupt

    ep = episode({"planner": [DELETE, FAIL]}, sandbox=False, approver=Gone())
    state, result = ep.run()
    assert result.status == "interrupted" and ep.steps() == []
    ep.ctx.approver = None
    state, result = run_graph(ep.ctx, "task-1", "type hello into the editor", resume=True)
    assert [s.node for s in ep.steps()] == ["approve", "fail"]
    assert ep.desktop.log == []


def test_correction_reaches_the_planner_and_the_step(episode):
    typed = [["no, write hello in capitals"]]
    ep = episode(
        {
            "planner": [
                TYPE_INSTEAD,
                {"reasoning": "capitals", "action": {"type": "type", "text": "HELLO", "overwrite": True}},
                DONE,
            ],
            "verifier": [ACCEPT],
        }
    )
    ep.ctx.take_corrections = lambda: typed.pop(0) if typed and len(ep.models.planner.requests) == 1 else []
    state, result = ep.run()
    texts = ep.planner_texts()
    assert "no, write hello in capitals" not in texts[0]
    assert "CORRECTION FROM THE PERSON" in texts[1] and "no, write hello in capitals" in texts[1]
    assert texts[2].count("no, write hello in capitals") == 1  # kept, in place, once
    steps = ep.steps()
    assert steps[1].corrections == ["no, write hello in capitals"]
    assert state["corrections"] == [{"after_step": 1, "text": "no, write hello in capitals"}]
    line = json.loads((ep.folder / "traj.jsonl").read_text().splitlines()[1])
    assert line["corrections"] == ["no, write hello in capitals"]


def code_episode(episode, approver=None, sandbox=True):
    from envs.base import CommandOutput
    from envs.fake import FakeDesktop

    ran = []

    def python(code: str) -> CommandOutput:
        ran.append(code)
        return CommandOutput(0, "ok\n", "")

    coder = [
        "```python\nprint('sum')\n```",
        "```python\nimport smtplib\nsmtplib.SMTP('mail').sendmail('a', 'b', 'hi')\n```",
        "DONE",
    ]
    ep = episode(
        {
            "planner": [
                {"reasoning": "script", "action": {"type": "call_code_agent", "task": "sum column B"}},
                DONE,
            ],
            "coder": coder,
            "verifier": [ACCEPT],
        },
        desktop=FakeDesktop(640, 400, on_python=python),
        sandbox=sandbox,
        approver=approver,
    )
    ep.run()
    return ep, ran


def test_a_risky_code_block_is_refused_with_nobody_to_ask(episode):
    ep, ran = code_episode(episode)
    assert ran == ["print('sum')\n"]  # the mail was never sent
    runs = ep.steps()[0].info["runs"]
    assert runs[1]["returncode"] == -1 and "REFUSED, NOT RUN" in runs[1]["output"]
    [entry] = journal.read(ep.folder)
    assert entry["action"]["type"] == "code_block" and entry["decision"] == "denied"
    assert entry["risk"]["risk_class"] == "send_message"


def test_a_risky_code_block_runs_once_the_person_approves(episode):
    person = ScriptedApprover(ApprovalAnswer(decision="approve"))
    ep, ran = code_episode(episode, approver=person)
    assert len(ran) == 2
    [asked] = person.asked
    assert "smtplib" in asked.action["code"] and asked.risk.risk_class == "send_message"


def test_outside_a_sandbox_the_call_and_then_the_block_are_asked_about(episode):
    person = ScriptedApprover(
        ApprovalAnswer(decision="approve"), ApprovalAnswer(decision="deny", reason="no mail")
    )
    ep, ran = code_episode(episode, approver=person, sandbox=False)
    assert [a.risk.risk_class for a in person.asked] == ["code_outside_sandbox", "send_message"]
    assert ran == ["print('sum')\n"]
    assert "no mail" in ep.steps()[0].info["runs"][1]["output"]
