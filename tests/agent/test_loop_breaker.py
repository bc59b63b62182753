"""agent/loop_breaker.py: screen fingerprints, action signatures and the three tiers.

Screens are rendered with Pillow at 1920x1080 so the fingerprint is tested on what it
will see: a desktop panel with a clock, an editor window with text and a blinking caret.
"""

from __future__ import annotations

import io
import os
from functools import cache

import pytest
from PIL import Image, ImageDraw, ImageFont

from agent import actions as A
from agent import loop_breaker as lb
from agent.decision import Reflection

W, H = 1920, 1080
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
TEXT = tuple(f"Line {i}: the quick brown fox jumps over the lazy dog, item {i * 7 % 13}" for i in range(80))
LIMIT = lb.LoopConfig().same_screen_max_distance


@cache
def fonts() -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
    try:
        return ImageFont.truetype(SANS, 14), ImageFont.truetype(MONO, 15)
    except OSError:
        message = "DejaVu fonts missing (scripts/install-debian-packages installs fonts-dejavu-core)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@cache
def editor(
    typed: str = "",
    caret: int = 1,
    clock: str = "10:41",
    dialog: bool = False,
    scroll: int = 0,
    fields: tuple[str, ...] = (),
) -> int:
    """Fingerprint of a desktop: top panel with clock, editor window, optional dialog/form.

    caret: its width in pixels, 0 while it blinks off.
    """
    sans, mono = fonts()
    im = Image.new("RGB", (W, H), (236, 236, 236))
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, W, 28], fill=(43, 43, 43))
    d.text((10, 6), "Activities", font=sans, fill=(230, 230, 230))
    d.text((W - 60, 6), clock, font=sans, fill=(230, 230, 230))
    d.rectangle([100, 60, 1700, 1000], fill=(255, 255, 255), outline=(180, 180, 180))
    d.rectangle([100, 60, 1700, 95], fill=(220, 220, 220))
    d.text((800, 68), "notes.txt - Editor", font=sans, fill=(30, 30, 30))
    for i, name in enumerate(["File", "Edit", "View", "Search", "Help"]):
        d.text((110 + 60 * i, 102), name, font=sans, fill=(30, 30, 30))
    for i, line in enumerate(TEXT[scroll : scroll + 30]):
        d.text((110, 135 + 20 * i), line, font=mono, fill=(20, 20, 20))
    # The document's last lines are what was typed; the caret sits after the last one.
    lines = typed.split("\n")
    y = 135 + 20 * 30
    for i, line in enumerate(lines):
        d.text((110, y + 20 * i), line, font=mono, fill=(20, 20, 20))
    if caret:
        x = 111 + d.textlength(lines[-1], font=mono)
        cy = y + 20 * (len(lines) - 1)
        d.rectangle([x, cy + 1, x + caret - 1, cy + 18], fill=(0, 0, 0))
    for i, value in enumerate(fields):  # a form: label and a text field per row
        d.text((1300, 200 + 40 * i), f"Field {i}", font=sans, fill=(30, 30, 30))
        d.rectangle([1380, 195 + 40 * i, 1650, 220 + 40 * i], outline=(150, 150, 150))
        d.text((1386, 200 + 40 * i), value, font=sans, fill=(0, 0, 0))
    if dialog:
        d.rectangle([760, 440, 1160, 600], fill=(250, 250, 250), outline=(120, 120, 120))
        d.text((780, 460), "Save changes before closing?", font=sans, fill=(0, 0, 0))
        d.rectangle([960, 550, 1040, 580], outline=(120, 120, 120))
        d.text((975, 557), "Cancel", font=sans, fill=(0, 0, 0))
        d.rectangle([1060, 550, 1140, 580], fill=(50, 100, 200))
        d.text((1080, 557), "Save", font=sans, fill=(255, 255, 255))
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return lb.screen_hash(buf.getvalue())


def dist(**change) -> int:
    return lb.screen_distance(editor(), editor(**change))


