"""WindowsAgentArena's Microsoft Edge getters: the profile's files under
`%LOCALAPPDATA%\\Microsoft\\Edge\\User Data\\Default` (JSON `Preferences` and
`Bookmarks`, SQLite `History` and `Network\\Cookies`), `.url` shortcuts on the
Desktop, installed web apps.

Written from the behaviour of WAA's `getters/edge.py` and `getters/msedge.py`:
each getter answers upstream's fallback when the file is missing or unreadable
(1.0/0.0 for the on/off settings, "Unknown" for the search engine).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from benchmarks.osworld.getters.context import EvalContext, inside
from benchmarks.osworld.getters.windows import (
    children,
    known_folder,
    powershell,
    read_bytes,
    win_join,
)

__all__ = [
    "cookie_data_for_edge",
    "data_delete_automacally_from_edge",
    "default_search_engine_from_edge",
    "edge_default_download_folder",
    "edge_font_size",
    "edge_home_page",
    "edge_profile_dir",
    "enable_do_not_track_from_edge",
    "enable_enhanced_safety_browsing_from_edge",
    "favorites",
    "history_for_edge",
    "profile_name_from_edge",
    "url_shortcuts_on_desktop",
    "validate_pwa_installed",
]

log = logging.getLogger(__name__)

ENGINE_GUIDS = {  # Edge's built-in search engines, by `default_search_provider.synced_guid`
    "485bf7d3-0215-45af-87dc-538868000001": "Bing",
    "485bf7d3-0215-45af-87dc-538868000002": "Yahoo!",
    "485bf7d3-0215-45af-87dc-538868000003": "Google",
    "485bf7d3-0215-45af-87dc-538868000092": "DuckDuckGo",
    "485bf7d3-0215-45af-87dc-538868000015": "Yandex",
}
DEFAULT_FONT_SIZES = {"default_fixed_font_size": 13, "default_font_size": 16}
AUTO_DELETE_ALL = {
    "browsing_history": True,
    "cache": True,
    "cookies": True,
    "download_history": True,
    "form_data": True,
    "hosted_apps_data": False,
    "passwords": True,
    "site_settings": True,
}


def edge_profile_dir(ctx: EvalContext) -> str:
    return win_join(known_folder(ctx, "LocalApplicationData"), "Microsoft", "Edge", "User Data", "Default")


def _preferences(ctx: EvalContext, name: str = "Preferences") -> dict[str, Any]:
    data = read_bytes(ctx, win_join(edge_profile_dir(ctx), name))
    if data is None:
        raise FileNotFoundError(name)
    return json.loads(data)


def _from_preferences(name: str, pick: Callable[[dict[str, Any]], Any], fallback: Any):
    def get(ctx: EvalContext, spec: dict[str, Any]) -> Any:
        try:
            return pick(_preferences(ctx))
        except Exception as exc:  # noqa: BLE001 - upstream: any failure gives the fallback
            log.info("%s: %s; using %r", name, exc, fallback)
            return dict(fallback) if isinstance(fallback, dict) else fallback

    get.__name__ = get.__qualname__ = name
    get.__doc__ = f"Upstream's get_{name}: read from Edge's Preferences (fallback {fallback!r})."
    return get


def _scheme_less(url: Any) -> str:
    text = str(url or "")
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    return text.rstrip("/")


default_search_engine_from_edge = _from_preferences(
    "default_search_engine_from_edge",
    lambda d: ENGINE_GUIDS.get(d.get("default_search_provider", {}).get("synced_guid"), "Unknown"),
    "Unknown",
)
edge_font_size = _from_preferences(
    "edge_font_size",
    lambda d: d.get("webkit", {}).get("webprefs", dict(DEFAULT_FONT_SIZES)),
    DEFAULT_FONT_SIZES,
)
enable_enhanced_safety_browsing_from_edge = _from_preferences(
    "enable_enhanced_safety_browsing_from_edge",
    lambda d: 1.0 if d["edge"]["super_duper_secure_mode"]["enabled"] else 0.0,
    0.0,
)
enable_do_not_track_from_edge = _from_preferences(
    "enable_do_not_track_from_edge", lambda d: 1.0 if d.get("enable_do_not_track", {}) else 0.0, 0.0
)
profile_name_from_edge = _from_preferences(
    "profile_name_from_edge", lambda d: d.get("profile", {}).get("name", None), None
)
data_delete_automacally_from_edge = _from_preferences(
    "data_delete_automacally_from_edge",
    lambda d: 1.0 if d["browser"].get("clear_data_on_exit", None) == AUTO_DELETE_ALL else 0.0,
    0.0,
)
# The home page as the task writes it ("www.wikipedia.org"): no scheme, no final slash.
edge_home_page = _from_preferences("edge_home_page", lambda d: _scheme_less(d.get("homepage")), "")
edge_default_download_folder = _from_preferences(
    "edge_default_download_folder", lambda d: d.get("download", {}).get("default_directory"), None
)


def favorites(ctx: EvalContext, spec: dict[str, Any]) -> Any:
    """The `roots` of Edge's Bookmarks file (`[]` when there is none)."""
    data = read_bytes(ctx, win_join(edge_profile_dir(ctx), "Bookmarks"))
    if not data:
        return []
    return json.loads(data).get("roots", {})


