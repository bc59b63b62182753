"""envs/pyautogui_code.py: ops -> pyautogui source that keeps model text a literal."""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
import textwrap

import pytest

from envs import actions as o
from envs.pyautogui_code import (
    PRELUDE,
    osworld_execute_payload,
    pyautogui_key,
    text_runs,
    to_computer13,
    to_computer13_actions,
    to_pyautogui,
)

ALLOWED_CALLS = {
    "pyautogui.click",
    "pyautogui.moveTo",
    "pyautogui.dragTo",
    "pyautogui.mouseDown",
    "pyautogui.mouseUp",
    "pyautogui.scroll",
    "pyautogui.hscroll",
    "pyautogui.write",
    "pyautogui.press",
    "pyautogui.hotkey",
    "pyautogui.keyDown",
    "pyautogui.keyUp",
    "time.sleep",
    "pyperclip.copy",
    "subprocess.Popen",
    "subprocess.run",
    "os.path.exists",
    "os.path.expanduser",
    "os.dup",
    "os.dup2",
    "os.open",
    "os.close",
    "shlex.split",
    "pyperclip.paste",
    "range",
}
ALLOWED_IMPORTS = {"pyperclip", "os", "shlex", "subprocess"}

HOSTILE = [
    "'); import os; os.system('x') #",
    '"); __import__("os").system("x") #',
    "\\'; exec('print(1)')",
    "'''\n\"\"\"\nimport os\n",
    "\x00\x1b[31m evil \u202e reversed \ufeff",
    "{0.__class__} %s {x!r} f'{__import__(\"os\")}'",
    "<script>alert('x')</script>",
]

EVERY_OP = [
    o.Click(x=10, y=20),
    o.Click(x=1, y=2, button="right", clicks=3, hold_keys=["ctrl", "shift"]),
    o.MoveTo(x=5, y=6),
    o.Drag(x1=1, y1=2, x2=3, y2=4, button="middle", duration=0.5),
    o.Drag(x1=1, y1=2, x2=3, y2=4, hold_keys=["alt"]),
    o.MouseDown(),
    o.MouseDown(x=3, y=4, button="right"),
    o.MouseUp(),
    o.MouseUp(x=3, y=4),
    o.Scroll(clicks=-5, x=100, y=200),
    o.Scroll(clicks=2, horizontal=True),
    o.TypeText(text="hi <there>\n\tnaïve"),
    o.Hotkey(keys=["ctrl", "s"]),
    o.KeyDown(key="shift"),
    o.KeyUp(key="shift"),
    o.Wait(seconds=0.5),
    o.Open(target="/tmp/x.txt"),
    o.Open(target="https://example.org"),
    o.FocusWindow(title="LibreOffice Calc"),
]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return f"<{type(node).__name__}>"


def assert_safe(code: str) -> ast.Module:
    """Only allow-listed calls and imports; every call argument is a literal or a local."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            assert _dotted(node.func) in ALLOWED_CALLS, ast.unparse(node)
        elif isinstance(node, ast.Import):
            assert {a.name for a in node.names} <= ALLOWED_IMPORTS, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(ast.unparse(node))
        elif isinstance(node, ast.Name):
            assert node.id in {
                "pyautogui",
                "time",
                "pyperclip",
                "subprocess",
                "os",
                "shlex",
                "_",
                "range",
                "_target",
                "_argv",
                "_out",
                "_err",
                "_null",
            }, node.id
        elif isinstance(node, (ast.JoinedStr, ast.Lambda, ast.Subscript, ast.BinOp)):
            raise AssertionError(f"unexpected {type(node).__name__}: {ast.unparse(node)}")
    return tree


def typed_text(code: str) -> str:
    """What a US keyboard would type, read back from the snippet's AST."""
    out = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name not in ("pyautogui.write", "pyperclip.copy", "pyautogui.hotkey", "pyautogui.press"):
            continue
        args = [ast.literal_eval(a) for a in node.args]
        if name == "pyautogui.write" or name == "pyperclip.copy":
            out.append((node.lineno, args[0]))
        elif name == "pyautogui.hotkey" and args == ["shift", ","]:
            out.append((node.lineno, "<"))
        elif name == "pyautogui.press":
            out.append((node.lineno, {"enter": "\n", "tab": "\t"}[args[0]]))
    return "".join(text for _, text in sorted(out))


