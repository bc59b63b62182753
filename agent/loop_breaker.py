"""The Loop Breaker's three tiers (specs/agent.md), decided in code, not by the prompt.

Each step the graph calls `check(history, proposed, current_screen, reflection)`. It
compares the proposed action's signature and the current screen's fingerprint with the
turns already taken and returns a `Veto` (the constraint the planner is shown before it
re-plans) or None. Everything is pure except `screen_hash`, which decodes a PNG.

How the graph records turns: one `Turn` per executed action (screen_after filled once the
screen settled), and one `Turn(vetoed=True, veto=...)` per vetoed proposal. A veto then
binds the re-proposal too: its forbidden signatures and modalities are re-checked until
an action executes. The graph should cap re-plans after vetoes; `fail` is always allowed.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from typing import Literal

import numpy as np
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from agent import actions as A
from agent.decision import Reflection

# ---- screen fingerprints ---------------------------------------------------------------
# A 64-bit dHash is too coarse: at 1920x1080 an 8x8 cell is 240x135 px, one typed word
# moves its mean by under one grey level, and on a flat background dHash bits sit on ties
# that a blinking caret flips. So the fingerprint is a grid of mean luminance, 8 bits a
# cell, packed into one int with the image size; the distance is the L1 difference of two
# grids in "pixels changed at full contrast", so one threshold fits every resolution.
# 32x36 cells (60x30 px at 1080p): a cell is under two list rows high, so a selection
# moving one row down cannot cancel out inside a cell; 1,152 bytes, small enough for JSON
# (under Python's 4,300-digit int limit). Measured at 1920x1080 (tests): caret blink 7,
# caret blink + clock tick 7, a 2-px caret 21, one typed word ("hello") 99, scrolling one
# line of text 198, a small dialog 3,734; the default threshold is 40.
# Limits: one or two typed letters (14-35) and text replaced by text of the same shape
# read as "same"; a moved mouse pointer (~70) and JPEG re-encoding read as "changed" (the
# protocol's screenshots draw the pointer, so the first click on a new target is a change).
GRID_COLS, GRID_ROWS = 32, 36
_CELLS = GRID_COLS * GRID_ROWS
_CELL_BITS = 8 * _CELLS
_NOISE_LEVELS = 1  # per-cell dead zone: absorbs rounding and +-2 pixel noise
UNKNOWN_DISTANCE = 2**31 - 1


def screen_hash(png: bytes) -> int:
    """Fingerprint of a screenshot (PNG or any Pillow format); compare with screen_distance."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
            grid = image.convert("L").resize((GRID_COLS, GRID_ROWS), Image.Resampling.BOX)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not a readable screenshot: {exc}") from None
    return ((width << 16 | height) << _CELL_BITS) | int.from_bytes(grid.tobytes(), "big")


def _unpack(fingerprint: int) -> tuple[int, int, np.ndarray] | None:
    size = fingerprint >> _CELL_BITS
    if fingerprint < 0 or size == 0 or size >> 32:
        return None
    cells = (fingerprint & ((1 << _CELL_BITS) - 1)).to_bytes(_CELLS, "big")
    return size >> 16, size & 0xFFFF, np.frombuffer(cells, dtype=np.uint8)


def screen_distance(a: int, b: int) -> int:
    """About how many pixels changed (at full contrast) between two fingerprints.

    Anything that is not a screen_hash (0 for "no screenshot", say) is unlike every
    screen, itself included: not knowing must never look like "nothing changed".
    """
    unpacked_a, unpacked_b = _unpack(a), _unpack(b)
    if unpacked_a is None or unpacked_b is None:
        return UNKNOWN_DISTANCE
    (wa, ha, grid_a), (wb, hb, grid_b) = unpacked_a, unpacked_b
    if (wa, ha) != (wb, hb):
        return max(wa * ha, wb * hb)  # another display size: nothing is comparable
    diff = np.abs(grid_a.astype(np.int16) - grid_b.astype(np.int16)) - _NOISE_LEVELS
    levels = int(np.clip(diff, 0, None).sum())
    return round(levels * (wa * ha / _CELLS) / 255)


# ---- action signatures -----------------------------------------------------------------
Modality = Literal["mouse", "keyboard", "app", "code", "search", "control"]
_MODALITY: dict[str, Modality] = {
    "click": "mouse", "double_click": "mouse", "drag_and_drop": "mouse", "scroll": "mouse",
    "highlight_text_span": "mouse", "type": "keyboard", "hotkey": "keyboard",
    "hold_and_press": "keyboard", "open": "app", "switch_application": "app",
    "call_code_agent": "code", "call_search_agent": "search", "set_cell_values": "code",
    "wait": "control", "done": "control", "fail": "control",
}
_QUOTES = str.maketrans("", "", "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb")
_EDGE_PUNCT = ".,;:!?()[]{}<>-\u2013\u2014\u2026 "
_ARTICLES = ("the ", "a ", "an ")


