"""The asset cache: hits and misses, fetching (from a local server only), refusing a task
whose files are missing before anything runs, and the download step on a real desktop."""

from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial

import pytest

from benchmarks.osworld.assets import (
    AssetCache,
    AssetFetchError,
    MissingAssets,
    assets_report,
    urls_for,
)
from benchmarks.osworld.setup import (
    SetupRunner,
    UnsupportedSetupStep,
    requirements,
    unsupported_steps,
)
from benchmarks.osworld.tasks import Task, load_task

HF = "https://huggingface.co/datasets/xlangai/ubuntu_osworld_file_cache/resolve/main"


def _task(config, evaluator=None, **extra):
    return Task.model_validate(
        {
            "id": "t-1",
            "instruction": "i",
            "config": config,
            "evaluator": evaluator or {"func": "infeasible"},
            **extra,
        }
    )


def _download(*pairs):
    return {"type": "download", "parameters": {"files": [{"url": u, "path": p} for u, p in pairs]}}


def test_cache_paths_hits_and_misses(tmp_path):
    cache = AssetCache(tmp_path)
    url = f"{HF}/calc/abc/Maturity%20Date.xlsx"
    path = cache.path_for(url)
    assert path == tmp_path / hashlib.sha256(url.encode()).hexdigest() / "Maturity Date.xlsx"
    assert not cache.has(url) and url not in cache
    assert cache.missing([url, "http://x/b.txt", url]) == [url, "http://x/b.txt"]
    cache.add(url, b"sheet")
    assert cache.has(url) and url in cache and cache.read(url) == b"sheet"
    assert cache.missing([url, "http://x/b.txt"]) == ["http://x/b.txt"]
    assert cache.path_for("http://x/").name == "file"  # no basename, still a file name
    with pytest.raises(MissingAssets):
        cache.read("http://x/b.txt")


@pytest.fixture
def file_server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_from_a_local_server(tmp_path, file_server):
    root, base = file_server
    data = bytes(range(256)) * 1000
    (root / "a.bin").write_bytes(data)
    (root / "b.txt").write_text("bee")
    cache = AssetCache(tmp_path / "cache")
    paths = cache.fetch([f"{base}/a.bin", f"{base}/b.txt"])
    assert [p.read_bytes() for p in paths] == [data, b"bee"]
    assert cache.missing([f"{base}/a.bin", f"{base}/b.txt"]) == []
    (root / "a.bin").write_bytes(b"changed")  # cached: not fetched again
    assert cache.fetch([f"{base}/a.bin"])[0].read_bytes() == data
    with pytest.raises(AssetFetchError) as info:
        cache.fetch([f"{base}/nope.bin", f"{base}/b.txt"], retries=0)
    assert list(info.value.failures) == [f"{base}/nope.bin"] and "404" in str(info.value)
    assert not cache.has(f"{base}/nope.bin")
    assert not list((tmp_path / "cache").rglob(".part-*"))  # no half-written files left


class _Uploading:
    """A recording desktop that also takes uploads."""

    def __init__(self, recording_desktop):
        self.inner = recording_desktop()
        self.uploads: dict[str, bytes] = {}

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def upload_file(self, path, data):
        self.inner.calls.append(("upload_file", path))
        self.uploads[path] = data


def test_missing_assets_are_listed_before_any_step_runs(tmp_path, recording_desktop):
    desktop = _Uploading(recording_desktop)
    cache = AssetCache(tmp_path)
    urls = [f"{HF}/a/one.xlsx", f"{HF}/a/two.docx", f"{HF}/a/three.png"]
    cache.add(urls[1], b"two")
    task = _task(
        [
            {"type": "launch", "parameters": {"command": ["x"]}},
            _download((urls[0], "/home/user/one.xlsx"), (urls[1], "/home/user/two.docx")),
            _download((urls[2], "/home/user/three.png")),
        ]
    )
    runner = SetupRunner(desktop, (800, 600), sleep=lambda s: None, assets=cache)
    with pytest.raises(MissingAssets) as info:
        runner.setup_task(task)
    assert info.value.urls == [urls[0], urls[2]] and info.value.task_id == "t-1"
    text = str(info.value)
    assert urls[0] in text and urls[2] in text and urls[1] not in text and "t-1" in text
    assert desktop.calls == []  # nothing ran

    cache.add(urls[0], b"one")
    cache.add(urls[2], b"three")
    outcomes = runner.setup_task(task)
    assert all(o.ok for o in outcomes)
    assert desktop.uploads == {
        "/home/user/one.xlsx": b"one",
        "/home/user/two.docx": b"two",
        "/home/user/three.png": b"three",
    }


