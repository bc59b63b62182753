"""The coding agent on a real desktop: code runs inside it, never on the host."""

from __future__ import annotations

from agent.coder import constraints_of, cut, parse_reply, run_code_agent
from agent.models.scripted import ScriptedScript

WRITE_ROWS = """I'll write the rows with Python.
```python
from pathlib import Path
rows = [f"{i},{i * i}" for i in range(1, 21)]
Path("/home/user/Documents/squares.csv").write_text("\\n".join(rows) + "\\n")
print("wrote", len(rows), "rows")
```"""
CHECK = """Now check it from the shell.
```bash
wc -l < /home/user/Documents/squares.csv; echo "whoami: $HOME"
```"""
BROKEN = "```python\nraise SystemExit('boom')\n```"


def test_code_agent_edits_files_inside_the_desktop(desktop, client):
    script = ScriptedScript.from_replies(
        {"coder": [WRITE_ROWS, CHECK, BROKEN, "All 20 rows are there.\nDONE"]}
    )
    coder = script.model("coder")
    outcome = run_code_agent(
        coder,
        client,
        "write 20 squares to squares.csv",
        "Write a CSV of squares without using a spreadsheet app.",
        max_steps=5,
        timeout=30,
    )
    assert outcome.status == "DONE"
    assert [s.language for s in outcome.steps] == ["python", "bash", "python"]
    assert outcome.steps[0].output.strip() == "wrote 20 rows"
    assert outcome.steps[1].output.split() == ["20", "whoami:", "/home/user"]
    assert outcome.steps[2].returncode == 1 and "boom" in outcome.steps[2].output
    assert (desktop.home / "Documents" / "squares.csv").read_text().splitlines()[-1] == "20,400"
    # the instruction's constraint reached the coder's prompt
    assert "without using a spreadsheet app" in coder.requests[0][0].plain_text()
    assert constraints_of("Write a CSV of squares without using a spreadsheet app.") == [
        "Write a CSV of squares without using a spreadsheet app"
    ]


def test_code_agent_stops_at_its_budget(client):
    script = ScriptedScript.from_replies({"coder": ["```bash\ntrue\n```"] * 3})
    outcome = run_code_agent(script.model("coder"), client, "loop", "loop", max_steps=3, timeout=10)
    assert outcome.status == "BUDGET" and len(outcome.steps) == 3
    assert "stopped after 3 runs" in outcome.summary


def test_reply_parsing_and_output_cutting():
    assert parse_reply("thinking\n```bash\nls\n```") == ("bash", "ls\n")
    assert parse_reply("all good\n**DONE**") == "DONE"
    assert parse_reply("no block here") is None
    text = "a" * 6000 + "b" * 4000
    short = cut(text)
    assert short.startswith("a" * 5000) and short.endswith("b" * 3000) and "cut" in short
