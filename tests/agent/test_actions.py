"""agent/actions.py: the planner's Action union, grounding hooks and compilation."""

from __future__ import annotations

import ast

import pytest
from pydantic import TypeAdapter, ValidationError

from agent import actions as A
from envs import actions as o


def T(description: str, x: int | None = None, y: int | None = None) -> A.Target:
    return A.Target(description=description, x=x, y=y)


GROUNDED = [
    A.Click(target=T("Save", 10, 20), clicks=2, button="right", hold_keys=("ctrl",)),
    A.DoubleClick(target=T("file.txt", 30, 40)),
    A.Type(text="hello\nw\u00f6rld <3", target=T("search box", 5, 6), overwrite=True, enter=True),
    A.Type(text="no target"),
    A.Scroll(target=T("list", 100, 200), clicks=-3),
    A.Scroll(target=T("sheet", 100, 200), clicks=2, shift=True),
    A.DragAndDrop(source=T("a.txt", 1, 2), destination=T("Trash", 3, 4), hold_keys=("shift",)),
    A.HighlightTextSpan(start_phrase=T("Once upon", 7, 8), end_phrase=T("the end.", 90, 95)),
    A.Hotkey(keys=("ctrl", "shift", "t")),
    A.HoldAndPress(hold_keys=("alt", "shift"), press_keys=("tab", "tab")),
    A.Open(app_or_file="~/Documents/report.docx"),
    A.SwitchApplication(app="LibreOffice Calc"),
    A.Wait(seconds=1.5),
]
AGENT_ONLY = [
    A.CallCodeAgent(),
    A.CallCodeAgent(task="sum column B"),
    A.CallSearchAgent(query="How to freeze panes in LibreOffice Calc"),
    A.SetCellValues(cells={"A1": 3, "B2": "=SUM(A1:A3)", "C1": True, "D1": None, "E1": 2.5}),
    A.SetCellValues(start="B2", rows=[[1, "x"], [2.5, "=B2*2"]], sheet="Sales", save=True),
    A.Done(),
    A.Done(summary="saved"),
    A.Fail(reason="no such file"),
]
ALL = GROUNDED + AGENT_ONLY


def test_every_action_type_is_in_the_examples():
    assert {a.type for a in ALL} == set(A.ACTION_TYPES)
    assert len(A.ACTION_TYPES) == 16


@pytest.mark.parametrize("action", ALL, ids=lambda a: a.type)
def test_json_round_trip(action):
    text = action.model_dump_json()
    assert A.parse_action(text) == action
    assert A.parse_action(action.model_dump(mode="json")) == action
    assert TypeAdapter(A.Action).validate_json(text) == action


def test_json_schema_builds_for_prompts():
    schema = TypeAdapter(A.Action).json_schema()
    assert set(schema["discriminator"]["mapping"]) == set(A.ACTION_TYPES)


def test_models_are_frozen_and_hashable():
    action = GROUNDED[0]
    with pytest.raises(ValidationError):
        action.clicks = 3  # type: ignore[misc]
    assert hash(action) == hash(A.parse_action(action.model_dump_json()))


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    "data, names",
    [
        ({"type": "click"}, ["'target'", "required"]),
        ({"type": "click", "target": {"description": "x"}, "clicks": 9}, ["'clicks'"]),
        ({"type": "click", "target": {"description": "x", "x": 3}}, ["'target'", "both x and y"]),
        ({"type": "click", "target": {"description": ""}}, ["'target.description'"]),
        ({"type": "hotkey", "keys": ["ctrl", "bogus"]}, ["'keys.1'", "'bogus'"]),
        ({"type": "hotkey", "keys": []}, ["'keys'"]),
        ({"type": "wait", "seconds": 5, "timeout": 1}, ["'timeout'", "Extra"]),
        ({"type": "scroll", "target": "list", "clicks": "many"}, ["'clicks'"]),
        ({"type": "drag_and_drop", "source": "a"}, ["'destination'"]),
        ({"type": "type"}, ["text is empty"]),
        ({"type": "teleport"}, ["'type'", "'teleport'", "click, double_click"]),
        ({"text": "hi"}, ["'type'", "missing"]),
    ],
)
def test_parse_errors_name_the_field(data, names):
    with pytest.raises(A.ActionParseError) as info:
        A.parse_action(data)
    for name in names:
        assert name in str(info.value)


@pytest.mark.parametrize("data", ["not json", "[1, 2]", "null", '{"type": "click",}'])
def test_parse_rejects_non_objects(data):
    with pytest.raises(A.ActionParseError, match="JSON"):
        A.parse_action(data)


def test_target_may_be_given_as_a_bare_description():
    action = A.parse_action('{"type": "click", "target": "the blue Save button"}')
    assert action == A.Click(target=A.Target(description="the blue Save button"))
    assert A.parse_action({"type": "type", "text": "x", "target": "box"}).target.description == "box"


# ------------------------------------------------------------------ grounding


