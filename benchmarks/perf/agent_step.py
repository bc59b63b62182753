"""Framework overhead per agent step and prompt-prefix reuse (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.agent_step [--steps 30] [--width 1920 --height 1080]
        [--latest-tokens N|none] [--history-tokens N|none]   (default: compare three budgets)
        [--image-limits anthropic:claude-sonnet-4-5]         (scale to a model's image limits)

A 30-step episode with the scripted model on the in-process FakeDesktop. Overhead
is everything but model and desktop time: graph routing, SQLite checkpoints,
prompt building, screen fingerprints, the episode files. Prefix reuse is the
share of each planner prompt that is a prefix of the next one (what a
provider's prefix cache can reuse). Targets: overhead <= 20 ms; reuse >= 0.9.
Tokens are counted as a Qwen2.5-VL server would: 4 characters per text token, one token
per 28x28 patch of each image (agent/image_budget.py), so the figures show what the
planner's image budgets (AgentConfig.image_tokens_latest / image_tokens_history) save.
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
from agent.image_budget import image_size, tokens_for_size
from agent.models.base import ImagePart, Message
from agent.models.scripted import ScriptedScript
from agent.run_graph import run_graph
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
    planner = [
        {"reasoning": f"step {i}", "action": {"type": "type", "text": f"line {i}\n"}}
        for i in range(steps - 1)
    ]
    planner.append({"reasoning": "all lines typed", "action": {"type": "done"}})
    return {
        "gate": [{"criteria": [{"text": "all lines are typed"}]}],
        "planner": planner,
        "verifier": [{"complete": True, "reason": "every line is visible"}],
    }


def part_tokens(part: Any) -> int:
    if isinstance(part, ImagePart):
        return tokens_for_size(image_size(part.data))
    return -(-len(part.text) // 4)


def prompt_tokens(prompt: list[Message]) -> tuple[int, int]:
    """(all tokens, image tokens) of a prompt."""
    parts = [p for m in prompt for p in m.content]
    images = sum(part_tokens(p) for p in parts if isinstance(p, ImagePart))
    return sum(part_tokens(p) for p in parts), images


def prefix_reuse(prompt: list[Message], following: list[Message]) -> float:
    """Tokens of `prompt` that open `following` unchanged, over all its tokens: whole
    messages, then the parts that open the first message that differs (a server's prefix
    cache works on tokens, so the text before a changed image still counts)."""
    shared = 0
    for mine, theirs in zip(prompt, following):
        if mine == theirs:
            shared += sum(part_tokens(p) for p in mine.content)
            continue
        if mine.role == theirs.role:
            for a, b in zip(mine.content, theirs.content):
                if a != b:
                    break
                shared += part_tokens(a)
        break
    return shared / prompt_tokens(prompt)[0]


def measure(
    steps: int,
    width: int,
    height: int,
    latest: int | None,
    history: int | None,
    image_limits: str | None = None,
) -> None:
    script = ScriptedScript.from_replies(replies(steps))
    planner = script.model("planner")  # kept typed as scripted: its requests are measured
    models = Models(
        gate=script.model("gate"),
        planner=planner,
        verifier=script.model("verifier"),
        coder=script.model("coder"),
    )
    desktop = TimedDesktop(FakeDesktop(width, height))
    step_times: list[float] = []
    marks = {"last": time.perf_counter(), "desktop": 0.0}

    def on_event(kind: str, data: dict) -> None:
        if kind == "step":  # one outer step ended: its wall time minus desktop and model time
            now = time.perf_counter()
            model_s = data.get("latency", {}).get("model_s", 0.0)
            spent_desktop = desktop.seconds - marks["desktop"]
            step_times.append(now - marks["last"] - spent_desktop - model_s)
            marks["last"], marks["desktop"] = now, desktop.seconds

    config = AgentConfig(
        max_steps=steps + 5,
        image_tokens_latest=latest,
        image_tokens_history=history,
        planner_image_limits=image_limits,
    )
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AgentContext(
            desktop=desktop,
            models=models,
            grounder=NoGrounder(),
            writer=EpisodeWriter(Path(tmp) / "ep"),
            config=config,
            on_event=on_event,
        )
        waits: list[float] = []
        fingerprint = ctx.fingerprint

        def timed_fingerprint(name: str | None) -> int:
            begin = time.perf_counter()
            try:
                return fingerprint(name)
            finally:
                waits.append(time.perf_counter() - begin)

        ctx.fingerprint = timed_fingerprint  # type: ignore[method-assign]  # the benchmark times the real method
        start = time.perf_counter()
        _, result = run_graph(ctx, "bench", "type the lines")
        wall = time.perf_counter() - start

    prompts = planner.requests
    reuse = [prefix_reuse(prompts[i], prompts[i + 1]) for i in range(len(prompts) - 1)]
    counts = [prompt_tokens(p) for p in prompts]
    # Prefill a prefix cache cannot spare: the tokens of each prompt after its shared prefix.
    fresh = [counts[0][0]] + [counts[i + 1][0] - reuse[i] * counts[i][0] for i in range(len(reuse))]
    label = f"image budgets latest={latest or 'as captured'}, history={history or 'as captured'}"
    if image_limits:
        label += f", planner image limits of {image_limits} (agent/screen_scale.py)"
    print(f"== {label}")
    print(
        f"episode: {result.status}, {result.steps} steps, {wall:.2f} s wall, "
        f"desktop {desktop.seconds:.2f} s ({width}x{height} fake screen)"
    )
    print(
        f"framework overhead per step: median {statistics.median(step_times) * 1000:.1f} ms, "
        f"p95 {sorted(step_times)[int(0.95 * (len(step_times) - 1))] * 1000:.1f} ms"
    )
    print(
        f"  of which waiting for screen fingerprints: {sum(waits) / len(step_times) * 1000:.1f} ms "
        "per step (computed in a thread while the planner is called; the scripted planner "
        "answers at once, a real one hides this)"
    )
    print(
        f"planner input tokens per step: median {statistics.median(c[0] for c in counts):,.0f}, "
        f"max {max(c[0] for c in counts):,}; image tokens per step: median "
        f"{statistics.median(c[1] for c in counts):,.0f}, max {max(c[1] for c in counts):,}"
    )
    print(
        f"prefix reuse: mean {statistics.mean(reuse):.3f}, min {min(reuse):.3f} "
        f"({sum(r < 0.99 for r in reuse)} of {len(reuse)} transitions below 0.99); "
        f"uncached prefill per step: median {statistics.median(fresh):,.0f} tokens"
    )


def _budget(text: str) -> int | None:
    return None if text.lower() in ("none", "0", "") else int(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--latest-tokens", type=_budget, default=argparse.SUPPRESS)
    parser.add_argument("--history-tokens", type=_budget, default=argparse.SUPPRESS)
    parser.add_argument(
        "--image-limits",
        default=None,
        help="scale the planner's screenshots to this model's limits, e.g. "
        "anthropic:claude-sonnet-4-5 (default: none, the scripted model's)",
    )
    args = parser.parse_args()
    if hasattr(args, "latest_tokens") or hasattr(args, "history_tokens"):
        defaults = AgentConfig()
        runs = [
            (
                getattr(args, "latest_tokens", defaults.image_tokens_latest),
                getattr(args, "history_tokens", defaults.image_tokens_history),
            )
        ]
    else:  # before (no budgets), the defaults, and one uniform budget (strictly append-only)
        runs = [
            (None, None),
            (AgentConfig().image_tokens_latest, AgentConfig().image_tokens_history),
            (720, 720),
        ]
    for latest, history in runs:
        measure(args.steps, args.width, args.height, latest, history, args.image_limits)


if __name__ == "__main__":
    main()
