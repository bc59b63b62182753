"""Chrome metrics through the profile getters, on files laid out as Chrome writes
them (Bookmarks JSON, Cookies and History SQLite, Preferences): right and wrong answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.chrome import compare_urls, split_host

PROFILE = "/home/user/.config/google-chrome/Default"


def _folder(name: str, children: list[dict], id_: str = "5") -> dict:
    return {
        "children": children,
        "date_added": "13350000000000000",
        "date_modified": "0",
        "id": id_,
        "name": name,
        "type": "folder",
    }


def _link(name: str, url: str, id_: str = "6") -> dict:
    return {
        "date_added": "13350000000000000",
        "guid": "00000000-0000-4000-8000-000000000000",
        "id": id_,
        "name": name,
        "type": "url",
        "url": url,
    }


def _bookmarks(bar: list[dict]) -> bytes:
    roots = {
        "bookmark_bar": _folder("Bookmarks bar", bar, "1"),
        "other": _folder("Other bookmarks", [], "2"),
        "synced": _folder("Mobile bookmarks", [], "3"),
    }
    return json.dumps({"checksum": "0" * 32, "roots": roots, "version": 1}).encode()


@pytest.fixture
def ctx_for(recording_desktop, tmp_path):
    def make(files: dict[str, bytes]) -> EvalContext:
        return EvalContext(desktop=recording_desktop(files=files), cache_dir=tmp_path / "cache")

    return make


def _bookmark_score(ctx_for, bar: list[dict], rule: dict) -> float:
    ctx = ctx_for({f"{PROFILE}/Bookmarks": _bookmarks(bar)})
    return METRICS["is_expected_bookmarks"](GETTERS["bookmarks"](ctx, {}), rule)


def test_bookmark_bar_folders_and_urls(ctx_for):
    bar = [
        _folder("Favorites", []),
        _link("Transformer", "https://jalammar.github.io/illustrated-transformer/"),
    ]
    assert (
        _bookmark_score(ctx_for, bar, {"type": "bookmark_bar_folders_names", "names": ["Favorites"]}) == 1.0
    )
    assert (
        _bookmark_score(ctx_for, bar[1:], {"type": "bookmark_bar_folders_names", "names": ["Favorites"]})
        == 0.0
    )
    rule = {
        "type": "bookmark_bar_websites_urls",
        "urls": ["https://jalammar.github.io/illustrated-transformer/"],
    }
    assert _bookmark_score(ctx_for, bar, rule) == 1.0
    assert _bookmark_score(ctx_for, [_link("x", "https://example.org/")], rule) == 0.0
    # No Bookmarks file at all: the getter gives [] and the metric 0.
    ctx = ctx_for({})
    assert METRICS["is_expected_bookmarks"](GETTERS["bookmarks"](ctx, {}), rule) == 0.0


def test_liked_authors_one_url_per_author(ctx_for):
    rule = {
        "type": "liked_authors_websites_urls",
        "names": ["Liked Authors"],
        "urls": [["https://jimfan.me/", "https://www.linkedin.com/in/drjimfan/"], "https://yukezhu.me/"],
    }
    good = [
        _folder(
            "Liked Authors",
            [_link("Jim", "https://www.linkedin.com/in/drjimfan/"), _link("Yuke", "https://yukezhu.me/")],
        )
    ]
    both_of_one = [
        _folder(
            "Liked Authors",
            [_link("Jim", "https://jimfan.me/"), _link("Jim2", "https://www.linkedin.com/in/drjimfan/")],
        )
    ]
    assert _bookmark_score(ctx_for, good, rule) == 1.0
    assert _bookmark_score(ctx_for, both_of_one, rule) == 0.0
    assert _bookmark_score(ctx_for, [_folder("Authors", good[0]["children"])], rule) == 0.0


def _sqlite(path: Path, schema: str, insert: str, rows: list[tuple]) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute(schema)
        conn.executemany(insert, rows)
    return path.read_bytes()


COOKIES = (
    "CREATE TABLE cookies(creation_utc INTEGER NOT NULL, host_key TEXT NOT NULL, "
    "top_frame_site_key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, "
    "encrypted_value BLOB NOT NULL, path TEXT NOT NULL, expires_utc INTEGER NOT NULL, "
    "is_secure INTEGER NOT NULL, is_httponly INTEGER NOT NULL)"
)


def test_is_cookie_deleted(ctx_for, tmp_path):
    insert = "INSERT INTO cookies VALUES (?, ?, '', ?, '', x'', '/', 0, 1, 0)"
    with_amazon = _sqlite(
        tmp_path / "a.db", COOKIES, insert, [(1, ".amazon.com", "session-id"), (2, ".google.com", "NID")]
    )
    without = _sqlite(tmp_path / "b.db", COOKIES, insert, [(2, ".google.com", "NID")])
    rule = {"type": "domains", "domains": [".amazon.com"]}
    for data, want in ((with_amazon, 0.0), (without, 1.0)):
        ctx = ctx_for({f"{PROFILE}/Cookies": data})
        assert METRICS["is_cookie_deleted"](GETTERS["cookie_data"](ctx, {"dest": "Cookies"}), rule) == want


def test_check_history_deleted(ctx_for, tmp_path):
    schema = (
        "CREATE TABLE urls(id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR, "
        "visit_count INTEGER DEFAULT 0, last_visit_time INTEGER NOT NULL)"
    )
    insert = "INSERT INTO urls(url, title, last_visit_time) VALUES (?, ?, 0)"
    rule = {"type": "keywords", "keywords": ["youtube"]}
    dirty = _sqlite(
        tmp_path / "h1.db",
        schema,
        insert,
        [("https://www.youtube.com/watch?v=1", "v"), ("https://example.org/", "e")],
    )
    clean = _sqlite(tmp_path / "h2.db", schema, insert, [("https://example.org/", "e")])
    for data, want in ((dirty, 0.0), (clean, 1.0)):
        ctx = ctx_for({f"{PROFILE}/History": data})
        assert METRICS["check_history_deleted"](GETTERS["history"](ctx, {"dest": "History"}), rule) == want


def _prefs(**extra) -> bytes:
    return json.dumps({"profile": {"name": "Person 1"}, **extra}).encode()


def test_installed_extensions_and_font_size(ctx_for):
    ext = {
        "extensions": {
            "settings": {
                "abc": {"manifest": {"name": "Momentum"}, "path": "abc/1"},
                "def": {"manifest": {"name": "Google Translate"}, "path": "def/2"},
            }
        },
        "webkit": {"webprefs": {"default_font_size": 20}},
    }
    ctx = ctx_for({f"{PROFILE}/Preferences": _prefs(**ext)})
    names = GETTERS["find_installed_extension_name"](ctx, {})
    f = METRICS["is_expected_installed_extensions"]
    assert f(names, {"expected": ["Momentum", "Google Translate"]}) == 1.0
    assert f(names, {"expected": ["Momentum", "React Developer Tools"]}) == 0.0
    assert f(["Zoom Chrome Extension"], {"expected": ["Zoom for Google Chrome"]}) == 1.0  # an alias
    assert f([], {"expected": []}) == 0.0
    size = GETTERS["chrome_font_size"](ctx, {})
    assert METRICS["check_font_size"](size, {"type": "range", "min": 16, "max": 99999}) == 1.0
    assert METRICS["check_font_size"](size, {"type": "value", "value": 16}) == 0.0
    default = GETTERS["chrome_font_size"](ctx_for({}), {})  # no Preferences: Chrome's default, 16
    assert METRICS["check_font_size"](default, {"type": "range", "min": 16, "max": 99999}) == 0.0


def test_match_in_list_on_search_engine(ctx_for):
    prefs = _prefs(default_search_provider_data={"template_url_data": {"short_name": "Bing"}})
    engine = GETTERS["default_search_engine"](ctx_for({f"{PROFILE}/Preferences": prefs}), {})
    assert METRICS["match_in_list"](engine, {"expected": ["Microsoft Bing", "Bing"]}) == 1.0
    google = GETTERS["default_search_engine"](ctx_for({}), {})
    assert METRICS["match_in_list"](google, {"expected": ["Microsoft Bing", "Bing"]}) == 0.0


def test_compare_urls_normalises_host_and_root_path():
    assert compare_urls("https://www.Apple.com/", "https://apple.com")
    assert compare_urls("example.org/a", "HTTP://example.org/a")  # no scheme: http
    assert compare_urls("https://www.airbnb.com/", "https://www.airbnb.com.sg")  # suffix dropped
    assert compare_urls("https://scholar.google.com/", "https://scholar.google.co.uk/")
    assert not compare_urls("https://scholar.google.com/", "https://google.com/")
    assert not compare_urls("https://apple.com/a", "https://apple.com/b")
    assert not compare_urls("https://apple.com/?q=1", "https://apple.com/?q=2")
    assert compare_urls("https://apple.com/?q=1", "https://apple.com/?q=2", full=False)
    assert compare_urls("file:///home/user/a.html", "file:///home/user/a.html")
    assert not compare_urls("file:///home/user/a.html", "file:///home/user/b.html")
    assert compare_urls(None, None) and not compare_urls(None, "https://apple.com")


def test_split_host():
    assert split_host("www.bbc.co.uk") == ("www", "bbc")
    assert split_host("docs.python.org:8080") == ("docs", "python")
    assert split_host("localhost") == ("", "localhost")


def test_is_expected_tabs():
    f = METRICS["is_expected_tabs"]
    rule = {"type": "url", "urls": ["https://www.apple.com/", "https://scholar.google.com/"]}
    tabs = [
        {"title": "Scholar", "url": "https://scholar.google.com/"},
        {"title": "Apple", "url": "https://apple.com"},
    ]
    assert f(tabs, rule) == 1.0
    assert f(tabs[:1], rule) == 0.0
    assert f(tabs + [{"title": "x", "url": "https://x.org/"}], rule) == 0.0
    assert f(None, rule) == 0.0


def test_active_tab_metrics():
    rule = {"type": "url", "url": "https://www.drugs.com/npc/"}
    f = METRICS["is_expected_active_tab"]
    assert f({"title": "t", "url": "https://drugs.com/npc/"}, rule) == 1.0
    assert f("https://www.drugs.com/npp/", rule) == 0.0
    assert f(None, rule) == 0.0
    approx = METRICS["is_expected_active_tab_approximate"]
    rule = {"type": "url", "url": "chrome://password-manager/passwords"}
    assert approx("chrome://password-manager/passwords?search=x", rule) == 1.0
    assert approx("chrome://password-manager/settings", rule) == 0.0
    search = METRICS["is_expected_search_query"]
    rules = {"expect": {"pattern": r"(?i)https?://(?:www\.)?google\.com/search\?q=nereida(?:&|$|#)"}}
    assert search({"url": "https://www.google.com/search?q=nereida&oq=n"}, rules) == 1.0
    assert search({"url": "https://www.google.com/search?q=nereidas"}, rules) == 0.0


def test_shortcut_and_steam_cart(recording_desktop, tmp_path):
    entry = (
        b"[Desktop Entry]\nVersion=1.0\nName=Play Puzzle Game 2048\nExec=chromium --app=https://play2048.co\n"
    )
    desktop = recording_desktop(
        files={"/home/user/Desktop/2048.desktop": entry},
        dirs={
            "/home/user/Desktop": {
                "type": "directory",
                "name": "Desktop",
                "children": [{"type": "file", "name": "2048.desktop"}],
            }
        },
    )
    shortcuts = GETTERS["shortcuts_on_desktop"](EvalContext(desktop=desktop, cache_dir=tmp_path), {})
    f = METRICS["is_shortcut_on_desktop"]
    assert f(shortcuts, {"type": "name", "name": "Play Puzzle Game 2048"}) == 1.0
    assert f(shortcuts, {"type": "name", "name": "play puzzle game"}) == 1.0  # contained, any case
    assert f(shortcuts, {"type": "name", "name": "Minesweeper"}) == 0.0
    assert f(shortcuts, {"type": "exec", "exec": "chromium --app=https://play2048.co"}) == 1.0
    assert f(shortcuts, {"type": "exec", "exec": "firefox https://play2048.co"}) == 0.0
    assert f({}, {"type": "name", "name": "Play Puzzle Game 2048"}) == 0.0
    cart = METRICS["is_added_to_steam_cart"]
    assert (
        cart(
            {"content": "Your cart: The Dota 2 Official Soundtrack $9.99"},
            {"items": ["The Dota 2 Official Soundtrack"]},
        )
        == 1.0
    )
    assert cart({"content": "Your cart is empty"}, {"items": ["The Dota 2 Official Soundtrack"]}) == 0.0


def test_is_expected_url_pattern_match():
    rules = {"expected": [r"^https://www\.example\.com/", r"q=shoes"]}
    f = METRICS["is_expected_url_pattern_match"]
    assert f("https://www.example.com/search?q=shoes", rules) == 1.0
    assert f({"url": "https://www.example.com/search?q=shoes", "title": "x"}, rules) == 1.0
    assert f("https://www.example.com/search?q=hats", rules) == 0.0
    assert f(None, rules) == 0.0