# ---- fingerprints ----------------------------------------------------------------------
def test_caret_blink_and_clock_tick_are_the_same_screen():
    assert lb.screen_distance(editor(), editor()) == 0
    for change in ({"caret": 0}, {"clock": "10:42"}, {"caret": 0, "clock": "10:42"}):
        assert dist(**change) <= LIMIT // 4, change  # well inside, not just under the line
    # A 2-px caret (VS Code, some toolkits) blinking is still the same screen.
    assert lb.screen_distance(editor(caret=2), editor(caret=0)) <= LIMIT * 2 // 3


def test_one_typed_word_a_dialog_and_a_scroll_are_different_screens():
    word = dist(typed="hello")
    assert word > LIMIT * 3 // 2  # clearly over the line
    assert word > 5 * dist(caret=0)
    assert dist(dialog=True) > 20 * LIMIT
    assert dist(scroll=1) > 4 * LIMIT
    # A word typed while the caret blinks and the clock ticks is still a change.
    assert lb.screen_distance(editor(), editor(typed="hello", caret=0, clock="10:42")) > LIMIT


def test_fingerprint_edge_cases():
    small = io.BytesIO()
    Image.new("RGB", (1280, 720), "white").save(small, "PNG")
    other = lb.screen_hash(small.getvalue())
    assert lb.screen_distance(editor(), other) >= W * H  # another resolution: nothing is alike
    with pytest.raises(ValueError):
        lb.screen_hash(b"not a png")
    # A missing fingerprint (0) is never "the same screen", not even as itself.
    assert lb.screen_distance(0, other) == lb.screen_distance(0, 0) == lb.UNKNOWN_DISTANCE
    assert lb.check([lb.Turn.of(0, SAVE, 0, 0)], SAVE, 0, None) is None


# ---- signatures --------------------------------------------------------------------------
def test_signature_normalises_descriptions_and_ignores_pixels():
    a = A.Click(target=A.Target(description="  The  'Save'   button. ", x=10, y=20))
    b = A.Click(target="save button")
    assert lb.action_signature(a) == lb.action_signature(b) == 'click "save button"'
    assert lb.action_signature(A.Click(target="save button", clicks=2)) != lb.action_signature(b)
    typed = A.Type(text="Hello", target="Name field")
    assert lb.action_signature(typed) == 'type "Hello" into "name field"'
    assert lb.action_signature(A.Type(text="hello")) != lb.action_signature(A.Type(text="Hello"))
    assert lb.action_signature(A.Hotkey(keys=("ctrl", "s"))) == "hotkey ctrl+s"
    # Scrolling keeps the direction, not the amount.
    assert (
        lb.action_signature(A.Scroll(target="list", clicks=-3))
        == lb.action_signature(A.Scroll(target="the list", clicks=-10))
        == 'scroll down "list"'
    )
    assert lb.action_signature(A.Wait(seconds=2)) == lb.action_signature(A.Wait(seconds=5))
    cells = A.SetCellValues(cells={"a1": 1, "B2": "=A1*2"})
    assert lb.action_signature(cells) == lb.action_signature(
        A.SetCellValues(start="A1", rows=[[1]], cells={"B2": "=A1*2"})
    )
    assert lb.action_signature(cells) != lb.action_signature(A.SetCellValues(cells={"A1": 2, "B2": "=A1*2"}))
    long = A.CallCodeAgent(task="x" * 500)
    assert len(lb.action_signature(long)) < 120
    assert lb.action_signature(long) != lb.action_signature(A.CallCodeAgent(task="x" * 499))


def test_modality_of_every_action_type():
    t = A.Target(description="x")
    cases = {
        "mouse": [
            A.Click(target=t),
            A.DoubleClick(target=t),
            A.Scroll(target=t, clicks=1),
            A.DragAndDrop(source=t, destination=t),
            A.HighlightTextSpan(start_phrase=t, end_phrase=t),
        ],
        "keyboard": [
            A.Type(text="a"),
            A.Hotkey(keys=("a",)),
            A.HoldAndPress(hold_keys=("alt",), press_keys=("tab",)),
        ],
        "app": [A.Open(app_or_file="f"), A.SwitchApplication(app="f")],
        "code": [A.CallCodeAgent(), A.SetCellValues(cells={"A1": 1})],
        "search": [A.CallSearchAgent(query="q")],
        "control": [A.Wait(seconds=1), A.Done(), A.Fail()],
    }
    assert sum(len(v) for v in cases.values()) == len(A.ACTION_TYPES)
    for mod, actions in cases.items():
        assert all(lb.modality(a) == mod for a in actions)