class Recorder:
    """A stand-in module that records every call made on it."""

    def __init__(self, log: list, prefix: str, fail_on: str | None = None) -> None:
        self._log, self._prefix, self._fail_on = log, prefix, fail_on

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            self._log.append((f"{self._prefix}.{name}", args, kwargs))
            if name == self._fail_on:
                raise RuntimeError("boom")

        return call


class Clipboard(Recorder):
    """A stand-in pyperclip: copy() is recorded, paste() gives back what was copied."""

    def __init__(self, log: list) -> None:
        super().__init__(log, "pyperclip")
        self.held = ""

    def copy(self, text: str) -> None:
        self._log.append(("pyperclip.copy", (text,), {}))
        self.held = text

    def paste(self) -> str:
        return self.held


def run_with_fakes(code: str, monkeypatch, fail_on: str | None = None) -> list:
    log: list = []
    monkeypatch.setitem(sys.modules, "pyperclip", Clipboard(log))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: log.append(("subprocess.Popen", a, k)))
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: log.append(("subprocess.run", a, k)))
    env = {"pyautogui": Recorder(log, "pyautogui", fail_on), "time": Recorder(log, "time")}
    exec(compile(code, "<generated>", "exec"), env)  # our own generated code, fake modules
    return log


# ------------------------------------------------------------------ typing


def test_text_runs_split_exactly():
    text = "a<>&\"'b\r\nc\td\u00e9\u4e2d<<e\u00a0\x01f\rg"
    assert text_runs(text) == [
        ("write", "a"),
        ("less", "<"),
        ("write", ">&\"'b"),
        ("enter", "\r\n"),
        ("write", "c"),
        ("tab", "\t"),
        ("write", "d"),
        ("paste", "\u00e9\u4e2d"),
        ("less", "<"),
        ("less", "<"),
        ("write", "e"),
        ("paste", "\u00a0\x01"),
        ("write", "f"),
        ("enter", "\r"),
        ("write", "g"),
    ]


def _paste(chunk: str) -> list[str]:
    return [
        "import os, pyperclip",
        "_out, _err, _null = os.dup(1), os.dup(2), os.open(os.devnull, os.O_WRONLY)",
        "os.dup2(_null, 1)",
        "os.dup2(_null, 2)",
        "try:",
        f"    pyperclip.copy({chunk!r})",
        "finally:",
        "    os.dup2(_out, 1)",
        "    os.dup2(_err, 2)",
        "    os.close(_out)",
        "    os.close(_err)",
        "    os.close(_null)",
        "for _ in range(40):",
        f"    if pyperclip.paste() == {chunk!r}:",
        "        break",
        "    time.sleep(0.05)",
        "pyautogui.hotkey('ctrl', 'v')",
        "time.sleep(0.2)",
    ]


def test_type_code_is_exactly_the_specified_calls():
    code = to_pyautogui([o.TypeText(text="<>&\"'\u00fcber\n\u00e9t\u00e9\u4e2d\tok")])
    assert code.splitlines() == [
        "pyautogui.hotkey('shift', ',')",
        "pyautogui.write('>&\"\\'')",
        *_paste("\u00fc"),
        "pyautogui.write('ber')",
        "pyautogui.press('enter')",
        *_paste("\u00e9"),
        "pyautogui.write('t')",
        *_paste("\u00e9\u4e2d"),
        "pyautogui.press('tab')",
        "pyautogui.write('ok')",
    ]


