"""Chrome tab and URL getters, as OSWorld's `desktop_env/evaluators/getters/chrome.py`.

- The active tab's URL comes, as upstream, from the address bar in the desktop's
  accessibility tree (`application > entry "Address and search bar"`), prefixed
  with `goto_prefix` (default "https://": the bar elides the scheme). Upstream looks
  for the application "Google Chrome"; Debian's browser names itself "Chromium",
  so both are accepted.
- Page contents, titles and the open tabs come over the DevTools protocol, from
  inside the desktop (`chrome_page.ChromePages`, beside this module), where upstream
  used Playwright over CDP from the host.

Return shapes and fallbacks follow upstream (None, {} or [] where it gives them).
The browser's debugging port is `ctx.chrome_port` when the context has one, else the
one in the profile's `DevToolsActivePort` file, else 1337, the port OSWorld's tasks
launch Chrome with.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from lxml import etree

from benchmarks.osworld.chrome import DEFAULT_DEBUG_PORT, ChromeDevTools, ChromeError
from benchmarks.osworld.getters.chrome_html import html_parse, page_script
from benchmarks.osworld.getters.chrome_page import ChromePages
from benchmarks.osworld.getters.chrome_profile import chrome_root, join_path
from benchmarks.osworld.getters.context import EvalContext, inside
from envs.base import DesktopError

__all__ = ["BROWSER_APP_NAMES", "address_bar_text"]

log = logging.getLogger(__name__)

BROWSER_APP_NAMES = ("Google Chrome", "Chromium")
ADDRESS_BAR = "Address and search bar"
_PAGE_INFO_JS = "({title: document.title, url: location.href, content: document.documentElement.outerHTML})"


def _port(ctx: EvalContext) -> int:
    """The context's `chrome_port`; else the port the desktop's browser wrote to its
    profile's `DevToolsActivePort` (a browser started with `--remote-debugging-port=0`
    picks a free one: desktops on one machine share its loopback); else 1337."""
    explicit = getattr(ctx, "chrome_port", None)
    if explicit:
        return int(explicit)
    try:
        first = ctx.desktop.read_file(join_path(chrome_root(ctx), "DevToolsActivePort"))
        return int(first.decode("ascii", "replace").split()[0])
    except (DesktopError, ValueError, IndexError):
        return DEFAULT_DEBUG_PORT


def _desktop_call(ctx: EvalContext, name: str) -> Any:
    fn = getattr(ctx.desktop, name, None)
    if fn is None:
        raise TypeError(f"this getter needs a desktop with {name}() (a DesktopClient has it)")
    return fn


def address_bar_text(tree_xml: str, app_names: tuple[str, ...] = BROWSER_APP_NAMES) -> str | None:
    """The text of the browser's address bar in an accessibility tree (first window's)."""
    try:
        root = etree.fromstring(tree_xml.encode("utf-8") if isinstance(tree_xml, str) else tree_xml)
    except etree.XMLSyntaxError as exc:
        log.error("active_url_from_accessTree: bad accessibility tree: %s", exc)
        return None
    found = []
    for app in root.iter("application"):
        if app.get("name") in app_names:
            found += [e for e in app.iter("entry") if e.get("name") == ADDRESS_BAR]
    # Upstream: nothing when the last match has no text, else the first match's text.
    if not found or not found[-1].text:
        return None
    return found[0].text


def active_url_from_accessTree(ctx: EvalContext, spec: dict[str, Any]) -> str | None:  # noqa: N802 - upstream's name
    """The active tab's URL from the address bar, `goto_prefix` + its text."""
    try:
        tree = _desktop_call(ctx, "accessibility_tree")()
    except DesktopError as exc:
        log.error("active_url_from_accessTree: no accessibility tree: %s", exc)
        return None
    text = address_bar_text(tree) if tree else None
    if text is None:
        return None
    return f"{spec.get('goto_prefix', 'https://')}{text}"


def _python_desktop(ctx: EvalContext) -> Any:
    _desktop_call(ctx, "run_python")  # DevTools is reached from inside the desktop
    return ctx.desktop


def _pages(ctx: EvalContext) -> ChromePages:
    return ChromePages(_python_desktop(ctx), _port(ctx))


def _tabs(ctx: EvalContext) -> list[dict[str, Any]]:
    return ChromeDevTools(_python_desktop(ctx), _port(ctx), ready_timeout=5).tabs()


def open_tabs_info(ctx: EvalContext, spec: dict[str, Any]) -> list[dict[str, str]]:
    """`[{title, url}]` of every open tab, each read once it has loaded; [] without a browser.
    Tabs come in DevTools' `/json/list` order (most recently active first)."""
    try:
        tabs = _tabs(ctx)
        values = _pages(ctx).evaluate(
            [t["id"] for t in tabs], "({title: document.title, url: location.href})", wait=10
        )
    except ChromeError as exc:
        log.error("open_tabs_info: %s", exc)
        return []
    out = []
    for tab, value in zip(tabs, values):
        if isinstance(value, dict):
            out.append({"title": value.get("title", ""), "url": value.get("url", tab.get("url", ""))})
        else:  # upstream records the tab with an error title rather than dropping it
            out.append({"title": "Error encountered", "url": tab.get("url", "")})
    return out


def active_tab_info(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, str] | None:
    """`{title, url, content}` of the active tab's URL, loaded again in a fresh page
    (upstream's warning holds: the page is reloaded)."""
    url = active_url_from_accessTree(ctx, spec)
    if url is None:
        return None
    return _visit_info(ctx, url, failed=None)