# ---- tiers -------------------------------------------------------------------------------
SAVE = A.Click(target="the Save button")
S = editor()
SWITCH = Reflection(strategy="switch", outcome="no_change")


def run(steps, proposed, current=S, reflection=None, **cfg):
    """steps: (action, before, after) executed in order, or (action, before, Veto) vetoed."""
    history = [
        lb.Turn.of(
            i,
            act,
            before,
            None if isinstance(after, lb.Veto) else after,
            veto=after if isinstance(after, lb.Veto) else None,
        )
        for i, (act, before, after) in enumerate(steps)
    ]
    return lb.check(history, proposed, current, reflection, lb.LoopConfig(**cfg))


def test_tier1_vetoes_the_second_identical_no_op_click():
    assert run([], SAVE) is None
    veto = run([(SAVE, S, S)], SAVE)
    assert veto is not None and veto.tier == 1 and veto.rule == "repeat_no_change"
    assert veto.forbidden_signatures == ['click "save button"']
    assert veto.forbidden_modalities == ["mouse"]  # for the re-proposal that answers it
    assert 'click "save button"' in veto.constraint and "keyboard shortcut" in veto.constraint
    # A caret blink in between is still "nothing changed".
    assert run([(SAVE, S, editor(caret=0))], SAVE, current=editor(caret=0)).tier == 1
    # The click did something: no veto. A different action: no veto.
    assert run([(SAVE, S, editor(dialog=True))], SAVE, current=editor(dialog=True)) is None
    assert run([(SAVE, S, S)], A.Hotkey(keys=("ctrl", "s"))) is None
    assert run([(SAVE, S, S)], SAVE, enabled=False) is None
    assert run([(SAVE, S, S)], SAVE, tier1_repeats=3) is None
    assert run([(SAVE, S, S), (SAVE, S, S)], SAVE, tier1_repeats=3, tier2_same_screens=4).tier == 1
    # The click looked like a no-op, but a window opened late: the screen changed since.
    assert run([(SAVE, S, S)], SAVE, current=editor(dialog=True)) is None


def test_turns_round_trip_through_json_and_old_turns_are_ignored():
    turn = lb.Turn.of(3, SAVE, S, editor(dialog=True))
    assert lb.Turn.model_validate_json(turn.model_dump_json()) == turn
    assert "screen_before" not in repr(turn)  # fingerprints are thousands of digits long
    stuck = [(A.Click(target=f"item {n}"), S, S) for n in range(6)]
    assert run(stuck, A.Click(target="item 0")).rule == "same_screen_repeat"
    # With a window of 4 turns, "item 0" is out of sight: no repeat, only no progress.
    assert run(stuck, A.Click(target="item 0"), history_window=4).rule == "same_screen_no_progress"


def test_a_veto_binds_the_re_proposal():
    veto = run([(SAVE, S, S)], SAVE)
    steps = [(SAVE, S, S), (SAVE, S, veto)]
    again = run(steps, SAVE)  # the same again: the same veto
    assert again.constraint == veto.constraint and again.reissued and not veto.reissued
    assert run(steps, A.Click(target="Save icon")) == again  # the mouse, for this one answer
    assert run(steps, A.Hotkey(keys=("ctrl", "s"))) is None
    assert run(steps, A.Done()) is None
    # Re-proposed and vetoed again: the modality ban binds no further, the repeat still fails.
    twice = [*steps, (A.Click(target="Save icon"), S, again)]
    assert run(twice, A.Click(target="Save icon")) is None
    assert run(twice, SAVE).tier == 1
    # Only the re-proposal that answers it: once something ran, the veto is lifted.
    typed = A.Type(text="hello")
    after = [*steps, (typed, S, editor(typed="hello"))]
    assert run(after, typed, current=editor(typed="hello")) is None
    # Tier 3's modality ban binds the next proposal only, not the ones after it.
    ban = lb.Veto(tier=3, rule="switch_same_modality", constraint="switch", forbidden_modalities=["keyboard"])
    assert run([(SAVE, S, ban)], typed).constraint == ban.constraint
    assert run([(SAVE, S, ban), (SAVE, S, editor(dialog=True))], typed, current=editor(dialog=True)) is None


