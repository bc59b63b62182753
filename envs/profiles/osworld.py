"""The `osworld` profile: what the OSWorld VM image silently provides, on a local desktop.

Found by replaying the setup steps of OSWorld's own task files (benchmarks/data/osworld) on a local desktop:
- user `user`, uid 1000, home /home/user, password `password`, allowed to sudo. The
  sandbox maps the caller to uid/gid 1000 in a user namespace (as root here and as an
  unprivileged CI user alike) and binds /etc/passwd and /etc/group that name them
  `user`; `sudo` is data/sudo, since no setuid program can work inside bubblewrap.
- the session D-Bus at /run/user/1000/bus (= $XDG_RUNTIME_DIR/bus), GNOME schemas
  through dconf (gsettings), PulseAudio with a null sink (data/pulse.pa).
- `python` with pyautogui (the venv's bin on PATH, as for every desktop).
- `google-chrome` = Chromium under a `chrome` name (data/google-chrome).
- Ctrl+Alt+T opens gnome-terminal (an openbox keybinding).
- a home in which Chrome, VLC, GIMP and LibreOffice have each run once: a copy of the
  cached baseline home (baseline.py), made fresh for every desktop; Ubuntu's default
  applications (data/mimeapps.list).
- a loopback of its own (network.py), so that the tasks' fixed ports (Chrome's 1337,
  socat's 9222) never meet another desktop's.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
from pathlib import Path

from envs.profiles import DesktopProfile

__all__ = ["CHROMIUM_BINARIES", "OSWorldProfile", "RUNTIME_DIR", "UID", "chromium_binary"]

UID = GID = 1000
USER = "user"
RUNTIME_DIR = f"/run/user/{UID}"
SANDBOX_RUN = "/run/deskpilot"  # envs.local.RUN_DIR: the state folder's run/ inside
BIN_DIR = f"{SANDBOX_RUN}/bin"
DATA = Path(__file__).resolve().parent / "data"
OPENBOX_RC = Path("/etc/xdg/openbox/rc.xml")
# Chromium's binary under the name `chrome`: a hard link beside the real one, made by
# scripts/install-debian-packages (Chromium names its process after its binary's file,
# and setups run `pkill chrome`); then the real binaries (Debian, Ubuntu deb, Fedora).
CHROMIUM_BINARIES = (
    "/usr/lib/chromium/chrome",
    "/usr/lib/chromium/chromium",
    "/usr/lib/chromium-browser/chromium-browser",
    "/usr/lib64/chromium-browser/chromium-browser",
)


def chromium_binary() -> str | None:
    """The browser binary `google-chrome` runs; its file name is the process's name."""
    for path in CHROMIUM_BINARIES:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return os.path.realpath(found) if found else None


def _passwd() -> str:
    """The host's users without uid 1000, plus `user` as uid 1000."""
    lines = [
        ":".join([p.pw_name, "x", str(p.pw_uid), str(p.pw_gid), p.pw_gecos, p.pw_dir, p.pw_shell])
        for p in pwd.getpwall()
        if p.pw_uid != UID and p.pw_name != USER
    ]
    lines.append(f"{USER}:x:{UID}:{GID}:user,,,:/home/{USER}:/bin/bash")
    return "\n".join(lines) + "\n"


def _group() -> str:
    """The host's groups without gid 1000; `user` in its own group and in sudo, adm, audio..."""
    extra = {"sudo", "adm", "audio", "video", "plugdev", "users"}
    lines = []
    for g in grp.getgrall():
        if g.gr_gid == GID or g.gr_name == USER:
            continue
        members = [m for m in g.gr_mem if m != USER] + ([USER] if g.gr_name in extra else [])
        lines.append(f"{g.gr_name}:x:{g.gr_gid}:{','.join(members)}")
    lines.append(f"{USER}:x:{GID}:")
    return "\n".join(lines) + "\n"


def openbox_rc(system_rc: Path = OPENBOX_RC) -> str:
    """The system's openbox rc.xml with the profile's keybindings added."""
    keybinds = (DATA / "openbox-keybinds.xml").read_text()
    text = (
        system_rc.read_text()
        if system_rc.exists()
        else "<openbox_config><keyboard>\n</keyboard></openbox_config>\n"
    )
    text, count = re.subn(r"<keyboard>", lambda m: m.group(0) + "\n" + keybinds, text, count=1)
    if not count:
        raise ValueError(f"{system_rc} has no <keyboard> section")
    return text