def _visit_info(ctx: EvalContext, url: str, failed: Any) -> Any:
    try:
        visit = _pages(ctx).visit(url, _PAGE_INFO_JS, wait=60)
    except ChromeError as exc:
        log.error("visiting %s: %s", url, exc)
        return failed
    info = dict(visit.value or {})
    if not visit.loaded:
        info["title"] = "Load timeout"
    return info


def page_info(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, str]:
    """`{title, url, content}` of `spec["url"]` opened in a fresh page."""
    url = spec["url"]
    return _visit_info(ctx, url, failed={"title": "Connection failed", "url": url, "content": ""})


def pdf_from_url(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """`spec["path"]` (a URL) printed to PDF into the cache as `dest`; as upstream, an
    empty PDF stands in when the page cannot be printed."""
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    local = inside(ctx.cache_dir, spec["dest"], "dest")
    try:
        data = _pages(ctx).visit(spec["path"], None, wait=60, pdf=True).pdf or b""
    except ChromeError as exc:
        log.error("pdf_from_url: %s", exc)
        data = b"%PDF-1.4\n%EOF\n"
    local.write_bytes(data)
    return str(local)


def chrome_saved_address(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """HTML of chrome://settings/addresses ("" when it cannot be read)."""
    info = _visit_info(ctx, "chrome://settings/addresses", failed={})
    return info.get("content", "") if isinstance(info, dict) else ""


def _normal_url(url: str) -> str:
    return unquote(url).rstrip("/")


def active_tab_html_parse(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, Any] | None:
    """Texts picked from the active tab's page by class, label, XPath or input, under
    the keys the spec names ({} when no open tab shows the active URL)."""
    url = active_url_from_accessTree(ctx, spec)
    if not isinstance(url, str):
        return None
    try:
        tabs = [t for t in _tabs(ctx) if _normal_url(t.get("url", "")) == _normal_url(url)]
        if not tabs:
            log.error("active_tab_html_parse: no open tab shows %s", url)
            return {}
        value = _pages(ctx).evaluate([tabs[0]["id"]], page_script(spec), wait=30)[0]
    except ChromeError as exc:
        log.error("active_tab_html_parse: %s", exc)
        return {}
    if isinstance(value, Exception) or not isinstance(value, list):
        return {}
    return html_parse(spec, value)


# --- the active tab's URL, taken apart -------------------------------------------------


def active_tab_url_parse(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, Any] | None:
    """The query parameters `parse_keys` of the active URL ('' when absent), renamed by
    `replace`, each split at commas with `split_list`."""
    url = active_url_from_accessTree(ctx, spec)
    if url is None:
        return None
    query = parse_qs(urlparse(url).query)
    out: dict[str, Any] = {key: query.get(key, [""])[0] for key in spec["parse_keys"]}
    for old, new in (spec.get("replace") or {}).items():
        out[new] = out.pop(old)
    if spec.get("split_list", False):
        out = {k: v.split(",") for k, v in out.items()}
    return out


def url_dashPart(ctx: EvalContext, spec: dict[str, Any]) -> Any:  # noqa: N802 - upstream's name
    """The `partIndex`-th "/"-separated part of the active URL (query cut with
    `needDeleteId`), as a string or `{key: part}` (`returnType` "string" / "json")."""
    url = active_url_from_accessTree(ctx, spec)
    if url is None:
        return None
    try:
        index = int(spec["partIndex"])
    except (KeyError, TypeError, ValueError):
        log.error("url_dashPart: bad partIndex %r", spec.get("partIndex"))
        return None
    parts = url.split("/")
    if index >= len(parts):
        return None
    part = parts[index]
    if spec.get("needDeleteId", False):
        part = part.split("?")[0]
    kind = spec.get("returnType")
    if kind == "string":
        return part
    if kind == "json":
        return {spec["key"]: part}
    return None


def url_path_parse(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, Any] | None:
    """Upstream's Macy's product-URL parser (its only task's site): flags for the path
    and the `parse_keys` found in its comma-separated key/value path segments."""
    url = active_url_from_accessTree(ctx, spec)
    if url is None:
        return None
    path = unquote(urlparse(url).path)
    segments = path.strip("/").split("/")
    values: dict[str, Any] = {}
    shirts, short_sleeve = "shirts" in path, "short-sleeve" in path
    for here, after in zip(segments, segments[1:]):
        if "," in here and "," in after:
            for k, v in zip((s.strip() for s in here.split(",")), (s.strip() for s in after.split(","))):
                if k == "Price_discount_range":
                    values[k] = [s.strip() for s in v.split("|")] if v else None
                else:
                    values[k] = v or None
                shirts = shirts or (k == "Product_department" and v in ("shirts", "Shirts", "Shirt"))
                short_sleeve = short_sleeve or (
                    k == "Sleeve_length" and v in ("short-sleeve", "Short Sleeve")
                )
            break
    for k in ("Men_regular_size_t", "Price_discount_range"):
        values.setdefault(k, None)
    out: dict[str, Any] = {
        "mens_clothing": True if "mens-clothing" in path else None,
        "shirts": True if shirts else None,
        "short_sleeve": True if short_sleeve else None,
    }
    for key in spec["parse_keys"]:
        if key not in values:
            continue
        if key == "Price_discount_range":
            got = values[key]
            fifty = (
                got is not None
                and "50_PERCENT_ off & more" in got
                and "30_PERCENT_ off & more" not in got
                and "20_PERCENT_ off & more" not in got
            )
            out[key] = "50_PERCENT_ off & more" if fifty else "not_50_PERCENT_ off & more"
        else:
            out[key] = values[key]
    return out
