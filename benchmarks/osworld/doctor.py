"""`agent bench osworld doctor`: which tasks of a split can run here, on `osworld` profile
desktops, and why the others cannot — per task, in words.

Each task gets one verdict, the first that applies:
- network: it needs the live web, Google Drive or an account login (setup.requirements);
- app:     it runs a program this machine lacks (VS Code's `code`, thunderbird, ...) or a
           facility no desktop here has (systemd as PID 1 for timedatectl);
- harness: a setup step, getter or metric we do not implement yet (coverage.missing_for);
- assets:  only asset files missing from the local cache stand in its way (downloads);
- ready:   it can run now.
All of a task's reasons are kept, not just the one that decides its verdict.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.osworld.assets import AssetCache, urls_for
from benchmarks.osworld.coverage import missing_for
from benchmarks.osworld.setup import ASSET_STEPS, CHROME_STEPS, requirements
from benchmarks.osworld.tasks import Task

__all__ = [
    "CATEGORIES",
    "Verdict",
    "diagnose",
    "doctor",
    "format_doctor",
    "machine_checks",
    "programs_used",
    "to_json",
]

CATEGORIES = ("ready", "assets", "network", "app", "harness")
LABELS = {
    "ready": "runs now",
    "assets": "waits for assets",
    "network": "needs network",
    "app": "needs an app",
    "harness": "not supported yet",
}
# related_apps values -> the program the task needs (other values name no program).
APP_PROGRAMS = {
    "chrome": "google-chrome",
    "gimp": "gimp",
    "vlc": "vlc",
    "thunderbird": "thunderbird",
    "vscode": "code",
    "vs_code": "code",
    "libreoffice_calc": "soffice",
    "libreoffice_impress": "soffice",
    "libreoffice_writer": "soffice",
    "libreoffice": "soffice",
}
APP_NAMES = {
    "code": "VS Code (not in Debian)",
    "thunderbird": "Thunderbird",
    "soffice": "LibreOffice",
    "nautilus": "the GNOME file manager",
}
# Programs that need systemd as PID 1, which no sandboxed desktop has.
SYSTEMD_TOOLS = frozenset({"timedatectl", "systemctl", "hostnamectl", "localectl", "loginctl"})
# What the osworld profile itself provides inside the desktop.
PROFILE_PROGRAMS = frozenset(
    {"google-chrome", "google-chrome-stable", "chrome", "sudo", "python", "python3", "pip", "pip3"}
)
_SHELL_WORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "for",
        "while",
        "do",
        "done",
        "case",
        "esac",
        "cd",
        "export",
        "echo",
        "source",
        "exit",
        "set",
        "true",
        "false",
        "[",
        "[[",
        "test",
        "eval",
        "exec",
        "read",
        "local",
        "return",
        "{",
        "}",
    }
)
_PREFIXES = frozenset(
    {
        "sudo",
        "-S",
        "env",
        "timeout",
        "nohup",
        "then",
        "do",
        "else",
        "elif",
        "if",
        "while",
        "until",
        "!",
        "time",
        "exec",
    }
)
_SEGMENT = re.compile(r"&&|\|\||[;|\n`]|\$\(")
_PROGRAM = re.compile(r"^[A-Za-z0-9_./+-]+$")


@dataclass
class Verdict:
    task_id: str
    domain: str
    category: str
    reasons: list[str] = field(default_factory=list)


def _first_words(command: Any) -> list[str]:
    if isinstance(command, list):
        return [str(command[0])] if command else []
    if not isinstance(command, str):
        return []
    words = []
    for segment in _SEGMENT.split(command):
        tokens = segment.strip().lstrip("(").split()
        while tokens and ("=" in tokens[0] or tokens[0] in _PREFIXES or tokens[0].isdigit()):
            tokens = tokens[1:]  # VAR=value, sudo -S, then ..., timeout 10: the program comes after
        if tokens:
            words.append(tokens[0])
    return words


def programs_used(task: Task) -> list[str]:
    """Programs the task's steps and command getters run, and those its related_apps name."""
    found: list[str] = []
    commands = [
        s.parameters.get("command")
        for s in [*task.config, *task.evaluator.postconfig]
        if s.type in ("launch", "execute", "command")
    ]
    if not task.infeasible:
        commands += [spec.params.get("command") for spec in task.evaluator.getter_specs()]
    for command in commands:
        for word in _first_words(command):
            if (
                _PROGRAM.match(word)
                and word not in _SHELL_WORDS
                and not word.startswith(".")
                and word not in found
            ):
                found.append(word)
    for app in task.related_apps or []:
        program = APP_PROGRAMS.get(str(app).strip().lower())
        if program and program not in found:
            found.append(program)
    return found


def _search_path() -> str:
    return os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "/usr/bin:/bin")])


