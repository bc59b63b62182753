"""highlight_text_span on a real mousepad window: the selection is exactly the span,
whole words from the first of the start phrase to the last of the end phrase."""

from __future__ import annotations

import json

import pytest

from agent.config import AgentConfig
from agent.episode import EpisodePipeline
from grounding.ocr import OcrGrounder

pytestmark = pytest.mark.desktop

TEXT = "Once upon a time there was a tiny robot who loved reading books.\nThe end.\n"


def scripted(tmp_path, start: str, end: str) -> str:
    replies = [
        {"role": "gate", "reply": {"criteria": [{"text": "the span is selected"}], "feasible": True}},
        {
            "role": "planner",
            "reply": {
                "reasoning": "select it",
                "action": {
                    "type": "highlight_text_span",
                    "start_phrase": {"description": start},
                    "end_phrase": {"description": end},
                },
            },
        },
        {"role": "planner", "reply": {"reasoning": "selected", "action": {"type": "done"}}},
        {"role": "verifier", "reply": {"complete": True, "reason": "the span is highlighted"}},
    ]
    path = tmp_path / "span.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in replies) + "\n")
    return f"scripted:{path}"


def story_windows(client) -> list[str]:
    rows = client.execute("wmctrl -l", shell=True).output.splitlines()
    return [row.split()[0] for row in rows if "story.txt" in row]


@pytest.fixture
def mousepad(client, until):
    client.execute(["mkdir", "-p", "/home/user/Documents"])
    client.upload_file("/home/user/Documents/story.txt", TEXT.encode())
    client.launch(["mousepad", "/home/user/Documents/story.txt"])
    until(lambda: story_windows(client), timeout=60, what="the mousepad window")
    client.execute(["wmctrl", "-a", "story.txt"])
    until(
        lambda: "upon" in " ".join(OcrGrounder().lines(client.screenshot())),
        timeout=30,
        what="the text on the screen",
    )
    yield client
    for window in story_windows(client):
        client.execute(["wmctrl", "-i", "-c", window])
    until(lambda: not story_windows(client), timeout=30, what="mousepad to close")


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("upon a", "tiny robot", "upon a time there was a tiny robot"),
        ('the words "there was"', "reading books.", "there was a tiny robot who loved reading books."),
    ],
)
def test_the_selection_is_exactly_the_span(mousepad, tmp_path, start, end, expected):
    pipeline = EpisodePipeline(AgentConfig(model=scripted(tmp_path, start, end), grounder="ocr", max_steps=4))
    outcome = pipeline.run(
        mousepad,
        tmp_path / "episode",
        instruction=f"select {expected}",
        task_id="span",
        sandbox=True,
        score=False,
    )
    assert outcome.result.status == "done", outcome.result.reason
    selected = mousepad.execute(["xclip", "-o", "-selection", "primary"]).output
    assert selected == expected