def _norm(text: str) -> str:
    """Lower-case, whitespace collapsed, quotes dropped, punctuation and article trimmed."""
    text = " ".join(text.translate(_QUOTES).lower().split()).strip(_EDGE_PUNCT)
    for article in _ARTICLES:  # "the Save button" and "Save button" are one target
        if text.startswith(article):
            return text[len(article):].strip(_EDGE_PUNCT)
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
        text = getattr(a, {"open": "app_or_file", "switch_application": "app",
                           "call_search_agent": "query", "call_code_agent": "task"}[a.type])
        return a.type + (f" {_q(_norm(text))}" if text else "")
    if isinstance(a, A.SetCellValues):  # the same cells with the same values is the repeat
        cells = json.dumps([a.sheet, a.document, a.save, sorted(a.items(), key=lambda i: i[0])],
                           ensure_ascii=False)
        return f"set_cell_values {_q(cells)}"
    return a.type  # wait (its length is incidental), done, fail


def modality(action: A.Action) -> Modality:
    return _MODALITY[action.type]


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


class Turn(BaseModel):
    """One step as the Loop Breaker sees it (an executed action or a vetoed proposal)."""

    model_config = ConfigDict(frozen=True)

    step: int
    signature: str
    modality: Modality
    screen_before: int = Field(repr=False)  # fingerprints are ~2,800 digits long
    screen_after: int | None = Field(None, repr=False)
    vetoed: bool = False
    veto: Veto | None = None  # set on vetoed turns so the veto also binds the re-proposal

    @classmethod
    def of(cls, step: int, action: A.Action, screen_before: int, screen_after: int | None = None,
           veto: Veto | None = None) -> Turn:
        return cls(step=step, signature=action_signature(action), modality=modality(action),
                   screen_before=screen_before, screen_after=screen_after,
                   vetoed=veto is not None, veto=veto)


class LoopConfig(BaseModel):
    enabled: bool = True
    same_screen_max_distance: int = Field(40, ge=0)  # in screen_distance's pixel units
    tier1_repeats: int = Field(2, ge=2)       # one no-op action this many times, incl. the proposal
    tier2_same_screens: int = Field(3, ge=2)  # one screen observed this often in a row, incl. now
    tier3: bool = True
    # check() never looks further back, so the graph may drop older fingerprints.
    history_window: int = Field(20, ge=4)


_ADVICE: dict[str, str] = {
    "mouse": "use another modality: a keyboard shortcut, a menu opened from the keyboard "
             "(alt or F10) or a search/command palette, or the code agent.",
    "keyboard": "use another modality: click the control or menu item with the mouse (check "
                "first which window and field have focus), or the code agent.",
    "app": "check the window title: it may already be open; reach it another way, or use the "
           "code agent.",
    "code": "use what it returned, change the task, or continue in the GUI.",
    "search": "use the answer you already have, ask a different question, or continue in the GUI.",
    "control": "act on the screen instead, or fail if the task cannot proceed.",
}
_WAY_OUT = ("done", "fail", "call_search_agent", "call_code_agent", "set_cell_values")  # tier 2 never blocks these


def check(history: list[Turn], proposed: A.Action, current_screen: int,
          reflection: Reflection | None, config: LoopConfig | None = None) -> Veto | None:
    """The veto for `proposed`, or None. `done` and `fail` are never vetoed."""
    config = config or LoopConfig()
    if not config.enabled or proposed.type in ("done", "fail"):
        return None
    sig, mod = action_signature(proposed), modality(proposed)
    history = history[-config.history_window:]

    def same(a: int, b: int) -> bool:
        return screen_distance(a, b) <= config.same_screen_max_distance

    executed = [t for t in history if not t.vetoed]
    return (_pending(history, sig, mod)
            or _tier2(history, proposed, sig, current_screen, same, config)
            or _tier1(executed, sig, mod, current_screen, same, config)
            or _tier3(executed, sig, mod, reflection, config))


def _pending(history: list[Turn], sig: str, mod: str) -> Veto | None:
    # Vetoes since the last executed action still bind: re-proposing what one forbade
    # gets the same veto back.
    for turn in reversed(history):
        if not turn.vetoed:
            break
        v = turn.veto
        if v is not None and (sig in v.forbidden_signatures or mod in v.forbidden_modalities):
            return v
    return None


