"""agent/calc/cells.py and the set_cell_values action, without a desktop: addresses, the
payload's trip through bash, the planner's report, routing and approval."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest

from agent import actions as A
from agent.approval import classify, load_policy
from agent.calc.cells import (
    PYTHONS,
    CellsOutcome,
    cell_items,
    desktop_script,
    parse_address,
    report,
    run_set_cells,
)
from envs.base import CommandOutput
from envs.fake import FakeDesktop


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A1", (1, 1)),
        ("b2", (2, 2)),
        ("$C$12", (3, 12)),
        ("Z9", (26, 9)),
        ("AA1", (27, 1)),
        ("XFD1048576", (16384, 1048576)),
    ],
)
def test_addresses(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("A0", "outside the sheet"),
        ("XFE1", "outside the sheet"),
        ("A1048577", "outside"),
        ("Sheet1.A1", 'give the sheet in "sheet"'),
        ("Sheet1!A1", "give the sheet"),
        ("A1:B2", "not a cell address"),
        ("11", "not a cell address"),
        ("", "not a cell address"),
    ],
)
def test_bad_addresses_are_named(text, words):
    with pytest.raises(ValueError, match=words.replace('"', ".").replace("(", ".")):
        parse_address(text)


def test_rows_expand_from_the_top_left_cell_and_cells_come_first():
    items = cell_items({"z1": "x"}, "Y2", [[1, 2.5], ["=Y2*2", None]])
    assert items == [("Z1", "x"), ("Y2", 1), ("Z2", 2.5), ("Y3", "=Y2*2"), ("Z3", None)]


def test_parse_errors_reach_the_planner_with_the_address():
    for data, words in [
        ({"cells": {"A0": 1}}, "'A0' is outside the sheet"),
        ({"cells": {"Data.B2": 1}}, "give the sheet in"),
        ({"start": "A1"}, "give start and rows together"),
        ({"cells": {}}, "no cells to write"),
        ({"cells": {"A1": 1, "a1": 2}}, "cell A1 is given twice"),
        ({"start": "XFD1", "rows": [[1, 2]]}, "past the sheet's edge"),
        ({"cells": {"A1": float("nan")}}, "cells.A1"),
    ]:
        with pytest.raises(A.ActionParseError, match="invalid 'set_cell_values' action") as info:
            A.parse_action({"type": "set_cell_values", **data})
        assert words in str(info.value), (data, str(info.value))


def test_values_keep_their_types():
    action = A.parse_action(
        '{"type": "set_cell_values", "cells": {"A1": 3, "A2": "3", "A3": 3.5,'
        ' "A4": true, "A5": null, "A6": "=SUM(A1:A3)"}}'
    )
    assert [type(v) for _, v in action.items()] == [int, str, float, bool, type(None), str]


def test_the_payload_arrives_byte_exact_through_bash(tmp_path):
    """Values that would be dangerous in a shell or in Python source are only data: the
    script unpacks them from base64 into a file that our desktop-side script reads."""
    nasty = [
        "$(touch /tmp/pwned)",
        "`id`",
        "'; rm -rf ~ #",
        "DESKPILOT_PAYLOAD",
        "\u00e9\u20ac\u4e2d",
        "line1\nline2",
        "\\n\\\\",
        '=HYPERLINK("x","y")',
    ]
    items = [(f"A{i + 1}", v) for i, v in enumerate(nasty)]
    fake_python = tmp_path / "python"
    # Stands in for a Python with uno: says yes to `-c 'import uno'`, then shows its inputs.
    fake_python.write_text(
        textwrap.dedent("""\
        #!/bin/bash
        [ "$1" = "-c" ] && exit 0
        echo "{\\"ok\\": true, \\"script\\": \\"$(sha1sum < "$1" | cut -c1-40)\\"}"
        cat "$2" > "$OUT"
        """)
    )
    fake_python.chmod(0o755)
    script = desktop_script({"cells": [list(i) for i in items], "sheet": None})
    assert script.count(" ".join(PYTHONS)) == 1
    script = script.replace(" ".join(PYTHONS), str(fake_python))
    out = tmp_path / "payload.json"
    done = subprocess.run(
        ["bash", "-s"],
        input=script,
        capture_output=True,
        text=True,
        env={**os.environ, "OUT": str(out)},
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == {"cells": [list(i) for i in items], "sheet": None}
    import hashlib

    from agent.calc.cells import SCRIPT

    assert json.loads(done.stdout)["script"] == hashlib.sha1(SCRIPT.read_bytes()).hexdigest()
    assert not os.path.exists("/tmp/pwned")


def test_no_uno_python_is_a_clear_error(tmp_path):
    script = desktop_script({"cells": [["A1", 1]]}).replace(" ".join(PYTHONS), "/nonexistent/python")
    done = subprocess.run(
        ["bash", "-s"], input=script, capture_output=True, text=True, timeout=30, check=False
    )
    outcome = CellsOutcome.model_validate_json(done.stdout.strip())
    assert not outcome.ok and "install python3-uno" in outcome.error


def test_run_reads_the_answer_and_reports_errors_first():
    desktop = FakeDesktop(640, 400)
    answer = {
        "ok": True,
        "document": "t.xlsx",
        "sheet": "Sales",
        "cells": {"A1": {"shows": "3"}, "B1": {"shows": "#NAME?", "error": 525}},
    }
    desktop.on_bash = lambda script: CommandOutput(
        returncode=0, output="noise\n" + json.dumps(answer) + "\n", error=""
    )
    outcome = run_set_cells(desktop, [("A1", 3), ("B1", "=NOPE()")])
    assert outcome.ok and outcome.cells["B1"].error == 525
    text = report(outcome)
    assert "A1='3'" in text and "B1 (#NAME?)" in text and "Not saved yet" in text
    desktop.on_bash = lambda script: CommandOutput(returncode=1, output="", error="bash: boom")
    failed = run_set_cells(desktop, [("A1", 3)])
    assert not failed.ok and "boom" in failed.error
    assert report(failed).startswith("set_cell_values failed:")


def test_the_approval_policy_lets_it_through_everywhere():
    """It writes into an open document (like typing into it), not over a file."""
    policy = load_policy()
    action = A.SetCellValues(cells={"A1": "delete all files", "B1": '=WEBSERVICE("http://x")'}, save=True)
    assert classify(action, policy, sandbox=True) is None
    assert classify(action, policy, sandbox=False) is None


def test_an_episode_routes_it_to_the_cells_node(episode):
    answer = {
        "ok": True,
        "document": "sales.xlsx",
        "sheet": "Sales",
        "cells": {"D1": {"shows": "Total"}, "D2": {"shows": "6"}},
        "saved": "file:///x.xlsx",
    }
    seen = []

    def on_bash(script):
        seen.append(script)
        return CommandOutput(returncode=0, output=json.dumps(answer) + "\n", error="")

    desktop = FakeDesktop(640, 400)
    desktop.on_bash = on_bash
    write = {
        "reasoning": "write the totals",
        "action": {"type": "set_cell_values", "cells": {"D1": "Total", "D2": "=B2*C2"}, "save": True},
    }
    ep = episode(
        {
            "planner": [write, {"reasoning": "done", "action": {"type": "done"}}],
            "verifier": [{"complete": True, "reason": "D1 shows Total"}],
        },
        desktop=desktop,
        sandbox=False,
    )
    _, result = ep.run()
    assert result.status == "done"
    assert [s.node for s in ep.steps()] == ["cells", "verify"]
    assert len(seen) == 1 and ep.steps()[0].screenshot_file
    assert ep.steps()[0].info["outcome"]["saved"] == "file:///x.xlsx"
    assert "D2='6'" in ep.planner_texts()[1] and "Saved to file:///x.xlsx" in ep.planner_texts()[1]


def test_a_bad_address_goes_back_to_the_planner_with_the_reason(episode):
    desktop = FakeDesktop(640, 400)
    calls = []
    desktop.on_bash = lambda script: (
        calls.append(script)
        or CommandOutput(
            returncode=0,
            output='{"ok": true, "document": "d", "sheet": "S", "cells": {"A1": {"shows": "1"}}}',
            error="",
        )
    )
    bad = {"reasoning": "write", "action": {"type": "set_cell_values", "cells": {"Sheet1.A1": 1}}}
    good = {"reasoning": "write", "action": {"type": "set_cell_values", "cells": {"A1": 1}}}
    ep = episode(
        {
            "planner": [bad, good, {"reasoning": "done", "action": {"type": "done"}}],
            "verifier": [{"complete": True, "reason": "ok"}],
        },
        desktop=desktop,
    )
    _, result = ep.run()
    assert result.status == "done" and len(calls) == 1  # only the good one reached the desktop
    reask = ep.planner_texts()[1]
    assert "'Sheet1.A1' is not a cell address" in reask and 'give the sheet in "sheet"' in reask


def test_the_planner_is_told_of_it_and_calc_tasks_get_the_hint():
    from agent.knowledge import app_hints
    from agent.prompts import template

    assert '"type": "set_cell_values"' in template("actions").template
    hints = app_hints("In sales.xlsx, open in LibreOffice Calc, put Total in D1")
    assert "set_cell_values" in hints
