"""Picking texts out of a page for OSWorld's `active_tab_html_parse` getter.

`page_script(spec)` is the JavaScript that reads, in the page, what the getter's spec
asks for (elements by class, by visible label text, by XPath, input values, the URL);
`html_parse(spec, answers)` builds upstream's result dict from those reads, with
upstream's keys and defaults ("" for an element that is not there). Upstream does the
reads with Playwright; Playwright's `text=` selector is approximated by the deepest
element whose text contains the label, case folded.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["html_parse", "page_script"]

# Runs in the page: QUERIES is a list of [kind, selector]; one list of strings each.
_QUERY_JS = r"""(() => {
const QUERIES = %s;
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const all = (sel) => Array.from(document.querySelectorAll(sel));
const first = (xp) => { const r = document.evaluate(xp, document, null,
  XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null); return r.snapshotLength ? r.snapshotItem(0) : null; };
const byText = (label) => { const want = norm(label).toLowerCase(); let hit = null;
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    if (!norm(el.textContent).toLowerCase().includes(want)) continue;
    if (Array.from(el.children).some(c => norm(c.textContent).toLowerCase().includes(want))) continue;
    hit = el; break; }
  return hit; };
return QUERIES.map(([kind, sel]) => { try {
  if (kind === 'css') return all(sel).map(e => (e.textContent || '').trim());
  if (kind === 'direct') { const e = all(sel)[0]; return e ? Array.from(e.childNodes)
    .filter(n => n.nodeType === 3).map(n => n.textContent.trim()).filter(Boolean) : []; }
  if (kind === 'li') return all(sel + ' li.catAllProducts').filter(e => e.querySelector('span'))
    .map(e => e.querySelector('span').innerText.trim());
  if (kind === 'h3') return all(sel).filter(e => e.querySelector('h3'))
    .map(e => e.querySelector('h3').textContent.trim());
  if (kind === 'xpath') { const n = first(sel); return n ? [(n.textContent || '').trim()] : []; }
  if (kind === 'input') { const n = first(sel); return n ? [(n.value || '').trim()] : []; }
  if (kind === 'label') { const n = byText(sel); return n ? [(n.textContent || '').trim()] : []; }
  if (kind === 'url') return [location.href];
  } catch (e) { } return []; });
})()"""


def _queries(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """The page reads `html_parse` needs for this spec, in a fixed order."""
    category = spec["category"]
    q: list[tuple[str, str]] = []
    if category in ("class", "class&url"):
        q += [("css", "." + c) for c in spec.get("class_multiObject", {})]
    if category == "class":
        q += [("direct", "." + c) for c in spec.get("class_multiObject_child", {})]
        q += [("h3", "." + c) for c in spec.get("class_multiObject_only_child", {})]
        q += [("css", "." + c) for c in spec.get("class_multiObject_search_exist", {})]
        q += [("css", "." + c) for c in spec.get("class_singleObject", {})]
    elif category == "label":
        q += [("label", s) for s in spec.get("labelObject", {})]
    elif category == "xpath":
        q += [("xpath", x) for x in spec.get("xpathObject", {})]
    elif category == "input":
        q += [("input", x) for x in spec.get("inputObject", {})]
    if category == "class&url":
        q += [("li", "." + c) for c in spec.get("class_multiObject_li", {})]
        q.append(("url", ""))
    return q


def _indexed(out: dict[str, Any], texts: list[str], objects: dict[str, str]) -> None:
    for order, key in objects.items():
        i = int(order)
        out[key] = texts[i] if len(texts) > i else ""


def _one(texts: list[str]) -> str:
    return texts[0] if texts else ""


def html_parse(spec: dict[str, Any], answers: list[list[str]]) -> dict[str, Any]:
    """Upstream's `get_active_tab_html_parse` result, from the page reads of `_queries`."""
    reads = iter(answers)
    out: dict[str, Any] = {}
    category = spec["category"]
    if category == "class":
        for objects in spec.get("class_multiObject", {}).values():
            _indexed(out, next(reads), objects)
        for objects in spec.get("class_multiObject_child", {}).values():
            _indexed(out, next(reads), objects)
        for objects in spec.get("class_multiObject_only_child", {}).values():
            _indexed(out, next(reads), objects)
        for wanted in spec.get("class_multiObject_search_exist", {}).values():
            texts = next(reads)
            for item in wanted:
                if item != "is_other_exist":
                    out[item] = item in texts
            if "is_other_exist" in wanted:
                out["is_other_exist"] = any(t not in wanted for t in texts)
        for key in spec.get("class_singleObject", {}).values():
            out[key] = _one(next(reads))
    elif category in ("label", "xpath", "input"):
        objects = spec.get(
            {"label": "labelObject", "xpath": "xpathObject", "input": "inputObject"}[category], {}
        )
        for key in objects.values():
            out[key] = _one(next(reads))
    elif category == "class&url":
        for wanted in spec.get("class_multiObject", {}).values():
            _class_and_url(out, next(reads), wanted)
        for wanted in spec.get("class_multiObject_li", {}).values():
            _class_and_url(out, next(reads), wanted)
        page_url = _one(next(reads)).lower()
        for key in spec.get("url_include_expected", []):
            out.setdefault(key.lower(), key.lower() in page_url)
        for key, value in spec.get("url_include_expected_multichoice", {}).items():
            out.setdefault(value.lower(), key.lower() in page_url)
    return out


def _class_and_url(out: dict[str, Any], texts: list[str], wanted: list[str]) -> None:
    for key in wanted:
        if any(key.lower() == t.lower() for t in texts):
            out[key.lower()] = True
    if any(all(t.lower() not in w.lower() for w in wanted) for t in texts):
        out["is_other_exist"] = True
    out.setdefault("is_other_exist", False)


def page_script(spec: dict[str, Any]) -> str:
    """The expression that returns, in the page, one list of strings per read."""
    return _QUERY_JS % json.dumps(_queries(spec))