def test_tier2_fires_on_the_third_identical_screen():
    a, b, c, d = (A.Click(target=f"menu item {n}") for n in "abcd")
    assert run([(a, S, S)], b) is None  # two observations of S
    veto = run([(a, S, S), (b, S, S)], a)  # third observation, a was tried during it
    assert veto.tier == 2 and veto.rule == "same_screen_repeat" and veto.may_fail
    assert set(veto.forbidden_signatures) == {'click "menu item a"', 'click "menu item b"'}
    assert run([(a, S, S), (b, S, S)], c) is None  # new idea, only two fruitless actions
    # Three fruitless actions: any new GUI action is stopped once, with the option to fail.
    steps = [(a, S, S), (b, S, S), (c, S, S)]
    veto = run(steps, d)
    assert veto.rule == "same_screen_no_progress" and "fail" in veto.constraint
    assert run([*steps, (d, S, veto)], d) is None  # told once; a deliberate new path passes
    assert run([*steps, (d, S, veto)], a).constraint == veto.constraint
    for way_out in (A.Done(), A.Fail(), A.CallSearchAgent(query="how to x"), A.CallCodeAgent()):
        assert run(steps, way_out) is None
    # Blinks and clock ticks do not break the stretch.
    blinking = [(a, S, editor(caret=0)), (b, editor(caret=0), editor(clock="10:42"))]
    assert run(blinking, a, current=editor(clock="10:42")).tier == 2


def test_tier3_binds_the_action_after_a_switch_reflection():
    hot = A.Hotkey(keys=("ctrl", "s"))
    progress = [
        (A.Click(target="File menu"), S, editor(dialog=True)),
        (A.Click(target="Save As"), editor(dialog=True), editor(typed="x")),
    ]
    cur, dialog, export = editor(typed="x"), editor(dialog=True), A.Click(target="Export")
    veto = run(progress[:1], A.Click(target="File menu"), current=dialog, reflection=SWITCH)
    assert veto.tier == 3 and veto.rule == "switch_repeat"
    veto = run(progress, export, current=cur, reflection=SWITCH)
    assert veto.tier == 3 and veto.rule == "switch_same_modality"
    assert veto.forbidden_modalities == ["mouse"]
    assert run(progress, hot, current=cur, reflection=SWITCH) is None
    assert run(progress, export, current=cur, reflection=Reflection(strategy="keep")) is None
    assert run(progress, export, current=cur, reflection=SWITCH, tier3=False) is None
    assert run(progress[:1], export, current=dialog, reflection=SWITCH) is None  # one action only


def test_done_and_fail_are_never_vetoed():
    stuck = [(SAVE, S, S)] * 5
    for action in (A.Done(), A.Fail()):
        assert run(stuck, action, reflection=SWITCH) is None
        assert run([(A.Done(), S, S)], action, reflection=SWITCH) is None


# ---- never during progress ---------------------------------------------------------------
def test_no_veto_while_typing_a_document_word_by_word():
    words = ("the report lists every open issue with its owner and a due date so the team can plan").split()
    history, typed, screen = [], "", editor()
    for step, word in enumerate(words * 2):
        # Each step types one word (sometimes the same text again); caret and clock keep blinking.
        action = A.Type(text=word + " ")
        assert lb.check(history, action, screen, Reflection(), lb.LoopConfig()) is None, step
        typed += ("\n" if step % 8 == 7 else "") + word + " "
        after = editor(typed=typed, caret=step % 2, clock=f"10:{41 + step // 7}")
        history.append(lb.Turn.of(step, action, screen, after))
        screen = after
    # Only "a", "so" and "can" changed the screen by less than the threshold (the limit
    # of a cell-mean fingerprint: one or two small letters look like a caret).
    assert lb.wasted_step_ratio(history) <= 5 / 36


