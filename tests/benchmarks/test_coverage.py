"""The coverage table counts supported tasks per domain and names what is missing."""

from __future__ import annotations

from benchmarks.osworld.coverage import coverage, format_coverage
from benchmarks.osworld.tasks import Task


def _task(tid, func, result_type="vm_file", config=()):
    return Task.model_validate({
        "id": tid, "instruction": "x", "config": [{"type": t, "parameters": {}} for t in config],
        "evaluator": {"func": func, "result": {"type": result_type, "path": "/a", "dest": "a"}},
    })


def test_coverage_counts_and_missing():
    table = coverage({
        "calc": [_task("1", "compare_table"), _task("2", "no_such_metric"),
                 _task("3", "compare_table", config=["download"])],
        "web": [_task("4", "exact_match", result_type="no_such_getter")],
    })
    assert (table["calc"].total, table["calc"].supported) == (3, 1)
    assert table["calc"].missing == {"metric:no_such_metric": 1, "step:download": 1}
    assert table["all"].total == 4 and table["all"].supported == 1
    assert table["all"].missing["getter:no_such_getter"] == 1
    text = format_coverage(table)
    assert "calc" in text and "step:download" in text
