"""A stand-in for WindowsAgentArena's VM: the protocol's routes (`/execute`, `/file`,
`/list_directory`, `/accessibility`) answered from a Windows machine held in memory.

Its `execute` reads the PowerShell the getters send the way PowerShell would: it
takes the single-quoted literals out of the script (`''` is a quote inside one)
and answers the one-liners the getters use with what Windows prints (`True`/`False`
from Test-Path, one decimal per line for a binary registry value, JSON from
ConvertTo-Json, CRLF line ends). A script it does not know fails loudly, so a test
breaks when a getter changes what it runs. Paths compare as Windows compares them:
case-insensitive, `/` and `\\` alike.
"""

from __future__ import annotations

import json
import ntpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from envs.base import CommandOutput, DesktopError

PS = ["powershell", "-NoProfile", "-NonInteractive", "-Command"]
FOLDERS = {
    "Desktop": r"C:\Users\Docker\Desktop",
    "MyDocuments": r"C:\Users\Docker\Documents",
    "UserProfile": r"C:\Users\Docker",
    "LocalApplicationData": r"C:\Users\Docker\AppData\Local",
    "ApplicationData": r"C:\Users\Docker\AppData\Roaming",
}


def key(path: str) -> str:
    return ntpath.normcase(ntpath.normpath(path.replace("/", "\\")))


