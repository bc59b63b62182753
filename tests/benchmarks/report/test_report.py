"""`agent bench report`: a fixture run with 2 repeats (and a second configuration) becomes one
offline page and a JSON; the page opens in headless Chromium with no console errors and no
network requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.report.page import build_report
from benchmarks.report.runs import load_run

# (domain, task) -> solved in rep-1, rep-2, for configurations A and B
OUTCOMES = {
    "A": {("os", "t1"): (1, 1), ("os", "t2"): (1, 0), ("chrome", "t3"): (0, 0), ("chrome", "t4"): (1, 1)},
    "B": {("os", "t1"): (0, 0), ("os", "t2"): (0, 0), ("chrome", "t3"): (0, 0), ("chrome", "t4"): (1, 1)},
}


def make_run(root: Path, config: str, model: str = "openai:gpt-4o") -> Path:
    for (domain, task), reps in OUTCOMES[config].items():
        for rep, solved in enumerate(reps, 1):
            f = root / config / f"rep-{rep}" / domain / task
            f.mkdir(parents=True)
            steps = 3 + 4 * (1 - solved) + rep
            (f / "task.json").write_text(
                json.dumps({"id": task, "instruction": "x", "evaluator": {"func": "exact_match"}})
            )
            (f / "traj.jsonl").write_text(
                "".join(
                    json.dumps({"step_num": i, "node": "act", "action": {"type": "wait", "seconds": 1}})
                    + "\n"
                    for i in range(1, steps)
                )
            )
            (f / "result.json").write_text(
                json.dumps(
                    {
                        "task_id": task,
                        "status": "done",
                        "steps": steps,
                        "wall_s": 10.0 * steps,
                        "tokens": {"input": 1000 * steps, "output": 50},
                        "cost_usd": 0.01 * steps,
                        "models": {"planner": model},
                    }
                )
            )
            (f / "result.txt").write_text(f"{float(solved)}\n")
            (f / "report.html").write_text("<html><body>episode</body></html>")
    return root / config


@pytest.fixture
def runs(tmp_path):
    return make_run(tmp_path, "A"), make_run(tmp_path, "B", model="faulty:/p.json")


def test_the_json_holds_cis_repeats_and_the_paired_test(runs, tmp_path):
    _html, data = build_report(list(runs), tmp_path / "out")
    a, b = data["runs"]
    assert a["repeats"] == [1, 2]
    assert (a["overall"]["solved"], a["overall"]["episodes"]) == (5, 8)
    assert a["overall"]["ci95"] == pytest.approx([0.3057, 0.8632], abs=1e-4)
    assert a["repeat_scores"] == {"1": 0.75, "2": 0.5}
    assert a["mean_over_repeats"]["mean"] == pytest.approx(0.625)
    assert a["mean_over_repeats"]["ci95_half_width"] == pytest.approx(12.706 * 0.1767767 / 2**0.5, rel=1e-5)
    # per task: c = 2, 1, 0, 2 of n = 2 -> pass@1 = mean(1, .5, 0, 1); pass@2 = mean(1, 1, 0, 1)
    assert a["pass_k"]["1"] == pytest.approx({"pass@k": 0.625, "pass^k": 0.625})
    assert a["pass_k"]["2"] == pytest.approx({"pass@k": 0.75, "pass^k": 0.5})
    assert [f["task_id"] for f in a["flipping_tasks"]] == ["t2"]
    (cmp,) = data["comparisons"]
    assert cmp["pairs"] == 8 and len(cmp["only_a"]) == 3 and cmp["only_b"] == []
    assert cmp["mcnemar_exact_p"] == pytest.approx(0.25)  # 2 * (1/2)^3
    assert "what_if" in data and b["what_if"] and not a["what_if"]
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == data


def test_a_folder_without_runs_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no task folders"):
        load_run(tmp_path)
    with pytest.raises(ValueError, match="no such run folder"):
        load_run(tmp_path / "absent")


def test_the_page_opens_offline_in_chromium(runs, tmp_path):
    from grounding.synth.render import chromium_path, open_browser

    if chromium_path() is None:
        pytest.skip("no Chromium on this machine")
    html, _data = build_report(list(runs), tmp_path / "out")
    text = html.read_text()
    assert "<script" not in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    errors, requests = [], []
    with open_browser() as browser:
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("svg").count() >= 7  # domains, taxonomy, 4 histograms, scatter (per run)
        assert "What-if" in page.inner_text(".whatif")
        assert "exact McNemar p = 0.25" in page.inner_text("body")
        links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        page.close()
    assert errors == []
    assert requests == [html.as_uri()]  # the page itself, nothing else
    assert "A/rep-1/os/t1/report.html" in " ".join(links).replace("../", "")
    for href in links:
        assert (html.parent / href).resolve().is_file()


def test_the_cli_command(runs, tmp_path):
    from typer.testing import CliRunner

    from agent.cli import app

    result = CliRunner().invoke(
        app, ["bench", "report", str(runs[0]), str(runs[1]), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "McNemar p = 0.25" in result.output
    assert (tmp_path / "o" / "report.html").is_file()
    bad = CliRunner().invoke(
        app, ["bench", "report", str(tmp_path / "nothing"), "--out", str(tmp_path / "o2")]
    )
    assert bad.exit_code == 2 and "no such run folder" in bad.output