def _sqlite_rows(ctx: EvalContext, spec: dict[str, Any], name: str, query: str) -> list[tuple] | None:
    try:
        data = read_bytes(ctx, win_join(edge_profile_dir(ctx), name))
        if data is None:
            raise FileNotFoundError(name)
        local = inside(ctx.cache_dir, spec["dest"], "dest")
        local.write_bytes(data)
        with sqlite3.connect(local) as conn:
            return conn.execute(query).fetchall()
    except Exception as exc:  # noqa: BLE001 - upstream: any failure gives None
        log.info("edge %s: %s", name, exc)
        return None


def history_for_edge(ctx: EvalContext, spec: dict[str, Any]) -> list[tuple] | None:
    """(url, title, last_visit_time) of every history entry."""
    return _sqlite_rows(ctx, spec, "History", "SELECT url, title, last_visit_time FROM urls")


def cookie_data_for_edge(ctx: EvalContext, spec: dict[str, Any]) -> list[tuple] | None:
    """Every cookie row; Edge is closed first, since it locks the file while running."""
    powershell(ctx, "Stop-Process -Name msedge -Force -ErrorAction SilentlyContinue")
    return _sqlite_rows(ctx, spec, win_join("Network", "Cookies"), "SELECT * FROM cookies")


def url_shortcuts_on_desktop(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, str]:
    """{name: text} of the `.url` Internet shortcuts on the Desktop."""
    desktop = known_folder(ctx, "Desktop")
    out: dict[str, str] = {}
    for entry in children(ctx, desktop) or []:
        if entry.get("type") == "file" and entry["name"].endswith(".url"):
            data = read_bytes(ctx, win_join(desktop, entry["name"]))
            if data is not None:
                out[entry["name"]] = data.decode("utf-8", errors="replace")
    return out


def validate_pwa_installed(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "app_installed" when Edge has installed a web app: its Start-menu shortcut runs
    Edge's proxy with `--app-id=` (optionally one whose name holds `app_name`)."""
    out = powershell(
        ctx,
        (
            "$s = New-Object -ComObject WScript.Shell; "
            "Get-ChildItem -LiteralPath ([Environment]::GetFolderPath('Programs')) -Filter *.lnk -Recurse | "
            "ForEach-Object { $l = $s.CreateShortcut($_.FullName); "
            "if ($l.Arguments -match '--app-id=') { $_.BaseName } }"
        ),
    )
    names = [n.strip() for n in (out.output if out is not None else "").splitlines() if n.strip()]
    wanted = str(spec.get("app_name", "")).lower()
    found = any(wanted in n.lower() for n in names)
    return "app_installed" if found else "app_not_installed"
