"""Chrome metrics: tabs, the active tab, bookmarks, cookies, history, extensions.

Written from the behaviour of OSWorld's `metrics/chrome.py` and its URL helpers
in `metrics/utils.py`. The values come from the Chromium getters
(getters_chrome.py, getters_chrome_profile.py).
"""

from __future__ import annotations

import logging
import re
from itertools import product
from typing import Any
from urllib.parse import urlparse, urlunparse

from benchmarks.osworld.metrics import metric

log = logging.getLogger(__name__)


def compare_urls(url1: str | None, url2: str | None) -> bool:
    """Equal after normalising: scheme defaults to http, host lower-cased without
    "www.", a bare "/" path dropped; query and fragment still count."""
    if url1 is None or url2 is None:
        return url1 == url2

    def normal(url: str) -> str:
        parsed = urlparse(url)
        scheme = (parsed.scheme or "http").lower()
        netloc = parsed.netloc.lower().replace("www.", "")
        path = parsed.path if parsed.path != "/" else ""
        return urlunparse(parsed._replace(scheme=scheme, netloc=netloc, path=path))

    return normal(url1) == normal(url2)


def are_lists_equal(list1: list[Any], list2: list[Any], same: Any) -> bool:
    """Same length, and every item of list1 has some `same` item in list2 (upstream's
    loose check: duplicates are not paired off)."""
    if len(list1) != len(list2):
        return False
    return all(any(same(a, b) for b in list2) for a in list1)


def _url_of(tab: Any) -> str | None:
    return tab.get("url") if isinstance(tab, dict) else tab


@metric
def is_expected_tabs(open_tabs: list[dict[str, str]] | None, rule: dict[str, Any]) -> float:
    """The open tabs' URLs are the expected ones (any order)."""
    if rule["type"] != "url":
        log.error("is_expected_tabs: unknown type %r", rule["type"])
        return 0.0
    if open_tabs is None:  # upstream iterates it and fails: a failure scores 0
        return 0.0
    return float(are_lists_equal(rule["urls"], [tab["url"] for tab in open_tabs], compare_urls))


@metric
def is_expected_active_tab(active_tab_info: Any, rule: dict[str, Any]) -> float:
    """The active tab (a `{url}` dict or a URL) is the expected URL."""
    if not active_tab_info:
        return 0.0
    if rule["type"] != "url":
        log.error("is_expected_active_tab: unknown type %r", rule["type"])
        return 0.0
    return float(compare_urls(rule["url"], _url_of(active_tab_info)))


@metric
def is_expected_active_tab_approximate(active_tab_info: Any, rule: dict[str, Any]) -> float:
    """Like is_expected_active_tab, but exact URLs compared without their query."""
    if not active_tab_info:
        return 0.0
    if rule["type"] != "url":
        log.error("is_expected_active_tab_approximate: unknown type %r", rule["type"])
        return 0.0
    actual = _url_of(active_tab_info)
    if actual is None:
        return 0.0

    def strip_query(url: str) -> str:
        return urlunparse(urlparse(url)._replace(query=""))

    return float(strip_query(rule["url"]) == strip_query(actual))


@metric
def is_expected_search_query(active_tab_info: dict[str, str] | None, rules: dict[str, Any]) -> float:
    """The active tab's URL matches `expect.pattern` (a regex, searched)."""
    if not active_tab_info:
        return 0.0
    return float(re.search(rules["expect"]["pattern"], active_tab_info["url"]) is not None)


@metric
def is_expected_bookmarks(bookmarks: Any, rule: dict[str, Any]) -> float:
    """Checks on the bookmark bar (`roots` of Chrome's Bookmarks file):
    `bookmark_bar_folders_names` — its folders are exactly `names` (as a set);
    `bookmark_bar_websites_urls` — its links are exactly `urls` (as a set);
    `liked_authors_websites_urls` — its "Liked Authors" folder holds one URL
    chosen from each of the `urls` alternatives, and nothing else."""
    if not bookmarks:
        return 0.0
    bar = bookmarks["bookmark_bar"]["children"]
    kind = rule["type"]
    if kind == "bookmark_bar_folders_names":
        return float({b["name"] for b in bar if b["type"] == "folder"} == set(rule["names"]))
    if kind == "bookmark_bar_websites_urls":
        return float({b["url"] for b in bar if b["type"] == "url"} == set(rule["urls"]))
    if kind == "liked_authors_websites_urls":
        folder = next((b for b in bar if b["type"] == "folder" and b["name"] == "Liked Authors"), None)
        if folder is None:
            return 0.0
        have = {b["url"] for b in folder["children"] if b["type"] == "url"}
        choices = [[u] if isinstance(u, str) else u for u in rule["urls"]]
        return float(any(set(combo) == have for combo in product(*choices)))
    raise TypeError(f"is_expected_bookmarks: {kind} not supported")


@metric
def is_expected_installed_extensions(installed_extensions: list[str] | None, expected: dict[str, Any]) -> float:
    """Every expected extension name is among the installed ones."""
    if installed_extensions is None:
        return 0.0
    return float(set(expected["expected"]).issubset(set(installed_extensions)))


@metric
def is_cookie_deleted(cookie_data: list[tuple] | None, rule: dict[str, Any]) -> float:
    """No cookie's host (column 1 of the cookies table) equals one of `domains`."""
    if rule["type"] != "domains":
        raise TypeError(f"is_cookie_deleted: {rule['type']} not supported")
    if cookie_data is None:  # no Cookies database to read: upstream fails, 0
        return 0.0
    hosts = [row[1] for row in cookie_data]
    return float(not any(compare_urls(d, h) for d in rule["domains"] for h in hosts))


@metric
def check_history_deleted(history_data: list[tuple] | None, rule: dict[str, Any]) -> float:
    """No history URL contains one of `keywords`."""
    if rule["type"] != "keywords":
        raise TypeError(f"check_history_deleted: {rule['type']} not supported")
    if history_data is None:
        return 0.0
    urls = [row[0] for row in history_data]
    return float(not any(k in u for k in rule["keywords"] for u in urls))


@metric
def is_shortcut_on_desktop(shortcuts: dict[str, str] | None, rule: dict[str, Any]) -> float:
    """A `.desktop` file on the Desktop has the line `Name=<name>`."""
    if rule["type"] != "name":
        raise TypeError(f"is_shortcut_on_desktop: {rule['type']} not supported")
    if not shortcuts:
        return 0.0
    line = "Name=" + rule["name"] + "\n"
    return float(any(line in text for text in shortcuts.values()))


@metric
def check_font_size(font_size: dict[str, Any] | None, rule: dict[str, Any]) -> float:
    """Chrome's default font size equals `value`, or lies strictly inside (min, max)."""
    if font_size is None:
        return 0.0
    size = font_size["default_font_size"]
    if rule["type"] == "value":
        return float(size == rule["value"])
    if rule["type"] == "range":
        return float(rule["min"] < size < rule["max"])
    raise TypeError(f"check_font_size: {rule['type']} not supported")


@metric
def is_added_to_steam_cart(active_tab_info: dict[str, str] | None, rule: dict[str, Any]) -> float:
    """Every item name appears in the page's content."""
    if not active_tab_info:
        return 0.0
    content = active_tab_info["content"]
    return float(all(item in content for item in rule["items"]))


@metric
def match_in_list(result: Any, rules: dict[str, Any]) -> float:
    """The result is one of `expected` (general.py)."""
    return float(result in rules["expected"])
