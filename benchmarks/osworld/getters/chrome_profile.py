"""Chrome getters that read the browser profile's files, as OSWorld's `getters/chrome.py`.

The files (JSON `Preferences`, `Local State`, `Bookmarks`; SQLite `History`,
`Cookies`) are read through the desktop's file route from
`$HOME/.config/google-chrome` (Linux, where OSWorld's tasks run), the folder the
`google-chrome` of an OSWorld desktop writes to, or, on a desktop whose `/platform`
says Windows (WindowsAgentArena's VM), `%LOCALAPPDATA%\\Google\\Chrome\\User Data`.
Each getter falls back to what upstream returns when the file is missing or
unreadable, quirks included (several answer "Google" on error): scores must compare with published ones.
"""

from __future__ import annotations

import json
import logging
import ntpath
import posixpath
import sqlite3
from collections.abc import Callable
from typing import Any

from benchmarks.osworld.getters.context import EvalContext, Getter, inside
from envs.base import DesktopError

__all__ = ["PROFILE_DIR", "WINDOWS_PROFILE_DIR", "chrome_root", "join_path"]

log = logging.getLogger(__name__)

PROFILE_DIR = ".config/google-chrome"  # under $HOME, as upstream on Linux (not ARM)


WINDOWS_PROFILE_DIR = ("Google", "Chrome", "User Data")  # under %LOCALAPPDATA%, as WAA reads it


def _home(ctx: EvalContext) -> str:
    out = ctx.desktop.execute(["sh", "-c", 'printf %s "$HOME"'])
    return out.output.strip() or "/home/user"


def _on_windows(ctx: EvalContext) -> bool:
    """Whether the desktop says it runs Windows (WAA's VM server answers /platform)."""
    platform = getattr(ctx.desktop, "platform", None)
    if not callable(platform):
        return False
    try:
        return str(platform()).strip().lower() == "windows"
    except DesktopError:
        return False


def chrome_root(ctx: EvalContext) -> str:
    """The desktop's Chrome user-data folder."""
    if _on_windows(ctx):
        from benchmarks.osworld.getters.windows import known_folder

        return ntpath.join(known_folder(ctx, "LocalApplicationData"), *WINDOWS_PROFILE_DIR)
    return posixpath.join(_home(ctx), PROFILE_DIR)


def join_path(root: str, *parts: str) -> str:
    """Join under `root` with the separator of the system it names (C:\\... or /...)."""
    return (ntpath if ntpath.splitdrive(root)[0] else posixpath).join(root, *parts)


def _read(ctx: EvalContext, *parts: str) -> bytes | None:
    path = join_path(chrome_root(ctx), *parts)
    try:
        return ctx.desktop.read_file(path)
    except DesktopError as exc:
        log.info("chrome profile file %s is not available: %s", path, exc)
        return None


def _json_getter(
    name: str, parts: tuple[str, ...], pick: Callable[[dict[str, Any]], Any], fallback: Any
) -> Getter:
    """A getter returning `pick(json of the file)`, or `fallback` on any error."""

    def get(ctx: EvalContext, spec: dict[str, Any]) -> Any:
        try:
            raw = _read(ctx, *parts)
            if raw is None:
                raise FileNotFoundError("/".join(parts))
            data = json.loads(raw)
            return pick(data)
        except Exception as exc:  # noqa: BLE001 - upstream: any failure gives the fallback
            log.info("%s: %s; using %r", name, exc, fallback)
            return fallback() if callable(fallback) else fallback

    get.__name__ = get.__qualname__ = name
    get.__doc__ = f"Upstream's get_{name}: read from {'/'.join(parts)} (fallback {fallback!r})."
    return get


PREFS, LOCAL_STATE = ("Default", "Preferences"), ("Local State",)


def _flag(value: Any) -> str:
    return "true" if value else "false"


def _new_startup_page(d: dict[str, Any]) -> str:
    # No "session" key: a fresh profile, which opens the New Tab page (upstream: "true").
    return "true" if "session" not in d else _flag(d.get("session", {}).get("restore_on_startup", {}) == 5)


def _color_scheme(d: dict[str, Any]) -> str:
    theme = d.get("browser", {}).get("theme", {})
    raw = theme.get("color_scheme2", theme.get("color_scheme"))
    names = {
        "system": "system",
        "default": "system",
        "0": "system",
        "light": "light",
        "1": "light",
        "dark": "dark",
        "2": "dark",
    }
    mode = names.get(str(raw).strip().lower()) if isinstance(raw, (str, int, float)) else None
    if d.get("extensions", {}).get("theme", {}).get("system_theme") in (0, "0", False):
        return "light"
    return mode or "system"


