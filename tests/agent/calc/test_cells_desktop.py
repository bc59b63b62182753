"""set_cell_values on a real Calc window, with the scripted model: a local task and a
real OSWorld Calc task, each set up as its file says and scored by its own evaluator."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.episode import EpisodePipeline
from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.task_data import osworld_data
from benchmarks.osworld.tasks import load_task
from grounding.ocr import OcrGrounder
from tests.conftest import require_desktop

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).resolve().parents[3]
LOCAL_TOTALS = ROOT / "benchmarks/tasks/local/examples/libreoffice_calc/local-calc-totals.json"
# "multiply the total hours (a time) with the hourly rate": E3 must be 191.6667.
OSWORLD_TIME_RATE = osworld_data() / "examples/libreoffice_calc/357ef137-7eeb-4c80-a3bb-0951f26a8aff.json"


def planner(action: dict, why: str) -> dict:
    return {
        "role": "planner",
        "reply": {"observation": "Calc shows the sheet", "reasoning": why, "action": action},
    }


def script(tmp_path: Path, criteria: list[str], actions: list[tuple[dict, str]]) -> str:
    lines = [{"role": "gate", "reply": {"criteria": [{"text": c} for c in criteria], "feasible": True}}]
    lines += [planner(a, why) for a, why in actions]
    lines += [
        planner({"type": "done", "summary": "written and saved"}, "all criteria met"),
        {"role": "verifier", "reply": {"complete": True, "reason": "the cells show the values"}},
    ]
    path = tmp_path / "script.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return f"scripted:{path}"


def run_episode(tmp_path: Path, task, model: str, profile: str, assets: AssetCache | None = None):
    from envs.local import LocalDesktop

    pipeline = EpisodePipeline(AgentConfig(model=model, max_steps=8), assets=assets)
    with (
        LocalDesktop(1280, 800, profile=profile, start_timeout=60) as desktop,
        desktop.client(timeout=120) as client,
    ):
        return pipeline.run(client, tmp_path / "episode", task=task, sandbox=True)


def cell_steps(outcome) -> list[dict]:
    lines = (outcome.folder / "traj.jsonl").read_text().splitlines()
    return [step for step in map(json.loads, lines) if step["node"] == "cells"]


def shows(folder: Path, first: str, text: str) -> list[str]:
    """OCR the episode's screenshots from `first` on until one shows `text`: [] when one
    does, else every line read (for the failure message)."""
    shots = sorted(folder.glob("step_*.png"), key=lambda p: p.stat().st_mtime)
    since = (folder / first).stat().st_mtime
    seen: list[str] = []
    for shot in (s for s in shots if s.stat().st_mtime >= since):
        lines = OcrGrounder().lines(shot.read_bytes())
        if any(text in line for line in lines):
            return []
        seen += lines
    return seen or ["(no screenshot)"]


def test_local_calc_task_scores_1_with_set_cell_values_and_ctrl_s(tmp_path):
    require_desktop()
    task = load_task(LOCAL_TOTALS)
    model = script(
        tmp_path,
        ["D1 is Total and D2:D5 hold Qty times Price", "the file is saved"],
        [
            (
                {"type": "set_cell_values", "sheet": "Nope", "cells": {"D1": "Total"}},
                "write the header",
            ),  # a sheet that is not there: the planner is told which are
            (
                {
                    "type": "set_cell_values",
                    "sheet": "Sales",
                    "start": "D1",
                    "rows": [["Total"], ["=B2*C2"], ["=B3*C3"], ["=B4*C4"], ["=B5*C5"]],
                },
                "write the header and the products",
            ),
            ({"type": "hotkey", "keys": ["ctrl", "s"]}, "save, keeping .xlsx (no format dialog here)"),
            ({"type": "wait", "seconds": 2}, "let the save finish"),
        ],
    )
    outcome = run_episode(tmp_path, task, model, "default")
    assert outcome.result.status == "done", outcome.result.reason
    first, second = cell_steps(outcome)
    assert first["error"] and "no sheet named 'Nope'" in first["error"] and "Sales" in first["error"]
    shown = second["info"]["outcome"]["cells"]
    assert {a: c["shows"] for a, c in shown.items()} == {
        "D1": "Total",
        "D2": "6",
        "D3": "30",
        "D4": "40",
        "D5": "24",
    }
    # The sheet shows them: on the step's screenshot (taken once the screen is still), or
    # (a loaded machine repaints late) on a later one of the episode.
    missing = shows(outcome.folder, second["screenshot_file"], "Total")
    assert not missing, missing
    assert outcome.scored and outcome.result.score == 1.0, outcome.result


def multiply_time_number_xlsx() -> bytes:
    """Multiply_Time_Number.xlsx, made here (the task downloads it): five days' hours as
    times, their total as a time (38:20) and an hourly rate of 5; E3 is the answer's cell."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["Date", "Hours", None, "Total hours", datetime.timedelta(hours=38, minutes=20)])
    sheet.append([datetime.date(2023, 11, 13), datetime.time(7, 40), None, "Hourly rate", 5])
    sheet.append([datetime.date(2023, 11, 14), datetime.time(8, 0), None, "Total earned", None])
    for row, hours in ((4, (7, 20)), (5, (7, 40)), (6, (7, 40))):
        sheet.cell(row=row, column=1, value=datetime.date(2023, 11, 10 + row))
        sheet.cell(row=row, column=2, value=datetime.time(*hours))
    sheet["E1"].number_format = "[h]:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_osworld_calc_task_scores_1_with_set_cell_values_and_save(tmp_path):
    require_desktop()
    task = load_task(OSWORLD_TIME_RATE)
    url = task.config[0].parameters["files"][0]["url"]
    assets = AssetCache(tmp_path / "assets")
    assets.add(url, multiply_time_number_xlsx())
    model = script(
        tmp_path,
        ["E3 holds total hours times the hourly rate", "the file is saved"],
        [
            (
                {"type": "set_cell_values", "cells": {"E3": "=E1*24*E2"}, "save": True},
                "a time is a fraction of a day: multiply by 24 first, then save in its own format",
            ),
        ],
    )
    outcome = run_episode(tmp_path, task, model, "osworld", assets)
    assert outcome.result.status == "done", outcome.result.reason
    (step,) = cell_steps(outcome)
    result = step["info"]["outcome"]
    assert result["cells"]["E3"]["shows"].startswith("191.66")
    assert result["saved"].endswith("/home/user/Multiply_Time_Number.xlsx")
    # The sheet shows it: on the step's screenshot, or (a loaded machine repaints late) on
    # a later one of the episode.
    missing = shows(outcome.folder, step["screenshot_file"], "191.667")
    assert not missing, missing
    assert outcome.scored and outcome.result.score == 1.0, outcome.result
