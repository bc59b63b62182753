"""The coverage table counts supported tasks per domain and names what is missing."""

from __future__ import annotations

from benchmarks.osworld.coverage import coverage, format_coverage
from benchmarks.osworld.tasks import Task


def _task(tid, func, result_type="vm_file", config=()):
    return Task.model_validate(
        {
            "id": tid,
            "instruction": "x",
            "config": [{"type": t, "parameters": {}} for t in config],
            "evaluator": {"func": func, "result": {"type": result_type, "path": "/a", "dest": "a"}},
        }
    )


def test_coverage_counts_and_missing():
    table = coverage(
        {
            "calc": [
                _task("1", "compare_table"),
                _task("2", "no_such_metric"),
                _task("3", "compare_table", config=["download"]),
            ],
            "web": [_task("4", "exact_match", result_type="no_such_getter")],
        }
    )
    assert (table["calc"].total, table["calc"].supported) == (3, 1)
    assert table["calc"].missing == {"metric:no_such_metric": 1, "step:download": 1}
    assert table["all"].total == 4 and table["all"].supported == 1
    assert table["all"].missing["getter:no_such_getter"] == 1
    text = format_coverage(table)
    assert "calc" in text and "step:download" in text


def _asset_task(tid="a"):
    return Task.model_validate(
        {
            "id": tid,
            "instruction": "x",
            "config": [
                {
                    "type": "download",
                    "parameters": {"files": [{"url": "http://h/in.xlsx", "path": "/home/user/in.xlsx"}]},
                }
            ],
            "evaluator": {
                "func": "compare_table",
                "result": {"type": "vm_file", "path": "/home/user/in.xlsx", "dest": "in.xlsx"},
                "expected": {"type": "cloud_file", "path": "http://h/gold.xlsx", "dest": "gold.xlsx"},
            },
        }
    )


def test_a_download_counts_as_runnable_only_when_its_files_are_cached(tmp_path):
    from benchmarks.osworld.assets import AssetCache
    from benchmarks.osworld.coverage import missing_for
    from benchmarks.osworld.summary import unsupported_reason

    task, cache = _asset_task(), AssetCache(tmp_path)
    assert missing_for(task) == ["step:download", "asset:cloud_file"]
    assert missing_for(task, cache) == ["asset:download", "asset:cloud_file"]
    assert "asset files not cached" in unsupported_reason(task, cache)
    cache.add("http://h/in.xlsx", b"x")
    assert missing_for(task, cache) == ["asset:cloud_file"]
    cache.add("http://h/gold.xlsx", b"y")
    assert missing_for(task, cache) == [] and unsupported_reason(task, cache) is None
    table = coverage({"calc": [task, _task("2", "no_such_metric")]}, cache)
    assert (table["calc"].total, table["calc"].evaluable, table["calc"].supported) == (2, 1, 1)
    assert "eval" in format_coverage(table)


def test_osworld_coverage_with_every_asset_cached(osworld_data, tmp_path):
    """Floors: coverage only grows. With the cache full, downloads and gold files stop
    mattering and what is left is getters, metrics and steps that need accounts."""
    from benchmarks.osworld.assets import AssetCache, urls_for
    from benchmarks.osworld.tasks import load_split

    tasks = load_split(osworld_data / "test_all.json", osworld_data / "examples")
    cache = AssetCache(tmp_path)
    for url in {u for items in tasks.values() for t in items for u in urls_for(t)}:
        cache.add(url, b"")
    empty, full = coverage(tasks)["all"], coverage(tasks, cache)["all"]
    assert empty.total == full.total == 369
    assert empty.evaluable == full.evaluable >= 198
    assert empty.supported >= 33 and full.supported >= 197
    assert not any(k.startswith("asset:") for k in full.missing)


def test_the_coverage_command_takes_an_asset_cache(osworld_data, tmp_path):
    from typer.testing import CliRunner

    from agent.cli.bench import osworld_app
    from benchmarks.osworld.assets import AssetCache, urls_for
    from benchmarks.osworld.tasks import load_split

    split = osworld_data / "test_small.json"
    args = ["coverage", "--split", str(split), "--examples", str(osworld_data / "examples")]
    bare = CliRunner().invoke(osworld_app, args)
    cache = AssetCache(tmp_path)
    for url in {
        u
        for items in load_split(split, osworld_data / "examples").values()
        for t in items
        for u in urls_for(t)
    }:
        cache.add(url, b"")
    cached = CliRunner().invoke(osworld_app, [*args, "--assets", str(tmp_path)])
    assert bare.exit_code == cached.exit_code == 0, bare.output + cached.output
    ready = lambda text: int(next(line for line in text.splitlines() if line.startswith("all")).split()[3])
    assert ready(cached.output) > ready(bare.output)
    assert "step:download" in bare.output and "download" not in cached.output
