"""A fault-injecting policy: a task's solution played as the planner, with mistakes on purpose.

    --model 'faulty:plans.json?seed=7&stuck=0.2&stuck_len=4&early_done=0.1&listen_veto=0.9'

`plans.json` holds each task's solution as planner actions (written by the task layer,
benchmarks/osworld/oracle_policy.py; the core sees only this plain data). The policy
follows it, but before each solution step it may, with the configured probabilities:

- stuck:      after the step, repeat it `stuck_len` more times (steps that type text are
              never chosen: retyping is damage, not a loop);
- early_done: say done before the step (only once some step was taken);
- offset:     click `offset_px` pixels off target (clicks only; if nothing changed, the
              next step clicks the right spot, as a model that looks would);
- typo:       type the text with one character changed (never corrected).

A plan with "settle_first" (its setup starts programs) begins with waits of SETTLE_WAIT_S
until one leaves the screen unchanged (at most SETTLE_WAITS): the apps are up before the
first key, as a model that looks before it acts would have it. It reacts like a model that listens: after a Loop Breaker veto of a fault, with
probability `listen_veto` it drops the repetition and goes on with the solution (else it
insists); after a verifier rejection, with probability `listen_reject` it goes on with the
solution, or gives up (fail) when it has nothing left to try. The same object answers the
gate (one generic criterion) and the verifier: a SIMULATED verifier that knows whether the
solution was really finished, and rejects a premature done with probability `verifier_tr`
and a true one with `verifier_fr` (`verifier=off`: it accepts everything). That is a
what-if, not a model's judgement; every verdict's reason says so.

Faults are drawn from the seed, the repeat number `rep`, the task and the solution step,
so two configurations (Loop Breaker on/off, say) meet the same faults: paired runs.
Planner and verifier models made from one spec share their episodes (keyed by the task's
instruction), so `build_models` may make them separately.
"""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, Field

from agent.models.base import ChatResult, Message, ModelError, Usage
from agent.models.scripted import CHARS_PER_TOKEN, estimate_tokens
from agent.models.structured import complete_structured

T = TypeVar("T", bound=BaseModel)

WHAT_IF = "simulated verifier (a what-if, not a model's judgement)"
VETO_MARK = "VETOED by the loop breaker"
REJECT_MARK = "Completeness Verifier REJECTED"
FAILED_MARK = "The action failed"
NO_CHANGE_MARK = "did NOT change"
FOCUS_RETRIES = 6
FOCUS_WAITS_S = (2.0, 5.0, 10.0)  # the waits before each retry of a focus that failed (then 10 s)
SETTLE_WAIT_S, SETTLE_WAITS = 2.0, 8


class FaultConfig(BaseModel):
    """The policy's knobs, from the spec's query string."""

    seed: int = 0
    rep: int = 1
    stuck: float = Field(0.0, ge=0, le=1)
    stuck_len: int = Field(4, ge=1, le=50)
    early_done: float = Field(0.0, ge=0, le=1)
    offset: float = Field(0.0, ge=0, le=1)
    offset_px: int = Field(80, ge=1, le=2000)
    typo: float = Field(0.0, ge=0, le=1)
    listen_veto: float = Field(1.0, ge=0, le=1)
    listen_reject: float = Field(1.0, ge=0, le=1)
    verifier: bool = True
    verifier_tr: float = Field(0.9, ge=0, le=1)  # rejects a premature done
    verifier_fr: float = Field(0.0, ge=0, le=1)  # rejects a finished one

    @classmethod
    def from_query(cls, query: str) -> FaultConfig:
        values: dict[str, Any] = {}
        query = "&".join(part for part in query.split("&") if part)  # "a=1&" is "a=1"
        for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
            if key not in cls.model_fields:
                raise ValueError(
                    f"faulty model: unknown setting {key!r}; known: {', '.join(cls.model_fields)}"
                )
            values[key] = value not in ("0", "off", "false", "no") if key == "verifier" else value
        return cls.model_validate(values)


@dataclass
class _Episode:
    plan: dict[str, Any]
    next: int = 0  # the next solution step to take
    stuck_left: int = 0
    last: dict[str, Any] | None = None
    last_kind: str = ""  # what the last proposal was: oracle | stuck | done | offset | ...
    broken: bool = False  # a fault the policy never repaired (a typo, a wrong click)
    fixed_click: dict[str, Any] | None = None
    legit_vetoes: int = 0
    vetoes: int = 0
    focus_retries: int = 0
    last_focus: dict[str, Any] | None = None
    verifies: int = 0
    early_asked: set[int] = field(default_factory=set)
    settle_waits: int = 0
    settled: bool = False

    @property
    def finished(self) -> bool:
        return self.next >= len(self.plan["actions"]) and not self.broken


