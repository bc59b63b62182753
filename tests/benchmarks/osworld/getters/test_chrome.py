"""Chrome getters: the address bar in an accessibility tree, page reads over CDP, profile files.

The parsing is checked on trees and files built here; the DevTools parts against a
real Chromium on the session desktop, showing pages served inside that desktop.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from benchmarks.osworld.chrome import ChromeDevTools, ChromeError
from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.chrome import address_bar_text
from benchmarks.osworld.getters.chrome_html import html_parse
from benchmarks.osworld.getters.chrome_page import ChromePages
from envs.base import CommandOutput

NS = 'xmlns:st="uri:deskat:state.at-spi.gnome.org" xmlns:attr="uri:deskat:attributes.at-spi.gnome.org"'


def tree(*apps: tuple[str, str | None]) -> str:
    """An accessibility tree with one window per (application name, address bar text)."""
    body = "".join(
        f'<application name="{name}"><frame name="w"><entry name="Address and search bar" '
        f'st:editable="true">{escape(text or "")}</entry></frame></application>'
        for name, text in apps
    )
    return f'<desktop-frame {NS} name="Desktop">{body}</desktop-frame>'


def test_the_address_bar_of_chromium_or_google_chrome_and_nothing_else():
    assert address_bar_text(tree(("Chromium", "example.com/a?b=1"))) == "example.com/a?b=1"
    assert address_bar_text(tree(("Google Chrome", "x.org/"))) == "x.org/"
    assert address_bar_text(tree(("Firefox", "x.org/"))) is None
    # Upstream: several windows give the first one's text, unless the last one is empty.
    assert address_bar_text(tree(("Chromium", "one.com"), ("Chromium", "two.com"))) == "one.com"
    assert address_bar_text(tree(("Chromium", "one.com"), ("Chromium", None))) is None
    assert address_bar_text("<not xml") is None


@dataclass
class FakeDesktop:
    """The calls the Chrome getters make, answered from memory."""

    a11y: str = ""
    files: dict[str, bytes] | None = None
    home: str = "/home/user"

    def accessibility_tree(self) -> str:
        return self.a11y

    def execute(self, command, shell=False) -> CommandOutput:
        assert command == ["sh", "-c", 'printf %s "$HOME"'], command
        return CommandOutput(0, self.home, "")

    def read_file(self, path: str) -> bytes:
        from envs.base import DesktopError

        if path not in (self.files or {}):
            raise DesktopError("/file", 404, f"no such file: {path}")
        return self.files[path]  # type: ignore[index]

    def list_directory(self, path: str):
        from envs.base import DesktopError

        raise DesktopError("/list_directory", 404, path)


def get(desktop, name: str, tmp_path: Path, **spec):
    return GETTERS[name](EvalContext(desktop, tmp_path), spec)


def test_the_active_url_and_its_parts(tmp_path):
    d = FakeDesktop(
        tree(
            (
                "Chromium",
                "shop.example.com/mens-clothing/shirts/Men_regular_size_t,"
                "Price_discount_range/M,50_PERCENT_ off %26 more/item?id=7&q=a,b",
            )
        )
    )
    url = get(d, "active_url_from_accessTree", tmp_path, goto_prefix="https://www.")
    assert url.startswith("https://www.shop.example.com/mens-clothing/")
    assert get(d, "active_url_from_accessTree", tmp_path).startswith("https://shop.")  # default prefix
    parsed = get(d, "active_tab_url_parse", tmp_path, parse_keys=["q", "id", "none"], replace={"q": "query"})
    assert parsed == {"id": "7", "none": "", "query": "a,b"}
    assert get(d, "active_tab_url_parse", tmp_path, parse_keys=["q"], split_list=True) == {"q": ["a", "b"]}
    assert get(d, "url_dashPart", tmp_path, partIndex=-1, needDeleteId=True, returnType="string") == "item"
    assert get(d, "url_dashPart", tmp_path, partIndex=-1, returnType="json", key="k") == {
        "k": "item?id=7&q=a,b"
    }
    assert get(d, "url_dashPart", tmp_path, partIndex=99, returnType="string") is None
    macys = get(d, "url_path_parse", tmp_path, parse_keys=["Men_regular_size_t", "Price_discount_range"])
    assert macys == {
        "mens_clothing": True,
        "shirts": True,
        "short_sleeve": None,
        "Men_regular_size_t": "M",
        "Price_discount_range": "50_PERCENT_ off & more",
    }
    nothing = FakeDesktop(tree(("Files", "x")))
    for name in ("active_url_from_accessTree", "active_tab_url_parse", "url_dashPart", "active_tab_info"):
        assert get(nothing, name, tmp_path, parse_keys=["q"], partIndex=0, returnType="string") is None


def test_html_parse_builds_upstreams_keys_from_the_page_reads():
    spec = {
        "category": "class",
        "class_multiObject": {"price": {"0": "low", "2": "high"}},
        "class_singleObject": {"title": "name", "gone": "missing"},
    }
    assert html_parse(spec, [["$1", "$2"], ["Shoes"], []]) == {
        "low": "$1",
        "high": "",
        "name": "Shoes",
        "missing": "",
    }
    spec = {"category": "class", "class_multiObject_search_exist": {"tag": ["red", "blue", "is_other_exist"]}}
    assert html_parse(spec, [["red", "green"]]) == {"red": True, "blue": False, "is_other_exist": True}
    spec = {"category": "xpath", "xpathObject": {"/html/body/p[1]": "first", "/html/body/p[9]": "ninth"}}
    assert html_parse(spec, [["hello"], []]) == {"first": "hello", "ninth": ""}
    spec = {
        "category": "class&url",
        "class_multiObject": {"chip": ["Red", "Large"]},
        "url_include_expected": ["SORT=price"],
        "url_include_expected_multichoice": {"size=l": "Large"},
    }
    got = html_parse(spec, [["red", "large"], ["https://s.com/?sort=price&size=l"]])
    assert got == {"red": True, "large": True, "is_other_exist": False, "sort=price": True}


def test_profile_files_and_upstreams_fallbacks(tmp_path):
    root = "/home/user/.config/google-chrome"
    prefs = {
        "default_search_provider_data": {"template_url_data": {"short_name": "Bing"}},
        "profile": {"name": "Work"},
        "enable_do_not_track": True,
        "safebrowsing": {"enabled": True},
        "session": {"restore_on_startup": 5},
        "extensions": {"settings": {"a": {"path": "/home/user/ext", "manifest": {"name": "Helper"}}}},
        "browser": {"theme": {"color_scheme2": 2}},
    }
    history = tmp_path / "History"
    with sqlite3.connect(history) as db:
        db.execute("CREATE TABLE urls (id INTEGER, url TEXT, title TEXT, last_visit_time INTEGER)")
        db.execute("INSERT INTO urls VALUES (1, 'http://a.test/', 'A', 42)")
    d = FakeDesktop(
        files={
            f"{root}/Default/Preferences": json.dumps(prefs).encode(),
            f"{root}/Local State": b'{"intl": {"app_locale": "fr"}}',
            f"{root}/Default/Bookmarks": b'{"roots": {"bookmark_bar": {"children": []}}}',
            f"{root}/Default/History": history.read_bytes(),
        }
    )
    cache = tmp_path / "cache"
    assert get(d, "default_search_engine", cache) == "Bing"
    assert get(d, "profile_name", cache) == "Work"
    assert get(d, "chrome_language", cache) == "fr"
    assert get(d, "enabled_experiments", cache) == []
    assert get(d, "enable_do_not_track", cache) == "true"
    assert get(d, "enable_safe_browsing", cache) == "true"
    assert get(d, "new_startup_page", cache) == "true"
    assert get(d, "find_unpacked_extension_path", cache) == ["/home/user/ext"]
    assert get(d, "find_installed_extension_name", cache) == ["Helper"]
    assert get(d, "chrome_appearance_mode_ui", cache) == "dark"
    assert get(d, "bookmarks", cache) == {"bookmark_bar": {"children": []}}
    assert get(d, "history", cache, dest="history.sqlite") == [("http://a.test/", "A", 42)]
    assert (cache / "history.sqlite").is_file()

    empty = FakeDesktop(files={})
    assert get(empty, "default_search_engine", cache) == "Google"
    assert get(empty, "enable_do_not_track", cache) == "false"
    assert get(empty, "new_startup_page", cache) == "Google"  # upstream's quirk on a missing file
    assert get(empty, "chrome_font_size", cache) == {"default_fixed_font_size": 13, "default_font_size": 16}
    assert get(empty, "bookmarks", cache) == []
    assert get(empty, "history", cache, dest="h.sqlite") is None
    assert get(empty, "cookie_data", cache, dest="c.sqlite") is None
    assert get(empty, "extensions_installed_from_shop", cache) == []


def test_tab_getters_need_a_desktop_that_runs_python(tmp_path):
    with pytest.raises(TypeError, match="run_python"):
        get(FakeDesktop(), "open_tabs_info", tmp_path)


SITE = {
    "index.html": "<html><head><title>Home</title></head><body><h1 class='t'>Welcome</h1>"
    "<p class='price'>$3</p><p class='price'>$5</p></body></html>",
    "page2.html": "<html><head><title>Two</title></head><body><p class='msg'>hello</p>"
    "<p class='msg'>world</p><input id='i' value=' typed '><div>Total: 8 items</div></body></html>",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(client, command: str) -> int:
    return int(client.execute(f"{command} >/dev/null 2>&1 & echo $!", shell=True).output.split()[-1])


def _devtools_port(client) -> int | None:
    try:
        return int(client.read_file("/home/user/.config/google-chrome/DevToolsActivePort").split()[0])
    except Exception:  # noqa: BLE001 - not written yet
        return None


@pytest.fixture(scope="module")
def browser(desktop):
    """Chromium (with a window: the address bar lives in its accessibility tree) showing
    pages served inside the desktop; its profile where OSWorld's getters look, its
    DevTools on a port of its choosing, which the getters find in the profile."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    from tests.conftest import wait_for

    with desktop.client() as client:
        for name, body in SITE.items():
            client.upload_file(f"/tmp/deskpilot-site/{name}", body.encode())
        client.execute(["rm", "-f", "/home/user/.config/google-chrome/DevToolsActivePort"])
        web_port = _free_port()
        server = _start(
            client, f"python -m http.server {web_port} --bind 127.0.0.1 --directory /tmp/deskpilot-site"
        )
        chrome = _start(
            client,
            "chromium --no-sandbox --no-first-run --no-default-browser-check "
            "--user-data-dir=/home/user/.config/google-chrome "
            f"--remote-debugging-port=0 http://127.0.0.1:{web_port}/index.html",
        )
        try:
            cdp_port = wait_for(lambda: _devtools_port(client), timeout=60, what="DevToolsActivePort")
            ChromeDevTools(client, cdp_port, ready_timeout=60).version()
            yield {"cdp": cdp_port, "web": f"http://127.0.0.1:{web_port}"}
        finally:
            client.execute(["kill", str(chrome), str(server)])
            client.execute(
                f"for i in $(seq 100); do kill -0 {chrome} 2>/dev/null || break; sleep 0.1; done", shell=True
            )


