"""The application states a capture opens, one screen each, and the fixed split.

A scene names the application, the state it is put in (the record kept with every
screen), the files it opens (written from the scene's seeded generator), the
command that opens them, keys pressed once its window is up (a dialog, a menu), and
the window title to wait for.

The split is by screen and fixed here, before any tuning: `UNTOUCHED` scenes are
scored but never looked at item by item while the grounders are tuned.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from grounding.capture import documents as docs

Files = Callable[[random.Random], dict[str, bytes]]

# Chromium's renderer exposes its tree to AT-SPI only when asked; kiosk-like window, no bubbles.
_CHROME = (
    "google-chrome --force-renderer-accessibility --new-window --start-maximized --disable-features=Translate"
)
_LO = ("tool-bar",)  # LibreOffice exposes its toolbars' accessibles a moment after its window
# Qt apps (VLC) join AT-SPI only with this set.
_QT = "env QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 QT_ACCESSIBILITY=1"


@dataclass(frozen=True)
class Scene:
    id: str
    app: str
    state: str  # what is on screen, in words (kept per screen)
    command: str  # run in the desktop's shell, {dir} = the scene's file folder
    title: str  # a regex the window title must match before capture
    files: Files = field(default=lambda rng: {})
    keys: tuple[str, ...] = ()  # xdotool key specs pressed after the window is up
    settle: float = 4.0  # seconds to wait after the window (and keys) for painting
    split: str = "tune"  # "tune" or "untouched"
    fullscreen: bool = False  # full screen (LibreOffice, Chromium) rather than maximised
    expect: tuple[str, ...] = ()  # tree tags that must be there before the tree is taken
    timeout: float = 90.0  # seconds for the window to appear


def _one(name: str, make: Callable[[random.Random], bytes | str]) -> Files:
    def files(rng: random.Random) -> dict[str, bytes]:
        data = make(rng)
        return {name: data.encode("utf-8") if isinstance(data, str) else data}

    return files


SCENES: tuple[Scene, ...] = (
    # ---- tune part
    Scene(
        "calc-sales",
        "LibreOffice Calc",
        "a quarterly sales sheet open, cell A1 selected",
        "soffice --calc --norestore {dir}/sales.xlsx",
        r"sales\.xlsx",
        _one("sales.xlsx", lambda r: docs.spreadsheet(r, "sales")),
        fullscreen=True,
        expect=_LO,
    ),
    Scene(
        "writer-letter",
        "LibreOffice Writer",
        "an order confirmation letter open",
        "soffice --writer --norestore {dir}/letter.docx",
        r"letter\.docx",
        _one("letter.docx", lambda r: docs.text_document(r, "letter")),
        fullscreen=True,
        expect=_LO,
    ),
    Scene(
        "chrome-signup",
        "Chromium",
        "a local sign-up form page (file://)",
        _CHROME + " file://{dir}/signup.html",
        r"walking club",
        _one("signup.html", lambda r: docs.web_page(r, "signup")),
        settle=6.0,
        fullscreen=True,
    ),
    Scene(
        "terminal",
        "GNOME Terminal",
        "a terminal after listing a folder",
        "gnome-terminal --working-directory={dir} -- bash -c 'ls -la; printf \"\\nready\\n\"; exec bash'",
        r"Terminal|user@|~|/",
        _one("notes.txt", lambda r: "remember the milk\n"),
    ),
    Scene(
        "file-dialog",
        "Mousepad",
        "mousepad's Open File dialog (GTK file chooser)",
        "mousepad {dir}/todo.txt",
        r"todo\.txt",
        _one("todo.txt", lambda r: "1. water the plants\n2. call the plumber\n"),
        keys=("ctrl+o",),
        settle=5.0,
    ),
    Scene(
        "thunderbird",
        "Thunderbird",
        "Thunderbird on its first start (account setup)",
        "env GNOME_ACCESSIBILITY=1 thunderbird",
        r"Thunderbird|Mozilla",
        settle=10.0,
        timeout=120.0,
    ),
    Scene(
        "gedit-note",
        "gedit",
        "gedit with a short note (header bar with its buttons)",
        "gedit {dir}/groceries.txt",
        r"groceries\.txt",
        _one("groceries.txt", lambda r: "Groceries\n- rice\n- basil\n- oat milk\n"),
    ),
    Scene(
        "gimp-photo",
        "GIMP",
        "GIMP with a generated picture open",
        "env GTK_MODULES=gail:atk-bridge gimp {dir}/photo.png",
        r"GIMP|photo",
        _one("photo.png", docs.picture),
        settle=8.0,
        timeout=180.0,
    ),
    # ---- untouched part (scored, never inspected item by item while tuning)
    Scene(
        "calc-budget",
        "LibreOffice Calc",
        "a household budget sheet open",
        "soffice --calc --norestore {dir}/budget.xlsx",
        r"budget\.xlsx",
        _one("budget.xlsx", lambda r: docs.spreadsheet(r, "budget")),
        split="untouched",
        fullscreen=True,
        expect=_LO,
    ),
    Scene(
        "writer-options",
        "LibreOffice Writer",
        "Writer's Tools > Options settings dialog over a report",
        "soffice --writer --norestore {dir}/report.docx",
        r"report\.docx",
        _one("report.docx", lambda r: docs.text_document(r, "report")),
        keys=("alt+F12",),
        settle=6.0,
        split="untouched",
        fullscreen=True,
        expect=_LO,
    ),
    Scene(
        "impress-deck",
        "LibreOffice Impress",
        "a three-slide launch deck open",
        "soffice --impress --norestore {dir}/deck.pptx",
        r"deck\.pptx",
        _one("deck.pptx", docs.deck),
        split="untouched",
        fullscreen=True,
        expect=_LO,
    ),
    Scene(
        "chrome-dashboard",
        "Chromium",
        "a local team dashboard page (file://) with a table",
        _CHROME + " file://{dir}/dashboard.html",
        r"Team dashboard",
        _one("dashboard.html", lambda r: docs.web_page(r, "dashboard")),
        settle=6.0,
        split="untouched",
        fullscreen=True,
    ),
    Scene(
        "vlc",
        "VLC",
        "VLC playing a generated tone",
        _QT + " vlc --no-video-title-show {dir}/tone.wav",
        r"VLC|tone",
        _one("tone.wav", docs.tone),
        settle=5.0,
        split="untouched",
    ),
    Scene(
        "vlc-prefs",
        "VLC",
        "VLC's Simple Preferences dialog (Tools > Preferences)",
        _QT + " vlc",
        r"VLC",
        keys=("ctrl+p",),
        settle=5.0,
        split="untouched",
    ),
    Scene(
        "writer-report",
        "LibreOffice Writer",
        "a field report with a table open in Writer",
        "soffice --writer --norestore {dir}/visits.docx",
        r"visits\.docx",
        _one("visits.docx", lambda r: docs.text_document(r, "report")),
        split="untouched",
        fullscreen=True,
        expect=_LO,
    ),
    Scene(
        "chrome-shop",
        "Chromium",
        "a local shop page (file://) with a product table and filters",
        _CHROME + " file://{dir}/shop.html",
        r"Corner shop",
        _one("shop.html", lambda r: docs.web_page(r, "shop")),
        settle=6.0,
        split="untouched",
        fullscreen=True,
    ),
    Scene(
        "calc-data-menu",
        "LibreOffice Calc",
        "Calc with its Data menu open over a sales sheet",
        "soffice --calc --norestore {dir}/q.xlsx",
        r"q\.xlsx",
        _one("q.xlsx", lambda r: docs.spreadsheet(r, "sales")),
        keys=("alt+d",),
        split="untouched",
        fullscreen=True,
        expect=_LO,
    ),
)

SCENE_IDS = tuple(s.id for s in SCENES)


def scene(scene_id: str) -> Scene:
    for s in SCENES:
        if s.id == scene_id:
            return s
    raise KeyError(f"unknown scene {scene_id!r}; known: {', '.join(SCENE_IDS)}")
