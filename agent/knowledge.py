"""What the planner is told besides the task: how tasks are graded, the computer it is on,
and hints for the applications the task names (all text lives in agent/prompts/).

The three are fixed at the start of an episode (the gate step) and go into the task
message, so the prompt prefix stays the same for the rest of the episode.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from agent.prompts import template

__all__ = ["app_hints", "apps_for", "environment_text"]


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    text = resources.files("agent.prompts").joinpath("apps", "index.toml").read_text(encoding="utf-8")
    return {name: re.compile(pattern, re.IGNORECASE) for name, pattern in tomllib.loads(text).items()}


def apps_for(instruction: str) -> list[str]:
    """The applications whose hints fit this instruction, in the index's order."""
    return [name for name, pattern in _patterns().items() if pattern.search(instruction)]


def app_hints(instruction: str) -> str:
    names = apps_for(instruction)
    if not names:
        return ""
    hints = [template(f"apps/{name}").template.strip() for name in names]
    return "APPLICATION HINTS:\n" + "\n\n".join(hints) + "\n"


_FACTS = (
    'echo "user=$(id -un)"; echo "home=$HOME"; '
    '(. /etc/os-release 2>/dev/null && echo "os=$PRETTY_NAME") || echo "os=$(uname -s)"'
)


def environment_text(desktop: Any, password: str | None) -> str:
    """One line about the computer: OS, user, home, and the sudo password when known.
    A desktop that cannot run commands (inside OSWorld's own runner) gives what it can."""
    facts: dict[str, str] = {}
    try:
        out = desktop.execute(["sh", "-c", _FACTS])
        for line in (out.output or "").splitlines():
            key, sep, value = line.partition("=")
            if sep and value.strip():
                facts[key.strip()] = value.strip()
    except Exception:  # noqa: BLE001 - facts are a help, never a reason to stop the episode
        pass
    parts = [facts.get("os", "a Linux desktop")]
    if "user" in facts:
        parts.append(f"user {facts['user']!r}")
    if "home" in facts:
        parts.append(f"home {facts['home']}")
    parts.append(
        f"the password (for sudo) is {password!r}" if password else "no password is known (avoid sudo)"
    )
    return "; ".join(parts) + "."