@pytest.fixture
def ctx(client, browser, tmp_path):
    return EvalContext(client, tmp_path)  # no port given: the getters read the profile's


def test_the_active_tab_of_a_real_chromium(ctx, client, browser, until):
    web = browser["web"]
    read = GETTERS["active_url_from_accessTree"]
    until(
        lambda: read(ctx, {"goto_prefix": "http://"}) == f"{web}/index.html",
        timeout=30,
        what="the address bar to show the start page",
    )
    tools = ChromeDevTools(client, browser["cdp"])
    # Like OSWorld's chrome_open_tabs step: the start tab is closed, the last one opened is active.
    tools.open_tabs([f"{web}/index.html", f"{web}/page2.html?x=1&y=two"])
    until(
        lambda: read(ctx, {"goto_prefix": "http://"}) == f"{web}/page2.html?x=1&y=two",
        timeout=30,
        what="the address bar to show the new tab",
    )
    assert GETTERS["active_tab_url_parse"](
        ctx, {"goto_prefix": "http://", "parse_keys": ["x", "y", "z"]}
    ) == {"x": "1", "y": "two", "z": ""}

    spec = {
        "goto_prefix": "http://",
        "category": "class",
        "class_multiObject": {"msg": {"0": "a", "1": "b"}},
        "class_singleObject": {"nothing": "none"},
    }
    assert GETTERS["active_tab_html_parse"](ctx, spec) == {"a": "hello", "b": "world", "none": ""}
    spec = {"goto_prefix": "http://", "category": "input", "inputObject": {"//input[@id='i']": "typed"}}
    assert GETTERS["active_tab_html_parse"](ctx, spec) == {"typed": "typed"}
    spec = {"goto_prefix": "http://", "category": "label", "labelObject": {"Total:": "total"}}
    assert GETTERS["active_tab_html_parse"](ctx, spec) == {"total": "Total: 8 items"}
    info = GETTERS["active_tab_info"](ctx, {"goto_prefix": "http://"})
    assert info["title"] == "Two" and "world" in info["content"]

    tabs = GETTERS["open_tabs_info"](ctx, {})
    assert sorted((t["title"], t["url"]) for t in tabs) == [
        ("Home", f"{web}/index.html"),
        ("Two", f"{web}/page2.html?x=1&y=two"),
    ]


