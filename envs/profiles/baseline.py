"""The osworld profile's baseline home: a /home/user in which Chrome, VLC, GIMP and
LibreOffice have each been started once and closed cleanly, as in the OSWorld VM image.

Built once, on first use, on a desktop of the profile itself, and cached under
~/.cache/deskpilot/baseline/<key>/home (DESKPILOT_BASELINE_DIR moves it). The key hashes
the profile's version, its seed files and the apps present, so a change to any of them
builds a new baseline. Every desktop then starts from a fresh copy: a reset is a folder
copy and a desktop start, not a VM snapshot. A file lock keeps parallel workers (threads
or processes) from building it twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "APPS",
    "BaselineError",
    "WarmApp",
    "baseline_home",
    "baseline_key",
    "build_baseline",
    "copy_home",
    "default_root",
]

log = logging.getLogger(__name__)

VERSION = "osworld-baseline-1"  # bump when what a baseline holds changes
MANIFEST = "baseline.json"


class BaselineError(RuntimeError):
    """The baseline home could not be built; the message says which app failed and why."""


@dataclass(frozen=True)
class WarmApp:
    name: str
    command: list[str]
    window_class: tuple[str, ...]  # substrings of its windows' WM_CLASS (wmctrl -lx), lower case
    process: tuple[str, ...]  # its process names (comm), to wait for a clean exit
    ready_file: str  # written by the app's first start, relative to the home
    start_timeout: float = 90.0


APPS = (
    WarmApp(
        "chrome",
        ["google-chrome"],
        ("chromium", "chrome"),
        ("chrome", "chromium"),
        ".config/google-chrome/Default/Preferences",
    ),
    WarmApp("vlc", ["vlc"], ("vlc",), ("vlc",), ".config/vlc/vlcrc"),
    WarmApp("gimp", ["gimp"], ("gimp",), ("gimp", "gimp-2.10"), ".config/GIMP", start_timeout=180.0),
    WarmApp(
        "libreoffice",
        ["libreoffice", "--calc"],
        ("libreoffice", "soffice"),
        ("soffice.bin", "oosplash"),
        ".config/libreoffice/4/user/registrymodifications.xcu",
        start_timeout=120.0,
    ),
)
_PROGRAMS = {"chrome": "chromium", "vlc": "vlc", "gimp": "gimp", "libreoffice": "libreoffice"}


def present_apps() -> list[WarmApp]:
    from envs.profiles.osworld import chromium_binary

    out = []
    for app in APPS:
        found = chromium_binary() if app.name == "chrome" else shutil.which(_PROGRAMS[app.name])
        if found:
            out.append(app)
    return out


def default_root() -> Path:
    if os.environ.get("DESKPILOT_BASELINE_DIR"):
        return Path(os.environ["DESKPILOT_BASELINE_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "deskpilot" / "baseline"


def baseline_key(apps: list[WarmApp] | None = None) -> str:
    from envs.profiles.osworld import DATA

    digest = hashlib.sha256(VERSION.encode())
    for path in sorted(DATA.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for app in apps if apps is not None else present_apps():
        digest.update(repr(app).encode())
    return digest.hexdigest()[:16]


def baseline_home(root: Path | None = None, *, build: Callable[[Path], dict[str, Any]] | None = None) -> Path:
    """The cached baseline home, built first if there is none (under a lock)."""
    root = Path(root) if root else default_root()
    apps = present_apps()
    key = baseline_key(apps)
    folder = root / key
    if (folder / MANIFEST).is_file():
        return folder / "home"
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second builder waits here, then finds it done
        if (folder / MANIFEST).is_file():
            return folder / "home"
        work = root / f"{key}.building-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            started = time.monotonic()
            manifest = (build or (lambda home: build_baseline(home, apps)))(work / "home")
            manifest.update({"version": VERSION, "key": key, "seconds": round(time.monotonic() - started, 1)})
            (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            shutil.rmtree(folder, ignore_errors=True)
            work.rename(folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.info("built the osworld baseline home in %s", folder)
    return folder / "home"


def copy_home(baseline: Path, home: Path) -> None:
    """A fresh copy of the baseline as a desktop's home (symlinks kept as links)."""
    shutil.copytree(baseline, home, symlinks=True, dirs_exist_ok=True)


