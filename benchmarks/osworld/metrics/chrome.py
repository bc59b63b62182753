"""Chrome metrics: tabs, the active tab and its URL, bookmarks, cookies, history,
extensions, font size, desktop shortcuts.

Written from the behaviour of OSWorld's `metrics/chrome.py` and its URL helpers
in `metrics/utils.py` (as of commit 87df18ff). The values come from the Chrome
getters (`getters/chrome.py`, `getters/chrome_profile.py`).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from itertools import product
from typing import Any
from urllib.parse import ParseResult, urlparse, urlunparse

log = logging.getLogger(__name__)


# Second-level labels under which a two-label public suffix (co.uk, com.sg, ...) is
# assumed when tldextract (and its Public Suffix List) is not installed.
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "go", "gob", "nic", "mil"}


@lru_cache(maxsize=1)
def _tldextract() -> Any:
    try:
        import tldextract
    except ImportError:
        return None
    return tldextract.TLDExtract(suffix_list_urls=())  # its bundled list: no network


def split_host(host: str) -> tuple[str, str]:
    """(subdomain, registered name without its public suffix) of a host name.

    tldextract's answer when it is installed (upstream uses it); otherwise the last
    label is the suffix, or the last two for a 2-letter country code under a
    common second-level label (co.uk, com.sg)."""
    extract = _tldextract()
    if extract is not None:
        parts = extract(host)
        return parts.subdomain, parts.domain
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    labels = [label for label in host.split(".") if label]
    if len(labels) <= 1 or all(label.isdigit() for label in labels):
        return "", host  # "localhost", an IP address: no suffix
    cut = 2 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 1
    rest = labels[:-cut]
    return ".".join(rest[:-1]), rest[-1]


def compare_urls(url1: str | None, url2: str | None, full: bool = True) -> bool:
    """Equal after upstream's normalisation: a missing scheme is http; the host is
    reduced to subdomain + name, its public suffix dropped (airbnb.com and
    airbnb.com.sg match) and a lone "www" subdomain too; a bare "/" path is
    empty; params, query and fragment count only when `full`."""
    if url1 is None or url2 is None:
        return url1 == url2

    def normal(url: str) -> str:
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+\-.]*://", url):
            url = f"http://{url}"
        parsed = urlparse(url)
        sub, name = split_host(parsed.netloc.lower())
        if sub == "www":
            sub = ""
        return urlunparse(
            ParseResult(
                scheme=parsed.scheme.lower(),
                netloc=f"{sub}.{name}" if sub else name,
                path=parsed.path if parsed.path != "/" else "",
                params=parsed.params if full else "",
                query=parsed.query if full else "",
                fragment=parsed.fragment if full else "",
            )
        )

    return normal(url1) == normal(url2)


def are_lists_equal(list1: list[Any], list2: list[Any], same: Any) -> bool:
    """Same length, and every item of list1 has some `same` item in list2 (upstream's
    loose check: duplicates are not paired off)."""
    if len(list1) != len(list2):
        return False
    return all(any(same(a, b) for b in list2) for a in list1)


def _url_of(tab: Any) -> str | None:
    return tab.get("url") if isinstance(tab, dict) else tab


def is_expected_tabs(open_tabs: list[dict[str, str]] | None, rule: dict[str, Any]) -> float:
    """The open tabs' URLs are the expected ones (any order)."""
    if rule["type"] != "url":
        log.error("is_expected_tabs: unknown type %r", rule["type"])
        return 0.0
    if not open_tabs:
        return 0.0
    return float(are_lists_equal(rule["urls"], [tab["url"] for tab in open_tabs], compare_urls))


def is_expected_active_tab(active_tab_info: Any, rule: dict[str, Any]) -> float:
    """The active tab (a `{url}` dict or a URL) is the expected URL."""
    if not active_tab_info:
        return 0.0
    if rule["type"] != "url":
        log.error("is_expected_active_tab: unknown type %r", rule["type"])
        return 0.0
    return float(compare_urls(rule["url"], _url_of(active_tab_info)))


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


