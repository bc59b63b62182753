"""run_benchmark with fake grounders: per-category accuracy, timing, report files, main()."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks.grounding.datasets import load_dataset
from benchmarks.grounding.run import (
    GrounderFactoryMissing,
    Report,
    main,
    percentile,
    run_benchmark,
)
from grounding.base import GroundingResult
from grounding.cascade import CascadeGrounder


class ByInstruction:
    """Answers from a table keyed by instruction; raises for the ones listed in `fail`."""

    def __init__(self, answers, name="fake", fail=()):
        self.name = name
        self.answers = answers
        self.fail = set(fail)
        self.seen: list[tuple[str, tuple[int, int], bool]] = []

    def ground(self, screenshot_png, description, screen_size):
        self.seen.append((description, screen_size, screenshot_png.startswith(b"\x89PNG")))
        if description in self.fail:
            raise RuntimeError(f"cannot ground {description!r}")
        point = self.answers.get(description)
        if point is None:
            return None
        return GroundingResult(x=point[0], y=point[1], confidence=0.9, grounder=self.name)


def test_osworld_g_run_scores_categories_and_writes_reports(osworld_g_dir: Path, tmp_path: Path):
    _, items = load_dataset(osworld_g_dir)
    grounder = ByInstruction(
        {
            "Click OK": (40, 60),  # bottom-right corner: inside
            "Drag the handle": (99, 20),
        }
    )  # just left of the polygon
    out = tmp_path / "report"
    report = run_benchmark(items, grounder, progress=False, out_dir=out)

    assert (report.dataset, report.grounder) == ("osworld-g", "fake")
    assert (report.total, report.correct) == (3, 2)
    assert report.accuracy == pytest.approx(2 / 3)
    assert [r.outcome for r in report.items] == ["correct", "wrong", "correct"]
    assert report.declined == 0 and report.errors == 0
    assert grounder.seen == [
        ("Click OK", (200, 100), True),
        ("Drag the handle", (200, 100), True),
        ("Click the purple unicorn", (200, 100), True),
    ]
    cats = report.tables[0]
    assert cats.cell("text_matching", "accuracy").model_dump() == {"correct": 1, "total": 1, "accuracy": 1.0}
    assert cats.cell("element_recognition", "accuracy").model_dump() == {
        "correct": 1,
        "total": 2,
        "accuracy": 0.5,
    }
    assert cats.cell("refusal", "accuracy").accuracy == 1.0
    assert cats.cell("overall", "accuracy").accuracy == pytest.approx(2 / 3)
    assert report.timing.n == 3 and report.timing.median_s >= 0 and report.timing.p95_s >= 0

    data = json.loads((out / "report.json").read_text())
    assert data["correct"] == 2 and len(data["items"]) == 3
    assert data["items"][1] == {
        **data["items"][1],
        "id": "g-poly",
        "outcome": "wrong",
        "point": [99, 20],
        "correct": False,
    }
    assert Report.model_validate(data).tables[0].cell("refusal", "accuracy").total == 1
    md = (out / "report.md").read_text()
    assert "# Grounding benchmark: osworld-g" in md
    assert "accuracy: **66.7%** (2/3)" in md
    assert "| element_recognition | 50.0 (1/2) |" in md
    assert "| g-poly | wrong | 99, 20 | Drag the handle |" in md


def test_screenspot_v2_run_gives_platform_by_type_table(screenspot_v2_dir: Path, tmp_path: Path):
    _, items = load_dataset(screenspot_v2_dir)
    right = {
        "mobile text target": (5, 6),
        "mobile icon target": (24, 24),
        "desktop text target": (10, 10),
        "web icon target": (22, 22),
    }
    wrong = {"desktop icon target": (0, 0)}  # web text: declined
    report = run_benchmark(items, ByInstruction({**right, **wrong}), progress=False)
    (table,) = report.tables
    assert table.cell("mobile", "avg").accuracy == 1.0
    assert table.cell("desktop", "text").accuracy == 1.0
    assert table.cell("desktop", "icon").accuracy == 0.0
    assert table.cell("web", "text").accuracy == 0.0
    assert table.cell("all", "text").model_dump() == {
        "correct": 2,
        "total": 3,
        "accuracy": pytest.approx(2 / 3),
    }
    assert table.cell("all", "avg").accuracy == pytest.approx(4 / 6)
    assert report.declined == 1
    assert [r.outcome for r in report.items if r.instruction == "web text target"] == ["declined"]


def test_screenspot_pro_run_and_limit(screenspot_pro_dir: Path):
    _, items = load_dataset(screenspot_pro_dir)
    grounder = ByInstruction({"bold": (50, 50), "open the explorer": (31, 15)})
    report = run_benchmark(items, grounder, limit=2, progress=False)
    assert report.total == 2 and len(grounder.seen) == 2
    groups, apps = report.tables
    assert groups.cell("Office", "icon").accuracy == 1.0
    assert groups.cell("Dev", "icon").accuracy == 0.0  # (31, 15) is just right of the box
    assert apps.cell("all", "avg").accuracy == 0.5
    assert grounder.seen[0][1] == (2560, 1440)  # the annotated size is the screen size


def test_a_failing_grounder_scores_wrong_even_on_refusals(osworld_g_dir: Path):
    _, items = load_dataset(osworld_g_dir)
    grounder = ByInstruction({"Click OK": (11, 21)}, fail={"Click the purple unicorn"})
    report = run_benchmark(items, grounder, progress=False)
    refusal = report.items[2]
    assert refusal.outcome == "error" and not refusal.correct
    assert refusal.error == "RuntimeError: cannot ground 'Click the purple unicorn'"
    assert report.errors == 1 and report.declined == 1 and report.correct == 1


def test_cascade_tiers_are_reported(osworld_g_dir: Path, tmp_path: Path):
    _, items = load_dataset(osworld_g_dir)
    cheap = ByInstruction({"Click OK": (12, 22)}, name="a11y")
    model = ByInstruction({"Click OK": (0, 0), "Drag the handle": (110, 20)}, name="jedi")
    cascade = CascadeGrounder([(cheap, 0.5), (model, 0.0)], name="a11y+jedi")
    report = run_benchmark(items, cascade, progress=False, out_dir=tmp_path)
    assert report.correct == 3
    tiers = {t.name: t for t in report.tiers}
    assert (tiers["a11y"].calls, tiers["a11y"].answered) == (3, 1)
    assert (tiers["jedi"].calls, tiers["jedi"].answered) == (2, 1)
    assert report.answered_by == {"a11y+jedi/a11y": 1, "a11y+jedi/jedi": 1}
    assert [len(r.trace) for r in report.items] == [1, 2, 2]
    assert "### Cascade tiers" in (tmp_path / "report.md").read_text()


def test_percentile_by_hand():
    values = [0.4, 0.1, 0.3, 0.2, 1.0]
    assert percentile(values, 50) == pytest.approx(0.3)
    assert percentile(values, 95) == pytest.approx(0.4 + 0.8 * 0.6)  # rank 3.8 between 0.4 and 1.0
    assert percentile([2.0], 95) == 2.0
    assert percentile([1.0, 2.0], 50) == pytest.approx(1.5)


def test_main_builds_the_grounder_from_its_spec(osworld_g_dir: Path, tmp_path: Path, monkeypatch):
    import grounding.factory

    specs = []

    def fake_make_grounder(spec):
        specs.append(spec)
        return ByInstruction({"Click OK": (20, 30)}, name=spec)

    monkeypatch.setattr(grounding.factory, "make_grounder", fake_make_grounder)
    out = tmp_path / "out"
    code = main(
        [
            "--dataset",
            str(osworld_g_dir),
            "--grounder",
            "jedi@http://x/v1",
            "--out",
            str(out),
            "--limit",
            "2",
            "--no-progress",
        ]
    )
    assert code == 0 and specs == ["jedi@http://x/v1"]
    data = json.loads((out / "report.json").read_text())
    assert (data["grounder"], data["total"], data["correct"]) == ("jedi@http://x/v1", 2, 1)
    assert (out / "report.md").is_file()


def test_main_without_the_factory_says_so(osworld_g_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "grounding.factory", None)  # makes the import fail
    with pytest.raises(GrounderFactoryMissing, match="grounding.factory.make_grounder is not available"):
        main(["--dataset", str(osworld_g_dir), "--grounder", "ocr", "--out", str(tmp_path)])


def test_main_reports_a_bad_dataset_or_spec(tmp_path: Path, osworld_g_dir: Path, capsys):
    assert (
        main(["--dataset", str(tmp_path / "nowhere"), "--grounder", "ocr", "--out", str(tmp_path / "o")]) == 2
    )
    assert "no dataset at" in capsys.readouterr().err
    assert (
        main(["--dataset", str(osworld_g_dir), "--grounder", "telepathy", "--out", str(tmp_path / "o")]) == 2
    )
    assert "unknown grounder 'telepathy'" in capsys.readouterr().err


def test_main_prints_messages_with_brackets_verbatim(tmp_path: Path, files, capsys):
    files.write_json(
        tmp_path / "OSWorld-G.json",
        [
            {
                "id": "x",
                "image_path": "a.png",
                "image_size": [9, 9],
                "instruction": "x",
                "box_type": "bbox",
                "box_coordinates": [1, 2, 3],
            }
        ],
    )
    files.write_png(tmp_path / "images" / "a.png", 9, 9)
    args = ["--dataset", str(tmp_path), "--grounder", "ocr", "--out", str(tmp_path / "o")]
    assert main(args) == 2
    assert "bbox must be [x, y, w, h], got [1, 2, 3]" in capsys.readouterr().err


def test_progress_bar_runs(osworld_g_dir: Path):
    _, items = load_dataset(osworld_g_dir)
    report = run_benchmark(items, ByInstruction({}, name="[odd] name"), progress=True)
    assert report.total == 3 and report.correct == 1


def test_module_entry_point_help():
    import subprocess

    repo = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.grounding", "--help"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--dataset" in done.stdout and "--grounder" in done.stdout