class OSWorldProfile(DesktopProfile):
    name = "osworld"
    needs_isolation = True

    def __init__(
        self, *, baseline: bool = True, baseline_root: Path | None = None, private_network: bool | None = None
    ) -> None:
        self.baseline = baseline  # False only to build the baseline itself
        self.baseline_root = baseline_root
        # Own loopback (network.py): tasks' fixed ports (Chrome's 1337, socat's 9222) do not
        # collide between desktops; no route out. DESKPILOT_DESKTOP_NETWORK=host shares the
        # machine's network instead (live-web tasks, one desktop at a time).
        if private_network is None:
            private_network = os.environ.get("DESKPILOT_DESKTOP_NETWORK", "private") != "host"
        self.private_network = private_network

    def prepare(self, state: Path, home: Path) -> None:
        etc, run, runtime = state / "etc", state / "run", state / "runtime"
        for folder in (etc, run / "bin", runtime):
            folder.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        x11 = state / "tmp" / ".X11-unix"  # Xvfb, not root here, cannot make it itself
        x11.mkdir(parents=True, exist_ok=True)
        x11.chmod(0o1777)
        (etc / "passwd").write_text(_passwd())
        (etc / "group").write_text(_group())
        bin_dir = run / "bin"
        for name in ("google-chrome", "sudo"):
            shutil.copy2(DATA / name, bin_dir / name)
        (bin_dir / "google-chrome-stable").unlink(missing_ok=True)
        (bin_dir / "google-chrome-stable").symlink_to("google-chrome")
        browser = chromium_binary()
        if browser:
            (bin_dir / "chrome").unlink(missing_ok=True)
            (bin_dir / "chrome").symlink_to(browser)
        (run / "openbox-rc.xml").write_text(openbox_rc())
        shutil.copy2(DATA / "pulse.pa", run / "pulse.pa")
        if any(home.iterdir()):
            return  # a home kept from an earlier start (keep_files): leave it as it is
        if self.baseline:
            from envs.profiles.baseline import baseline_home, copy_home

            copy_home(baseline_home(self.baseline_root), home)
        else:
            seed_home(home)

    def sandbox_args(self, state: Path) -> list[str]:
        return [
            "--unshare-user",
            "--uid",
            str(UID),
            "--gid",
            str(GID),
            "--ro-bind",
            str(state / "etc" / "passwd"),
            "/etc/passwd",
            "--ro-bind",
            str(state / "etc" / "group"),
            "/etc/group",
            "--bind",
            str(state / "runtime"),
            RUNTIME_DIR,
        ]

    def environment(self, env: dict[str, str]) -> None:
        env.update(
            {
                "XDG_RUNTIME_DIR": RUNTIME_DIR,
                "SHELL": "/bin/bash",
                "PATH": BIN_DIR + os.pathsep + env["PATH"],
                "LANG": "C.UTF-8" if env.get("LANG", "C") in ("C", "POSIX", "") else env["LANG"],
                "GSETTINGS_BACKEND": "dconf",
            }
        )

    def session_args(self) -> list[str]:
        return [
            "--bus-address",
            f"unix:path={RUNTIME_DIR}/bus",
            "--openbox-config",
            f"{SANDBOX_RUN}/openbox-rc.xml",
            "--pulseaudio",
            f"{SANDBOX_RUN}/pulse.pa",
            "--xauth",
        ] + (["--private-network"] if self.private_network else [])


def seed_home(home: Path) -> None:
    """What a home has before any app ran: XDG folders (the session adds the rest),
    VLC's answered privacy dialog, default applications, LibreOffice's first-start settings."""
    from envs.session import XDG_DIRS

    for name in XDG_DIRS:
        (home / name).mkdir(parents=True, exist_ok=True)
    vlc = home / ".config" / "vlc"
    vlc.mkdir(parents=True, exist_ok=True)
    if not (vlc / "vlcrc").exists():
        shutil.copy2(DATA / "vlcrc", vlc / "vlcrc")
    if not (home / ".config" / "mimeapps.list").exists():
        shutil.copy2(DATA / "mimeapps.list", home / ".config" / "mimeapps.list")
    office = home / ".config" / "libreoffice" / "4" / "user"
    office.mkdir(parents=True, exist_ok=True)
    if not (office / "registrymodifications.xcu").exists():
        shutil.copy2(DATA / "registrymodifications.xcu", office / "registrymodifications.xcu")