def is_expected_search_query(active_tab_info: dict[str, str] | None, rules: dict[str, Any]) -> float:
    """The active tab's URL matches `expect.pattern` (a regex, searched)."""
    if not active_tab_info:
        return 0.0
    return float(re.search(rules["expect"]["pattern"], active_tab_info["url"]) is not None)


def is_expected_url_pattern_match(result: Any, rules: dict[str, Any]) -> float:
    """Every regex in `rules["expected"]` is found in the URL (a string, or a dict's "url")."""
    if not result:
        return 0.0
    url = result["url"] if isinstance(result, dict) else result
    return float(all(re.search(p, url) for p in rules["expected"]))


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


# Names one extension has had in the Chrome Web Store; each group counts as one name.
_EXTENSION_ALIASES = [{"Zoom Chrome Extension", "Zoom for Google Chrome"}]


def _extension_name(name: str) -> str:
    for group in _EXTENSION_ALIASES:
        if name in group:
            return sorted(group)[0]
    return name


def is_expected_installed_extensions(
    installed_extensions: list[str] | None, expected: dict[str, Any]
) -> float:
    """Every expected extension name (aliases folded) is among the installed ones."""
    if not installed_extensions:
        return 0.0
    want = {_extension_name(n) for n in expected["expected"]}
    return float(want <= {_extension_name(n) for n in installed_extensions})


def is_cookie_deleted(cookie_data: list[tuple] | None, rule: dict[str, Any]) -> float:
    """No cookie's host (column 1 of the cookies table) equals one of `domains`."""
    if rule["type"] != "domains":
        raise TypeError(f"is_cookie_deleted: {rule['type']} not supported")
    if cookie_data is None:  # no Cookies database to read: upstream fails, 0
        return 0.0
    hosts = [row[1] for row in cookie_data]
    return float(not any(compare_urls(d, h) for d in rule["domains"] for h in hosts))


def check_history_deleted(history_data: list[tuple] | None, rule: dict[str, Any]) -> float:
    """No history URL contains one of `keywords`."""
    if rule["type"] != "keywords":
        raise TypeError(f"check_history_deleted: {rule['type']} not supported")
    if history_data is None:
        return 0.0
    urls = [row[0] for row in history_data]
    return float(not any(k in u for k in rule["keywords"] for u in urls))


def _entry_values(text: str, key: str) -> list[str]:
    return [line[len(key) + 1 :] for line in text.split("\n") if line.startswith(key + "=")]


def is_shortcut_on_desktop(shortcuts: dict[str, str] | None, rule: dict[str, Any]) -> float:
    """A `.desktop` file on the Desktop has the expected `Name=` (`type: name`; one
    name containing the other, ignoring case, also counts) or `Exec=` (`type: exec`;
    one containing the other counts)."""
    kind = rule["type"]
    if kind not in ("name", "exec"):
        raise TypeError(f"is_shortcut_on_desktop: {kind} not supported")
    key, want = ("Name", rule["name"]) if kind == "name" else ("Exec", rule["exec"])
    for text in (shortcuts or {}).values():
        if f"{key}={want}\n" in text:
            return 1.0
        for have in _entry_values(text, key):
            if kind == "name":
                if have == want or want.lower() in have.lower() or have.lower() in want.lower():
                    return 1.0
            elif have == want or want in have or have in want:
                return 1.0
    return 0.0


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


def is_added_to_steam_cart(active_tab_info: dict[str, str] | None, rule: dict[str, Any]) -> float:
    """Every item name appears in the page's content."""
    if not active_tab_info:
        return 0.0
    content = active_tab_info["content"]
    return float(all(item in content for item in rule["items"]))


def check_enabled_experiments(enabled_experiments: list[str] | None, rule: dict[str, Any]) -> float:
    """The enabled chrome://flags experiments (`name@option`) are exactly `names`, in order."""
    names = [experiment.split("@")[0] for experiment in enabled_experiments or []]
    if rule["type"] == "names":
        return float(names == rule["names"])
    raise TypeError(f"check_enabled_experiments: {rule['type']} not supported")
