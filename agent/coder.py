"""The coding agent: a short inner loop of Python or Bash blocks run inside the desktop.

Each model reply holds one fenced block (or DONE / FAIL); the block runs in the
desktop through the protocol (/run_python, /run_bash_script), never on the host,
and its output (cut to the first 5,000 and last 3,000 characters) goes back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from agent.models.base import ChatModel, ChatResult, ImagePart, Message, ModelError, TextPart
from agent.prompts import render
from envs.base import Desktop, DesktopError

BLOCK = re.compile(r"```(python|py|bash|sh)\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)
CONSTRAINT = re.compile(
    r"[^.;\n]*\b(using only|only use|without|do not use|don't use|must not|"
    r"do not|don't|never)\b[^.;\n]*",
    re.IGNORECASE,
)
HEAD, TAIL = 5000, 3000


@dataclass
class CodeStep:
    language: str
    code: str
    returncode: int
    output: str


@dataclass
class CodeOutcome:
    status: Literal["DONE", "FAIL", "BUDGET", "ERROR"]
    summary: str
    steps: list[CodeStep] = field(default_factory=list)
    results: list[ChatResult] = field(default_factory=list)


def cut(text: str, head: int = HEAD, tail: int = TAIL) -> str:
    if len(text) <= head + tail:
        return text
    return f"{text[:head]}\n[... {len(text) - head - tail} characters cut ...]\n{text[-tail:]}"


def constraints_of(instruction: str) -> list[str]:
    """Sentences of the instruction that limit how the task may be done."""
    return [m.group(0).strip() for m in CONSTRAINT.finditer(instruction)]


def parse_reply(text: str) -> tuple[str, str] | Literal["DONE", "FAIL"] | None:
    block = BLOCK.search(text)
    if block:
        language = "python" if block.group(1).lower() in ("python", "py") else "bash"
        return language, block.group(2)
    last = text.strip().splitlines()[-1].strip().strip("*`. ").upper() if text.strip() else ""
    if last in ("DONE", "FAIL"):
        return last  # type: ignore[return-value]  # checked just above: DONE or FAIL
    return None


def run_code_agent(
    model: ChatModel,
    desktop: Desktop,
    task: str,
    instruction: str,
    *,
    max_steps: int = 20,
    timeout: float = 90.0,
    guard: Callable[[str, str], str | None] | None = None,
    screenshot: bytes | None = None,
) -> CodeOutcome:
    """`guard(language, code)` sees each block before it runs; a text back means refused
    (agent/nodes/approve.py: the risk policy, the person). `screenshot`: the screen as the
    planner last saw it, so the coder knows which file is open where."""
    limits = constraints_of(instruction)
    constraints = (
        ("CONSTRAINTS from the original instruction (obey them):\n- " + "\n- ".join(limits) + "\n")
        if limits
        else ""
    )
    messages = [
        Message.text(
            "system",
            render(
                "coder_system", task=task, constraints=constraints, max_steps=max_steps, timeout=int(timeout)
            ),
        ),
        _first_message(screenshot),
    ]
    outcome = CodeOutcome(status="BUDGET", summary="")
    for _ in range(max_steps):
        try:
            result: ChatResult = model.complete(messages, max_tokens=2048)
        except ModelError as exc:
            outcome.status, outcome.summary = "ERROR", f"the coding model failed: {exc}"
            return outcome
        outcome.results.append(result)
        parsed = parse_reply(result.text)
        messages.append(Message.text("assistant", result.text))
        if parsed == "DONE" or parsed == "FAIL":
            outcome.status = parsed
            outcome.summary = _summary(outcome, result.text)
            return outcome
        if parsed is None:
            messages.append(
                Message.text(
                    "user",
                    "No code block found. Reply with exactly one ```python or ```bash block, or DONE / FAIL.",
                )
            )
            continue
        language, code = parsed
        refusal = guard(language, code) if guard is not None else None
        if refusal:
            outcome.steps.append(CodeStep(language, code, -1, refusal))
            messages.append(Message.text("user", f"NOT RUN: {refusal}"))
            continue
        try:
            if language == "python":
                out = desktop.run_python(code, timeout=timeout)
            else:
                out = desktop.run_bash_script(code, timeout=timeout)
            text = cut((out.output or "") + (("\n[stderr]\n" + out.error) if out.error else ""))
            step = CodeStep(language, code, out.returncode, text)
        except DesktopError as exc:
            step = CodeStep(language, code, -1, f"could not run the code: {exc}")
        outcome.steps.append(step)
        messages.append(Message.text("user", f"Return code: {step.returncode}\nOutput:\n{step.output}"))
    outcome.summary = _summary(outcome, f"stopped after {max_steps} runs without DONE or FAIL")
    return outcome


def _summary(outcome: CodeOutcome, last_words: str) -> str:
    runs = len(outcome.steps)
    tail = outcome.steps[-1].output[-600:] if outcome.steps else ""
    words = last_words.strip()[-600:]
    return f"Coding agent finished with {outcome.status} after {runs} run(s). {words}" + (
        f"\nLast output:\n{tail}" if tail else ""
    )


def _first_message(screenshot: bytes | None) -> Message:
    begin = "Begin. Reply with one code block, or DONE / FAIL."
    if screenshot is None:
        return Message.text("user", begin)
    return Message(
        role="user",
        content=[
            TextPart(text="The screen now (which applications and files are open):"),
            ImagePart(data=screenshot),
            TextPart(text=begin),
        ],
    )