def literals(script: str) -> list[str]:
    """The single-quoted string literals of a PowerShell script, unescaped."""
    return [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", script)]


def out(text: str = "", code: int = 0, err: str = "") -> CommandOutput:
    return CommandOutput(code, text.replace("\r\n", "\n").replace("\n", "\r\n"), err)


def clock_tree(timers: list[tuple[str, bool]] = (), clocks: list[str] = ()) -> str:
    """The Clock window's tree: a list item per timer (name, running?) and per world clock."""
    items = []
    for name, running in timers:
        button = "Timer running, Pause" if running else "Start"
        items.append(
            f'<ListItem name="{name}" ControlType="ListItem"><Text name="{name}"/>'
            f'<Button name="{button}" ControlType="Button"/></ListItem>'
        )
    for name in clocks:
        items.append(f'<ListItem name="{name}" ControlType="ListItem"/>')
    return (
        f'<Desktop name="Desktop"><Window name="Clock" ClassName="ApplicationFrameWindow">'
        f'<List name="Timers">{"".join(items)}</List></Window></Desktop>'
    )


def night_light_blob(on: bool, start: tuple[int, int] | None, end: tuple[int, int] = (7, 0)) -> str:
    """Night light's CloudStore blob as PowerShell prints a byte[]: one decimal a line.
    Header, a 5-byte timestamp, then `02 01` when on, then the schedule: hour, and
    `2e MM` when a minute is set."""
    data = [
        0x43,
        0x42,
        0x01,
        0x00,
        0x0A,
        0x02,
        0x01,
        0x00,
        0x2A,
        0x06,
        0x8E,
        0xB0,
        0xC3,
        0xB2,
        0x06,
        0x2A,
        0x2B,
        0x0E,
        0x1D,
        0x43,
        0x42,
        0x01,
        0x00,
    ]
    if on:
        data += [0x02, 0x01]
    if start is None:
        data += [0xCA, 0x14, 0x0E, 0xCA, 0x00]  # no schedule
    else:

        def hm(h, m):
            return [h] + ([0x2E, m] if m else []) + [0x00]

        data += [0xCA, 0x14, 0x0E] + hm(*start) + [0xCA, 0x1E, 0x0E] + hm(*end)
    data += [0xCF, 0x28, 0x84, 0x1A, 0xCA, 0x32, 0x0E, 0x14, 0x2E, 0x0F, 0x00, 0x00, 0x00, 0x00, 0x00]
    return "".join(f"{b}\n" for b in data)


@dataclass
class FakeWindows:
    files: dict[str, bytes] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    acl: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    registry: dict[tuple[str, str], str] = field(default_factory=dict)
    explorer: list[dict[str, Any]] = field(default_factory=list)  # {"path", "CurrentViewMode", "SortColumns"}
    web_apps: list[str] = field(default_factory=list)
    timezone: dict[str, str] = field(default_factory=dict)
    a11y: str = ""
    active_title: str = ""
    commands: list[Any] = field(default_factory=list)
    events: list[tuple[str, Any]] = field(default_factory=list)
    on_unknown: Callable[[str], CommandOutput] | None = None

    def __post_init__(self) -> None:
        # Listings show names as written; lookups ignore case.
        self._names = {key(p): ntpath.normpath(p.replace("/", "\\")) for p in [*self.files, *self.dirs]}
        self.files = {key(p): v for p, v in self.files.items()}
        self.dirs = {key(d) for d in self.dirs}
        for path in list(self._names.values()):
            parent = ntpath.dirname(path)
            while parent and parent != ntpath.dirname(parent):
                self.dirs.add(key(parent))
                self._names.setdefault(key(parent), parent)
                parent = ntpath.dirname(parent)
        self.hidden = {key(p) for p in self.hidden}
        self.acl = {key(p): v for p, v in self.acl.items()}

    # --- the protocol ------------------------------------------------------------------
    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput:
        self.commands.append(command)
        if isinstance(command, list) and command[:4] == PS:
            assert len(command) == 5, command
            return self.powershell(command[4])
        if (
            isinstance(command, list)
            and command[:2] == ["python", "-c"]
            and "getActiveWindowTitle" in command[2]
        ):
            return out(self.active_title + "\n")
        if isinstance(command, str) and command.startswith("taskkill "):  # postconfig closing a browser
            return out('SUCCESS: The process "msedge.exe" with PID 4242 has been terminated.\n')
        raise AssertionError(f"the stand-in VM does not know {command!r}")

    def read_file(self, path: str) -> bytes:
        if key(path) not in self.files:
            raise DesktopError("/file", 404, "File not found")
        return self.files[key(path)]

    def list_directory(self, path: str) -> dict[str, Any]:
        if key(path) not in self.dirs:
            raise DesktopError("/list_directory", 400, "The provided path is not a directory")
        return self._tree(key(path))

    def _tree(self, k: str) -> dict[str, Any]:
        kids: list[dict[str, Any]] = []
        for d in sorted(self.dirs):
            if ntpath.dirname(d) == k and d != k:
                kids.append(self._tree(d))
        for f in sorted(self.files):
            if ntpath.dirname(f) == k:
                kids.append({"type": "file", "name": ntpath.basename(self._names[f])})
        return {"type": "directory", "name": ntpath.basename(self._names.get(k, k)), "children": kids}

    def accessibility_tree(self) -> str:
        return self.a11y

    def platform(self) -> str:  # WAA's server answers GET /platform with platform.system()
        return "Windows"

    # --- what postconfig steps call --------------------------------------------------------
    def launch(self, command: list[str] | str, shell: bool = False) -> None:
        self.events.append(("launch", command))

    def open_file(self, path: str) -> None:
        self.events.append(("open", path))

    def activate_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None:
        self.events.append(("activate", window_name))

    def close_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None:
        self.events.append(("close", window_name))

    def screen_size(self) -> tuple[int, int]:
        return 1280, 800

    # --- PowerShell, as far as the getters use it --------------------------------------
    def powershell(self, script: str) -> CommandOutput:
        """Answer a script whose shape (literals blanked to '?') is one recorded in
        SCRIPTS; any other script fails the test, so a changed command is noticed."""
        shape = re.sub(r"'(?:[^']|'')*'", "'?'", script)
        if shape not in SCRIPTS:
            if self.on_unknown is not None:
                return self.on_unknown(script)
            raise AssertionError(f"the stand-in VM does not know this PowerShell: {script!r}")
        return getattr(self, "_ps_" + SCRIPTS[shape])(script, literals(script))

    def _ps_folder(self, script: str, lit: list[str]) -> CommandOutput:
        return out(FOLDERS[lit[0]] + "\n")

    def _ps_test_path(self, script: str, lit: list[str]) -> CommandOutput:
        k = key(lit[0])
        return out(f"{k in self.files if script.endswith('Leaf') else k in self.dirs}\n")

    def _ps_hidden(self, script: str, lit: list[str]) -> CommandOutput:
        k = key(lit[0])
        if k not in self.files and k not in self.dirs:
            return out("", 1, f"Get-Item : Cannot find path '{lit[0]}' because it does not exist.")
        dot = ntpath.basename(k).startswith(lit[1])
        return out(("1" if dot or k in self.hidden else "0") + "\n")

    def _ps_acl(self, script: str, lit: list[str]) -> CommandOutput:
        entries = self.acl.get(key(lit[0]))
        if entries is None:
            return out("", 1, "Get-Acl : Cannot find path")
        return out(json.dumps(entries[0] if len(entries) == 1 else entries, separators=(",", ":")) + "\n")

    def _ps_explorer(self, script: str, lit: list[str]) -> CommandOutput:
        prop = re.findall(r"\$w\.Document\.(\w+)", script)[-1]  # the property asked for
        lines = [str(w[prop]) for w in self.explorer if key(w["path"]) == key(lit[0])]
        return out("".join(line + "\n" for line in lines))

    def _ps_registry(self, script: str, lit: list[str]) -> CommandOutput:
        value = self.registry.get((lit[0], lit[1]))
        if value is None:
            return out("", 1, f"Get-ItemPropertyValue : Property {lit[1]} does not exist at path {lit[0]}.")
        return out(value)

    def _ps_timezone(self, script: str, lit: list[str]) -> CommandOutput:
        return out(json.dumps(self.timezone, indent=4) + "\n")

    def _ps_stop_edge(self, script: str, lit: list[str]) -> CommandOutput:
        return out()

    def _ps_web_apps(self, script: str, lit: list[str]) -> CommandOutput:
        return out("".join(name + "\n" for name in self.web_apps))


# The getters' PowerShell, literals blanked: what this stand-in knows how to answer.
_EXPLORER = (
    "$want = '?'; foreach ($w in (New-Object -ComObject Shell.Application).Windows()) {{ "
    "try {{ if ($w.Document.Folder.Self.Path -eq $want) {{ $w.Document.{} }} }} catch {{}} }}"
)
SCRIPTS = {
    "[Environment]::GetFolderPath('?')": "folder",
    "Test-Path -LiteralPath '?' -PathType Leaf": "test_path",
    "Test-Path -LiteralPath '?' -PathType Container": "test_path",
    (
        "$i = Get-Item -LiteralPath '?' -Force -ErrorAction Stop; if ($i.Name.StartsWith('?') -or "
        "($i.Attributes -band [IO.FileAttributes]::Hidden)) { 1 } else { 0 }"
    ): "hidden",
    (
        "(Get-Acl -LiteralPath '?').Access | ForEach-Object { [pscustomobject]@{ "
        "Identity = $_.IdentityReference.Value; Rights = $_.FileSystemRights.ToString(); "
        "Type = $_.AccessControlType.ToString() } } | ConvertTo-Json -Compress"
    ): "acl",
    _EXPLORER.format("CurrentViewMode"): "explorer",
    _EXPLORER.format("SortColumns"): "explorer",
    "Get-ItemPropertyValue -LiteralPath '?' -Name '?'": "registry",
    "Get-TimeZone | Select-Object -Property DisplayName, StandardName | ConvertTo-Json": "timezone",
    "Stop-Process -Name msedge -Force -ErrorAction SilentlyContinue": "stop_edge",
    (
        "$s = New-Object -ComObject WScript.Shell; Get-ChildItem -LiteralPath ([Environment]::GetFolderPath('?')) "
        "-Filter *.lnk -Recurse | ForEach-Object { $l = $s.CreateShortcut($_.FullName); "
        "if ($l.Arguments -match '?') { $_.BaseName } }"
    ): "web_apps",
}


@pytest.fixture
def windows() -> type[FakeWindows]:
    return FakeWindows