def test_pages_visited_in_a_fresh_context(ctx, browser, client):
    web = browser["web"]
    before = {t["id"] for t in ChromeDevTools(client, browser["cdp"]).tabs()}
    page = GETTERS["page_info"](ctx, {"url": f"{web}/index.html"})
    assert page["title"] == "Home" and "$5" in page["content"]
    pdf = GETTERS["pdf_from_url"](ctx, {"path": f"{web}/index.html", "dest": "index.pdf"})
    assert Path(pdf).read_bytes().startswith(b"%PDF") and Path(pdf).stat().st_size > 500
    assert {t["id"] for t in ChromeDevTools(client, browser["cdp"]).tabs()} == before  # closed again


def test_the_real_profile_files(ctx, browser, until, tmp_path):
    # A fresh profile's Preferences file is written a moment after the start.
    until(
        lambda: isinstance(GETTERS["profile_name"](ctx, {}), str),
        timeout=60,
        interval=0.5,
        what="Chromium to write its Preferences",
    )
    assert GETTERS["default_search_engine"](ctx, {}) == "Google"
    # Chromium writes its History database a few seconds after a visit.
    until(
        lambda: any(
            row[0] == f"{browser['web']}/index.html"
            for row in GETTERS["history"](ctx, {"dest": "History"}) or []
        ),
        timeout=60,
        interval=1.0,
        what="the visit to reach the History database",
    )


def test_no_browser_gives_upstreams_empty_answers(client, tmp_path):
    context = EvalContext(client, tmp_path)
    context.chrome_port = _free_port()  # type: ignore[attr-defined]
    assert GETTERS["open_tabs_info"](context, {}) == []
    assert GETTERS["page_info"](context, {"url": "http://127.0.0.1:9/"})["title"] == "Connection failed"
    with pytest.raises(ChromeError, match="no DevTools endpoint"):
        ChromePages(client, context.chrome_port).visit("about:blank")  # type: ignore[attr-defined]
