"""vlc_playing_info: VLC's status.xml through its HTTP interface, scored by is_vlc_playing."""

from __future__ import annotations

from pathlib import Path

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.metrics import METRICS
from envs.base import CommandOutput


def _status(state: str, filename: str, url: str | None = None) -> str:
    extra = f'<info name="url">{url}</info>' if url else ""
    return f"""<?xml version="1.0" encoding="utf-8" standalone="yes" ?>
<root><fullscreen>false</fullscreen><volume>256</volume><state>{state}</state>
<information><category name="meta"><info name="filename">{filename}</info>{extra}</category></information>
</root>"""


def test_playing_info_getter(recording_desktop, tmp_path):
    xml = _status("playing", "a.mp4")
    answers = iter([CommandOutput(0, xml, ""), CommandOutput(7, "", "")])  # curl 7: refused
    desktop = recording_desktop(on_execute=lambda cmd, shell: next(answers))
    ctx = EvalContext(desktop=desktop, cache_dir=tmp_path / "cache")
    path = GETTERS["vlc_playing_info"](ctx, {"dest": "status.xml"})
    assert Path(path).read_text() == xml
    assert METRICS["is_vlc_playing"](path, {"type": "file_name", "file_name": "a.mp4"}) == 1.0
    assert GETTERS["vlc_playing_info"](ctx, {"dest": "status.xml"}) is None  # VLC not answering