def test_download_needs_a_cache_and_an_upload(tmp_path, recording_desktop):
    task = _task([_download(("http://x/a", "/home/user/a"))])
    assert unsupported_steps(task) == ["download"]
    with pytest.raises(UnsupportedSetupStep, match="AssetCache"):
        SetupRunner(_Uploading(recording_desktop), (1, 1)).setup_task(task)
    runner = SetupRunner(_Uploading(recording_desktop), (1, 1), assets=AssetCache(tmp_path))
    assert unsupported_steps(task, runner) == ["download"]  # the cache lacks the file
    runner.assets.add("http://x/a", b"a")
    assert unsupported_steps(task, runner) == []
    fetching = SetupRunner(
        _Uploading(recording_desktop), (1, 1), assets=AssetCache(tmp_path / "empty"), fetch_assets=True
    )
    assert unsupported_steps(task, fetching) == []  # it may download what is missing
    # a desktop that cannot take files cannot download either
    assert "download" in unsupported_steps(
        task, SetupRunner(recording_desktop(), (1, 1), assets=AssetCache(tmp_path))
    )


def test_fetching_when_allowed(tmp_path, file_server, recording_desktop):
    root, base = file_server
    (root / "f.txt").write_text("fetched")
    desktop = _Uploading(recording_desktop)
    runner = SetupRunner(desktop, (1, 1), assets=AssetCache(tmp_path / "c"), fetch_assets=True)
    runner.setup_task(_task([_download((f"{base}/f.txt", "/home/user/f.txt"))]))
    assert desktop.uploads == {"/home/user/f.txt": b"fetched"}


def test_urls_for_collects_downloads_and_cloud_files(osworld_data):
    task = load_task(osworld_data / "examples/libreoffice_calc/a01fbce3-2793-461f-ab86-43680ccbae25.json")
    urls = urls_for(task)
    assert urls[0].endswith("/Set_Decimal_Separator_Dot.xlsx")
    assert any(u.endswith("_gold_ru.csv") for u in urls) and len(urls) == len(set(urls)) == 3
    synthetic = _task(
        [_download(("http://h/a", "/a"))],
        {
            "func": "compare_table",
            "result": {"type": "vm_file", "path": "/a", "dest": "a"},
            "expected": {"type": "cloud_file", "path": "http://h/gold", "dest": "g"},
            "postconfig": [_download(("http://h/post", "/p"), ("http://h/a", "/a"))],
        },
    )
    assert urls_for(synthetic) == ["http://h/a", "http://h/post", "http://h/gold"]


def test_assets_report(tmp_path):
    cache = AssetCache(tmp_path)
    one = _task([_download(("http://h/shared", "/a"), ("http://h/one", "/b"))])
    two = Task.model_validate(
        {
            **one.model_dump(mode="json", exclude_unset=True),
            "id": "t-2",
            "config": [_download(("http://h/shared", "/a"))],
        }
    )
    three = Task.model_validate({"id": "t-3", "instruction": "i", "evaluator": {"func": "infeasible"}})
    cache.add("http://h/shared", b"s")
    report = assets_report({"calc": [one, two], "os": [three]}, cache)
    assert report.needed == {"http://h/shared": ["t-1", "t-2"], "http://h/one": ["t-1"]}
    assert report.cached == ["http://h/shared"] and report.missing == ["http://h/one"]
    assert report.tasks_ready == ["t-2", "t-3"] and report.tasks_missing == {"t-1": ["http://h/one"]}
    assert not report.complete and "http://h/one" in "\n".join(report.lines())
    assert report.to_dict()["needed"] == 2


def test_requirements_of_real_tasks(osworld_data):
    drive = load_task(osworld_data / "examples/multi_apps/a0b9dc9c-fc07-4a88-8c5d-5e3ecad91bcb.json")
    needs = requirements(drive)
    assert any("Google Drive" in n for n in needs)
    assert any("account login (googledrive)" in n for n in needs)
    assert any("live web" in n and "https://arxiv.org/" in n for n in needs)
    assert "googledrive" in unsupported_steps(drive) and "login" in unsupported_steps(drive)
    history = load_task(osworld_data / "examples/chrome/44ee5668-ecd5-4366-a6ce-c1c9b8d4e938.json")
    assert any("update_browse_history" in n for n in requirements(history))
    plain = load_task(osworld_data / "examples/libreoffice_calc/a01fbce3-2793-461f-ab86-43680ccbae25.json")
    assert requirements(plain) == []
    local_tabs = _task(
        [
            {
                "type": "chrome_open_tabs",
                "parameters": {"urls_to_open": ["http://127.0.0.1:8000/x", "file:///home/user/a.html"]},
            }
        ]
    )
    assert requirements(local_tabs) == []
    assert requirements(_task([], proxy=True)) == ["the live web (the task runs through a proxy)"]


def test_download_into_a_real_desktop(desktop, client, tmp_path):
    cache = AssetCache(tmp_path)
    data = bytes(range(256)) * 4096 + b"\x00end"
    url = f"{HF}/os/xyz/blob.bin"
    cache.add(url, data)
    outcomes = SetupRunner(client, assets=cache).run(
        [_download((url, "/home/user/assets-test/blob.bin"))], task_id="dl"
    )
    assert outcomes[0].ok, outcomes
    assert (desktop.home / "assets-test" / "blob.bin").read_bytes() == data