def test_paste_restores_stdout_and_stderr(monkeypatch, capfd):
    """The clipboard helper's fork must not inherit our pipes, and ours come back after."""
    code = to_pyautogui([o.TypeText(text="\u00e9")]) + "\nprint('after')"
    seen = []
    fake = Recorder(seen, "pyperclip")
    monkeypatch.setitem(sys.modules, "pyperclip", fake)
    monkeypatch.setattr(
        fake,
        "copy",
        lambda text: (seen.append(os.readlink("/proc/self/fd/1")), os.write(1, b"hidden\n")),
        raising=False,
    )
    monkeypatch.setattr(fake, "paste", lambda: "\u00e9", raising=False)
    exec(
        compile(code, "<generated>", "exec"),
        {"pyautogui": Recorder([], "p"), "time": Recorder([], "t"), "print": print},
    )
    assert seen == [os.devnull]
    assert capfd.readouterr().out == "after\n"


def test_no_less_than_ever_reaches_write():
    code = to_pyautogui([o.TypeText(text="if a<b and b<=c: x = '<tag>'")])
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and _dotted(node.func) == "pyautogui.write":
            assert "<" not in ast.literal_eval(node.args[0])
    assert typed_text(code) == "if a<b and b<=c: x = '<tag>'"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_a_literal(text, monkeypatch):
    code = to_pyautogui([o.TypeText(text=text), o.FocusWindow(title=text), o.Open(target=text)])
    assert_safe(code)
    assert typed_text(code) == text
    try:
        argv = shlex.split(text)
    except ValueError:  # unbalanced quotes: the snippet fails in shlex, before running anything
        with pytest.raises(ValueError):
            run_with_fakes(code, monkeypatch)
        return
    log = run_with_fakes(code, monkeypatch)
    typed = [c for c in log if c[0] in ("pyautogui.write", "pyperclip.copy")]
    assert "".join(c[1][0] for c in typed) == "".join(ch for ch in text if ch not in "<\n\t")
    assert ("subprocess.run", (["wmctrl", "-a", text],), {"check": True, "timeout": 10}) in log
    # a program name with arguments is split by shlex, as the server's /act does: never a shell
    assert [c[1][0] for c in log if c[0] == "subprocess.Popen"] == [argv]


class _EvilInt(int):
    def __repr__(self) -> str:
        return "__import__('os').system('x')"


def test_non_literal_values_are_refused():
    """Ops built without validation still cannot smuggle code in through repr()."""
    forged = o.Click.model_construct(x=_EvilInt(1), y=2, clicks=1, button="left", hold_keys=[])
    with pytest.raises(TypeError, match="_EvilInt"):
        to_pyautogui([forged])
    as_text = o.Click.model_construct(x="1); import os; (", y=2, clicks=1, button="left", hold_keys=[])
    assert_safe(to_pyautogui([as_text]))  # a str in an int slot is still only a literal
    with pytest.raises(ValueError):
        to_pyautogui([o.Wait.model_construct(seconds=float("nan"))])


# ------------------------------------------------------------------ every op


@pytest.mark.parametrize("op", EVERY_OP, ids=lambda op: op.type)
def test_every_op_compiles_and_is_safe(op):
    code = to_pyautogui([op])
    compile(code, "<op>", "exec")
    assert_safe(code)
    payload = osworld_execute_payload([op])
    assert payload["shell"] is False
    assert payload["command"][:2] == ["python", "-c"]
    assert payload["command"][2] == PRELUDE + code
    compile(payload["command"][2], "<payload>", "exec")  # no compound statement after ';'
    json.dumps(payload)


def test_all_ops_in_one_snippet_compile():
    compile(osworld_execute_payload(EVERY_OP)["command"][2], "<all>", "exec")
    assert to_pyautogui([]) == "pass"


