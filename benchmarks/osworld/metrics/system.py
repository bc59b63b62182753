"""Metrics on the desktop's own state: a folder's entries, GNOME's favourite apps,
the time zone, the clipboard.

Written from the behaviour of OSWorld's `metrics/basic_os.py` and `general.py`.
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["check_gnome_favorite_apps", "check_moved_jpgs", "is_in_vm_clickboard", "is_utc_0"]


def check_moved_jpgs(directory_list: dict[str, Any] | None, rule: dict[str, Any]) -> float:
    """The folder's entries are exactly the expected names."""
    if directory_list is None:
        return 0.0
    names = [node["name"] for node in directory_list["children"]]
    expected = rule["expected"]
    return float(len(names) == len(expected) and set(names) == set(expected))


def check_gnome_favorite_apps(apps_str: str | None, rule: dict[str, Any]) -> float:
    """`gsettings get org.gnome.shell favorite-apps` lists exactly the expected apps."""
    if apps_str is None:
        return 0.0
    try:  # upstream eval()s the text; a literal parse reads the same lists and runs nothing
        apps = ast.literal_eval(apps_str.strip())
    except (ValueError, SyntaxError):  # e.g. "@as []", which upstream's eval also rejects
        return 0.0
    expected = rule["expected"]
    return float(len(apps) == len(expected) and set(apps) == set(expected))


def is_utc_0(timedatectl_output: str | None) -> float:
    """The fourth line of `timedatectl status` (Time zone) ends with "+0000)"."""
    if timedatectl_output is None:
        return 0.0
    lines = timedatectl_output.split("\n")
    return float(len(lines) > 3 and lines[3].endswith("+0000)"))


def is_in_vm_clickboard(config: dict[str, Any], terminal_output: str | None) -> float:
    """The clipboard text (here the evaluator's `expected`) holds the expected string(s)."""
    if terminal_output is None:
        return 0.0
    want = config["expected"]
    if not isinstance(want, list):
        return float(want in terminal_output)
    return float(all(w in terminal_output for w in want))