def test_no_veto_when_filling_a_form_or_scrolling_a_document():
    history, values = [], ["", "", "", "", "", ""]
    for i in range(6):  # the same text into six different fields
        action = A.Type(text="Alice", target=A.Target(description=f"Field {i} text box"))
        before = editor(fields=tuple(values))
        assert lb.check(history, action, before, None) is None
        values[i] = "Alice"
        history.append(lb.Turn.of(i, action, before, editor(fields=tuple(values))))
    scroll = A.Scroll(target="the document", clicks=-1)
    for offset in range(40):  # the same scroll, again and again, moving the text each time
        before = editor(scroll=offset)
        assert lb.check(history, scroll, before, Reflection(strategy="keep")) is None, offset
        history.append(lb.Turn.of(6 + offset, scroll, before, editor(scroll=offset + 1)))
    # At the end of the document it stops moving: a step-wise action gets one more try,
    # then the third no-op scroll is vetoed.
    end = editor(scroll=40)
    history.append(lb.Turn.of(46, scroll, end, end))
    assert lb.check(history, scroll, end, None) is None
    history.append(lb.Turn.of(47, scroll, end, end))
    assert lb.check(history, scroll, end, None).tier in (1, 2)


def test_wasted_step_ratio():
    turns = [
        lb.Turn.of(0, SAVE, S, S),
        lb.Turn.of(1, SAVE, S, editor(dialog=True)),
        lb.Turn.of(2, A.CallSearchAgent(query="q"), S, S),
        lb.Turn.of(3, A.Wait(seconds=1), S, S),
        lb.Turn.of(4, SAVE, S, veto=run([(SAVE, S, S)], SAVE)),
    ]
    assert lb.wasted_step_ratio(turns) == pytest.approx(2 / 4)
    assert lb.wasted_step_ratio([]) == 0.0


# ---- the full-resolution verdict, step-wise keys, cycles, off-screen calls ------------------
DOWN = A.Hotkey(keys=("Down",))


def turns(*steps):
    """steps: (action, before, after, changed) executed in order."""
    return [
        lb.Turn.of(i, act, before, after, changed=changed, before_file=f"s{i}.png")
        for i, (act, before, after, changed) in enumerate(steps)
    ]


def test_a_small_real_change_is_progress_though_the_fingerprint_cannot_see_it():
    # A caret moving one line reads as "the same screen" to the fingerprint (issue 18)...
    assert lb.screen_distance(editor(typed="a\nb"), editor(typed="a\nb\n")) <= LIMIT
    # ...but the change detector saw it: Down after Down after Down is never vetoed.
    history = turns(*[(DOWN, S, S, True)] * 6)
    assert lb.check(history, DOWN, S, None) is None
    assert lb.check(history, A.Type(text="X"), S, None) is None
    assert (
        lb.check([*history, *turns((A.Type(text="X"), S, S, True))], A.Hotkey(keys=("ctrl", "s")), S, None)
        is None
    )
    # The detector saw nothing, though the fingerprints differ (the pointer moved): no change.
    assert run([], SAVE) is None
    moved = editor(dialog=True)
    assert lb.check(turns((SAVE, S, moved, False)), SAVE, moved, None).tier == 1


def test_step_wise_keys_get_one_more_try_without_change():
    assert lb.stepwise(DOWN) and lb.stepwise(A.Hotkey(keys=("shift", "Tab")))
    assert lb.stepwise(A.Scroll(target="list", clicks=-3))
    assert not lb.stepwise(A.Hotkey(keys=("ctrl", "s"))) and not lb.stepwise(SAVE)
    assert lb.check(turns((DOWN, S, S, False)), DOWN, S, None) is None
    veto = lb.check(turns((DOWN, S, S, False), (DOWN, S, S, False)), DOWN, S, None)
    assert veto is not None and veto.tier in (1, 2)
    ctrl_s = A.Hotkey(keys=("ctrl", "s"))
    assert lb.check(turns((ctrl_s, S, S, False)), ctrl_s, S, None).tier == 1
    # Progress in between resets the count.
    assert (
        lb.check(turns((DOWN, S, S, False), (DOWN, S, S, True), (DOWN, S, S, False)), DOWN, S, None) is None
    )