def test_calls_and_arguments(monkeypatch):
    log = run_with_fakes(
        to_pyautogui(
            [
                o.Click(x=10, y=20, button="right", clicks=2),
                o.Drag(x1=1, y1=2, x2=30, y2=40, button="middle", duration=0.5),
                o.MouseDown(x=3, y=4),
                o.MouseUp(button="right"),
                o.Scroll(clicks=-5, x=100, y=200),
                o.Scroll(clicks=3, x=7, y=8, horizontal=True),
                o.Hotkey(keys=["control", "cmd", "F5", "Return", "option", "menu"]),
                o.Wait(seconds=2),
            ]
        ),
        monkeypatch,
    )
    assert log == [
        ("pyautogui.click", (10, 20), {"clicks": 2, "button": "right"}),
        ("pyautogui.moveTo", (1, 2), {}),
        ("pyautogui.dragTo", (30, 40), {"duration": 0.5, "button": "middle"}),
        ("pyautogui.mouseDown", (), {"x": 3, "y": 4, "button": "left"}),
        ("pyautogui.mouseUp", (), {"button": "right"}),
        ("pyautogui.scroll", (-5,), {"x": 100, "y": 200}),
        # protocol: positive horizontal is left; pyautogui's hscroll: positive is right
        ("pyautogui.hscroll", (-3,), {"x": 7, "y": 8}),
        ("pyautogui.hotkey", ("ctrl", "win", "f5", "return", "alt", "apps"), {}),
        ("time.sleep", (2.0,), {}),
    ]


def test_held_keys_are_released_when_the_click_fails(monkeypatch):
    code = to_pyautogui([o.Click(x=1, y=2, hold_keys=["ctrl", "shift"])])
    log: list = []
    monkeypatch.setitem(sys.modules, "pyperclip", Recorder(log, "pyperclip"))
    env = {"pyautogui": Recorder(log, "pyautogui", "click"), "time": Recorder(log, "time")}
    with pytest.raises(RuntimeError):
        exec(compile(code, "<generated>", "exec"), env)
    assert [(c[0], c[1]) for c in log] == [
        ("pyautogui.keyDown", ("ctrl",)),
        ("pyautogui.keyDown", ("shift",)),
        ("pyautogui.click", (1, 2)),
        ("pyautogui.keyUp", ("shift",)),
        ("pyautogui.keyUp", ("ctrl",)),
    ]


def test_open_uses_xdg_open_for_paths_and_urls_else_runs_the_program(tmp_path, monkeypatch):
    existing = tmp_path / "report it's.txt"
    existing.write_text("x")
    monkeypatch.setenv("HOME", str(tmp_path))
    code = to_pyautogui(
        [
            o.Open(target=str(existing)),
            o.Open(target="~/report it's.txt"),
            o.Open(target="https://example.org/?q=';x"),
            o.Open(target="gimp"),
            o.Open(target="libreoffice --calc 'a b.ods'"),
        ]
    )
    popens = [c for c in run_with_fakes(code, monkeypatch) if c[0] == "subprocess.Popen"]
    assert [c[1][0] for c in popens] == [
        ["xdg-open", str(existing)],
        ["xdg-open", str(existing)],
        ["xdg-open", "https://example.org/?q=';x"],
        ["gimp"],
        ["libreoffice", "--calc", "a b.ods"],
    ]
    for _, _, kwargs in popens:  # detached: /execute must not wait for the app
        assert kwargs["stdout"] is subprocess.DEVNULL and kwargs["start_new_session"] is True
        assert "shell" not in kwargs


def test_pyautogui_key_names():
    assert [pyautogui_key(k) for k in ["ctrl", "Control", "super", "\n", " ", "PgDn", "A", ","]] == [
        "ctrl",
        "ctrl",
        "win",
        "enter",
        "space",
        "pgdn",
        "A",
        ",",
    ]
    with pytest.raises(ValueError, match="cannot press"):
        to_pyautogui([o.Hotkey(keys=["\u00e9"])])


