"""WindowsAgentArena's Microsoft Edge getters against the stand-in Windows VM, with
profile files shaped like the ones Edge writes."""

from __future__ import annotations

import json
import sqlite3

from benchmarks.osworld.getters import GETTERS, EvalContext

PROFILE = "C:\\Users\\Docker\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default"
DESK = "C:\\Users\\Docker\\Desktop"


def run(vm, name, tmp_path, **spec):
    return GETTERS[name](EvalContext(vm, tmp_path), spec)


def prefs(**data) -> dict[str, bytes]:
    return {PROFILE + "\\Preferences": json.dumps(data).encode()}


def test_default_search_engine_from_edge(windows, tmp_path):
    ddg = prefs(default_search_provider={"synced_guid": "485bf7d3-0215-45af-87dc-538868000092"})
    assert run(windows(files=ddg), "default_search_engine_from_edge", tmp_path) == "DuckDuckGo"
    bing = prefs(default_search_provider={"synced_guid": "485bf7d3-0215-45af-87dc-538868000001"})
    assert run(windows(files=bing), "default_search_engine_from_edge", tmp_path) == "Bing"
    assert run(windows(), "default_search_engine_from_edge", tmp_path) == "Unknown"


def test_on_off_settings_answer_one_or_zero(windows, tmp_path):
    on = prefs(
        enable_do_not_track=True,
        edge={"super_duper_secure_mode": {"enabled": True}},
        browser={
            "clear_data_on_exit": {
                "browsing_history": True,
                "cache": True,
                "cookies": True,
                "download_history": True,
                "form_data": True,
                "hosted_apps_data": False,
                "passwords": True,
                "site_settings": True,
            }
        },
    )
    off = prefs(
        enable_do_not_track=False,
        edge={"super_duper_secure_mode": {"enabled": False}},
        browser={"clear_data_on_exit": {"browsing_history": True, "cache": True}},
    )
    for name in (
        "enable_do_not_track_from_edge",
        "enable_enhanced_safety_browsing_from_edge",
        "data_delete_automacally_from_edge",
    ):
        assert run(windows(files=on), name, tmp_path) == 1.0, name
        assert run(windows(files=off), name, tmp_path) == 0.0, name
        assert run(windows(), name, tmp_path) == 0.0, name


def test_profile_font_home_page_and_download_folder(windows, tmp_path):
    vm = windows(
        files=prefs(
            profile={"name": "Thomas"},
            webkit={"webprefs": {"default_font_size": 24}},
            homepage="https://www.wikipedia.org/",
            download={"default_directory": "C:\\"},
        )
    )
    assert run(vm, "profile_name_from_edge", tmp_path) == "Thomas"
    assert run(vm, "edge_font_size", tmp_path) == {"default_font_size": 24}
    assert run(vm, "edge_home_page", tmp_path) == "www.wikipedia.org"
    assert run(vm, "edge_default_download_folder", tmp_path) == "C:\\"
    fresh = windows(files=prefs(profile={"name": "Profile 1"}))
    assert run(fresh, "profile_name_from_edge", tmp_path) == "Profile 1"
    assert run(fresh, "edge_font_size", tmp_path) == {"default_fixed_font_size": 13, "default_font_size": 16}
    assert run(fresh, "edge_home_page", tmp_path) == ""
    assert run(fresh, "edge_default_download_folder", tmp_path) is None


def test_favorites(windows, tmp_path):
    roots = {
        "bookmark_bar": {
            "children": [
                {
                    "type": "url",
                    "name": "Transformer",
                    "url": "https://jalammar.github.io/illustrated-transformer/",
                }
            ]
        },
        "other": {"children": []},
    }
    vm = windows(files={PROFILE + "\\Bookmarks": json.dumps({"roots": roots, "version": 1}).encode()})
    assert run(vm, "favorites", tmp_path) == roots
    assert run(windows(), "favorites", tmp_path) == []


def sqlite_bytes(tmp_path, name, schema, rows) -> bytes:
    path = tmp_path / f"make-{name}"
    with sqlite3.connect(path) as conn:
        conn.execute(schema)
        conn.executemany(f"INSERT INTO {name} VALUES ({','.join('?' * len(rows[0]))})", rows)
    return path.read_bytes()


def test_history_and_cookies(windows, tmp_path):
    history = sqlite_bytes(
        tmp_path,
        "urls",
        "CREATE TABLE urls (url TEXT, title TEXT, last_visit_time INT)",
        [("https://www.youtube.com/", "YouTube", 13350000000000000)],
    )
    cookies = sqlite_bytes(
        tmp_path,
        "cookies",
        "CREATE TABLE cookies (host_key TEXT, name TEXT, value TEXT)",
        [(".amazon.com", "session-id", "1")],
    )
    vm = windows(files={PROFILE + "\\History": history, PROFILE + "\\Network\\Cookies": cookies})
    assert run(vm, "history_for_edge", tmp_path, dest="history.sqlite") == [
        ("https://www.youtube.com/", "YouTube", 13350000000000000)
    ]
    assert run(vm, "cookie_data_for_edge", tmp_path, dest="Cookies") == [(".amazon.com", "session-id", "1")]
    assert any("Stop-Process -Name msedge" in c[4] for c in vm.commands)  # Edge closed before reading
    assert run(windows(), "history_for_edge", tmp_path, dest="history.sqlite") is None
    assert run(windows(), "cookie_data_for_edge", tmp_path, dest="Cookies") is None


def test_url_shortcuts_on_desktop(windows, tmp_path):
    shortcut = b"[InternetShortcut]\r\nURL=https://www.mathsisfun.com/games/2048.html\r\n"
    vm = windows(files={DESK + "\\2048.url": shortcut, DESK + "\\Notes.lnk": b"L\x00\x00\x00"})
    assert run(vm, "url_shortcuts_on_desktop", tmp_path) == {"2048.url": shortcut.decode()}
    assert run(windows(dirs={DESK}), "url_shortcuts_on_desktop", tmp_path) == {}


def test_validate_pwa_installed(windows, tmp_path):
    assert run(windows(web_apps=["PWABuilder"]), "validate_pwa_installed", tmp_path) == "app_installed"
    assert run(windows(web_apps=[]), "validate_pwa_installed", tmp_path) == "app_not_installed"
    assert (
        run(windows(web_apps=["Spotify"]), "validate_pwa_installed", tmp_path, app_name="pwabuilder")
        == "app_not_installed"
    )
