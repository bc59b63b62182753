"""What the models answer, as pydantic schemas: criteria, the planner's decision, the verdict.

These are the structured outputs of the gate, planner and verifier calls
(ChatModel.complete(..., schema=...)); their JSON schemas go into the prompts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.actions import Action


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")  # models add chatter fields; ignore, don't fail


class Criterion(_Model):
    """One success criterion the screen can show; `exact` when a literal value must match."""

    text: Annotated[str, Field(min_length=1, max_length=500)]
    exact_value: str | None = None


class Criteria(_Model):
    criteria: Annotated[list[Criterion], Field(min_length=1, max_length=3)]
    feasible: bool = True
    note: str = ""


class Reflection(_Model):
    """The planner's look back at its last step (absent on the first step)."""

    progress: str = ""
    outcome: Literal["success", "partial", "no_change", "failure", "unknown"] = "unknown"
    loop: bool = False
    feasibility: Literal["feasible", "infeasible", "unknown"] = "feasible"
    termination: Literal["continue", "done", "fail"] = "continue"
    strategy: Literal["keep", "switch"] = "keep"


class CriterionCheck(_Model):
    index: Annotated[int, Field(ge=0, le=2)]
    met: bool
    evidence: str = ""


# The planner thinks before it acts: these come before `action` in the schema (models write
# fields in schema order) and are listed as required there. A reply that leaves one out
# still parses (its default), so a good action is never lost over a missing reflection.
REASON_FIRST = ("observation", "reflection", "criteria_check", "reasoning", "action")


def _require_reasoning(schema: dict[str, Any]) -> None:
    schema["required"] = list(REASON_FIRST)


class Decision(_Model):
    model_config = ConfigDict(extra="ignore", json_schema_extra=_require_reasoning)

    observation: str = ""  # what the screen shows now that matters
    reflection: Reflection | None = None  # null on the first step
    criteria_check: list[CriterionCheck] = Field(default_factory=list)
    reasoning: str = ""
    action: Action


class Verdict(_Model):
    complete: bool
    reason: str = ""
    missing_steps: list[str] = Field(default_factory=list)