def test_osworld_payload_runs_end_to_end(tmp_path):
    """Run the exact `python -c` command with a stub pyautogui, as OSWorld's server would."""
    log = tmp_path / "calls.jsonl"
    (tmp_path / "pyautogui.py").write_text(
        textwrap.dedent(f"""
        import json
        FAILSAFE = True
        def __getattr__(name):
            def call(*args, **kwargs):
                with open({str(log)!r}, "a") as f:
                    f.write(json.dumps([name, args, kwargs]) + "\\n")
            return call
    """)
    )
    (tmp_path / "pyperclip.py").write_text(
        textwrap.dedent(f"""
        import json
        held = ""
        def copy(text):
            global held
            held = text
            with open({str(log)!r}, "a") as f:
                f.write(json.dumps(["copy", [text], {{}}]) + "\\n")
        def paste():
            return held
    """)
    )
    text = "'); import os; os.system('touch pwned') # <\u00e9>\n"
    payload = osworld_execute_payload(
        [o.Click(x=5, y=6, hold_keys=["ctrl"]), o.TypeText(text=text), o.Wait(seconds=0)]
    )
    command = [sys.executable, *payload["command"][1:]]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "pwned").exists()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [
        ["keyDown", ["ctrl"], {}],
        ["click", [5, 6], {"clicks": 1, "button": "left"}],
        ["keyUp", ["ctrl"], {}],
        ["write", ["'); import os; os.system('touch pwned') # "], {}],
        ["hotkey", ["shift", ","], {}],
        ["copy", ["\u00e9"], {}],
        ["hotkey", ["ctrl", "v"], {}],
        ["write", [">"], {}],
        ["press", ["enter"], {}],
    ]


# ------------------------------------------------------------------ computer_13


def test_computer13_one_to_one():
    c13 = to_computer13
    assert c13(o.MoveTo(x=1, y=2)) == {"action_type": "MOVE_TO", "parameters": {"x": 1, "y": 2}}
    assert c13(o.Click(x=1, y=2)) == {
        "action_type": "CLICK",
        "parameters": {"button": "left", "x": 1, "y": 2, "num_clicks": 1},
    }
    assert c13(o.Click(x=1, y=2, clicks=3, button="middle"))["parameters"]["num_clicks"] == 3
    assert c13(o.Click(x=1, y=2, button="right")) == {
        "action_type": "RIGHT_CLICK",
        "parameters": {"x": 1, "y": 2},
    }
    assert c13(o.Click(x=1, y=2, clicks=2)) == {"action_type": "DOUBLE_CLICK", "parameters": {"x": 1, "y": 2}}
    assert c13(o.MouseDown(button="right")) == {
        "action_type": "MOUSE_DOWN",
        "parameters": {"button": "right"},
    }
    assert c13(o.MouseUp())["action_type"] == "MOUSE_UP"
    assert c13(o.Scroll(clicks=-4)) == {"action_type": "SCROLL", "parameters": {"dx": 0, "dy": -4}}
    assert c13(o.Scroll(clicks=4, horizontal=True))["parameters"] == {"dx": -4, "dy": 0}
    assert c13(o.TypeText(text="a'b\"c\n")) == {"action_type": "TYPING", "parameters": {"text": "a'b\"c\n"}}
    assert c13(o.Hotkey(keys=["Return"])) == {"action_type": "PRESS", "parameters": {"key": "return"}}
    assert c13(o.Hotkey(keys=["control", "s"])) == {
        "action_type": "HOTKEY",
        "parameters": {"keys": ["ctrl", "s"]},
    }
    assert c13(o.KeyDown(key="shift")) == {"action_type": "KEY_DOWN", "parameters": {"key": "shift"}}
    assert c13(o.KeyUp(key="cmd")) == {"action_type": "KEY_UP", "parameters": {"key": "win"}}
    assert c13(o.Wait(seconds=3))["action_type"] == "WAIT"


@pytest.mark.parametrize(
    "op, match",
    [
        (o.Open(target="x"), "no action for 'open'"),
        (o.FocusWindow(title="x"), "no action for 'focus_window'"),
        (o.Drag(x1=1, y1=2, x2=3, y2=4), "DRAG_TO"),
        (o.Click(x=1, y=2, hold_keys=["ctrl"]), "hold keys"),
        (o.MouseDown(x=1, y=2), "no position"),
        (o.Scroll(clicks=1, x=1, y=2), "no position"),
        (o.TypeText(text="caf\u00e9"), "non-ASCII"),
        (o.TypeText(text="a<b"), "'<'"),
    ],
)
def test_computer13_refuses_what_it_cannot_say(op, match):
    with pytest.raises(ValueError, match=match):
        to_computer13(op)


