"""What a real planner needs from the loop (issue: the agent, ready for real models):
rejections counted per claim, reasoning before the action, what the gate and the helper
agents found kept in view, the task knowledge and the computer's facts in the prompt."""

from __future__ import annotations

import json

from agent.decision import REASON_FIRST, Decision
from agent.history import compact_json, decision_schema
from agent.knowledge import app_hints, apps_for, environment_text
from envs.base import CommandOutput
from envs.fake import FakeDesktop

ACCEPT = {"complete": True, "reason": "hello is visible in the editor"}
REJECT = {"complete": False, "reason": "not yet", "missing_steps": ["save the file"]}


def typing(text):
    return {"reasoning": "type it", "action": {"type": "type", "text": text}}


def done(summary="finished"):
    return {"reasoning": "all criteria met", "action": {"type": "done", "summary": summary}}


def test_rejections_after_real_work_are_new_claims_not_repeats(episode):
    # Three rejections in all, but work in between each: the limit of 2 repeats is never hit.
    ep = episode(
        {
            "planner": [done(), typing("a"), done(), typing("b"), done(), typing("c"), done()],
            "verifier": [REJECT, REJECT, REJECT, ACCEPT],
        },
        verifier_max_rejections=2,
    )
    state, result = ep.run()
    assert result.status == "done" and result.reason == ACCEPT["reason"]
    assert [s.node for s in ep.steps()].count("verify") == 4


def test_failing_at_the_rejection_limit_is_an_explicit_choice(episode):
    ep = episode(
        {"planner": [done(), done()], "verifier": [REJECT, REJECT]},
        verifier_max_rejections=2,
        on_rejection_limit="fail",
    )
    state, result = ep.run()
    assert result.status == "fail" and "on_rejection_limit=fail" in result.reason
    assert ep.steps()[-1].info["rejection_limit"]["then"] == "fail"


def test_the_decision_schema_puts_reasoning_first_and_requires_it():
    schema = json.loads(decision_schema())
    assert list(schema["properties"]) == list(REASON_FIRST)
    assert schema["required"] == list(REASON_FIRST)
    # a reply that leaves the reasoning out still parses: a good action is never lost
    parsed = Decision.model_validate({"action": {"type": "wait", "seconds": 1}})
    assert list(json.loads(compact_json(parsed.model_dump(mode="json")))) == list(REASON_FIRST)


def test_replayed_decisions_keep_the_reasoning_before_the_action(episode):
    ep = episode({"planner": [typing("hello"), done()], "verifier": [ACCEPT]})
    ep.run()
    second = ep.models.planner.requests[1]
    replayed = next(m for m in second if m.role == "assistant").plain_text()
    keys = list(json.loads(replayed))
    assert keys.index("reasoning") < keys.index("action") and keys[0] == "observation"


def test_gate_note_and_environment_reach_planner_and_verifier(episode):
    def command(cmd: str) -> CommandOutput:
        return CommandOutput(0, "user=user\nhome=/home/user\nos=Debian GNU/Linux 12\n", "")

    gate = {
        "criteria": [{"text": "hello is in the editor"}],
        "feasible": False,
        "note": "there is no editor installed",
    }
    ep = episode(
        {"gate": [gate], "planner": [done()], "verifier": [ACCEPT]},
        desktop=FakeDesktop(640, 400, on_command=command),
        desktop_password="password",
    )
    state, _ = ep.run()
    first = ep.planner_texts()[0]
    assert "INFEASIBLE" in first and "there is no editor installed" in first
    assert "Debian GNU/Linux 12; user 'user'; home /home/user" in first
    assert "the password (for sudo) is 'password'" in first
    assert "HOW THIS TASK WILL BE JUDGED" in first
    verifier_prompt = "\n".join(m.plain_text() for m in ep.models.verifier.requests[0])
    assert "there is no editor installed" in verifier_prompt
    assert state["gate_note"] == {"feasible": False, "note": "there is no editor installed"}


def test_environment_without_commands_still_says_what_it_knows():
    text = environment_text(FakeDesktop(10, 10), None)  # the fake runs no commands
    assert text == "a Linux desktop; no password is known (avoid sudo)."


def test_the_coding_agents_code_and_output_reach_the_planner_and_it_sees_the_screen(episode):
    desktop = FakeDesktop(640, 400, on_python=lambda code: CommandOutput(0, "rows written: 20\n", ""))
    coder = ["```python\nimport openpyxl\nprint('rows written: 20')\n```", "DONE"]
    ep = episode(
        {
            "planner": [
                {"reasoning": "bulk", "action": {"type": "call_code_agent", "task": "fill 20 rows"}},
                done(),
            ],
            "coder": coder,
            "verifier": [ACCEPT],
        },
        desktop=desktop,
    )
    ep.run()
    after = ep.planner_texts()[1]
    assert "import openpyxl" in after and "rows written: 20" in after and "-> exit 0" in after
    first_coder_request = ep.models.coder.requests[0]
    assert any(
        p.type == "image" for m in first_coder_request if not isinstance(m.content, str) for p in m.content
    )


def test_the_targeting_instructions_follow_the_grounder(episode):
    pixels = episode({"planner": [done()], "verifier": [ACCEPT]})
    pixels.run()
    system = pixels.models.planner.requests[0][0].plain_text()
    assert "exact pixel coordinates" in system and "grounding model can find" not in system
    described = episode({"planner": [done()], "verifier": [ACCEPT]}, grounder="ocr")
    described.run()
    system = described.models.planner.requests[0][0].plain_text()
    assert "grounding model can find" in system and "Nothing turns descriptions" not in system


def test_application_hints_follow_the_instruction():
    assert apps_for("Reorder the columns of the spreadsheet so that Order ID comes first") == ["calc"]
    assert "Export As" in app_hints("Export the image in GIMP as PNG")
    assert app_hints("xyzzy") == ""
