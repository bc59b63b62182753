"""agent/trajectory.py and agent/report.py: the episode folder and its report.html."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from agent.report import write_report
from agent.trajectory import (
    EpisodeResult,
    EpisodeWriter,
    StepRecord,
    TrajectoryError,
    load_steps,
    osworld_timestamp,
    totals,
)
from tests.conftest import reference_data

JEDI = reference_data("jedi_trajs")
JEDI_EPISODES = sorted(p for p in JEDI.glob("*") if (p / "traj.jsonl").is_file())
OSWORLD_FIELDS = [
    "step_num",
    "action_timestamp",
    "action",
    "response",
    "reward",
    "done",
    "info",
    "screenshot_file",
]
EXTERNAL_REF = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def png(width: int = 1920, height: int = 1080, color: str = "white") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def click_record(n: int, x: int = 960, y: int = 540, **extra) -> StepRecord:
    return StepRecord(
        step_num=n,
        action_timestamp=f"20250503@0812{n:02d}",
        action={"type": "click", "target": {"description": "the Save button", "x": x, "y": y}},
        response=f"reply {n}",
        points=[(x, y)],
        tokens={"input": 100, "output": 10, "cached": 50},
        cost_usd=0.01,
        latency={"model_s": 1.5, "desktop_s": 0.5, "total_s": 2.0},
        **extra,
    )


def test_steps_round_trip_with_osworld_fields_first(tmp_path: Path) -> None:
    w = EpisodeWriter(tmp_path / "ep")
    w.start({"id": "t1", "instruction": "Save the file"}, {"planner": "m"})
    initial = w.add_initial_screenshot(png(), datetime(2025, 5, 3, 8, 12, 10))
    assert initial == "step_0_20250503@081210.png"
    written = [
        w.add_step(click_record(1), png()),
        w.add_step(click_record(2, node="verify", custom_field=[1, 2]), None),
        w.add_step(StepRecord(step_num=3, action="DONE", done=True, info={"done": True}), png()),
    ]
    assert written[0].screenshot_file == "step_1_20250503@081201.png"
    assert written[1].screenshot_file is None
    assert (tmp_path / "ep" / written[2].screenshot_file).read_bytes() == png()
    assert json.loads((tmp_path / "ep" / "task.json").read_text())["id"] == "t1"
    assert json.loads((tmp_path / "ep" / "config.json").read_text()) == {"planner": "m"}
    loaded = load_steps(tmp_path / "ep")
    assert loaded == written == w.steps()
    assert loaded[1].custom_field == [1, 2]  # unknown fields survive
    assert w.last_step_num() == 3
    first = json.loads((tmp_path / "ep" / "traj.jsonl").read_text().splitlines()[0])
    assert list(first)[:8] == OSWORLD_FIELDS
    assert first["points"] == [[960, 540]]
    assert totals(loaded)["tokens"] == {"input": 200, "output": 20, "cached": 100}


def test_timestamp_format_matches_real_osworld_trajs(tmp_path: Path) -> None:
    stamp = osworld_timestamp(datetime(2025, 5, 3, 8, 12, 10))
    assert stamp == "20250503@081210"
    assert re.fullmatch(r"\d{8}@\d{6}", StepRecord(step_num=1).action_timestamp)
    if not JEDI_EPISODES:
        pytest.skip(f"no real OSWorld episodes in {JEDI} ($DESKPILOT_REFERENCE_DATA/jedi_trajs)")
    for folder in JEDI_EPISODES:
        for rec in load_steps(folder):  # their lines load as StepRecords
            assert re.fullmatch(r"\d{8}@\d{6}", rec.action_timestamp)
            ts = datetime.strptime(rec.action_timestamp, "%Y%m%d@%H%M%S")
            assert osworld_timestamp(ts) == rec.action_timestamp
            assert Path(rec.screenshot_file).stem == f"step_{rec.step_num}_{rec.action_timestamp}"
    record = StepRecord(step_num=1, action_timestamp=stamp)
    written = EpisodeWriter(tmp_path).add_step(record, png())
    assert written.screenshot_file == f"step_1_{stamp}.png"


def test_timestamp_that_is_not_osworld_format_is_refused() -> None:
    with pytest.raises(ValueError):
        StepRecord(step_num=1, action_timestamp="../../etc/passwd")


def test_truncated_last_line_is_ignored_and_repaired_on_resume(tmp_path: Path, caplog) -> None:
    w = EpisodeWriter(tmp_path)
    w.add_step(click_record(1))
    w.add_step(click_record(2))
    with (tmp_path / "traj.jsonl").open("a") as f:  # a process killed mid-write
        f.write('{"step_num": 3, "action_timestamp": "2025')
    with caplog.at_level(logging.WARNING):
        assert [r.step_num for r in load_steps(tmp_path)] == [1, 2]
    assert "truncated" in caplog.text
    resumed = EpisodeWriter(tmp_path)
    assert resumed.last_step_num() == 2
    resumed.add_step(click_record(3))
    assert [r.step_num for r in load_steps(tmp_path)] == [1, 2, 3]


def test_complete_last_line_without_newline_is_kept_on_resume(tmp_path: Path) -> None:
    line = json.dumps(click_record(1).model_dump(mode="json"))
    (tmp_path / "traj.jsonl").write_text(line)  # no trailing newline
    w = EpisodeWriter(tmp_path)
    w.add_step(click_record(2))
    assert [r.step_num for r in load_steps(tmp_path)] == [1, 2]


def test_corrupt_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    good = json.dumps(click_record(1).model_dump(mode="json"))
    (tmp_path / "traj.jsonl").write_text(f"{good}\nnot json\n{good}\n")
    with pytest.raises(TrajectoryError, match="line 2"):
        load_steps(tmp_path)


def test_duplicate_step_is_rejected_also_after_reopening(tmp_path: Path) -> None:
    w = EpisodeWriter(tmp_path)
    w.add_step(click_record(1), png())
    with pytest.raises(TrajectoryError, match="step 1 is already"):
        w.add_step(click_record(1, x=5), png(color="black"))
    with pytest.raises(TrajectoryError, match="continue at step 2"):
        EpisodeWriter(tmp_path).add_step(click_record(1))
    assert len(load_steps(tmp_path)) == 1
    assert len(list(tmp_path.glob("step_1_*"))) == 1  # the rejected screenshot was not written


def test_finish_writes_result_json_txt_and_report(tmp_path: Path) -> None:
    w = EpisodeWriter(tmp_path / "scored")
    w.start({"id": "t1", "instruction": "x"}, {})
    w.add_step(click_record(1), png())
    result = EpisodeResult(
        task_id="t1",
        instruction="x",
        status="done",
        score=1.0,
        steps=1,
        models={"planner": "gpt-x"},
        wall_s=12.5,
    )
    report = w.finish(result)
    folder = tmp_path / "scored"
    assert report == folder / "report.html" and report.is_file()
    assert EpisodeResult.model_validate_json((folder / "result.json").read_text()) == result
    assert (folder / "result.txt").read_text() == "1.0\n"
    # No evaluator score: result.txt stays absent so OSWorld-style resume re-runs the task.
    w2 = EpisodeWriter(tmp_path / "errored")
    w2.finish(EpisodeResult(task_id="t2", status="error", reason="desktop stopped answering"))
    assert (tmp_path / "errored" / "result.json").is_file()
    assert not (tmp_path / "errored" / "result.txt").exists()
    EpisodeWriter(folder).finish(EpisodeResult(task_id="t1", status="interrupted"))  # a rerun
    assert not (folder / "result.txt").exists()
    assert not list(tmp_path.rglob(".*.tmp"))  # atomic writes leave no temp files


def test_wasted_steps_count_vetoes_and_rejections() -> None:
    records = [
        click_record(1, loop_breaker={"tier": 1, "constraint": "switch modality"}),
        click_record(2, verifier={"complete": False, "reason": "not saved"}),
        click_record(3, verifier={"complete": True, "reason": "ok"}),
        click_record(4),
    ]
    assert totals(records)["wasted_steps"] == 2


def test_report_is_self_contained_escaped_and_marks_clicks(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    w = EpisodeWriter(tmp_path)
    w.start({"id": "t1", "instruction": f"Do it {evil}"}, {})
    w.add_initial_screenshot(png())
    decision = {
        "reflection": {"progress": evil, "outcome": "success"},
        "criteria_check": [{"index": 0, "met": False, "evidence": evil}],
        "reasoning": evil,
    }
    w.add_step(click_record(1, x=960, y=540, decision=decision), png(color="gray"))
    w.add_step(
        StepRecord(
            step_num=2,
            response=evil,
            error=evil,
            points=[(300, 150), (1500, 900)],
            action={"type": "drag_and_drop", "source": {"description": evil}},
            loop_breaker={"tier": 2, "constraint": evil},
            verifier={"complete": False, "reason": evil, "missing_steps": [evil]},
        ),
        png(color="black"),
    )
    w.finish(EpisodeResult(task_id="t1", status="verifier", reason=evil, steps=2, wasted_steps=1))
    page = (tmp_path / "report.html").read_text()
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert not EXTERNAL_REF.search(page)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert page.count("data:image/jpeg;base64,") == 3  # three distinct screens, each once
    # 1920 px screenshots are shown 1280 px wide: the click at (960, 540) lands at (640, 360).
    assert '<circle cx="640.0" cy="360.0"' in page
    assert '<line x1="200.0" y1="100.0" x2="1000.0" y2="600.0"' in page  # the drag's arrow
    assert page.count('class="step"') == 2
    assert "Loop breaker veto" in page and "Verifier: rejected" in page


@pytest.mark.parametrize("episode", JEDI_EPISODES, ids=lambda p: p.name[:8])
def test_report_for_real_osworld_episodes(episode: Path, tmp_path: Path) -> None:
    folder = tmp_path / episode.name
    shutil.copytree(episode, folder)
    page = write_report(folder).read_text()
    lines = [ln for ln in (folder / "traj.jsonl").read_text().splitlines() if ln.strip()]
    assert page.count('class="step"') == len(lines)
    assert page.count("data:image/jpeg;base64,") == len(lines) + 1  # step_0 plus one per step
    assert not EXTERNAL_REF.search(page)
    instruction = json.loads((folder / "config.json").read_text())["instruction"]
    assert instruction.replace('"', "&quot;").replace("'", "&#x27;") in page
    first = load_steps(folder)[0]
    x, y = map(int, re.search(r"\((\d+), (\d+)", first.action).groups())
    assert f'<circle cx="{round(x * 2 / 3, 1)}" cy="{round(y * 2 / 3, 1)}"' in page


def test_report_drag_from_osworld_code_starts_at_the_mouse(tmp_path: Path) -> None:
    w = EpisodeWriter(tmp_path)
    w.add_step(StepRecord(step_num=1, action="pyautogui.click(x=300, y=150)"), png())
    w.add_step(StepRecord(step_num=2, action="pyautogui.dragTo(1500, 900, duration=1)"), png())
    page = (write_report(tmp_path)).read_text()
    assert '<circle cx="200.0" cy="100.0"' in page
    assert '<line x1="200.0" y1="100.0" x2="1000.0" y2="600.0"' in page


def test_report_survives_missing_and_broken_screenshots(tmp_path: Path) -> None:
    w = EpisodeWriter(tmp_path)
    w.add_step(StepRecord(step_num=1, action="pyautogui.click(10, 10)"), b"\x89PNG not really")
    w.add_step(StepRecord(step_num=2, action="FAIL", screenshot_file="../../etc/passwd"))
    page = write_report(tmp_path).read_text()
    assert page.count('class="step"') == 2 and "data:image" not in page


def test_report_places_later_observed_screens_by_timestamp(tmp_path: Path) -> None:
    w = EpisodeWriter(tmp_path)
    w.add_initial_screenshot(png(color="white"), datetime(2025, 5, 3, 8, 0, 0))
    w.add_step(StepRecord(step_num=1, action_timestamp="20250503@080010", action="x=1"), None)
    w.add_initial_screenshot(png(color="black"), datetime(2025, 5, 3, 8, 0, 20))
    w.add_step(StepRecord(step_num=2, action_timestamp="20250503@080030", action="x=2"), None)
    page = write_report(tmp_path).read_text()
    cards = page.split('class="step"')[1:]
    assert '#shot0"' in cards[0] and '#shot1"' in cards[1]  # each step sees the newer screen


def test_report_header_names_failed_setup_steps(tmp_path: Path) -> None:
    writer = EpisodeWriter(tmp_path)
    writer.add_step(click_record(1), png())
    setup = {
        "steps": [
            {"index": 0, "type": "execute", "ok": True, "detail": "returncode 0: "},
            {"index": 1, "type": "launch", "ok": False, "detail": "no such program: <gimp>"},
        ],
        "settle": {"stable": True, "seconds": 1.25},
    }
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    html = write_report(tmp_path).read_text()
    assert "1 of 2 steps failed: step 1 (launch): no such program: &lt;gimp&gt;" in html
    assert "screen still after 1.2 s" in html
    setup["steps"][1]["ok"] = True
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    assert "2 steps ok, screen still after 1.2 s" in write_report(tmp_path).read_text()
    (tmp_path / "setup.json").write_text(json.dumps({"error": "MissingAssets: 2 files"}))
    assert "MissingAssets: 2 files" in write_report(tmp_path).read_text()