def test_computer13_actions_expand_sequences():
    got = to_computer13_actions(
        [
            o.Click(x=1, y=2, hold_keys=["ctrl"]),
            o.Scroll(clicks=2, x=5, y=6),
            o.Drag(x1=1, y1=2, x2=3, y2=4),
            o.Drag(x1=1, y1=2, x2=3, y2=4, button="right"),
            o.TypeText(text="a<b\n"),
        ]
    )
    assert [(a["action_type"], a["parameters"]) for a in got] == [
        ("KEY_DOWN", {"key": "ctrl"}),
        ("CLICK", {"button": "left", "x": 1, "y": 2, "num_clicks": 1}),
        ("KEY_UP", {"key": "ctrl"}),
        ("MOVE_TO", {"x": 5, "y": 6}),
        ("SCROLL", {"dx": 0, "dy": 2}),
        ("MOVE_TO", {"x": 1, "y": 2}),
        ("DRAG_TO", {"x": 3, "y": 4}),
        ("MOVE_TO", {"x": 1, "y": 2}),
        ("MOUSE_DOWN", {"button": "right"}),
        ("MOVE_TO", {"x": 3, "y": 4}),
        ("MOUSE_UP", {"button": "right"}),
        ("TYPING", {"text": "a"}),
        ("HOTKEY", {"keys": ["shift", ","]}),
        ("TYPING", {"text": "b"}),
        ("PRESS", {"key": "enter"}),
    ]
    with pytest.raises(ValueError, match="clipboard"):
        to_computer13_actions([o.TypeText(text="\u00e9")])


# ------------------------------------------------------------------ real X display

TK_APP = """
import sys, tkinter as tk
root = tk.Tk(); root.geometry("500x200+0+0")
text = tk.Text(root); text.pack(fill="both", expand=True)
def dump():
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(text.get("1.0", "end-1c"))
    root.after(100, dump)
root.after(100, dump); root.mainloop()
"""


@pytest.fixture
def xdisplay(tmp_path):
    """A private Xvfb display; yields the environment to run X clients in."""
    import shutil

    if not shutil.which("Xvfb") or not (shutil.which("xclip") or shutil.which("xsel")):
        message = "needs Xvfb and xclip or xsel (scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)  # as tests/conftest.py: in CI a missing tool is a failure
        pytest.skip(message)
    pytest.importorskip("tkinter")
    # -displayfd: Xvfb picks a free display and says which once it is ready (a number
    # chosen here by probing could be taken meanwhile, or its Xvfb fail unseen).
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    assert number, f"Xvfb exited before it served a display (exit code {server.wait(timeout=10)})"
    (tmp_path / "Xauthority").touch()  # python-xlib refuses to start without one
    env = {**os.environ, "DISPLAY": f":{number}", "XAUTHORITY": str(tmp_path / "Xauthority")}
    try:
        yield env
    finally:
        server.terminate()  # clipboard owners (xclip) exit with their display
        server.wait(timeout=10)


@pytest.mark.desktop
def test_typing_through_osworld_execute_on_a_real_display(xdisplay, tmp_path):
    """Real pyautogui types '<', quotes, tabs and non-ASCII exactly, and returns promptly.

    Runs the payload the way OSWorld's /execute does (pipes captured, timeout),
    which is what the clipboard fd handling is for.
    """
    import time

    out = tmp_path / "typed.txt"
    app = subprocess.Popen([sys.executable, "-c", TK_APP, str(out)], env=xdisplay)
    try:
        deadline = time.time() + 10
        while not out.exists() and time.time() < deadline:
            time.sleep(0.05)
        text = 'if a<b: print("it\'s")\n\tcaf\u00e9 \u4e2d\u6587 <tag> & done'
        payload = osworld_execute_payload([o.Click(x=200, y=100), o.TypeText(text=text)])
        started = time.time()
        done = subprocess.run(
            [sys.executable, *payload["command"][1:]],
            env=xdisplay,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        assert time.time() - started < 20
        deadline = time.time() + 5
        while out.read_text(encoding="utf-8") != text and time.time() < deadline:
            time.sleep(0.05)
        assert out.read_text(encoding="utf-8") == text
    finally:
        app.terminate()
        app.wait(timeout=10)