class FaultyRun:
    """The plans and the episodes under way, shared by the models of one spec."""

    def __init__(self, plans: list[dict[str, Any]], config: FaultConfig, source: str) -> None:
        self.plans, self.config, self.source = plans, config, source
        self.episodes: dict[str, _Episode] = {}
        self.lock = threading.Lock()

    def plan_for(self, text: str) -> dict[str, Any]:
        # The longest instruction found in the prompt: one task's may contain another's.
        found = [p for p in self.plans if p["instruction"] and p["instruction"] in text]
        if not found:
            raise ModelError(
                f"faulty model: no plan in {self.source} for this task (prompt starts {text[:120]!r})"
            )
        return max(found, key=lambda p: len(p["instruction"]))

    def draw(self, task_id: str, step: int, kind: str, extra: int = 0) -> float:
        seed = f"{self.config.seed}:{self.config.rep}:{task_id}:{step}:{kind}:{extra}"
        return random.Random(seed).random()


_RUNS: dict[str, FaultyRun] = {}
_RUNS_LOCK = threading.Lock()


def load_run(path: str, query: str) -> FaultyRun:
    """The shared run for a spec (plans loaded once)."""
    key = f"{Path(path).expanduser().resolve()}?{query}"
    with _RUNS_LOCK:
        if key not in _RUNS:
            config = FaultConfig.from_query(query)
            try:
                data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValueError(f"faulty model: cannot read plans from {path}: {exc}") from exc
            if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
                raise ValueError(f"faulty model: {path} is not a plans file ({{'tasks': [...]}})")
            _RUNS[key] = FaultyRun(data["tasks"], config, str(path))
        return _RUNS[key]


def _decision(action: dict[str, Any], why: str, first: bool) -> str:
    reflection = None if first else {"outcome": "success", "termination": "continue", "strategy": "keep"}
    return json.dumps({"reflection": reflection, "reasoning": why, "action": action})


def _typo(text: str, draw: float) -> str:
    body = text.rstrip("\n")
    if not body:
        return text
    i = int(draw * len(body))
    wrong = "x" if body[i] != "x" else "y"
    return body[:i] + wrong + body[i + 1 :] + text[len(body) :]


