"""FakeDesktop: an in-process desktop for fast agent tests.

Its screen is drawn from its state (the text typed so far, the pointer, the
open windows), so an action that changes nothing leaves the screenshot byte
for byte the same, which is what the loop breaker looks for; /act's settle reports what
changed pixel by pixel, as our server does (envs/screen_diff.py). It never runs a
command on the host: `execute`, `run_python` and `run_bash_script` answer from
handlers the test supplies.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from PIL import Image, ImageDraw

from envs import actions as a
from envs import screen_diff
from envs.base import ActResult, CommandOutput, DesktopError
from envs.image_format import reencode

CommandHandler = Callable[[str], CommandOutput]
NS_STATE = "https://accessibility.ubuntu.example.org/ns/state"
NS_COMPONENT = "https://accessibility.ubuntu.example.org/ns/component"


def _no_commands(what: str) -> CommandOutput:
    return CommandOutput(127, "", f"FakeDesktop runs no commands; give it a handler ({what[:60]!r})")


@dataclass
class FakeDesktop:
    width: int = 1280
    height: int = 800
    files: dict[str, bytes] = field(default_factory=dict)
    on_command: CommandHandler = _no_commands
    on_python: CommandHandler = _no_commands
    on_bash: CommandHandler = _no_commands
    # What happened, for assertions.
    text: str = ""
    pointer: tuple[int, int] = (0, 0)
    windows: list[str] = field(default_factory=lambda: ["Fake Editor"])
    log: list[a.DesktopAction] = field(default_factory=list)
    _selected_all: bool = False

    # --- observation -----------------------------------------------------------------------
    def screen_size(self) -> tuple[int, int]:
        return self.width, self.height

    def screenshot(self, format: a.ImageFormat = "png", quality: int | None = None) -> bytes:
        buf = io.BytesIO()
        self._render().save(buf, format="PNG", compress_level=1)
        return reencode(buf.getvalue(), a.ImageSpec(format=format, quality=quality))

    def _render(self) -> Image.Image:
        image = Image.new("RGB", (self.width, self.height), (236, 236, 236))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, self.width, 28), fill=(60, 60, 90))
        draw.text((8, 8), " | ".join(self.windows), fill=(255, 255, 255))
        for row, line in enumerate(self.text.splitlines()[-40:]):
            draw.text((16, 40 + 16 * row), line, fill=(0, 0, 0))
        x, y = self.pointer
        draw.polygon([(x, y), (x, y + 14), (x + 9, y + 10)], fill=(0, 0, 0))
        return image

    def accessibility_tree(self) -> str:
        nsmap = {"st": NS_STATE, "cp": NS_COMPONENT}
        root = etree.Element("desktop-frame", name="main", nsmap=nsmap)
        app = etree.SubElement(root, "application", name="fake-editor", nsmap=nsmap)
        for title in self.windows:
            frame = etree.SubElement(app, "frame", {"name": title, f"{{{NS_STATE}}}showing": "true"})
            text = etree.SubElement(frame, "text", {"name": "", f"{{{NS_STATE}}}editable": "true"})
            text.text = self.text
        return etree.tostring(root, encoding="unicode")

    # --- acting ----------------------------------------------------------------------------
    def act(
        self,
        actions: Sequence[a.DesktopAction],
        settle: a.SettleSpec | None = None,
        screenshot: a.ImageSpec | None = None,
    ) -> ActResult:
        start = time.monotonic()
        before = screen_diff.image_pixels(self._render()) if settle else None
        for op in actions:
            self.log.append(op)
            self._apply(op)
        report = None
        if before is not None:  # what our server reports (its pointer is drawn, though)
            change = screen_diff.diff(before, screen_diff.image_pixels(self._render()))
            report = a.SettleReport(
                stable=True,
                changed=change.changed,
                seconds=0.0,
                frames=2,
                change=a.ScreenChange(pixels=change.pixels, boxes=change.boxes),
            )
        image = self.screenshot(screenshot.format, screenshot.quality) if screenshot else None
        return ActResult(len(actions), round(time.monotonic() - start, 4), report, image)

    def _apply(self, op: a.DesktopAction) -> None:
        match op:
            case a.Click() | a.MoveTo():
                self.pointer = (op.x, op.y)
            case a.Drag():
                self.pointer = (op.x2, op.y2)
            case a.TypeText():
                self._type(op.text)
            case a.Hotkey():
                self._hotkey([k.lower() for k in op.keys])
            case a.Open():
                self.windows.append(op.target)
            case a.FocusWindow():
                matches = [w for w in self.windows if op.title.lower() in w.lower()]
                if not matches:
                    raise DesktopError("/act", 422, f"no window whose title contains {op.title!r}")
                self.windows.remove(matches[0])
                self.windows.append(matches[0])
            case _:
                pass  # scrolls, waits and raw key/button events do not change this screen

    def _type(self, text: str) -> None:
        if self._selected_all:
            self.text, self._selected_all = "", False
        self.text += text

    def _hotkey(self, keys: list[str]) -> None:
        if keys == ["ctrl", "a"]:
            self._selected_all = True
        elif keys in (["backspace"], ["delete"]):
            self.text = "" if self._selected_all else self.text[:-1]
            self._selected_all = False
        elif keys in (["enter"], ["return"]):
            self._type("\n")

    # --- commands and files ------------------------------------------------------------------
    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput:
        return self.on_command(command if isinstance(command, str) else " ".join(command))

    def run_python(self, code: str, timeout: float = 30) -> CommandOutput:
        return self.on_python(code)

    def run_bash_script(
        self, script: str, timeout: float = 100, working_dir: str | None = None
    ) -> CommandOutput:
        return self.on_bash(script)

    def launch(self, command: list[str] | str, shell: bool = False) -> None:
        name = command if isinstance(command, str) else command[0]
        self.windows.append(name)

    def upload_file(self, path: str, data: bytes) -> None:
        self.files[path] = bytes(data)

    def read_file(self, path: str) -> bytes:
        if path not in self.files:
            raise DesktopError("/file", 404, f"no such file: {path}")
        return self.files[path]

    def list_directory(self, path: str) -> dict[str, Any]:
        prefix = path.rstrip("/") + "/"
        names = sorted({p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)})
        if not names:
            raise DesktopError("/list_directory", 404, f"no such directory: {path}")
        return {
            "type": "directory",
            "name": path.rstrip("/").rsplit("/", 1)[-1],
            "children": [{"type": "file", "name": n} for n in names],
        }
