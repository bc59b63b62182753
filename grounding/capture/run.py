"""Capture: open each scene on an `osworld` profile desktop, save the screen and its
accessibility tree, derive the items, write the set.

    agent grounding capture --out DIR [--seed 0] [--scene calc-sales ...]

The folder holds `images/<scene>.png`, `a11y/<scene>.xml`, `screens.jsonl` (one
record per screen: app, state, split, files, seed, version) and `items.jsonl`
(OSWorld-G rows plus `category`, `split`, `scene`, `app`, `role`, `name`,
`a11y_path`), which benchmarks.grounding's loader reads as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import random
import re
import shlex
import time
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from grounding.capture.derive import derive
from grounding.capture.scenes import SCENES, Scene, scene

log = logging.getLogger(__name__)

VERSION = "2"
SCREEN = (1920, 1080)
# Process names as the kernel keeps them (15 characters: gnome-terminal-server is "gnome-terminal-").
_APPS = (
    "soffice.bin",
    "soffice",
    "gimp",
    "vlc",
    "thunderbird",
    "chrome",
    "gnome-terminal-",
    "mousepad",
    "gedit",
)


class ScreenRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scene: str
    app: str
    state: str
    split: str
    seed: int
    version: str
    image_path: str
    a11y_path: str
    files: dict[str, str]  # name -> sha256 of the bytes opened
    window: str  # the title that was waited for


def write_tree(path: Path, xml: str) -> None:
    """The tree gzipped (a Calc sheet's is a megabyte of XML), with no timestamp inside."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(xml.encode("utf-8"))


def read_tree(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


def scene_seed(seed: int, scene_id: str) -> int:
    """One generator per scene, so adding a scene never changes another's items."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{scene_id}".encode()).digest()[:8], "big")


def _windows(client) -> str:
    return client.execute("wmctrl -l", shell=True).output


def _wait_window(client, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < deadline:
        for line in _windows(client).splitlines():
            title = line.split(None, 3)[3] if len(line.split(None, 3)) == 4 else ""
            if rx.search(title):
                return title
        time.sleep(1.0)
    raise TimeoutError(f"no window matching {pattern!r} after {timeout:.0f} s; windows:\n{_windows(client)}")


def _close_apps(client) -> None:
    client.execute("for p in " + " ".join(_APPS) + "; do pkill -x $p; done; true", shell=True)
    time.sleep(2.0)
    client.execute("for p in " + " ".join(_APPS) + "; do pkill -9 -x $p; done; true", shell=True)


def _settled_tree(client, sc: Scene, tries: int = 12) -> str:
    """The tree once the app has exposed what it shows: LibreOffice builds its toolbars'
    accessibles late, so a tree without the roles the scene expects is read again."""
    xml = client.accessibility_tree()
    for _ in range(tries):
        if all(f"<{role}" in xml for role in sc.expect):
            break
        time.sleep(3.0)
        xml = client.accessibility_tree()
    return xml


def capture_scene(
    client, sc: Scene, seed: int, out: Path, timeout: float = 90.0
) -> tuple[ScreenRecord, list[dict]]:
    """Open one scene, capture it, and derive its items (rows for items.jsonl)."""
    rng = random.Random(scene_seed(seed, sc.id))
    files = sc.files(rng)
    folder = f"/home/user/capture/{sc.id}"
    client.execute(["mkdir", "-p", folder])
    for name, data in files.items():
        client.upload_file(f"{folder}/{name}", data)
    _close_apps(client)
    client.execute(
        f"cd {shlex.quote(folder)} && nohup {sc.command.format(dir=folder)} >/tmp/capture-{sc.id}.log 2>&1 &",
        shell=True,
    )
    title = _wait_window(client, sc.title, max(timeout, sc.timeout))
    # The same geometry on every run: full screen (undecorated) where the app keeps its
    # toolbars so, maximised where full screen would hide them (GTK header bars).
    mode = "fullscreen" if sc.fullscreen else "maximized_vert,maximized_horz"
    client.execute(f"wmctrl -r :ACTIVE: -b add,{mode}", shell=True)
    time.sleep(2.0)
    for keys in sc.keys:
        client.execute(["xdotool", "key", "--clearmodifiers", keys])
        time.sleep(2.0)
    time.sleep(sc.settle)
    png = client.screenshot()
    xml = _settled_tree(client, sc)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "a11y").mkdir(parents=True, exist_ok=True)
    (out / "images" / f"{sc.id}.png").write_bytes(png)
    write_tree(out / "a11y" / f"{sc.id}.xml.gz", xml)
    record = ScreenRecord(
        scene=sc.id,
        app=sc.app,
        state=sc.state,
        split=sc.split,
        seed=seed,
        version=VERSION,
        image_path=f"{sc.id}.png",
        a11y_path=f"a11y/{sc.id}.xml.gz",
        files={n: hashlib.sha256(d).hexdigest() for n, d in files.items()},
        window=title,
    )
    return record, items_for(record, xml, png, rng)


def _ocr_words(png: bytes) -> list:
    from grounding.ocr import OcrGrounder

    return OcrGrounder().words(png)[0]


def items_for(record: ScreenRecord, xml: str, png: bytes, rng: random.Random) -> list[dict]:
    """The items.jsonl rows of one captured screen (the same tree, screenshot and
    generator give the same rows)."""
    rows = []
    shifted = record.app.startswith("LibreOffice")
    for i, d in enumerate(derive(xml, SCREEN, rng, _ocr_words(png), shifted)):
        rows.append(
            {
                "id": f"{record.scene}-{i:02d}",
                "image_path": record.image_path,
                "image_size": list(SCREEN),
                "instruction": d.instruction,
                "box_type": "refusal" if d.box is None else "bbox",
                "box_coordinates": [0, 0, 0, 0] if d.box is None else list(d.box),
                "GUI_types": [record.app],
                "category": d.category,
                "split": record.split,
                "scene": record.scene,
                "app": record.app,
                "role": d.role,
                "name": d.name,
                "detail": d.detail,
                "a11y_path": record.a11y_path,
                "version": record.version,
            }
        )
    return rows


def rederive(folder: Path) -> int:
    """Re-derive items.jsonl from the saved trees (after a change to derive.py), no desktop."""
    records = [
        ScreenRecord(**json.loads(line))
        for line in (folder / "screens.jsonl").read_text().splitlines()
        if line
    ]
    rows = []
    for r in records:
        rng = random.Random(scene_seed(r.seed, r.scene))
        scene(r.scene).files(rng)  # the same draws as at capture time
        rows += items_for(
            r, read_tree(folder / r.a11y_path), (folder / "images" / r.image_path).read_bytes(), rng
        )
    _write_rows(folder / "items.jsonl", rows)
    return len(rows)


def _write_rows(path: Path, rows: Iterable[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def capture(out: Path, seed: int = 0, scene_ids: Iterable[str] | None = None, timeout: float = 90.0) -> Path:
    """Capture the scenes (all by default) on one fresh osworld desktop into `out`."""
    from envs.local import LocalDesktop

    chosen = [scene(s) for s in scene_ids] if scene_ids else list(SCENES)
    out.mkdir(parents=True, exist_ok=True)
    records, rows = [], []
    with LocalDesktop(*SCREEN, profile="osworld", start_timeout=180) as desktop:
        client = desktop.client(timeout=120)
        for sc in chosen:
            try:
                record, found = capture_scene(client, sc, seed, out, timeout)
            except TimeoutError as exc:  # one app that does not come up must not lose the rest
                log.warning("scene %s skipped: %s", sc.id, exc)
                continue
            records.append(record.model_dump())
            rows += found
            log.info("scene %s: %d items", sc.id, len(found))
        _close_apps(client)
    _write_rows(out / "screens.jsonl", records)
    _write_rows(out / "items.jsonl", rows)
    return out / "items.jsonl"
