"""The task model: every real task file loads losslessly; bad files fail with the file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.tasks import Task, TaskFileError, load_split, load_task
from envs.actions import Hotkey, TypeText

OSWORLD_SPLITS = {
    "test_all.json": 369,
    "test_small.json": 39,
    "test_nogdrive.json": 361,
    "test_infeasible.json": 28,
}


def _round_trip_failures(files: list[Path]) -> list[str]:
    failures = []
    for path in files:
        task = load_task(path)
        if task.model_dump(mode="json", exclude_unset=True) != json.loads(path.read_text()):
            failures.append(path.name)
    return failures


def test_all_osworld_tasks_load_losslessly(osworld_data):
    files = sorted((osworld_data / "examples").glob("*/*.json"))
    assert len(files) == 369
    assert _round_trip_failures(files) == []


def test_all_waa_tasks_load_losslessly(waa_data):
    files = sorted((waa_data / "examples").glob("*/*.json"))
    assert len(files) == 154
    assert _round_trip_failures(files) == []


def test_unknown_fields_are_kept_and_typed_fields_parsed(osworld_data):
    task = load_task(next((osworld_data / "examples" / "os").glob("*.json")))
    assert task.path is not None and task.base_dir == task.path.parent
    assert isinstance(task.config, list) and task.evaluator.metrics
    raw = {
        "id": "t",
        "instruction": "do it",
        "evaluator": {"func": "infeasible", "_note": 1},
        "_comments": "kept",
        "oracle": ["FAIL"],
    }
    task = Task.model_validate(raw)
    assert task.infeasible and task.oracle == ["FAIL"]
    assert task.model_dump(mode="json", exclude_unset=True) == raw


@pytest.mark.parametrize("split, count", sorted(OSWORLD_SPLITS.items()))
def test_osworld_split_files_load(osworld_data, split, count):
    tasks = load_split(osworld_data / split, osworld_data / "examples")
    assert sum(len(v) for v in tasks.values()) == count
    for domain, items in tasks.items():
        assert all(t.path.parent.name == domain for t in items)


def test_osworld_split_domains_match_the_spec(osworld_data):
    tasks = load_split(osworld_data / "test_all.json", osworld_data / "examples")
    assert {d: len(v) for d, v in tasks.items()} == {
        "chrome": 46,
        "gimp": 26,
        "libreoffice_calc": 47,
        "libreoffice_impress": 47,
        "libreoffice_writer": 23,
        "multi_apps": 101,
        "os": 24,
        "thunderbird": 15,
        "vlc": 17,
        "vs_code": 23,
    }


def test_waa_split_loads(waa_data):
    tasks = load_split(waa_data / "test_all.json", waa_data / "examples")
    assert sum(len(v) for v in tasks.values()) == 154


def _write(tmp_path: Path, text: str, name: str = "task.json") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = {
    "id": "x",
    "instruction": "do it",
    "config": [],
    "evaluator": {
        "func": "exact_match",
        "result": {"type": "rule", "rules": 1},
        "expected": {"type": "rule", "rules": {"expected": 1}},
    },
}


def test_malformed_json_names_file_and_position(tmp_path):
    path = _write(tmp_path, '{\n  "id": "x",\n  "instruction": "y"\n  "config": []\n}')
    with pytest.raises(TaskFileError) as info:
        load_task(path)
    assert str(path) in str(info.value) and "line 4 column 3" in str(info.value)
    assert (info.value.line, info.value.column) == (4, 3)


def test_missing_instruction_names_the_field(tmp_path):
    data = {k: v for k, v in GOOD.items() if k != "instruction"}
    path = _write(tmp_path, json.dumps(data))
    with pytest.raises(TaskFileError) as info:
        load_task(path)
    assert info.value.field == "instruction"
    assert str(path) in str(info.value) and "'instruction'" in str(info.value)


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"proxy": "true"}, "proxy"),
        ({"config": [{"type": 3, "parameters": {}}]}, "config[0].type"),
        ({"config": {"type": "sleep"}}, "config"),
        ({"related_apps": "chrome"}, "related_apps"),
        ({"evaluator": {"func": 7}}, "evaluator.func"),
        (
            {"evaluator": {"func": ["exact_match", "exact_match"], "result": {"type": "rule"}}},
            "evaluator.result",
        ),
        ({"evaluator": {"func": "exact_match", "conj": "xor"}}, "evaluator.conj"),
    ],
)
def test_wrong_field_type_names_the_field(tmp_path, patch, field):
    path = _write(tmp_path, json.dumps({**GOOD, **patch}))
    with pytest.raises(TaskFileError) as info:
        load_task(path)
    assert info.value.field == field, str(info.value)
    assert str(path) in str(info.value)


def test_a_task_that_is_not_an_object_or_missing_is_a_task_file_error(tmp_path):
    with pytest.raises(TaskFileError, match="JSON object"):
        load_task(_write(tmp_path, "[1, 2]"))
    with pytest.raises(TaskFileError, match="no such file"):
        load_task(tmp_path / "absent.json")


def test_split_naming_a_missing_task_names_that_file(tmp_path):
    (tmp_path / "examples" / "os").mkdir(parents=True)
    _write(tmp_path / "examples" / "os", json.dumps(GOOD), "x.json")
    split = _write(tmp_path, json.dumps({"os": ["x", "gone"]}), "split.json")
    with pytest.raises(TaskFileError) as info:
        load_split(split, tmp_path / "examples")
    assert "gone.json" in str(info.value)
    bad = _write(tmp_path, json.dumps({"os": "x"}), "bad.json")
    with pytest.raises(TaskFileError) as info:
        load_split(bad, tmp_path / "examples")
    assert info.value.field == "os"


def test_local_tasks_load_and_their_oracles_parse(local_tasks):
    tasks = load_split(local_tasks / "test_all.json", local_tasks / "examples")
    by_id = {t.id: t for items in tasks.values() for t in items}
    assert set(by_id) >= {"local-mousepad-note", "local-terminal-mkdir", "local-infeasible-bluetooth"}
    for task in by_id.values():  # every local task can be solved by its oracle
        oracle_plan(task)
    actions, last = oracle_plan(by_id["local-mousepad-note"])
    assert actions[0] == TypeText(text="Hello from deskpilot <3")
    assert actions[1] == Hotkey(keys=["ctrl", "s"]) and last == "DONE"
    assert oracle_plan(by_id["local-infeasible-bluetooth"]) == ([], "FAIL")
    for path in (local_tasks / "examples").glob("*/*.json"):
        assert load_task(path).model_dump(mode="json", exclude_unset=True) == json.loads(path.read_text())


def test_a_bad_oracle_names_the_step(tmp_path):
    path = _write(tmp_path, json.dumps({**GOOD, "oracle": [{"type": "hotkey", "keys": ["nokey"]}]}))
    with pytest.raises(TaskFileError) as info:
        oracle_plan(load_task(path))
    assert info.value.field == "oracle[0].hotkey.keys[0]"
    assert str(path) in str(info.value) and "nokey" in str(info.value)
