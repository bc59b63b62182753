"""Framework overhead per agent step and prompt-prefix reuse (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.agent_step [--steps 30] [--width 1920 --height 1080]

A 30-step episode with the scripted model on the in-process FakeDesktop. Overhead
is everything but model and desktop time: graph routing, SQLite checkpoints,
prompt building, screen fingerprints, the episode files. Prefix reuse is the
share of each planner prompt that is a prefix of the next one (what a
provider's prefix cache can reuse). Targets: overhead <= 20 ms; reuse >= 0.9.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.context import AgentContext, Models
from agent.models.base import Message
from agent.models.scripted import ScriptedScript, estimate_tokens
from agent.runner import run_episode
from agent.trajectory import EpisodeWriter
from envs.fake import FakeDesktop
from grounding.base import NoGrounder


class TimedDesktop:
    """Counts the time spent inside the desktop, to subtract it from the step time."""

    def __init__(self, inner: FakeDesktop) -> None:
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return timed


def replies(steps: int) -> dict[str, list]:
    planner = [{"reasoning": f"step {i}", "action": {"type": "type", "text": f"line {i}\n"}}
               for i in range(steps - 1)]
    planner.append({"reasoning": "all lines typed", "action": {"type": "done"}})
    return {"gate": [{"criteria": [{"text": "all lines are typed"}]}], "planner": planner,
            "verifier": [{"complete": True, "reason": "every line is visible"}]}


def prefix_reuse(prompt: list[Message], following: list[Message]) -> float:
    """Tokens of `prompt` in the messages that open `following` unchanged, over all its tokens.

    Counted per whole message, with the scripted model's estimate (4 characters per
    token, 1,000 per image), as a provider's prefix cache would see it.
    """
    shared = 0
    for mine, theirs in zip(prompt, following):
        if mine != theirs:
            break
        shared += estimate_tokens([mine])
    return shared / estimate_tokens(prompt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    args = parser.parse_args()

    script = ScriptedScript.from_replies(replies(args.steps))
    models = Models(gate=script.model("gate"), planner=script.model("planner"),
                    verifier=script.model("verifier"), coder=script.model("coder"))
    desktop = TimedDesktop(FakeDesktop(args.width, args.height))
    step_times: list[float] = []
    marks = {"last": time.perf_counter(), "desktop": 0.0}

    def on_event(kind: str, data: dict) -> None:
        if kind == "step":  # one outer step ended: its wall time minus desktop and model time
            now = time.perf_counter()
            model_s = data.get("latency", {}).get("model_s", 0.0)
            spent_desktop = desktop.seconds - marks["desktop"]
            step_times.append(now - marks["last"] - spent_desktop - model_s)
            marks["last"], marks["desktop"] = now, desktop.seconds

    with tempfile.TemporaryDirectory() as tmp:
        ctx = AgentContext(desktop=desktop, models=models, grounder=NoGrounder(),  # type: ignore[arg-type]
                           writer=EpisodeWriter(Path(tmp) / "ep"),
                           config=AgentConfig(max_steps=args.steps + 5), on_event=on_event)
        waits: list[float] = []
        fingerprint = ctx.fingerprint

        def timed_fingerprint(name: str | None) -> int:
            begin = time.perf_counter()
            try:
                return fingerprint(name)
            finally:
                waits.append(time.perf_counter() - begin)

        ctx.fingerprint = timed_fingerprint  # type: ignore[method-assign]
        start = time.perf_counter()
        _, result = run_episode(ctx, "bench", "type the lines")
        wall = time.perf_counter() - start

    prompts = models.planner.requests
    reuse = [prefix_reuse(prompts[i], prompts[i + 1]) for i in range(len(prompts) - 1)]
    tokens = [c.usage.input_tokens for c in ctx.meter.calls if c.role == "planner"]
    print(f"episode: {result.status}, {result.steps} steps, {wall:.2f} s wall, "
          f"desktop {desktop.seconds:.2f} s ({args.width}x{args.height} fake screen)")
    print(f"framework overhead per step: median {statistics.median(step_times) * 1000:.1f} ms, "
          f"p95 {sorted(step_times)[int(0.95 * (len(step_times) - 1))] * 1000:.1f} ms")
    print(f"  of which waiting for screen fingerprints: {sum(waits) / len(step_times) * 1000:.1f} ms "
          "per step (computed in a thread while the planner is called; the scripted planner "
          "answers at once, a real one hides this)")
    print(f"planner input tokens per step: median {statistics.median(tokens):,.0f}, "
          f"max {max(tokens):,} (estimated: 4 chars/token, 1,000 per image)")
    print(f"prefix reuse: mean {statistics.mean(reuse):.3f}, min {min(reuse):.3f} "
          f"({sum(r < 0.99 for r in reuse)} of {len(reuse)} transitions below 0.99)")


if __name__ == "__main__":
    main()