def _tier1(executed: list[Turn], sig: str, mod: str, current: int,
           same: Callable[[int, int], bool], config: LoopConfig) -> Veto | None:
    run = 0  # trailing executed turns with this signature that changed nothing
    for i, turn in enumerate(reversed(executed)):
        ends = [] if turn.screen_after is None else [turn.screen_after]
        if i == 0:  # ...and nothing changed since (a window that opened late is a change)
            ends.append(current)
        if turn.signature != sig or not ends or not all(same(turn.screen_before, e) for e in ends):
            break
        run += 1
    if run < config.tier1_repeats - 1:
        return None
    times = "" if run == 1 else f" {run} times in a row"
    return Veto(tier=1, rule="repeat_no_change",
                constraint=f"Your last action {sig} changed nothing on screen{times}, and you "
                           f"proposed it again. Do not repeat it: {_ADVICE[mod]}",
                forbidden_signatures=[sig],
                # Only mouse and keyboard have a sibling modality that does the same job.
                forbidden_modalities=[mod] if mod in ("mouse", "keyboard") else [])


def _tier2(history: list[Turn], proposed: A.Action, sig: str, current: int,
           same: Callable[[int, int], bool], config: LoopConfig) -> Veto | None:
    if proposed.type in _WAY_OUT:
        return None
    start = len(history)  # the stretch: trailing turns taken from a screen like the current one
    while start > 0 and same(history[start - 1].screen_before, current):
        start -= 1
    stretch = history[start:]
    tried = [t for t in stretch if not t.vetoed]
    if len(tried) + 1 < config.tier2_same_screens:
        return None
    last_veto = max((i for i, t in enumerate(stretch) if t.vetoed), default=-1)
    # Without a repeat, fire every N fruitless actions (counted since the last veto).
    unwarned = sum(1 for t in stretch[last_veto + 1:] if not t.vetoed)
    repeats = sig in {t.signature for t in tried}
    if not repeats and unwarned < config.tier2_same_screens:
        return None
    # Code and search calls are ways out, not the loop; they are never forbidden here.
    sigs = list(dict.fromkeys(t.signature for t in tried if t.modality not in ("code", "search")
                              and t.signature not in ("done", "fail")))
    listed = "; ".join(sigs) if sigs else "none"
    constraint = (f"The screen has stayed the same for {len(tried) + 1} observations in a row: "
                  f"{len(tried)} actions ({listed}) changed nothing. "
                  + (f"You proposed {sig} again. " if repeats else "")
                  + "Stop this approach and take a different path entirely (another menu, dialog "
                    "or keyboard route, the search agent to learn how it is done, or the code "
                    "agent), or fail if the task cannot be done.")
    return Veto(tier=2, rule="same_screen_repeat" if repeats else "same_screen_no_progress",
                constraint=constraint, forbidden_signatures=sigs, may_fail=True)


def _tier3(executed: list[Turn], sig: str, mod: str, reflection: Reflection | None,
           config: LoopConfig) -> Veto | None:
    if not config.tier3 or reflection is None or reflection.strategy != "switch" or not executed:
        return None
    last = executed[-1]
    if sig == last.signature:
        return Veto(tier=3, rule="switch_repeat", forbidden_signatures=[sig],
                    constraint=f"Your reflection says to switch strategy, but {sig} repeats your "
                               "last action. Make the next action a genuinely different approach.")
    if len(executed) >= 2 and executed[-2].modality == last.modality == mod:
        return Veto(tier=3, rule="switch_same_modality", forbidden_signatures=[last.signature],
                    forbidden_modalities=[mod],
                    constraint=f"Your reflection says to switch strategy, but your last two "
                               f"actions and this one all use one modality ({mod}). "
                               f"Switch: {_ADVICE[mod]}")
    return None


def wasted_step_ratio(turns: list[Turn], config: LoopConfig | None = None) -> float:
    """Share of executed steps whose GUI action (or wait) changed nothing on screen.

    Code, search, done and fail act off screen, so they never count as wasted; vetoed
    proposals are not steps. Upstream's baseline figures: 3.2% and 4.9%.
    """
    limit = (config or LoopConfig()).same_screen_max_distance
    executed = [t for t in turns if not t.vetoed]
    wasted = sum(1 for t in executed
                 if (t.modality in ("mouse", "keyboard", "app") or t.signature == "wait")
                 and t.screen_after is not None
                 and screen_distance(t.screen_before, t.screen_after) <= limit)
    return wasted / len(executed) if executed else 0.0