# The getters that read one JSON value from Preferences or Local State (name = what tasks call them).
default_search_engine = _json_getter(
    "default_search_engine",
    PREFS,
    lambda d: (
        d.get("default_search_provider_data", {}).get("template_url_data", {}).get("short_name", "Google")
    ),
    "Google",
)
enabled_experiments = _json_getter(
    "enabled_experiments",
    LOCAL_STATE,
    lambda d: d.get("browser", {}).get("enabled_labs_experiments", []),
    list,
)
profile_name = _json_getter("profile_name", PREFS, lambda d: d.get("profile", {}).get("name", None), None)
chrome_language = _json_getter(
    "chrome_language", LOCAL_STATE, lambda d: d.get("intl", {}).get("app_locale", "en-US"), "en-US"
)
chrome_font_size = _json_getter(
    "chrome_font_size",
    PREFS,
    lambda d: d.get("webkit", {}).get(
        "webprefs", {"default_fixed_font_size": 13, "default_font_size": 16, "minimum_font_size": 13}
    ),
    lambda: {"default_fixed_font_size": 13, "default_font_size": 16},
)
enable_do_not_track = _json_getter(
    "enable_do_not_track", PREFS, lambda d: _flag(d.get("enable_do_not_track", {})), "false"
)
enable_enhanced_safety_browsing = _json_getter(
    "enable_enhanced_safety_browsing",
    PREFS,
    lambda d: _flag(d.get("safebrowsing", {}).get("enhanced", {})),
    "Google",
)
enable_safe_browsing = _json_getter(
    "enable_safe_browsing",
    PREFS,
    lambda d: _flag(
        d.get("safebrowsing", {}).get("enhanced", False) or d.get("safebrowsing", {}).get("enabled", False)
    ),
    "false",
)
new_startup_page = _json_getter("new_startup_page", PREFS, _new_startup_page, "Google")
find_unpacked_extension_path = _json_getter(
    "find_unpacked_extension_path",
    PREFS,
    lambda d: [e["path"] for e in d.get("extensions", {}).get("settings", {}).values()],
    "Google",
)
find_installed_extension_name = _json_getter(
    "find_installed_extension_name",
    PREFS,
    lambda d: [e["manifest"]["name"] for e in d.get("extensions", {}).get("settings", {}).values()],
    "Google",
)
data_delete_automacally = _json_getter(  # sic: upstream's spelling is the getter's name
    "data_delete_automacally",
    PREFS,
    lambda d: _flag(d["profile"].get("default_content_setting_values", None) is not None),
    "Google",
)
chrome_color_scheme = _json_getter("chrome_color_scheme", PREFS, _color_scheme, "system")
# Upstream reads chrome://settings/appearance first and falls back to the file; the file
# is what Chrome persists, so that is what we read.
chrome_appearance_mode_ui = _json_getter("chrome_appearance_mode_ui", PREFS, _color_scheme, "system")


def bookmarks(ctx: EvalContext, spec: dict[str, Any]) -> Any:
    """The `roots` of the Bookmarks file ([] when there is no file)."""
    content = _read(ctx, "Default", "Bookmarks")
    if not content:
        return []
    return json.loads(content).get("roots", {})


def _sqlite_rows(ctx: EvalContext, spec: dict[str, Any], name: str, query: str) -> list[tuple] | None:
    content = _read(ctx, "Default", name)
    if content is None:
        return None
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    local = inside(ctx.cache_dir, spec["dest"], "dest")
    local.write_bytes(content)
    try:
        with sqlite3.connect(local) as conn:
            return conn.execute(query).fetchall()
    except sqlite3.Error as exc:
        log.error("%s: %s", name, exc)
        return None


def history(ctx: EvalContext, spec: dict[str, Any]) -> list[tuple] | None:
    """`(url, title, last_visit_time)` rows of the History database (copied to `dest`)."""
    return _sqlite_rows(ctx, spec, "History", "SELECT url, title, last_visit_time FROM urls")


def cookie_data(ctx: EvalContext, spec: dict[str, Any]) -> list[tuple] | None:
    """Every row of the Cookies database's `cookies` table (copied to `dest`)."""
    return _sqlite_rows(ctx, spec, "Cookies", "SELECT * FROM cookies")


def extensions_installed_from_shop(ctx: EvalContext, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifests under `Default/Extensions/<id>/<version>/manifest.json`."""
    root = join_path(chrome_root(ctx), "Default", "Extensions")
    try:
        tree = ctx.desktop.list_directory(root)
    except DesktopError:
        return []
    manifests = []
    for ext in tree.get("children", []):
        for version in ext.get("children", []) or []:
            if version.get("type") != "directory":
                continue
            path = join_path(root, ext["name"], version["name"], "manifest.json")
            try:
                manifests.append(json.loads(ctx.desktop.read_file(path)))
            except (DesktopError, ValueError):
                continue
    return manifests


def shortcuts_on_desktop(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, str]:
    """`{name: text}` of the `.desktop` files on the user's Desktop folder."""
    desktop_path = getattr(ctx.desktop, "desktop_path", None)
    folder = desktop_path() if desktop_path else posixpath.join(_home(ctx), "Desktop")
    try:
        tree = ctx.desktop.list_directory(folder)
    except DesktopError:
        return {}
    out = {}
    for entry in tree.get("children", []):
        if entry["name"].endswith(".desktop"):
            out[entry["name"]] = ctx.desktop.read_file(posixpath.join(folder, entry["name"])).decode("utf-8")
    return out
