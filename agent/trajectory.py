"""One folder per episode, on disk as it happens ("everything an episode did is on disk").

The folder keeps OSWorld's result layout, so OSWorld tooling reads ours and our report
reads theirs (OSWorld's results/<action space>/<observation>/<model>/<domain>/<id>/ folders):

    task.json            the task as given (OSWorld task schema)
    config.json          the run's settings (models, budgets, ...)
    step_0_<ts>.png      screens observed outside a step (the first: before any action)
    step_<n>_<ts>.png    the screen after step n
    traj.jsonl           one StepRecord per line: OSWorld's fields, then ours
    result.json          the EpisodeResult
    result.txt           the evaluator's score, only when one exists (see finish())
    report.html          a self-contained replay (agent/report.py)

Durability: every line of traj.jsonl is fsynced before add_step returns, whole files are
written to a temp name and renamed, and a screenshot is written before the line that
names it. A process killed mid-step therefore loses at most that one step, and a folder
can be reopened to continue appending.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

TIMESTAMP_FORMAT = "%Y%m%d@%H%M%S"  # OSWorld's action_timestamp, e.g. "20250503@081210"
TRAJ_FILE = "traj.jsonl"


def osworld_timestamp(when: datetime | None = None) -> str:
    """A timestamp in OSWorld's format; local time, as OSWorld's runner writes it."""
    return (when or datetime.now()).strftime(TIMESTAMP_FORMAT)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _zero_tokens() -> dict[str, int]:
    return {"input": 0, "output": 0, "cached": 0}


class TrajectoryError(ValueError):
    """A trajectory that cannot be written or read as asked (duplicate step, corrupt line)."""


class StepRecord(BaseModel):
    """One line of traj.jsonl: OSWorld's eight fields first, then ours.

    Only step_num is required, so OSWorld's own lines (which lack our fields) load too;
    unknown fields (OSWorld's extracted_screenshot_file, future ones) are kept.
    """

    model_config = ConfigDict(extra="allow")

    # --- OSWorld's fields
    step_num: int = Field(ge=1)  # 1-based, like OSWorld
    # Validated because it becomes part of a file name: nothing path-like gets through.
    action_timestamp: str = Field(default_factory=osworld_timestamp, pattern=r"^\d{8}@\d{6}$")
    action: dict[str, Any] | str = ""  # our Action as a dict, "DONE"/"FAIL"/"WAIT", or OSWorld code
    response: str = ""  # the model's raw reply
    reward: float = 0.0
    done: bool = False
    info: dict[str, Any] = Field(default_factory=dict)
    screenshot_file: str | None = None  # the screen after this step
    # --- ours
    node: str = "act"  # act, code, search, verify, loop_breaker, gate, ...
    decision: dict[str, Any] | None = None  # the parsed planner Decision
    points: list[tuple[int, int]] = Field(default_factory=list)  # where the action landed
    loop_breaker: dict[str, Any] | None = None  # {tier, constraint} when it vetoed
    verifier: dict[str, Any] | None = None  # {complete, reason, missing_steps}
    tokens: dict[str, int] = Field(default_factory=_zero_tokens)
    cost_usd: float = 0.0
    latency: dict[str, float] = Field(default_factory=dict)  # model_s, desktop_s, total_s
    settle: dict[str, Any] | None = None
    error: str | None = None

    @property
    def wasted(self) -> bool:
        """A step that did not move the task: a loop-breaker veto or a verifier rejection."""
        rejected = self.verifier is not None and not self.verifier.get("complete", False)
        return self.loop_breaker is not None or rejected


Status = Literal["done", "fail", "budget", "error", "interrupted", "loop_breaker", "verifier"]


class EpisodeResult(BaseModel):
    """result.json: how the episode ended and what it cost."""

    model_config = ConfigDict(extra="allow")

    task_id: str
    instruction: str = ""
    status: Status
    score: float | None = None  # the task's evaluator score, None when it did not run
    reason: str = ""
    steps: int = 0
    wasted_steps: int = 0  # loop-breaker vetoes + verifier rejections
    tokens: dict[str, int] = Field(default_factory=_zero_tokens)
    cost_usd: float = 0.0
    wall_s: float = 0.0
    started_at: str | None = None  # ISO 8601
    finished_at: str = Field(default_factory=_now_iso)
    models: dict[str, str] = Field(default_factory=dict)  # role -> model name


def totals(records: Iterable[StepRecord]) -> dict[str, Any]:
    """Summed tokens and cost, step and wasted-step counts, for a result or a report."""
    tokens: dict[str, int] = _zero_tokens()
    cost, steps, wasted = 0.0, 0, 0
    for r in records:
        steps += 1
        wasted += r.wasted
        cost += r.cost_usd
        for key, value in r.tokens.items():
            tokens[key] = tokens.get(key, 0) + int(value)
    return {"tokens": tokens, "cost_usd": cost, "steps": steps, "wasted_steps": wasted}


# ---------------------------------------------------------------- file primitives


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; directories cannot be opened this way on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a whole file so that readers see the old content or the new, never half."""
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def load_steps(folder: Path) -> list[StepRecord]:
    """The records of folder/traj.jsonl, in file order.

    A last line that does not parse is what a process killed mid-write leaves: it is
    skipped with a warning. A bad line anywhere else is corruption and raises.
    """
    path = Path(folder) / TRAJ_FILE
    if not path.exists():
        return []
    lines = [
        (i, line) for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if line.strip()
    ]
    records: list[StepRecord] = []
    for pos, (number, line) in enumerate(lines):
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            if pos == len(lines) - 1:
                log.warning("%s: ignoring truncated last line %d (%s)", path, number, exc)
                break
            raise TrajectoryError(f"{path}: line {number} is not JSON: {exc}") from None
        try:  # complete JSON that is not a step is not a crash artefact: say so
            records.append(StepRecord.model_validate(data))
        except ValidationError as exc:
            raise TrajectoryError(f"{path}: line {number} is not a valid step: {exc}") from None
    return records


def _repair_tail(path: Path) -> None:
    """Before appending, cut a half-written last line so the next line starts clean."""
    data = path.read_bytes()
    body = data.rstrip(b"\n")
    if not body:
        return
    cut = body.rfind(b"\n") + 1
    try:
        json.loads(body[cut:])
    except ValueError:
        log.warning("%s: removing a truncated last line (%d bytes) before appending", path, len(data) - cut)
        end = cut
    else:
        if data.endswith(b"\n"):
            return
        end = -1  # a complete line that only lacks its newline
    with path.open("r+b") as f:
        if end >= 0:
            f.truncate(end)
        else:
            f.seek(0, os.SEEK_END)
            f.write(b"\n")
        f.flush()
        os.fsync(f.fileno())


def _image_suffix(data: bytes) -> str:
    # Named by content, not by wish: OSWorld's WAA runs saved JPEGs under .png names.
    return ".jpg" if data[:3] == b"\xff\xd8\xff" else ".png"


class EpisodeWriter:
    """Writes one episode folder; reopening an existing folder continues it (resume)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.traj_path = self.folder / TRAJ_FILE
        self._seen: set[int] = set()
        if self.traj_path.exists():
            _repair_tail(self.traj_path)
            self._seen = {r.step_num for r in load_steps(self.folder)}

    def start(self, task: dict[str, Any], config: dict[str, Any]) -> None:
        """Record what was asked and how the agent was set up."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_json(self.folder / "task.json", task)
        _write_json(self.folder / "config.json", config)

    def add_initial_screenshot(self, image: bytes, when: datetime | None = None) -> str:
        """Save a screen observed outside a step as step_0_<ts>: OSWorld's name for the
        screen before the first action; later ones (after a step that took no screenshot)
        are placed by their timestamp in the report."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"step_0_{osworld_timestamp(when)}{_image_suffix(image)}"
        write_atomic(self.folder / name, image)
        return name

    def add_step(self, record: StepRecord, screenshot_png: bytes | None = None) -> StepRecord:
        """Save the step's screenshot, then append its line; returns the record as written."""
        if record.step_num in self._seen:
            raise TrajectoryError(
                f"step {record.step_num} is already in {self.traj_path}; a resumed episode "
                f"must continue at step {self.last_step_num() + 1}"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        if screenshot_png is not None:
            suffix = _image_suffix(screenshot_png)
            name = f"step_{record.step_num}_{record.action_timestamp}{suffix}"
            # Screenshot first: a line in traj.jsonl always names a file that exists.
            write_atomic(self.folder / name, screenshot_png)
            record = record.model_copy(update={"screenshot_file": name})
        line = json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n"
        with self.traj_path.open("ab") as f:
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        self._seen.add(record.step_num)
        return record

    def steps(self) -> list[StepRecord]:
        return load_steps(self.folder)

    def last_step_num(self) -> int:
        """The highest step written so far, 0 for a new episode."""
        return max(self._seen, default=0)

    def finish(self, result: EpisodeResult) -> Path | None:
        """Write result.json, result.txt (score only) and report.html; returns the report.

        result.txt is written only when the evaluator produced a score: OSWorld's runner
        treats a folder with result.txt as finished and skips it on resume, so an episode
        that errored before evaluation must not claim a "0" there.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_json(self.folder / "result.json", result.model_dump(mode="json"))
        if result.score is not None:
            write_atomic(self.folder / "result.txt", f"{result.score}\n")
        else:  # a rerun that ended without a score must not keep an older run's score
            (self.folder / "result.txt").unlink(missing_ok=True)
        from agent.report import write_report  # report imports this module

        try:
            return write_report(self.folder)
        except Exception:
            # The result is already safe on disk; a report can be rebuilt from the folder.
            log.exception("%s: could not build report.html", self.folder)
            return None
