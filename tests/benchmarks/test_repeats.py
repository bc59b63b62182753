"""`--repeats N`: rep-1/ ... rep-N/, each an ordinary resumable run; faulty specs get rep=k."""

from __future__ import annotations

import pytest

from agent.config import AgentConfig
from benchmarks.osworld.repeats import run_repeats
from benchmarks.report.page import build_report
from tests.benchmarks.test_runner import REMOTE, Fake, split


def repeat_fakes(out, repeats: int, fake: Fake):
    """The split's fake tasks `repeats` times on the bare URLs (shared on purpose: --no-reset)."""
    return run_repeats(
        split(),
        repeats=repeats,
        config=AgentConfig(),
        out=out,
        desktops=REMOTE,
        no_reset=True,
        task_timeout_s=10,
        progress=False,
        run_one=fake,
    )


def test_each_repeat_is_a_run_in_its_own_folder(tmp_path):
    fake = Fake({"t1": 0.0})
    summaries = repeat_fakes(tmp_path, 2, fake)
    assert len(summaries) == 2 and all(s.score == pytest.approx(5 / 6) for s in summaries)
    assert sorted(fake.calls) == sorted([f"t{i}" for i in range(6)] * 2)
    for rep in ("rep-1", "rep-2"):
        assert (tmp_path / rep / "summary.json").is_file()
        assert (tmp_path / rep / "os" / "t5" / "result.txt").is_file()
    _html, data = build_report([tmp_path], tmp_path / "report")
    assert data["runs"][0]["repeats"] == [1, 2]


def test_a_rerun_resumes_every_repeat(tmp_path):
    first = Fake()
    repeat_fakes(tmp_path, 1, first)
    again = Fake()
    repeat_fakes(tmp_path, 3, again)
    assert len(again.calls) == 12  # rep-1 was finished: only rep-2 and rep-3 ran


def test_the_faulty_policy_draws_other_faults_per_repeat(tmp_path):
    seen: list[str] = []

    def fake_split(tasks, *, config, out, **kw):
        seen.append(config.model)

    config = AgentConfig(model="faulty:plans.json?seed=3")
    run_repeats([], repeats=2, config=config, out=tmp_path, run_split=fake_split)
    assert seen == ["faulty:plans.json?seed=3&rep=1", "faulty:plans.json?seed=3&rep=2"]
    seen.clear()
    run_repeats([], repeats=2, config=AgentConfig(model="openai:gpt-4o"), out=tmp_path, run_split=fake_split)
    assert seen == ["openai:gpt-4o", "openai:gpt-4o"]
    with pytest.raises(ValueError, match="at least 1"):
        run_repeats([], repeats=0, config=config, out=tmp_path, run_split=fake_split)


def test_the_cli_option_runs_the_repeats(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from agent.cli import app
    from benchmarks.osworld import repeats
    from benchmarks.osworld.summary import Summary
    from tests.benchmarks.conftest import LOCAL_TASKS

    calls = []

    def fake(tasks, *, repeats, config, out, **kw):
        calls.append((repeats, out, kw["desktops"]))
        return [Summary([]) for _ in range(repeats)]

    monkeypatch.setattr(repeats, "run_repeats", fake)
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "osworld",
            "--split",
            str(LOCAL_TASKS / "test_all.json"),
            "--repeats",
            "3",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert calls == [(3, tmp_path, ["1"])] and "rep-3" in result.output