def test_targets_and_with_points_keep_order():
    drag = A.parse_action({"type": "drag_and_drop", "source": "a.txt", "destination": "Trash"})
    assert [t.description for t in A.targets(drag)] == ["a.txt", "Trash"]
    grounded = A.with_points(drag, [(1, 2), (30.6, 40.4)])
    assert (grounded.source.x, grounded.source.y) == (1, 2)
    assert (grounded.destination.x, grounded.destination.y) == (31, 40)
    assert grounded.source.description == "a.txt"
    assert drag.source.x is None  # the original is unchanged
    span = A.HighlightTextSpan(start_phrase=T("From"), end_phrase=T("To"))
    assert [t.description for t in A.targets(span)] == ["From", "To"]


def test_targets_of_actions_without_targets():
    assert A.targets(A.Type(text="x")) == []
    assert A.with_points(A.Type(text="x"), []) == A.Type(text="x")
    assert A.targets(A.Type(text="x", target=T("box"))) == [T("box")]
    for action in [A.Hotkey(keys=("f5",)), A.Open(app_or_file="gimp"), A.Done()]:
        assert A.targets(action) == []


def test_with_points_checks_count_and_bounds():
    click = A.Click(target=T("OK"))
    with pytest.raises(ValueError, match="1 target"):
        A.with_points(click, [])
    with pytest.raises(ValueError):
        A.with_points(click, [(-5, 10)])


def test_ungrounded_target_error_names_the_description():
    action = A.DragAndDrop(source=T("a.txt", 1, 2), destination=T("the Trash icon"))
    with pytest.raises(A.UngroundedTargetError, match="the Trash icon") as info:
        A.compile_action(action)
    assert info.value.target.description == "the Trash icon"
    with pytest.raises(A.UngroundedTargetError, match="search box"):
        A.compile_action(A.Type(text="x", target=T("search box")))


# ------------------------------------------------------------------ compilation


def test_compile_click_and_double_click():
    assert A.compile_action(GROUNDED[0]) == [
        o.Click(x=10, y=20, clicks=2, button="right", hold_keys=["ctrl"])
    ]
    assert A.compile_action(GROUNDED[1]) == [o.Click(x=30, y=40, clicks=2)]


def test_compile_type():
    assert A.compile_action(GROUNDED[2]) == [
        o.Click(x=5, y=6),
        o.Hotkey(keys=["ctrl", "a"]),
        o.Hotkey(keys=["backspace"]),
        o.TypeText(text="hello\nw\u00f6rld <3"),
        o.Hotkey(keys=["enter"]),
    ]
    assert A.compile_action(GROUNDED[3]) == [o.TypeText(text="no target")]
    assert A.compile_action(A.Type(target=T("field", 1, 1), overwrite=True)) == [
        o.Click(x=1, y=1),
        o.Hotkey(keys=["ctrl", "a"]),
        o.Hotkey(keys=["backspace"]),
    ]


def test_compile_scroll_drag_highlight():
    assert A.compile_action(GROUNDED[4]) == [o.Scroll(clicks=-3, x=100, y=200)]
    assert A.compile_action(GROUNDED[5]) == [o.Scroll(clicks=2, x=100, y=200, horizontal=True)]
    assert A.compile_action(GROUNDED[6]) == [o.Drag(x1=1, y1=2, x2=3, y2=4, hold_keys=["shift"])]
    assert A.compile_action(GROUNDED[7]) == [o.Drag(x1=7, y1=8, x2=90, y2=95)]


def test_compile_keys():
    assert A.compile_action(GROUNDED[8]) == [o.Hotkey(keys=["ctrl", "shift", "t"])]
    assert A.compile_action(GROUNDED[9]) == [
        o.KeyDown(key="alt"),
        o.KeyDown(key="shift"),
        o.Hotkey(keys=["tab"]),
        o.Hotkey(keys=["tab"]),
        o.KeyUp(key="shift"),
        o.KeyUp(key="alt"),
    ]


def test_compile_open_switch_wait():
    assert A.compile_action(GROUNDED[10]) == [o.Open(target="~/Documents/report.docx")]
    assert A.compile_action(GROUNDED[11]) == [o.FocusWindow(title="LibreOffice Calc")]
    assert A.compile_action(GROUNDED[12]) == [o.Wait(seconds=1.5)]


@pytest.mark.parametrize("action", AGENT_ONLY, ids=lambda a: a.type)
def test_agent_only_actions_do_not_compile(action):
    assert not A.is_desktop_action(action)
    with pytest.raises(ValueError, match="not the desktop"):
        A.compile_action(action)


@pytest.mark.parametrize("action", GROUNDED, ids=lambda a: a.type)
def test_every_desktop_action_compiles_to_valid_pyautogui(action):
    assert A.is_desktop_action(action)
    ops = A.compile_action(action)
    assert ops and all(isinstance(op, o._Op) for op in ops)
    code = A.to_pyautogui(action)
    ast.parse(code)
    compile("import pyautogui; import time; pyautogui.FAILSAFE = False; " + code, "<a>", "exec")


def test_model_text_reaches_pyautogui_only_as_a_literal():
    hostile = "'); import os; os.system('rm -rf ~') #"
    action = A.parse_action(
        {"type": "type", "text": hostile, "target": {"description": hostile, "x": 1, "y": 2}}
    )
    code = A.to_pyautogui(action)
    calls = [ast.unparse(n.func) for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)]
    assert calls == ["pyautogui.click", "pyautogui.write"]
    write = next(
        n
        for n in ast.walk(ast.parse(code))
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "pyautogui.write"
    )
    assert ast.literal_eval(write.args[0]) == hostile
