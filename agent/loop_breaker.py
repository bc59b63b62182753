"""The Loop Breaker's three tiers (docs/agent.md), decided in code, not by the prompt.

Each step the graph calls `check(history, proposed, current_screen, reflection)`. It
compares the proposed action's signature and what earlier actions did to the screen with
the turns already taken and returns a `Veto` (the constraint the planner is shown before
it re-plans) or None. Everything here is pure.

Repetition is not a loop; repetition without change is. Whether an action changed the
screen is `Turn.changed`, the full-resolution verdict (agent/screen_change.py: a caret
moved one line or one typed letter is a change, a blinking caret is not); only when it is
unknown do the coarse fingerprints (agent/fingerprint.py) decide. So:
- tier 1 vetoes re-proposing an action whose last executions changed nothing, after an
  allowance (`tier1_repeats`; step-wise keys, arrows, Tab, Page Up/Down, scroll, +/-, and
  waits get `stepwise_extra` more), and re-proposing an action from the very screen it was
  taken from before (a cycle: re-opening the same menu), when the graph can compare screens;
- tier 2 vetoes when the screen stayed the same over several GUI actions (code and search
  calls act off screen, waits and rejected "done"s try nothing: they neither count nor end
  the stretch; an action retried right after a wait gets one more try per wait, within a
  bounded patience: `wait_retries`, `wait_patience_s`);
- tier 3 holds the planner to its own "switch strategy".

How the graph records turns: one `Turn` per executed action, and one `Turn(vetoed=True,
veto=...)` per vetoed proposal. A veto binds the one re-proposal that answers it (its
signatures and, for tier 1 and 3, its modality), nothing after: a veto that was wrong
cannot block the keyboard for the rest of the task. `done` and `fail` are never vetoed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent import actions as A
from agent.decision import Reflection
from agent.fingerprint import UNKNOWN_DISTANCE, screen_distance, screen_hash

__all__ = [
    "UNKNOWN_DISTANCE",
    "LoopConfig",
    "Turn",
    "Veto",
    "action_signature",
    "check",
    "modality",
    "screen_distance",
    "screen_hash",
    "stepwise",
    "wasted_step_ratio",
]

# ---- action signatures -----------------------------------------------------------------
Modality = Literal["mouse", "keyboard", "app", "code", "search", "control"]
_MODALITY: dict[str, Modality] = {
    "click": "mouse",
    "double_click": "mouse",
    "drag_and_drop": "mouse",
    "scroll": "mouse",
    "highlight_text_span": "mouse",
    "type": "keyboard",
    "hotkey": "keyboard",
    "hold_and_press": "keyboard",
    "open": "app",
    "switch_application": "app",
    "call_code_agent": "code",
    "call_search_agent": "search",
    "set_cell_values": "code",
    "wait": "control",
    "done": "control",
    "fail": "control",
}
_QUOTES = str.maketrans("", "", "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb")
_EDGE_PUNCT = ".,;:!?()[]{}<>-\u2013\u2014\u2026 "
_ARTICLES = ("the ", "a ", "an ")


def _norm(text: str) -> str:
    """Lower-case, whitespace collapsed, quotes dropped, punctuation and article trimmed."""
    text = " ".join(text.translate(_QUOTES).lower().split()).strip(_EDGE_PUNCT)
    for article in _ARTICLES:  # "the Save button" and "Save button" are one target
        if text.startswith(article):
            return text[len(article) :].strip(_EDGE_PUNCT)
    return text


def _q(text: str) -> str:
    # Long texts (a pasted paragraph, a code-agent task) keep a prefix and a digest so
    # signatures stay short enough to show the planner but still tell texts apart.
    if len(text) > 120:
        text = f"{text[:60]}...#{hashlib.sha1(text.encode()).hexdigest()[:10]}"
    return json.dumps(text, ensure_ascii=False)


def _t(target: A.Target) -> str:
    return _q(_norm(target.description))  # pixels are ignored: the description names it


def _hold(keys: tuple[str, ...]) -> str:
    return f" holding {'+'.join(keys)}" if keys else ""


def action_signature(action: A.Action) -> str:
    """A readable, normalised key: same signature = the same action on the same target."""
    a = action
    if isinstance(a, A.Click):
        button = "" if a.button == "left" else f" {a.button}"
        times = "" if a.clicks == 1 else f" x{a.clicks}"
        return f"click {_t(a.target)}{button}{times}{_hold(a.hold_keys)}"
    if isinstance(a, A.DoubleClick):
        return f"double_click {_t(a.target)}"
    if isinstance(a, A.Type):
        into = f" into {_t(a.target)}" if a.target else ""
        flags = [f for f, on in (("overwrite", a.overwrite), ("enter", a.enter)) if on]
        return f"type {_q(a.text)}{into}" + (f" ({', '.join(flags)})" if flags else "")
    if isinstance(a, A.Scroll):
        # Direction, not amount: scrolling a list that is already at its end is the loop.
        way = ("left", "right") if a.shift else ("up", "down")
        return f"scroll {'none' if a.clicks == 0 else way[a.clicks < 0]} {_t(a.target)}"
    if isinstance(a, A.DragAndDrop):
        return f"drag_and_drop {_t(a.source)} -> {_t(a.destination)}{_hold(a.hold_keys)}"
    if isinstance(a, A.HighlightTextSpan):
        return f"highlight_text_span {_t(a.start_phrase)} .. {_t(a.end_phrase)}"
    if isinstance(a, A.Hotkey):
        return f"hotkey {'+'.join(a.keys)}".lower()
    if isinstance(a, A.HoldAndPress):
        return f"hold_and_press {'+'.join(a.hold_keys)}: {' '.join(a.press_keys)}".lower()
    if isinstance(a, (A.Open, A.SwitchApplication, A.CallSearchAgent, A.CallCodeAgent)):
        text = getattr(
            a,
            {
                "open": "app_or_file",
                "switch_application": "app",
                "call_search_agent": "query",
                "call_code_agent": "task",
            }[a.type],
        )
        return a.type + (f" {_q(_norm(text))}" if text else "")
    if isinstance(a, A.SetCellValues):  # the same cells with the same values is the repeat
        cells = json.dumps(
            [a.sheet, a.document, a.save, sorted(a.items(), key=lambda i: i[0])], ensure_ascii=False
        )
        return f"set_cell_values {_q(cells)}"
    return a.type  # wait (its length is incidental), done, fail


def modality(action: A.Action) -> Modality:
    return _MODALITY[action.type]


# Keys that move one step (a line, a field, a cell, a page, a zoom level): repeating them
# is how lists, forms, sheets and documents are walked, so they get a larger allowance.
_STEP_KEYS = {
    "up",
    "down",
    "left",
    "right",
    "tab",
    "pageup",
    "pagedown",
    "page_up",
    "page_down",
    "pgup",
    "pgdn",
    "prior",
    "next",
    "plus",
    "minus",
    "+",
    "-",
    "=",
    "kp_add",
    "kp_subtract",
    "backspace",
    "delete",
    "space",
}
_MODIFIERS = {"shift", "ctrl", "control", "alt", "super", "win", "cmd", "meta"}


def stepwise(action: A.Action) -> bool:
    """A step-wise navigation action: scroll, or arrows/Tab/Page keys (with modifiers)."""
    if isinstance(action, A.Scroll):
        return True
    if isinstance(action, A.Hotkey):
        keys = [k.lower() for k in action.keys]
    elif isinstance(action, A.HoldAndPress):
        keys = [k.lower() for k in action.press_keys]
    else:
        return False
    pressed = [k for k in keys if k not in _MODIFIERS]
    return bool(pressed) and all(k in _STEP_KEYS for k in pressed)


# ---- turns, config, vetoes --------------------------------------------------------------
class Veto(BaseModel):
    """Why a proposed action was refused, in the words the planner is shown."""

    model_config = ConfigDict(frozen=True)

    tier: Literal[1, 2, 3]
    rule: str
    constraint: str
    forbidden_signatures: list[str] = Field(default_factory=list)
    forbidden_modalities: list[Modality] = Field(default_factory=list)
    may_fail: bool = False
    reissued: bool = False  # given again to a re-proposal that ignored it: binds no further


class Turn(BaseModel):
    """One step as the Loop Breaker sees it (an executed action or a vetoed proposal)."""

    model_config = ConfigDict(frozen=True)

    step: int
    signature: str
    modality: Modality
    screen_before: int = Field(repr=False)  # fingerprints are ~2,800 digits long
    screen_after: int | None = Field(None, repr=False)
    # Did the action change the screen (full resolution, blink masked)? None: unknown,
    # then the fingerprints decide.
    changed: bool | None = None
    vetoed: bool = False
    veto: Veto | None = None  # set on vetoed turns so the veto also binds the re-proposal
    # Which screenshot the action was taken from: the graph's key for `same_screen`.
    before_file: str | None = None
    waited: float = 0.0  # seconds, for a wait: tier 2's patience is counted in time

    @classmethod
    def of(
        cls,
        step: int,
        action: A.Action,
        screen_before: int,
        screen_after: int | None = None,
        veto: Veto | None = None,
        changed: bool | None = None,
        before_file: str | None = None,
    ) -> Turn:
        return cls(
            waited=action.seconds if isinstance(action, A.Wait) else 0.0,
            step=step,
            signature=action_signature(action),
            modality=modality(action),
            screen_before=screen_before,
            screen_after=screen_after,
            changed=changed,
            vetoed=veto is not None,
            veto=veto,
            before_file=before_file,
        )


class LoopConfig(BaseModel):
    enabled: bool = True
    same_screen_max_distance: int = Field(default=40, ge=0)  # in screen_distance's pixel units
    tier1_repeats: int = Field(default=2, ge=2)  # one no-op action this many times, incl. the proposal
    stepwise_extra: int = Field(default=1, ge=0)  # more no-op repeats allowed for step-wise keys
    cycle_repeats: int = Field(default=2, ge=2)  # one action from one screen this often, incl. now
    tier2_same_screens: int = Field(default=3, ge=2)  # one screen observed this often in a row, incl. now
    # An app still starting: each wait in a same-screen stretch earns the action after it one
    # more try, at most `wait_retries`, while the waits add up to less than `wait_patience_s`.
    wait_retries: int = Field(default=4, ge=0)
    wait_patience_s: float = Field(default=30.0, ge=0)
    tier3: bool = True
    # check() never looks further back, so the graph may drop older fingerprints.
    history_window: int = Field(default=20, ge=4)


_ADVICE: dict[str, str] = {
    "mouse": "use another modality: a keyboard shortcut, a menu opened from the keyboard "
    "(alt or F10) or a search/command palette, or the code agent.",
    "keyboard": "use another modality: click the control or menu item with the mouse (check "
    "first which window and field have focus), or the code agent.",
    "app": "check the window title: it may already be open; reach it another way, or use the code agent.",
    "code": "use what it returned, change the task, or continue in the GUI.",
    "search": "use the answer you already have, ask a different question, or continue in the GUI.",
    "control": "act on the screen instead, or fail if the task cannot proceed.",
}
_WAY_OUT = (
    "done",
    "fail",
    "call_search_agent",
    "call_code_agent",
    "set_cell_values",
)  # tier 2 never blocks these
_OFF_SCREEN = ("code", "search")  # act off screen: neither a fruitless GUI step nor progress
# Not an approach that can fail on screen: waiting for an application (again) and the
# verifier's rejected "done"s. Tier 2 neither counts nor ends its stretch on them.
_PASSIVE = ("done", "fail", "wait")

Same = Callable[[int, int], bool]


def check(
    history: list[Turn],
    proposed: A.Action,
    current_screen: int,
    reflection: Reflection | None,
    config: LoopConfig | None = None,
    same_screen: Callable[[Turn], bool] | None = None,
) -> Veto | None:
    """The veto for `proposed`, or None. `done` and `fail` are never vetoed.

    `same_screen(turn)`: the screen now is exactly the one `turn` was taken from (full
    resolution); without it the cycle rule is off (fingerprints are too coarse for it).
    """
    config = config or LoopConfig()
    if not config.enabled or proposed.type in ("done", "fail"):
        return None
    sig, mod = action_signature(proposed), modality(proposed)
    history = history[-config.history_window :]

    def same(a: int, b: int) -> bool:
        return screen_distance(a, b) <= config.same_screen_max_distance

    executed = [t for t in history if not t.vetoed]
    return (
        _pending(history, sig, mod)
        or _tier2(history, proposed, sig, current_screen, same, config)
        or _tier1(executed, proposed, sig, mod, current_screen, same, config)
        or _cycle(executed, sig, mod, same_screen, config)
        or _tier3(executed, sig, mod, reflection, config)
    )


def no_change(turn: Turn, same: Same) -> bool:
    """The executed action changed nothing (unknown after-screen: it may have)."""
    if turn.changed is not None:
        return not turn.changed
    return turn.screen_after is not None and same(turn.screen_before, turn.screen_after)


def _pending(history: list[Turn], sig: str, mod: Modality) -> Veto | None:
    # A veto binds the re-proposal that answers it: re-proposing what it forbade (its
    # signatures, its modality) gets it back, once. After that, and once anything ran, only
    # the rules below judge (they still refuse a repeat of what changed nothing), so a
    # veto that was wrong cannot block the keyboard or the mouse for the rest of the task.
    if not history or not history[-1].vetoed or history[-1].veto is None:
        return None
    v = history[-1].veto
    if not v.reissued and (sig in v.forbidden_signatures or mod in v.forbidden_modalities):
        return v.model_copy(update={"reissued": True})
    return None


def _tier1(
    executed: list[Turn],
    proposed: A.Action,
    sig: str,
    mod: Modality,
    current: int,
    same: Same,
    config: LoopConfig,
) -> Veto | None:
    run = 0  # trailing executed turns with this signature that changed nothing
    for i, turn in enumerate(reversed(executed)):
        if turn.signature != sig or not no_change(turn, same):
            break
        # ...and nothing changed since (a window that opened late is a change)
        if i == 0 and not same(turn.screen_after or turn.screen_before, current):
            break
        run += 1
    # Step-wise keys walk lists and pages; a wait may need another wait while an app loads.
    patient = stepwise(proposed) or isinstance(proposed, A.Wait)
    allowance = config.tier1_repeats - 1 + (config.stepwise_extra if patient else 0)
    if run < allowance:
        return None
    times = "" if run == 1 else f" {run} times in a row"
    return Veto(
        tier=1,
        rule="repeat_no_change",
        constraint=f"Your last action {sig} changed nothing on screen{times}, and you "
        f"proposed it again. Do not repeat it: {_ADVICE[mod]}",
        forbidden_signatures=[sig],
        # Only mouse and keyboard have a sibling modality that does the same job;
        # the ban binds the one re-proposal that answers this veto.
        forbidden_modalities=[mod] if mod in ("mouse", "keyboard") else [],
    )


def _cycle(
    executed: list[Turn],
    sig: str,
    mod: Modality,
    same_screen: Callable[[Turn], bool] | None,
    config: LoopConfig,
) -> Veto | None:
    # The same action from the very same screen, again: it led somewhere and the episode
    # came back (a menu opened and closed, a toggle flipped back). A step-wise key walking
    # a list never sees the same screen twice, so it passes.
    if same_screen is None or mod not in ("mouse", "keyboard", "app"):
        return None
    earlier = [t for t in executed if t.signature == sig and t.changed is not False and same_screen(t)]
    if len(earlier) + 1 < config.cycle_repeats:
        return None
    return Veto(
        tier=1,
        rule="repeat_same_screen",
        forbidden_signatures=[sig],
        constraint=f"You took {sig} from this very screen before, and the screen came "
        f"back to where it was: repeating it goes round in a circle. Do "
        f"something else: {_ADVICE[mod]}",
    )


def _tier2(
    history: list[Turn], proposed: A.Action, sig: str, current: int, same: Same, config: LoopConfig
) -> Veto | None:
    if proposed.type in _WAY_OUT or proposed.type == "wait":
        return None
    start = len(history)  # the stretch: trailing turns that left a screen like the current one as it was
    while start > 0:
        turn = history[start - 1]
        off_screen = turn.modality in _OFF_SCREEN or turn.signature in _PASSIVE
        if not (turn.vetoed or off_screen or (no_change(turn, same) and same(turn.screen_before, current))):
            break
        start -= 1
    stretch = history[start:]
    tried = [
        t for t in stretch if not t.vetoed and t.modality not in _OFF_SCREEN and t.signature not in _PASSIVE
    ]
    # Retrying right after a wait is what one does while an application is still starting
    # (a terminal slow to open, so focusing it failed): each wait earns one more try, within
    # a bounded patience, so "click, wait, click, wait, ..." on a dead spot still ends.
    waits = [t for t in stretch if t.signature == "wait" and not t.vetoed]
    patient = (
        bool(history)
        and not history[-1].vetoed
        and history[-1].signature == "wait"
        and sum(t.waited for t in waits) < config.wait_patience_s
    )
    needed = config.tier2_same_screens + (min(len(waits), config.wait_retries) if patient else 0)
    if len(tried) + 1 < needed:
        return None
    last_veto = max((i for i, t in enumerate(stretch) if t.vetoed), default=-1)
    # Without a repeat, fire every N fruitless actions (counted since the last veto).
    unwarned = sum(1 for t in stretch[last_veto + 1 :] if t in tried)
    repeats = sig in {t.signature for t in tried}
    if not repeats and unwarned < needed:
        return None
    sigs = list(dict.fromkeys(t.signature for t in tried))
    listed = "; ".join(sigs) if sigs else "none"
    constraint = (
        f"The screen has stayed the same for {len(tried) + 1} observations in a row: "
        f"{len(tried)} actions ({listed}) changed nothing. "
        + (f"You proposed {sig} again. " if repeats else "")
        + "Stop this approach and take a different path entirely (another menu, dialog "
        "or keyboard route, the search agent to learn how it is done, or the code "
        "agent), or fail if the task cannot be done."
    )
    return Veto(
        tier=2,
        rule="same_screen_repeat" if repeats else "same_screen_no_progress",
        constraint=constraint,
        forbidden_signatures=sigs,
        may_fail=True,
    )


def _tier3(
    executed: list[Turn], sig: str, mod: Modality, reflection: Reflection | None, config: LoopConfig
) -> Veto | None:
    if not config.tier3 or reflection is None or reflection.strategy != "switch" or not executed:
        return None
    last = executed[-1]
    if sig == last.signature:
        return Veto(
            tier=3,
            rule="switch_repeat",
            forbidden_signatures=[sig],
            constraint=f"Your reflection says to switch strategy, but {sig} repeats your "
            "last action. Make the next action a genuinely different approach.",
        )
    if len(executed) >= 2 and executed[-2].modality == last.modality == mod:
        return Veto(
            tier=3,
            rule="switch_same_modality",
            forbidden_signatures=[last.signature],
            forbidden_modalities=[mod],
            constraint=f"Your reflection says to switch strategy, but your last two "
            f"actions and this one all use one modality ({mod}). "
            f"Switch: {_ADVICE[mod]}",
        )
    return None


def wasted_step_ratio(turns: list[Turn], config: LoopConfig | None = None) -> float:
    """Share of executed steps whose GUI action (or wait) changed nothing on screen.

    Code, search, done and fail act off screen, so they never count as wasted; vetoed
    proposals are not steps. Upstream's baseline figures: 3.2% and 4.9%.
    """
    limit = (config or LoopConfig()).same_screen_max_distance

    def same(a: int, b: int) -> bool:
        return screen_distance(a, b) <= limit

    executed = [t for t in turns if not t.vetoed]
    wasted = sum(
        1
        for t in executed
        if (t.modality in ("mouse", "keyboard", "app") or t.signature == "wait") and no_change(t, same)
    )
    return wasted / len(executed) if executed else 0.0