# ---------------------------------------------------------------- building it


def build_baseline(home: Path, apps: list[WarmApp] | None = None) -> dict[str, Any]:
    """Start each app once on a desktop of the profile (without a baseline) whose home is
    `home`, wait until it wrote its first-run files, close it cleanly; keep the home."""
    from envs.local import LocalDesktop
    from envs.profiles.osworld import OSWorldProfile

    apps = present_apps() if apps is None else apps
    state = home.parent / "state"
    outcome: dict[str, Any] = {"apps": {}}
    desktop = LocalDesktop(
        1920, 1080, profile=OSWorldProfile(baseline=False), state_dir=state, keep_files=True, start_timeout=60
    )
    with desktop:
        with desktop.client(timeout=60) as client:
            for app in apps:
                try:
                    outcome["apps"][app.name] = _warm(client, desktop.home, app)
                except BaselineError as exc:
                    windows = client.execute(["wmctrl", "-lx"]).output.strip() or "(none)"
                    raise BaselineError(f"{exc}\nwindows:\n{windows}\n{desktop.log_tail()}") from None
    shutil.move(str(desktop.home), home)
    shutil.rmtree(state, ignore_errors=True)
    _tidy(home)
    return outcome


def _running(client: Any, names: tuple[str, ...]) -> bool:
    out = client.execute(["ps", "-eo", "stat=,comm="]).output
    return any(
        len(f := line.split(None, 1)) == 2 and "Z" not in f[0] and f[1].strip() in names
        for line in out.splitlines()
    )


def _windows(client: Any, classes: tuple[str, ...]) -> list[str]:
    out = client.execute(["wmctrl", "-lx"]).output
    return [
        line.split()[0]
        for line in out.splitlines()
        if len(line.split()) > 2 and any(c in line.split()[2].lower() for c in classes)
    ]


def _wait(what: str, predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise BaselineError(f"baseline home: timed out after {timeout:g} s waiting for {what}")


def _warm(client: Any, home: Path, app: WarmApp) -> dict[str, Any]:
    """Run the app once and close it cleanly; one more try if the first does not come up
    (a first start on a busy machine, e.g. while fonts are being cached, can be slow)."""
    try:
        return _warm_once(client, home, app)
    except BaselineError as first:
        log.warning("%s; trying once more", first)
        outcome = _warm_once(client, home, app)
        outcome["retried"] = str(first)
        return outcome


def _warm_once(client: Any, home: Path, app: WarmApp) -> dict[str, Any]:
    started = time.monotonic()
    client.launch(app.command)
    try:
        _wait(f"{app.name}'s window", lambda: bool(_windows(client, app.window_class)), app.start_timeout)
        _wait(f"{app.name} to write ~/{app.ready_file}", (home / app.ready_file).exists, 30)
        time.sleep(1.0)  # let it finish its first-run writes before asking it to quit
        deadline = time.monotonic() + 30
        while _running(client, app.process) and time.monotonic() < deadline:
            for wid in _windows(client, app.window_class):
                client.execute(["wmctrl", "-i", "-c", wid])  # as a user closing the window
            time.sleep(0.5)
        if _running(client, app.process):
            raise BaselineError(f"baseline home: {app.name} did not exit after its windows were closed")
    except BaselineError:
        for name in app.process:
            client.execute(["pkill", "-KILL", "-x", name])
        raise
    return {"seconds": round(time.monotonic() - started, 1), "closed": "cleanly"}


def _tidy(home: Path) -> None:
    """Drop what only the build's own session needed: locks and sockets, crash dumps."""
    for path in list(home.rglob("Singleton*")) + list(home.rglob(".lock")):
        if path.is_symlink() or path.is_file():
            path.unlink()
    for junk in (".config/google-chrome/Crash Reports", ".cache/google-chrome"):
        shutil.rmtree(home / junk, ignore_errors=True)
