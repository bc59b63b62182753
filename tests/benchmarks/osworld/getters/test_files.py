"""File getters beyond vm_file (test_evaluate.py has vm_file): the asset cache, the
evaluator's cache, a sheet's last row."""

from __future__ import annotations

import pytest

from benchmarks.osworld.assets import AssetCache, MissingAssets
from benchmarks.osworld.evaluate import evaluate
from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.tasks import Task
from envs.base import CommandOutput

URL = "https://huggingface.co/datasets/x/resolve/main/gold.txt"


def ctx(desktop, tmp_path, **kw) -> EvalContext:
    return EvalContext(desktop, tmp_path / "cache", **kw)


def test_cloud_file_comes_from_the_asset_cache_or_names_the_missing_url(recording_desktop, tmp_path):
    desktop = recording_desktop(files={"/home/user/out.txt": b"gold\n"})
    task = Task.model_validate(
        {
            "id": "t",
            "instruction": "i",
            "evaluator": {
                "func": "compare_text_file",
                "result": {"type": "vm_file", "path": "/home/user/out.txt", "dest": "out.txt"},
                "expected": {"type": "cloud_file", "path": URL, "dest": "gold.txt"},
            },
        }
    )
    cache = AssetCache(tmp_path / "assets")
    offline = evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e1", assets=cache)
    assert offline.score == 0.0 and URL in offline.error and "not cached" in offline.error
    no_cache = evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e2")
    assert no_cache.score == 0.0 and URL in no_cache.error
    cache.add(URL, b"gold\n")
    scored = evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e3", assets=cache)
    assert scored.score == 1.0 and (tmp_path / "e3" / "gold.txt").read_bytes() == b"gold\n"
    cache.add(URL, b"other\n")
    assert evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e4", assets=cache).score == 0.0


def test_cloud_file_multi_gives_a_list(recording_desktop, tmp_path):
    cache = AssetCache(tmp_path / "assets")
    urls = [URL, URL.replace("gold", "other")]
    for i, u in enumerate(urls):
        cache.add(u, f"{i}".encode())
    got = GETTERS["cloud_file"](
        ctx(recording_desktop(), tmp_path, assets=cache),
        {"multi": True, "path": urls, "dest": ["a.txt", "b.txt"], "gives": [0, 1]},
    )
    assert [open(p).read() for p in got] == ["0", "1"]
    with pytest.raises(MissingAssets, match="not cached"):
        GETTERS["cloud_file"](
            ctx(recording_desktop(), tmp_path, assets=cache), {"path": URL + "x", "dest": "x"}
        )


def test_cache_file_reads_what_a_postconfig_step_saved(recording_desktop, tmp_path):
    desktop = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(0, "'Orchis-dark'\n", ""))
    task = Task.model_validate(
        {
            "id": "t",
            "instruction": "i",
            "evaluator": {
                "postconfig": [
                    {
                        "type": "execute",
                        "parameters": {
                            "command": ["gsettings", "get", "org.gnome.desktop.interface", "gtk-theme"],
                            "stdout": "gsettings.out",
                        },
                    }
                ],
                "func": "check_list",
                "result": {"type": "cache_file", "path": "gsettings.out"},
                "expected": {"type": "rule", "rules": {"expect": ["Orchis"]}},
            },
        }
    )
    assert evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "a").score == 1.0
    missing = GETTERS["cache_file"]
    with pytest.raises(FileNotFoundError, match="nothing.out"):
        missing(ctx(recording_desktop(), tmp_path), {"path": "nothing.out"})
    with pytest.raises(ValueError, match="outside"):
        missing(ctx(recording_desktop(), tmp_path), {"path": "../../etc/passwd"})


def test_content_from_vm_file_gives_the_last_row_of_a_sheet(recording_desktop, tmp_path):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    for row in (["Name", "Year"], ["Ada", 1843], ["Alan", 1936]):
        book.active.append(row)
    data = BytesIO()
    book.save(data)
    desktop = recording_desktop(files={"/home/user/Desktop/r.xlsx": data.getvalue()})
    spec = {"path": "/home/user/Desktop/r.xlsx", "file_type": "xlsx", "file_content": "last_row"}
    assert GETTERS["content_from_vm_file"](ctx(desktop, tmp_path), spec) == ["Alan", "1936"]
