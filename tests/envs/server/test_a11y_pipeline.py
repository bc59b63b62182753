"""The pipelined accessibility walker gives the same XML as the libatspi walker it replaces,
on real applications; heavy trees stop at the bounds with a marker on the root.

Both walkers run inside the desktop's session (run_python). Applications may change
between two walks (a focus moves, a caret blinks into a state), so a walk of the new
walker must equal one of the reference walks on either side of it; the cold walk and
the next one (served partly from the per-object cache) are both checked."""

from __future__ import annotations

import json
import time

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.desktop

COMPARE = """
import json
from lxml import etree
from envs.server import a11y, a11y_pipeline, a11y_walk
limits = a11y.TreeLimits(max_nodes=20000, max_seconds=120)
canon = lambda x: etree.tostring(etree.fromstring(x), method="c14n").decode()
report = []
for attempt in range(3):
    a11y_walk._static.clear(); a11y_walk._actions.clear()
    old1 = canon(a11y.accessibility_tree_xml(limits))
    cold = canon(a11y_pipeline.accessibility_tree_xml(limits))
    warm = canon(a11y_pipeline.accessibility_tree_xml(limits))
    old2 = canon(a11y.accessibility_tree_xml(limits))
    root = etree.fromstring(old1)
    report.append({"cold": cold in (old1, old2), "warm": warm in (old1, old2),
                   "apps": [(a.get("name"), len(a.xpath(".//*"))) for a in root],
                   "truncated": root.get("truncated")})
    if report[-1]["cold"] and report[-1]["warm"]:
        break
print(json.dumps(report))
"""


def windows(client) -> str:
    return client.execute(["wmctrl", "-l"]).output


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def compare(client) -> dict:
    out = client.run_python(COMPARE, timeout=600)
    assert out.ok, out.error
    report = json.loads(out.output.strip().splitlines()[-1])
    last = report[-1]
    assert last["cold"] and last["warm"], report
    assert last["truncated"] is None, report
    return last


def app_nodes(report: dict, name: str) -> int:
    return sum(n for app, n in report["apps"] if app == name)


def test_same_xml_as_the_libatspi_walker_on_mousepad(client, desktop):
    name = "pipeline.txt"
    (desktop.home / name).write_text("first line\nsecond line\n")
    client.launch(["mousepad", f"/home/user/{name}"])
    try:
        wait_for(lambda: name in windows(client), 30, "mousepad")
        wait_for(lambda: "second line" in client.accessibility_tree(), 30, "mousepad's text in the tree")
        report = compare(client)
        assert app_nodes(report, "mousepad") > 100
    finally:
        client.close_window(name)


@pytest.fixture(scope="module")
def calc(desktop):
    book = Workbook()
    sheet = book.active
    for r in range(1, 201):
        sheet.append([r * 10 + c if c % 2 else f"row {r} col {c}" for c in range(1, 31)])
    book.save(desktop.home / "filled.xlsx")
    with desktop.client(timeout=120) as c:
        c.launch(["localc", "--norestore", "/home/user/filled.xlsx"])

        def ready():
            w = windows(c)
            if "Tip of the Day" in w:  # LibreOffice's first-start dialog
                c.execute(["wmctrl", "-c", "Tip of the Day"])
            return "filled.xlsx" in w and "Tip of the Day" not in w

        wait_for(ready, 120, "Calc with filled.xlsx")
        wait_for(lambda: "row 1 col 2" in c.accessibility_tree(), 60, "the sheet's cells in the tree")
        yield c
        c.execute(["wmctrl", "-c", "filled.xlsx"])


def test_same_xml_as_the_libatspi_walker_on_a_filled_calc_sheet(calc):
    report = compare(calc)
    assert app_nodes(report, "soffice") > 300  # the showing block of cells, not 2^34 of them


PAGE = (
    "<!doctype html><html><head><title>Big page</title></head><body><h1>Big page</h1><ul>"
    + "".join(
        f'<li><a href="#i{i}">link {i}</a> <button>b{i}</button> <input value="v{i}"></li>'
        for i in range(400)
    )
    + "</ul></body></html>"
)


@pytest.fixture(scope="module")
def chromium(desktop):
    (desktop.home / "big.html").write_text(PAGE)
    with desktop.client(timeout=120) as c:
        c.execute(
            "chromium --no-sandbox --disable-gpu --no-first-run --no-default-browser-check "
            "--disable-background-networking --disable-sync --force-renderer-accessibility "
            "--user-data-dir=/tmp/pipeline-chromium file:///home/user/big.html "
            ">/tmp/pipeline-chromium.log 2>&1 &",
            shell=True,
        )
        wait_for(lambda: "Big page" in windows(c), 90, "Chromium with the big page")
        # The route's own bounds (5 s) may cut this tree on a busy machine: the first links do.
        wait_for(lambda: 'name="link 1"' in c.accessibility_tree(), 90, "the page's links in the tree")
        yield c
        c.execute(["wmctrl", "-c", "Big page"])


def test_same_xml_as_the_libatspi_walker_on_a_big_chromium_page(chromium):
    report = compare(chromium)
    assert app_nodes(report, "Chromium") > 1500


@pytest.mark.parametrize(
    "limits, reason",
    [
        ("max_nodes=150, max_seconds=60", "max_nodes"),
        ("max_nodes=100000, max_seconds=0.02", "deadline"),
    ],
)
def test_a_huge_tree_stops_at_the_bound_with_a_marker(chromium, limits, reason):
    code = f"""
import json
from lxml import etree
from envs.server import a11y, a11y_pipeline
root = etree.fromstring(a11y_pipeline.accessibility_tree_xml(a11y.TreeLimits({limits})))
print(json.dumps([root.get("truncated"), root.get("truncated_reason"), len(root.xpath("//*")) - 1]))
"""
    out = chromium.run_python(code, timeout=120)
    assert out.ok, out.error
    truncated, why, elements = json.loads(out.output.strip().splitlines()[-1])
    assert (truncated, why) == ("true", reason)
    assert elements <= 150
