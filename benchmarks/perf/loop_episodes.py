"""Loop Breaker episodes on a real desktop: legitimate repetition and real loops.

Each episode sets up a local task (benchmarks/tasks/local), plays a fixed list of planner
actions through the whole graph with the scripted model (one action per step, as a real
planner would), then scores the task with its evaluator. Legitimate repetition (arrow
keys down a document, Tab through a form, arrows across Calc cells, scrolling, one letter
per step, a checkbox then a button) must run without a veto and score 1; a real loop
(a dead spot clicked again, a hotkey that does nothing, typing into a field that rejects
it, re-opening a menu, the same screen over several steps) must be vetoed within the
allowance. Used by tests/agent/test_loop_breaker_desktop.py and benchmarks/perf/loop_breaker.py.

The desktop is 1024x768 (the tests' shared one); clicks give pixels, the pages of the
Chromium tasks are laid out to fill the window so the points do not depend on its size.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from agent.config import AgentConfig
from agent.context import AgentContext, Models
from agent.episode import SETUP_QUIET_S
from agent.models.scripted import ScriptedScript
from agent.run_graph import run_graph
from agent.trajectory import EpisodeWriter
from benchmarks.osworld.evaluate import evaluate
from benchmarks.osworld.setup import SetupRunner
from benchmarks.osworld.tasks import Task, load_split
from envs.actions import SettleSpec, Wait
from grounding.base import NoGrounder

LOCAL = Path(__file__).resolve().parents[1] / "tasks" / "local"


def click(x: int, y: int, what: str) -> dict[str, Any]:
    return {"type": "click", "target": {"description": what, "x": x, "y": y}}


def key(*keys: str) -> dict[str, Any]:
    return {"type": "hotkey", "keys": list(keys)}


def typing(text: str) -> dict[str, Any]:
    return {"type": "type", "text": text}


def scroll(clicks: int) -> dict[str, Any]:
    return {"type": "scroll", "target": {"description": "the page", "x": 512, "y": 400}, "clicks": clicks}


WAIT = {"type": "wait", "seconds": 1}
# Points on the signup page (local-chrome-signup-form) at 1024x768, below the
# "--no-sandbox" infobar (the page starts at y=143).
NAME, CITY, AGE = (512, 168), (512, 355), (512, 417)
AGREE, BLANK, SUBMIT = (512, 500), (512, 605), (512, 723)


@dataclass(frozen=True)
class LoopEpisode:
    name: str
    task_id: str
    kind: Literal["legit", "loop"]
    actions: list[dict[str, Any]]
    loop_start: int = 0  # loops: index in `actions` of the first action of the loop itself
    allowance: int = 2  # loops: the veto must come by this proposal of the loop (1-based)
    # GTK carets blink (our desktops turn that off; OSWorld's VMs and people's screens
    # do not): the application starts with blinking on, fast, without GTK's timeout.
    blink: bool = False

    def blinking(self) -> LoopEpisode:
        # One step more: until a caret has been seen blinking, a bar that blinks on after
        # the first action cannot be told from a caret that moved there (envs/screen_diff.py),
        # so that action may read as a change. The caret is known from then on.
        return replace(self, name=f"{self.name} (blinking caret)", blink=True, allowance=self.allowance + 1)


EPISODES: list[LoopEpisode] = [
    LoopEpisode(
        "down-through-lines",
        "local-mousepad-mark-line",
        "legit",
        [key("ctrl", "home"), key("down"), key("down"), key("down"), typing("X "), key("ctrl", "s")],
    ),
    LoopEpisode(
        "tab-through-form",
        "local-chrome-signup-form",
        "legit",
        [
            WAIT,
            click(*NAME, "the Name field"),
            key("tab"),
            key("tab"),
            key("tab"),
            typing("Paris"),
            key("tab"),
            key("tab"),
            key("space"),
            key("tab"),
            key("enter"),
            WAIT,
        ],
    ),
    LoopEpisode(
        "arrows-across-calc-cells",
        "local-calc-arrow-cell",
        "legit",
        [
            WAIT,
            key("ctrl", "home"),
            key("right"),
            key("right"),
            key("down"),
            key("down"),
            key("down"),
            typing("42\n"),
            key("ctrl", "s"),
            WAIT,
        ],
    ),
    LoopEpisode("scroll-long-page", "local-chrome-scroll-end", "legit", [WAIT, *[scroll(-5)] * 6]),
    LoopEpisode(
        "one-letter-per-step",
        "local-mousepad-note",
        "legit",
        [*[typing(c) for c in "Hello from deskpilot <3"], key("ctrl", "s")],
    ),
    LoopEpisode(
        "checkbox-then-button",
        "local-chrome-signup-form",
        "legit",
        [
            WAIT,
            click(*CITY, "the City field"),
            typing("Paris"),
            click(*AGREE, "the I agree checkbox"),
            click(*SUBMIT, "the Submit button"),
            WAIT,
        ],
    ),
    # Real loops: the loop starts at loop_start; a fail ends the script after it.
    LoopEpisode(
        "dead-spot-click",
        "local-chrome-signup-form",
        "loop",
        [WAIT, *[click(*BLANK, "the empty area below the form")] * 4],
        loop_start=1,
    ),
    LoopEpisode("hotkey-does-nothing", "local-mousepad-mark-line", "loop", [key("ctrl", "shift", "F12")] * 4),
    LoopEpisode(
        "retype-rejected",
        "local-chrome-signup-form",
        "loop",
        [WAIT, click(*AGE, "the Age field"), *[typing("abc")] * 4],
        loop_start=2,
    ),
    # A two-action round: one round is allowed, the second (its alt+f or its Escape,
    # whichever comes from exactly the screen of the first round) is vetoed.
    LoopEpisode(
        "reopen-same-menu",
        "local-mousepad-mark-line",
        "loop",
        [key("alt", "f"), key("escape")] * 3,
        allowance=4,
    ),
    LoopEpisode(
        "same-screen-several-steps",
        "local-mousepad-mark-line",
        "loop",
        [key("ctrl", "shift", f) for f in ("F9", "F10", "F11", "F8", "F7")],
        allowance=4,
    ),
]
EPISODES += [e.blinking() for e in EPISODES if e.task_id.startswith("local-mousepad")]

_GTK = "~/.config/gtk-3.0/settings.ini"
_BLINK = (
    "[Settings]\\ngtk-cursor-blink = true\\ngtk-cursor-blink-time = 500\\n"
    "gtk-cursor-blink-timeout = 120\\ngtk-enable-animations = false\\n"
)


@dataclass
class Outcome:
    episode: LoopEpisode
    vetoes: list[int] = field(default_factory=list)  # planner proposals (1-based) vetoed
    score: float | None = None
    status: str = ""
    steps: int = 0
    wall_s: float = 0.0

    @property
    def steps_to_veto(self) -> int | None:
        """Loops: which proposal of the loop itself (1-based) was first vetoed."""
        if not self.vetoes:
            return None
        return self.vetoes[0] - self.episode.loop_start

    @property
    def caught(self) -> bool:
        s = self.steps_to_veto
        return s is not None and 1 <= s <= self.episode.allowance


def tasks() -> dict[str, Task]:
    split = load_split(LOCAL / "test_all.json", LOCAL / "examples")
    return {t.id: t for items in split.values() for t in items}


def _replies(episode: LoopEpisode) -> dict[str, list]:
    planner: list[Any] = [
        {"reasoning": f"step {i + 1} of the plan", "action": a} for i, a in enumerate(episode.actions)
    ]
    if episode.kind == "legit":
        planner.append({"reasoning": "the task is done", "action": {"type": "done", "summary": "done"}})
    else:  # after the veto(s), the planner gives up; spare copies absorb re-proposals
        planner += [{"reasoning": "stuck", "action": {"type": "fail", "reason": "stuck"}}] * 3
    return {
        "gate": [{"criteria": [{"text": "the task is done"}]}],
        "planner": planner,
        "verifier": [{"complete": True, "reason": "done as asked"}] * 3,
    }


def window_ids(client: Any) -> list[str]:
    out = client.execute("wmctrl -l", shell=True).output
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def close_windows(client: Any, before: set[str], timeout: float = 8.0) -> None:
    """Close what the episode opened; kill a program whose window lingers (a save prompt)."""
    for window in [w for w in window_ids(client) if w not in before]:
        client.execute(["wmctrl", "-i", "-c", window])
    deadline = time.monotonic() + timeout
    left: list[str] = []
    while time.monotonic() < deadline:
        left = [w for w in window_ids(client) if w not in before]
        if not left:
            return
        time.sleep(0.2)
    out = client.execute("wmctrl -lp", shell=True).output
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in left and parts[2] != "0":
            client.execute(["kill", parts[2]])
    time.sleep(1)


def run(client: Any, task: Task, episode: LoopEpisode, folder: Path) -> Outcome:
    """Set up the task, play the episode through the graph, score it, close its windows."""
    before = set(window_ids(client))
    start = time.monotonic()
    if episode.blink:
        client.execute(["bash", "-c", f"cp {_GTK} {_GTK}.keep && printf '{_BLINK}' > {_GTK}"])
    try:
        outcomes = SetupRunner(client).setup_task(task)
        if not all(o.ok for o in outcomes):
            raise RuntimeError(f"setup of {task.id} failed: {outcomes}")
        # As a real episode does (agent/episode.py): a still screen before the first step,
        # or the app's last repaint would read as the first action's change.
        client.act([Wait(seconds=0)], settle=SettleSpec(quiet=SETUP_QUIET_S, timeout=10))
        script = ScriptedScript.from_replies(_replies(episode))
        models = Models(
            gate=script.model("gate"),
            planner=script.model("planner"),
            verifier=script.model("verifier"),
            coder=script.model("coder"),
        )
        config = AgentConfig(max_steps=len(episode.actions) + 8)
        ctx = AgentContext(
            desktop=client,
            models=models,
            grounder=NoGrounder(),
            writer=EpisodeWriter(folder),
            config=config,
            sandbox=True,
        )
        _, result = run_graph(ctx, episode.name, task.instruction)
        proposals = [s for s in ctx.writer.steps() if s.node in ("act", "loop_breaker")]
        outcome = Outcome(
            episode,
            status=result.status,
            steps=result.steps,
            vetoes=[i + 1 for i, s in enumerate(proposals) if s.node == "loop_breaker"],
        )
        if episode.kind == "legit":
            last = "DONE" if result.status == "done" else None
            outcome.score = _score(client, task, last, folder / "eval")
        outcome.wall_s = round(time.monotonic() - start, 1)
        return outcome
    finally:
        close_windows(client, before)
        if episode.blink:
            client.execute(["bash", "-c", f"mv {_GTK}.keep {_GTK}"])


def _score(client: Any, task: Task, last: str | None, cache: Path, timeout: float = 10.0) -> float:
    """The evaluator's score; a file written a moment after Ctrl+S gets a few seconds."""
    deadline = time.monotonic() + timeout
    while True:
        score = evaluate(task, client, last_action=last, cache_dir=cache).score
        if score == 1.0 or time.monotonic() > deadline:
            return score
        time.sleep(1)


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    legit = [o for o in outcomes if o.episode.kind == "legit"]
    loops = [o for o in outcomes if o.episode.kind == "loop"]
    return {
        "false_veto_rate": sum(1 for o in legit if o.vetoes) / len(legit) if legit else None,
        "legit_scored_1": sum(1 for o in legit if o.score == 1.0),
        "legit": len(legit),
        "detection_rate": sum(1 for o in loops if o.caught) / len(loops) if loops else None,
        "steps_to_veto": {o.episode.name: o.steps_to_veto for o in loops},
        "episodes": [
            {
                "name": o.episode.name,
                "kind": o.episode.kind,
                "vetoes": o.vetoes,
                "score": o.score,
                "status": o.status,
                "wall_s": o.wall_s,
            }
            for o in outcomes
        ],
    }


if __name__ == "__main__":  # quick look: python -m benchmarks.perf.loop_episodes NAME...
    import sys
    import tempfile

    from envs.local import LocalDesktop

    wanted = set(sys.argv[1:])
    by_id = tasks()
    with LocalDesktop(1024, 768) as desktop, desktop.client() as client, tempfile.TemporaryDirectory() as tmp:
        results = [
            run(client, by_id[e.task_id], e, Path(tmp) / e.name)
            for e in EPISODES
            if not wanted or e.name in wanted
        ]
        print(json.dumps(summary(results), indent=2))
