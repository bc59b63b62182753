"""The approval policy refuses no ordinary benchmark work in a sandbox, and still catches
what really sends, pays or deletes.

The sweep: every OSWorld and WindowsAgentArena instruction (523) as the coding agent's task
and, for each quoted phrase in it, a click on a control of that name and typing it; and every
oracle solution we ship, action by action. In a sandbox (a benchmark desktop) none of these
may be refused. Before this policy looked at what actions do rather than task words, 28 of
the 523 instructions were refused ("Reorder the columns ... 'Order ID'", most Thunderbird
tasks)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.actions import CallCodeAgent, Click, Hotkey, Target, Type, parse_action
from agent.approval import classify, classify_code, load_policy, unattended
from benchmarks.osworld.task_data import task_data_dir

ROOT = Path(__file__).resolve().parents[2]
QUOTED = re.compile(r"(?<![A-Za-z])[\"'“‘`]([^\"'”’`\n]{2,60})[\"'”’`](?![A-Za-z])")


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def instructions() -> list[tuple[str, str]]:
    out = []
    for name in ("osworld", "waa"):
        for path in sorted((task_data_dir() / name / "examples").rglob("*.json")):
            out.append((f"{name}/{path.stem}", json.loads(path.read_text())["instruction"]))
    return out


def refused(action, policy, instruction: str = "") -> str | None:
    risk = classify(action, policy, sandbox=True, instruction=instruction)
    if risk is None or unattended(risk, policy, sandbox=True):
        return None
    return f"{risk.risk_class} ({risk.matched!r})"


def test_no_benchmark_instruction_is_refused_in_a_sandbox(policy):
    tasks = instructions()
    assert len(tasks) == 523  # 369 OSWorld + 154 WAA
    problems = []
    for task_id, text in tasks:
        actions = [CallCodeAgent(task=text), CallCodeAgent(task=None)]
        for phrase in QUOTED.findall(text):
            actions += [Click(target=Target(description=f"the {phrase} button")), Type(text=phrase)]
        for action in actions:
            why = refused(action, policy, text)
            if why:
                problems.append(f"{task_id}: {action.type} -> {why}")
                break
    assert problems == []


def oracle_actions(task: dict) -> list:
    """The oracle's protocol actions as the planner's typed actions, for the policy."""
    out = []
    for step in task.get("oracle") or []:
        if not isinstance(step, dict):
            continue
        if step.get("type") == "type":
            out.append(Type(text=step["text"]))
        elif step.get("type") in ("hotkey", "key"):
            keys = step.get("keys") or [step.get("key", "")]
            out.append(Hotkey(keys=[k for k in keys if k]))
    return out


def test_no_oracle_solution_is_refused_in_a_sandbox(policy):
    files = sorted((ROOT / "benchmarks/tasks").rglob("*.json"))
    checked, problems = 0, []
    for path in files:
        task = json.loads(path.read_text())
        if not isinstance(task, dict):
            continue
        for action in oracle_actions(task):
            checked += 1
            why = refused(action, policy)
            if why:
                problems.append(f"{path.name}: {action.type} -> {why}")
    assert checked > 50 and problems == []


@pytest.mark.parametrize(
    "action",
    [
        {"type": "click", "target": "the Send button of the compose window"},
        {"type": "click", "target": "Post"},
        {"type": "click", "target": "Place your order"},
        {"type": "click", "target": "Pay now"},
        {"type": "type", "text": "mail -s hi bob@example.com < note.txt"},
        {"type": "type", "text": "curl -X POST -d @report.json https://example.com/upload"},
    ],
)
def test_real_sends_and_payments_are_still_refused_in_a_sandbox(policy, action):
    assert refused(parse_action(action), policy) is not None


@pytest.mark.parametrize(
    "target",
    [
        "the Order ID column header",
        "Send to Back in the Arrange menu",
        "the Share button",
        "Forward in the message toolbar",
        "the Payment column",
        "the Send/Receive button",
    ],
)
def test_controls_that_only_look_like_sending_or_paying_are_not_refused(policy, target):
    assert refused(Click(target=Target(description=target)), policy) is None


@pytest.mark.parametrize(
    "code, risk_class",
    [
        ("import smtplib\nsmtplib.SMTP('mail.example.com').sendmail(a, b, msg)", "send_message"),
        ("requests.post('https://shop.example.com/checkout', data=card)", "purchase"),
        ("httpx.post('https://api.example.com/messages', json=body)", "send_message"),
        ("import shutil; shutil.rmtree('/home/user/old')", "delete_files"),
    ],
)
def test_the_code_that_really_sends_or_deletes_is_caught(policy, code, risk_class):
    risk = classify_code(code, policy, sandbox=True)
    assert risk is not None and risk.risk_class == risk_class


def test_reordering_columns_in_code_is_not_a_purchase(policy):
    code = "df = df[['Date', 'First Name', 'Last Name', 'Order ID', 'Sales']]\ndf.to_excel(path)"
    assert classify_code(code, policy, sandbox=True) is None
