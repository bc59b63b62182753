"""Which actions are risky, and who may let them run: the policy file and the approver.

The rules are data (agent/data/risk_policy.toml, plus any --policy file): each
names a risk class, the action types it looks at, the fields of the action it reads
(target descriptions, typed text, keys, the app opened, the coding agent's task) and a
regular expression. `classify` applies them to a typed Action; `unattended` says what
happens when no person is there to ask. Model text is only ever matched, never run.
"""

from __future__ import annotations

import re
import tomllib
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.actions import (
    Action,
    CallCodeAgent,
    HoldAndPress,
    Hotkey,
    Open,
    SwitchApplication,
    Type,
    targets,
)

FIELDS = ("target", "text", "keys", "app", "code", "block")
CODE_BLOCK = "code_block"  # the action type that rules for the coding agent's blocks name
DEFAULT_POLICY = "risk_policy.toml"


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the problem."""


class RiskClass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    unattended_in_sandbox: bool = False


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    risk_class: str = Field(alias="class", min_length=1)
    why: str = ""
    actions: list[str] = Field(default_factory=list)  # empty: every action type
    fields: list[Literal["target", "text", "keys", "app", "code", "block"]] = Field(default_factory=list)
    pattern: str | None = None  # None: the action type alone matches
    unless: str | None = None  # found in the same field: no match
    outside_sandbox_only: bool = False

    @field_validator("pattern", "unless")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc}): {value!r}") from None
        return value

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern, re.IGNORECASE) if self.pattern else None

    @cached_property
    def unless_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.unless, re.IGNORECASE) if self.unless else None

    def find(self, text: str) -> re.Match[str] | None:
        """The pattern's match in `text`, unless the text also says it is something else."""
        found = self.regex.search(text) if self.regex is not None else None
        if found and self.unless_regex is not None and self.unless_regex.search(text):
            return None
        return found


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classes: dict[str, RiskClass] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    replace_defaults: bool = False
    source: str = "default"

    def merged(self, extra: Policy) -> Policy:
        """This policy with another file's rules added (or replacing these) and its classes."""
        rules = extra.rules if extra.replace_defaults else [*self.rules, *extra.rules]
        classes = {**self.classes}
        for name, cls in extra.classes.items():
            classes[name] = cls
        return Policy(classes=classes, rules=rules, source=f"{self.source} + {extra.source}")

    def check_classes(self) -> Policy:
        unknown = sorted({r.risk_class for r in self.rules} - set(self.classes))
        if unknown:
            raise PolicyError(
                f"policy {self.source}: rules name classes that are not defined "
                f"under [classes]: {', '.join(unknown)}"
            )
        return self


class Risk(BaseModel):
    """Why an action needs approval: the first rule that matched it."""

    risk_class: str
    description: str = ""
    why: str = ""
    matched: str = ""  # the text the pattern found ("" for a type-only rule)
    field: str = ""


def parse_policy(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy {source}: not valid TOML: {exc}") from None
    try:
        return Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"policy {source}: {problems}") from None


def load_policy(path: Path | None = None) -> Policy:
    """The default policy, with the rules of `path` (TOML) added when given."""
    text = resources.files(__package__).joinpath("data", DEFAULT_POLICY).read_text(encoding="utf-8")
    policy = parse_policy(text, DEFAULT_POLICY)
    if path is not None:
        try:
            extra_text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"policy {path}: cannot read it: {exc}") from None
        policy = policy.merged(parse_policy(extra_text, str(path)))
    return policy.check_classes()


def action_fields(action: Action) -> dict[str, str]:
    """The words of an action that the rules read, by field name."""
    out = {"target": "\n".join(t.description for t in targets(action))}
    if isinstance(action, Type):
        out["text"] = action.text
    if isinstance(action, Hotkey):
        out["keys"] = "+".join(action.keys)
    if isinstance(action, HoldAndPress):
        out["keys"] = "\n".join("+".join([*action.hold_keys, k]) for k in action.press_keys)
    if isinstance(action, Open):
        out["app"] = action.app_or_file
    if isinstance(action, SwitchApplication):
        out["app"] = action.app
    if isinstance(action, CallCodeAgent):
        out["code"] = action.task or ""
    return out


def classify(action: Action, policy: Policy, *, sandbox: bool, instruction: str = "") -> Risk | None:
    """The first rule of the policy the action matches, or None: not risky.

    `instruction` stands in for the coding agent's task when the action gives none
    (call_code_agent without a task works on the original instruction). Rules for the
    coding agent's blocks (action type code_block) are for classify_code only.
    """
    fields = action_fields(action)
    if isinstance(action, CallCodeAgent) and not fields["code"]:
        fields["code"] = instruction
    for rule in policy.rules:
        if (rule.actions and action.type not in rule.actions) or CODE_BLOCK in rule.actions:
            continue
        if rule.outside_sandbox_only and sandbox:
            continue
        cls = policy.classes[rule.risk_class]
        if rule.regex is None:
            return Risk(risk_class=rule.risk_class, description=cls.description, why=rule.why)
        for name in rule.fields or FIELDS:
            found = rule.find(fields.get(name, ""))
            if found:
                return Risk(
                    risk_class=rule.risk_class,
                    description=cls.description,
                    why=rule.why,
                    matched=found.group(0).strip(),
                    field=name,
                )
    return None


def classify_code(code: str, policy: Policy, *, sandbox: bool) -> Risk | None:
    """The first `code_block` rule a block of the coding agent's code matches, or None."""
    for rule in policy.rules:
        if CODE_BLOCK not in rule.actions or (rule.outside_sandbox_only and sandbox):
            continue
        cls = policy.classes[rule.risk_class]
        found = rule.find(code)
        if rule.regex is None or found:
            return Risk(
                risk_class=rule.risk_class,
                description=cls.description,
                why=rule.why,
                matched=found.group(0).strip() if found else "",
                field="block",
            )
    return None


def unattended(risk: Risk, policy: Policy, *, sandbox: bool) -> bool:
    """May this risky action run with nobody to ask? Only on a sandbox, only if its class says so."""
    cls = policy.classes.get(risk.risk_class)
    return bool(sandbox and cls is not None and cls.unattended_in_sandbox)


class ApprovalRequest(BaseModel):
    """What the person is asked (also the value of the graph's interrupt)."""

    step: int
    action: dict[str, Any]
    risk: Risk
    reasoning: str = ""


class ApprovalAnswer(BaseModel):
    decision: Literal["approve", "deny"]
    reason: str = ""


class Approver(Protocol):
    """A person who answers approval requests (a terminal, a web page, a test script)."""

    def ask(self, request: ApprovalRequest) -> ApprovalAnswer: ...