class FaultyModel:
    """A ChatModel playing the planner, gate or verifier (by the schema asked for)."""

    def __init__(self, run: FaultyRun, role: str = "planner") -> None:
        self.run, self.role = run, role
        self.name = f"faulty:{Path(run.source).name}:{role}"

    def close(self) -> None:
        """Nothing to release."""

    def complete(
        self,
        messages: list[Message],
        *,
        schema: type[T] | None = None,
        max_tokens: int = 2048,
        temperature: float = 0.0,
    ) -> ChatResult[T]:
        kind = schema.__name__ if schema is not None else ""

        def send(msgs: list[Message]) -> tuple[str, Usage]:
            with self.run.lock:
                text = (
                    self._plan(msgs)
                    if kind == "Decision"
                    else self._verdict(msgs)
                    if kind == "Verdict"
                    else self._criteria(msgs)
                    if kind == "Criteria"
                    else None
                )
            if text is None:
                raise ModelError(
                    f"faulty model: plays the planner, gate and verifier only, not {kind or 'free text'}"
                )
            return text, Usage(
                input_tokens=estimate_tokens(msgs), output_tokens=math.ceil(len(text) / CHARS_PER_TOKEN)
            )

        return complete_structured(send, messages, schema, model_name=self.name, max_parse_retries=0)

    # -- the gate
    def _criteria(self, messages: list[Message]) -> str:
        plan = self.run.plan_for(_all_text(messages))
        return json.dumps(
            {
                "criteria": [{"text": "The task is done as the instruction says"}],
                "feasible": plan["final"] == "done",
            }
        )

    # -- the planner
    def _plan(self, messages: list[Message]) -> str:
        plan = self.run.plan_for(_all_text(messages[:2]))
        first = not any(m.role == "assistant" for m in messages)
        key = plan["task_id"]
        if first or key not in self.run.episodes:
            self.run.episodes[key] = _Episode(plan)
        ep = self.run.episodes[key]
        seen = messages[-1].plain_text() if not first else ""
        action, kind = self._next(ep, seen)
        ep.last, ep.last_kind = action, kind
        return _decision(action, f"{kind}: step {ep.next} of {len(plan['actions'])}", first)

    def _next(self, ep: _Episode, seen: str) -> tuple[dict[str, Any], str]:
        cfg, actions, task = self.run.config, ep.plan["actions"], ep.plan["task_id"]
        final = {"type": ep.plan["final"]}
        if REJECT_MARK in seen:
            if self.run.draw(task, ep.next, "listen_reject", ep.verifies) >= cfg.listen_reject:
                return final, "insist done"
            if ep.next >= len(actions):  # nothing left to try: a listening model gives up
                return (
                    (
                        {"type": "fail", "reason": "the verifier says it is not done; nothing left to try"},
                        "give up",
                    )
                    if ep.broken
                    else (final, "done again")
                )
        elif VETO_MARK in seen and ep.last is not None:
            ep.vetoes += 1
            if ep.last_kind in ("stuck", "insist"):
                if self.run.draw(task, ep.next, "listen_veto", ep.vetoes) < cfg.listen_veto:
                    ep.stuck_left = 0
                else:
                    ep.stuck_left = max(0, ep.stuck_left - 1)
                    return ep.last, "insist"
            else:  # a veto of a solution step: there is no other way it knows
                ep.legit_vetoes += 1
                if ep.legit_vetoes > 1:
                    return {
                        "type": "fail",
                        "reason": "the loop breaker forbids the only way I know",
                    }, "give up"
                return ep.last, "re-propose"
        elif (
            FAILED_MARK in seen
            and ep.last
            and ep.last["type"] == "switch_application"
            and ep.focus_retries < FOCUS_RETRIES
        ):  # its window is not up yet: wait, then again
            ep.focus_retries += 1  # longer each time: a loaded machine starts apps slowly
            return {
                "type": "wait",
                "seconds": FOCUS_WAITS_S[min(ep.focus_retries, len(FOCUS_WAITS_S)) - 1],
            }, ("wait for window")
        if ep.plan.get("settle_first") and not ep.settled:
            still = NO_CHANGE_MARK in seen or ep.settle_waits >= SETTLE_WAITS
            if ep.settle_waits == 0 or not still:
                ep.settle_waits += 1
                return {"type": "wait", "seconds": SETTLE_WAIT_S}, "settle"
            ep.settled = True
        if ep.last_kind == "wait for window" and ep.last_focus is not None:
            return dict(ep.last_focus), "retry focus"
        if ep.fixed_click is not None:
            fix, ep.fixed_click = ep.fixed_click, None
            if NO_CHANGE_MARK in seen:
                return fix, "fix click"
            ep.broken = True  # the wrong click did something: a fault never repaired
        if ep.stuck_left > 0:
            ep.stuck_left -= 1
            return dict(ep.last or {}), "stuck"
        if ep.next >= len(actions):
            return final, "final"
        i = ep.next
        if i > 0 and i not in ep.early_asked and self.run.draw(task, i, "early_done") < cfg.early_done:
            ep.early_asked.add(i)
            return {"type": "done"}, "early done"
        action = json.loads(json.dumps(actions[i]))
        ep.next += 1
        kind = "oracle"
        if action["type"] == "switch_application":
            ep.last_focus = action
            ep.focus_retries = 0
        if action["type"] == "click" and self.run.draw(task, i, "offset") < cfg.offset:
            ep.fixed_click = json.loads(json.dumps(action))
            angle = self.run.draw(task, i, "offset_angle") * 2 * math.pi
            target = action["target"]
            target["x"] = max(0, int(target["x"] + cfg.offset_px * math.cos(angle)))
            target["y"] = max(0, int(target["y"] + cfg.offset_px * math.sin(angle)))
            target["description"] = f"the point ({target['x']}, {target['y']})"
            kind = "offset"
        elif action["type"] == "type" and action.get("text") and self.run.draw(task, i, "typo") < cfg.typo:
            action["text"] = _typo(action["text"], self.run.draw(task, i, "typo_at"))
            ep.broken, kind = True, "typo"
        if action["type"] != "type" and self.run.draw(task, i, "stuck") < cfg.stuck:
            ep.stuck_left = cfg.stuck_len
        return action, kind

    # -- the simulated verifier
    def _verdict(self, messages: list[Message]) -> str:
        plan = self.run.plan_for(_all_text(messages))
        ep = self.run.episodes.get(plan["task_id"]) or _Episode(plan)
        cfg = self.run.config
        ep.verifies += 1
        truth = ep.finished
        rate = 0.0 if not cfg.verifier else (cfg.verifier_fr if truth else cfg.verifier_tr)
        reject = self.run.draw(plan["task_id"], ep.next, "verify", ep.verifies) < rate
        if not reject:
            return json.dumps({"complete": True, "reason": f"{WHAT_IF}: accepted", "missing_steps": []})
        return json.dumps(
            {
                "complete": False,
                "reason": f"{WHAT_IF}: the task is not finished",
                "missing_steps": ["finish the remaining steps of the task"],
            }
        )


def _all_text(messages: list[Message]) -> str:
    return "\n".join(m.plain_text() for m in messages)