def test_the_same_action_from_the_same_screen_again_is_a_cycle():
    menu, escape = A.Hotkey(keys=("alt", "f")), A.Hotkey(keys=("Escape",))
    opened = editor(dialog=True)
    history = turns((menu, S, opened, True), (escape, opened, S, True))
    same = {"s0.png"}  # the screen now is the one the first alt+f was taken from

    def same_screen(turn):
        return turn.before_file in same

    veto = lb.check(history, menu, S, None, same_screen=same_screen)
    assert veto.tier == 1 and veto.rule == "repeat_same_screen"
    assert veto.forbidden_signatures == ["hotkey alt+f"]
    # Without a way to compare screens exactly, or from another screen, no cycle.
    assert lb.check(history, menu, S, None) is None
    assert lb.check(history, menu, S, None, same_screen=lambda t: False) is None
    assert (
        lb.check(history, menu, S, None, same_screen=same_screen, config=lb.LoopConfig(cycle_repeats=3))
        is None
    )


def test_tier2_does_not_count_code_and_search_calls():
    a, b = A.Click(target="item a"), A.Click(target="item b")
    code, search = A.CallCodeAgent(task="fix the file"), A.CallSearchAgent(query="how to x")
    # Two fruitless clicks around a code call and a search: only two GUI actions, no veto.
    history = turns((a, S, S, False), (code, S, S, None), (search, S, S, None))
    assert lb.check(history, b, S, None) is None
    # A third fruitless GUI action makes the stretch: the code call neither counts nor ends it.
    history = turns((a, S, S, False), (code, S, S, None), (b, S, S, False))
    veto = lb.check(history, A.Click(target="item c"), S, None)
    assert veto is None  # two GUI actions + now = 3 observations, but no repeat and only 2 tried
    history = turns(
        (a, S, S, False), (code, S, S, None), (b, S, S, False), (A.Click(target="item c"), S, S, False)
    )
    veto = lb.check(history, A.Click(target="item d"), S, None)
    assert veto.tier == 2 and "fix the file" not in veto.constraint


def test_waiting_for_an_application_is_patience_not_a_loop():
    wait, home = A.Wait(seconds=2), A.Hotkey(keys=("ctrl", "Home"))
    # An oracle's pacing: wait, a key that finds the cursor already home, wait again.
    history = turns((wait, S, S, False), (home, S, S, False))
    assert lb.check(history, wait, S, None) is None
    assert lb.check([*history, *turns((wait, S, S, False))], A.Hotkey(keys=("right",)), S, None) is None
    # One more wait after a wait that changed nothing is allowed; a third is not.
    assert lb.check(turns((wait, S, S, False)), wait, S, None) is None
    assert lb.check(turns((wait, S, S, False), (wait, S, S, False)), wait, S, None).tier == 1


def test_retrying_after_a_wait_for_a_slow_application_is_not_a_loop():
    # CI saw it: Ctrl+Alt+T, the terminal still starting, so focusing it failed; the planner
    # waits and focuses again, waits longer, again... Each wait earns one more try, within
    # bounded patience: `wait_retries` tries, waits adding up to under `wait_patience_s`.
    launch, focus = A.Hotkey(keys=("ctrl", "alt", "t")), A.SwitchApplication(app="Terminal")
    history = turns((launch, S, S, False), (focus, S, S, False))
    # Without a wait the retry is the third observation of one screen: vetoed.
    assert lb.check(history, focus, S, None).rule == "same_screen_repeat"
    for seconds in (2, 5, 10, 10):  # 27 s of waiting, four retries: patience
        history += turns((A.Wait(seconds=seconds), S, S, False))
        assert lb.check(history, focus, S, None) is None, seconds
        history += turns((focus, S, S, False))
    history += turns((A.Wait(seconds=2), S, S, False))  # a fifth retry: a loop
    assert lb.check(history, focus, S, None).rule == "same_screen_repeat"
    # Patience is counted in time too: after 30 s of waits the next retry is vetoed.
    long_wait = [*turns((launch, S, S, False), (focus, S, S, False), (A.Wait(seconds=31), S, S, False))]
    assert lb.check(long_wait, focus, S, None).rule == "same_screen_repeat"
    # A dead spot clicked between short waits is still caught.
    dead, wait = A.Click(target="the greyed-out Apply button"), A.Wait(seconds=1)
    clicks = turns(*[(dead, S, S, False), (wait, S, S, False)] * 6)
    assert lb.check(clicks, dead, S, None).tier == 2