def available(program: str) -> bool:
    from envs.profiles.osworld import chromium_binary

    name = os.path.basename(program)
    if name in ("google-chrome", "google-chrome-stable", "chrome"):
        return chromium_binary() is not None
    if name in PROFILE_PROGRAMS:
        return True
    if "/" in program:
        return os.access(program, os.X_OK) or shutil.which(name, path=_search_path()) is not None
    return shutil.which(program, path=_search_path()) is not None


def _network_reason(text: str) -> bool:
    return text.startswith(("the live web", "Google Drive", "an account login"))


def diagnose(task: Task, domain: str, cache: AssetCache | None) -> Verdict:
    reasons: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for need in requirements(task):
        reasons["network" if _network_reason(need) else "harness"].append(f"needs {need}")
    for program in programs_used(task):
        name = os.path.basename(program)
        if name in SYSTEMD_TOOLS:
            reasons["app"].append(f"needs systemd as PID 1 ({name})")
        elif not available(program):
            what = APP_NAMES.get(name)
            reasons["app"].append(f"needs {name}{f' ({what})' if what else ''}: not installed")
    # Drive and logins are network reasons; downloads, cloud files and Chrome tab steps run
    # on a profile desktop with the asset cache (missing files are the assets check below).
    explained = {"step:googledrive", "step:login", "getter:googledrive_file"}
    explained |= {f"step:{s}" for s in ASSET_STEPS | CHROME_STEPS}
    for piece in missing_for(task):
        if piece.startswith("asset:") or piece in explained:
            continue
        if not any(piece.split(":", 1)[1] in r for r in reasons["harness"]):
            reasons["harness"].append(f"{piece.replace(':', ' ', 1)} is not supported yet")
    urls = urls_for(task)
    lacking = cache.missing(urls) if cache is not None else urls
    if lacking:
        reasons["assets"].append(f"{len(lacking)} asset file(s) not cached (first: {lacking[0]})")
    category = next((c for c in ("network", "app", "harness", "assets") if reasons[c]), "ready")
    flat = [r for c in ("network", "app", "harness", "assets") for r in reasons[c]]
    return Verdict(task.id, domain, category, flat)


def doctor(tasks: Mapping[str, Iterable[Task]], cache: AssetCache | None) -> list[Verdict]:
    return [diagnose(task, domain, cache) for domain, group in tasks.items() for task in group]


def table(verdicts: Iterable[Verdict]) -> dict[str, Counter[str]]:
    rows: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for v in verdicts:
        rows.setdefault(v.domain, Counter())[v.category] += 1
        total[v.category] += 1
    rows["all"] = total
    return rows


def machine_checks() -> list[str]:
    """What this machine lacks for osworld desktops, with the fix; [] when nothing."""
    from envs.profiles.osworld import chromium_binary

    problems = []
    for tool in (
        "bwrap",
        "Xvfb",
        "openbox",
        "dbus-daemon",
        "gnome-terminal",
        "pulseaudio",
        "gsettings",
        "socat",
        "gimp",
        "vlc",
        "soffice",
    ):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed")
    browser = chromium_binary()
    if browser is None:
        problems.append("Chromium is not installed (google-chrome)")
    elif os.path.basename(browser) != "chrome":
        problems.append(
            f"Chromium runs as {os.path.basename(browser)!r}, not 'chrome': `pkill chrome` will not stop it"
        )
    return [f"{p} (run scripts/install-debian-packages)" for p in problems]


def format_doctor(verdicts: list[Verdict], *, tasks: bool = True) -> str:
    head = f"{'domain':<22}{'tasks':>6}" + "".join(f"{c:>9}" for c in CATEGORIES)
    lines = [head]
    for domain, counts in table(verdicts).items():
        if domain == "all":
            lines.append("-" * len(head))
        lines.append(
            f"{domain:<22}{sum(counts.values()):>6}" + "".join(f"{counts[c]:>9}" for c in CATEGORIES)
        )
    lines.append("  ".join(f"{c}: {LABELS[c]}" for c in CATEGORIES))
    if tasks:
        lines.append("")
        for v in sorted(verdicts, key=lambda v: (CATEGORIES.index(v.category), v.domain, v.task_id)):
            why = "; ".join(v.reasons) if v.reasons else "-"
            lines.append(f"{v.category:<8} {v.domain:<20} {v.task_id}  {why}")
    problems = machine_checks()
    if problems:
        lines += ["", "this machine:"] + [f"  {p}" for p in problems]
    return "\n".join(lines)


def to_json(verdicts: list[Verdict], split: str = "") -> dict[str, Any]:
    return {
        "split": split,
        "categories": {c: LABELS[c] for c in CATEGORIES},
        "table": {
            d: {c: counts[c] for c in CATEGORIES} | {"tasks": sum(counts.values())}
            for d, counts in table(verdicts).items()
        },
        "tasks": [asdict(v) for v in verdicts],
        "machine": machine_checks(),
    }


def default_assets() -> Path:
    return Path.home() / ".cache" / "deskpilot" / "assets"
