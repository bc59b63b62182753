"""OSWorld's task file format as pydantic models, loaded losslessly.

A task file is `examples/<domain>/<id>.json`; a split file maps each domain to a
list of ids. The models check what the runner relies on (field types, the
evaluator's list lengths) and keep everything else: unknown fields (`_comments`,
`hint`, our `oracle`) are stored as extras, so `task.model_dump(mode="json",
exclude_unset=True)` gives back exactly the file's JSON. Models are strict: a
string where a boolean belongs is an error here, not a surprise at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

__all__ = ["Evaluator", "GetterSpec", "SetupStep", "Task", "TaskFileError", "load_split", "load_task"]


class _Open(BaseModel):
    # extra="allow" is what makes the round trip lossless; strict keeps "true" from passing as True.
    model_config = ConfigDict(extra="allow", strict=True)


class SetupStep(_Open):
    """One setup (or postconfig) step: `{"type": "launch", "parameters": {...}}`."""

    type: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class GetterSpec(_Open):
    """What a getter gets: `{"type": "vm_file", "path": ..., "dest": ...}`.

    `type` may be absent: WindowsAgentArena's infeasible tasks carry `{}`.
    """

    type: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The spec as the plain dict that OSWorld's getters receive."""
        return self.model_dump(mode="json", exclude_unset=True)


GetterField = GetterSpec | list[GetterSpec | None] | None
OptionsField = dict[str, Any] | list[dict[str, Any] | None] | None


class Evaluator(_Open):
    func: str | list[str]
    result: GetterField = None
    expected: GetterField = None
    postconfig: list[SetupStep] = Field(default_factory=list)
    options: OptionsField = None
    conj: Literal["and", "or"] | None = None

    @field_validator("result", "expected", "options")
    @classmethod
    def _lists_line_up(cls, value: Any, info: ValidationInfo) -> Any:
        # OSWorld asserts this at reset; checking it at load time names the file and field.
        func = info.data.get("func")
        if value is None or func is None:
            return value
        # ValueError, not TypeError: pydantic turns only the former into an error naming the field.
        if isinstance(func, list):
            if not isinstance(value, list) or len(value) != len(func):
                raise ValueError(
                    f"func lists {len(func)} metrics, so this must be a list of {len(func)} entries"
                )
        elif isinstance(value, list):
            raise ValueError("a list, but func names a single metric")  # noqa: TRY004 - pydantic reports a ValueError as a field error
        return value

    @field_validator("func")
    @classmethod
    def _some_metric(cls, value: str | list[str]) -> str | list[str]:
        if not value:
            raise ValueError("names no metric")
        return value

    @property
    def metrics(self) -> list[str]:
        return self.func if isinstance(self.func, list) else [self.func]

    def getter_specs(self) -> list[GetterSpec]:
        """Every result and expected spec that names a getter."""
        specs: list[GetterSpec] = []
        for value in (self.result, self.expected):
            for spec in value if isinstance(value, list) else [value]:
                if spec is not None and spec.type:
                    specs.append(spec)
        return specs


class Task(_Open):
    id: str = Field(min_length=1)
    instruction: str
    evaluator: Evaluator
    snapshot: str = ""
    source: str | list[str] | None = None
    trajectory: str = ""
    related_apps: list[str] = Field(default_factory=list)
    config: list[SetupStep] = Field(default_factory=list)
    proxy: bool = False
    fixed_ip: bool = False
    possibility_of_env_change: str | None = None
    hint: str | None = None
    env_may_change: bool | None = None

    # Where the task was read from: files shipped beside a task resolve against it.
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def base_dir(self) -> Path | None:
        return self._path.parent if self._path else None

    @property
    def infeasible(self) -> bool:
        return self.evaluator.func == "infeasible"

    @property
    def oracle(self) -> list[Any] | None:
        """Our extension: protocol actions (dicts) that solve the task, then "DONE" or "FAIL"."""
        extra = self.model_extra or {}
        return extra.get("oracle")


class TaskFileError(ValueError):
    """A task or split file that cannot be used; says which file and which field."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path, self.field, self.line, self.column = Path(path), field, line, column
        where = f" at line {line} column {column}" if line is not None else ""
        super().__init__(f"{path}{where}: {message}")


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaskFileError(path, "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFileError(path, f"cannot read: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaskFileError(path, f"malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from exc


def _field_path(data: Any, loc: tuple[int | str, ...], missing: bool) -> str:
    """`evaluator.result[1].type` from pydantic's loc, which also holds union tags
    such as 'list[nullable[GetterSpec]]': follow the data and keep only real keys."""
    parts: list[str] = []
    node = data
    for i, key in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            parts.append(f"[{key}]")
            node = node[key]
        elif isinstance(node, dict) and key in node:
            parts.append(f".{key}")
            node = node[key]
        elif last and missing:
            parts.append(f".{key}")
    return "".join(parts).lstrip(".") or "(top level)"


def _validation_error(path: Path, data: Any, exc: ValidationError) -> TaskFileError:
    problems: dict[str, list[str]] = {}
    for err in exc.errors():
        field = _field_path(data, tuple(err["loc"]), err["type"] == "missing")
        message = err["msg"].removeprefix("Value error, ")
        if message not in problems.setdefault(field, []):
            problems[field].append(message)
    first = next(iter(problems))
    text = "; ".join(f"field {f!r}: {' or '.join(msgs)}" for f, msgs in problems.items())
    return TaskFileError(path, text, field=first)


def load_task(path: Path | str) -> Task:
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict):
        raise TaskFileError(path, f"a task is a JSON object, not {type(data).__name__}")
    try:
        task = Task.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, data, exc) from None
    task._path = path.resolve()
    return task


def load_split(split_file: Path | str, examples_dir: Path | str) -> dict[str, list[Task]]:
    """Load every task a split names, as `{domain: [Task, ...]}` in the split's order."""
    split_file, examples_dir = Path(split_file), Path(examples_dir)
    data = _read_json(split_file)
    if not isinstance(data, dict):
        raise TaskFileError(split_file, "a split file maps each domain to a list of task ids")
    out: dict[str, list[Task]] = {}
    for domain, ids in data.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise TaskFileError(split_file, f"field {domain!r}: must be a list of task ids", field=domain)
        out[domain] = [load_task(examples_dir / domain / f"{task_id}.json") for task_id in ids]
    return out
