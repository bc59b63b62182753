"""A host-side cache of the files OSWorld tasks download.

Most OSWorld tasks start by fetching their input files (and their evaluators fetch
the expected files, `cloud_file` getters) from a Hugging Face file cache. Here a URL
maps to one file, `<folder>/<sha256 of the URL>/<basename>`, so a cache folder can
be filled once (on a machine with a network, or copied from a mirror) and used
offline. Nothing here touches the network unless `fetch` is called.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from benchmarks.osworld.tasks import GetterSpec, SetupStep, Task

__all__ = [
    "AssetCache",
    "AssetFetchError",
    "AssetReport",
    "MissingAssets",
    "assets_report",
    "cloud_file_urls",
    "download_urls",
    "urls_for",
]


class MissingAssets(RuntimeError):
    """Files a task needs are not in the cache (and fetching was not allowed)."""

    def __init__(self, urls: Iterable[str], task_id: str | None = None, cache: Path | None = None) -> None:
        self.urls, self.task_id = list(urls), task_id
        where = f" for task {task_id}" if task_id else ""
        folder = f" in {cache}" if cache else ""
        listing = "\n".join(f"  {url}" for url in self.urls)
        super().__init__(
            f"{len(self.urls)} asset file(s){where} not cached{folder}; fetch them "
            f"first (agent bench osworld assets) or allow fetching:\n{listing}"
        )


class AssetFetchError(RuntimeError):
    """Some URLs could not be downloaded; `failures` maps each to its reason."""

    def __init__(self, failures: Mapping[str, str]) -> None:
        self.failures = dict(failures)
        listing = "\n".join(f"  {url}: {why}" for url, why in self.failures.items())
        super().__init__(f"could not fetch {len(self.failures)} asset file(s):\n{listing}")


def _basename(url: str) -> str:
    name = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
    name = name.replace("\\", "_").strip()
    return "file" if name in ("", ".", "..") else name


class AssetCache:
    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def path_for(self, url: str) -> Path:
        if not url:
            raise ValueError("empty URL")
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.folder / digest / _basename(url)

    def has(self, url: str) -> bool:
        return self.path_for(url).is_file()

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and bool(url) and self.has(url)

    def missing(self, urls: Iterable[str]) -> list[str]:
        """The URLs not cached yet, each once, in the order given."""
        return [url for url in dict.fromkeys(urls) if not self.has(url)]

    def read(self, url: str) -> bytes:
        path = self.path_for(url)
        if not path.is_file():
            raise MissingAssets([url], cache=self.folder)
        return path.read_bytes()

    def add(self, url: str, data: bytes) -> Path:
        """Store `data` as the file for `url` (a mirror, or a test)."""
        path = self.path_for(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def fetch(
        self, urls: Iterable[str], *, timeout: float = 300.0, retries: int = 2, client: Any = None
    ) -> list[Path]:
        """Download the URLs that are not cached yet (with httpx); return every URL's path.

        A file is written under a temporary name and renamed when complete, so an
        interrupted download never looks cached. All URLs are tried; then
        `AssetFetchError` lists the ones that failed.
        """
        import httpx

        wanted = list(dict.fromkeys(urls))
        todo = self.missing(wanted)
        failures: dict[str, str] = {}
        own = client is None
        http = client or httpx.Client(timeout=timeout, follow_redirects=True)
        try:
            for url in todo:
                last = ""
                for _ in range(retries + 1):
                    try:
                        self._download(http, url)
                        last = ""
                        break
                    except httpx.HTTPStatusError as exc:
                        last = f"HTTP {exc.response.status_code}"
                        if exc.response.status_code < 500:
                            break  # a 404 will not get better
                    except (httpx.HTTPError, OSError) as exc:
                        last = f"{type(exc).__name__}: {exc}"
                if last:
                    failures[url] = last
        finally:
            if own:
                http.close()
        if failures:
            raise AssetFetchError(failures)
        return [self.path_for(url) for url in wanted]

    def _download(self, http: Any, url: str) -> None:
        path = self.path_for(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out, http.stream("GET", url) as reply:
                reply.raise_for_status()
                for chunk in reply.iter_bytes(1 << 16):
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def download_urls(steps: Iterable[SetupStep]) -> list[str]:
    """The URLs of the `download` steps among `steps`, each once."""
    urls: list[str] = []
    for step in steps:
        if step.type != "download":
            continue
        for entry in step.parameters.get("files") or []:
            url = entry.get("url") if isinstance(entry, dict) else None
            if isinstance(url, str) and url:
                urls.append(url)
    return list(dict.fromkeys(urls))


def _cloud_file_urls(spec: GetterSpec) -> list[str]:
    if spec.type != "cloud_file":
        return []
    path = spec.params.get("path")
    paths = path if isinstance(path, list) else [path]
    return [p for p in paths if isinstance(p, str) and p]


def cloud_file_urls(task: Task) -> list[str]:
    """The URLs the evaluator's `cloud_file` getters read (result and expected), each once."""
    return list(dict.fromkeys(u for spec in task.evaluator.getter_specs() for u in _cloud_file_urls(spec)))


def urls_for(task: Task) -> list[str]:
    """Every file URL the task downloads: its setup and postconfig `download` steps and
    its evaluator's `cloud_file` getters (result and expected), each once."""
    urls = download_urls([*task.config, *task.evaluator.postconfig])
    for spec in task.evaluator.getter_specs():
        urls.extend(_cloud_file_urls(spec))
    return list(dict.fromkeys(urls))


@dataclass
class AssetReport:
    """What a set of tasks needs from the cache. `needed` maps each URL to the ids of
    the tasks that use it."""

    needed: dict[str, list[str]] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tasks_ready: list[str] = field(default_factory=list)  # every file cached (or none needed)
    tasks_missing: dict[str, list[str]] = field(default_factory=dict)  # id -> missing URLs

    @property
    def complete(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "needed": len(self.needed),
            "cached": len(self.cached),
            "missing": self.missing,
            "tasks_ready": len(self.tasks_ready),
            "tasks_missing": self.tasks_missing,
        }

    def lines(self) -> list[str]:
        head = (
            f"{len(self.needed)} file(s) needed, {len(self.cached)} cached, "
            f"{len(self.missing)} missing; {len(self.tasks_ready)} task(s) ready, "
            f"{len(self.tasks_missing)} waiting for files"
        )
        out = [head]
        out += [f"missing {url} ({', '.join(self.needed[url])})" for url in self.missing]
        return out


def assets_report(tasks: Iterable[Task] | Mapping[str, Iterable[Task]], cache: AssetCache) -> AssetReport:
    """Which files `tasks` (a list, or a split's `{domain: [Task, ...]}`) need, and which of
    them the cache holds."""
    items: Iterable[Task]
    if isinstance(tasks, Mapping):
        items = [t for group in tasks.values() for t in group]
    else:
        items = tasks
    report = AssetReport()
    for task in items:
        urls = urls_for(task)
        for url in urls:
            report.needed.setdefault(url, [])
            if task.id not in report.needed[url]:
                report.needed[url].append(task.id)
        lacking = cache.missing(urls)
        if lacking:
            report.tasks_missing[task.id] = lacking
        else:
            report.tasks_ready.append(task.id)
    for url in report.needed:
        (report.cached if cache.has(url) else report.missing).append(url)
    return report
