"""`--desktops` words to providers: the command line's split, a worker per desktop, a Ray
unit per desktop holding that one alone."""

from __future__ import annotations

from typer.testing import CliRunner

from benchmarks.osworld.desktop_plan import desktop_units, plan_workers, split_desktops


def test_the_command_line_words_keep_vmware_and_virtualbox_lists_whole():
    assert split_desktops("2") == ["2"]
    assert split_desktops("qemu:a.qcow2x2, http://h:5000#t,vmware:a.vmx,b.vmx,local") == [
        "qemu:a.qcow2x2",
        "http://h:5000#t",
        "vmware:a.vmx,b.vmx",
        "local",
    ]
    assert split_desktops("virtualbox:U0,U1,aws:us-east-1x2") == ["virtualbox:U0,U1", "aws:us-east-1x2"]


def test_a_words_workers_share_its_provider_and_ray_units_hold_one_desktop_each(tmp_path):
    workers = plan_workers(["qemu:/img/a.qcow2x3", "http://h:5000#secret", "2"], (800, 600))
    kinds = [type(p).__name__ for p, _ in workers]
    assert kinds == ["QemuProvider"] * 3 + ["StaticProvider"] + ["LocalProvider"] * 2
    assert len({id(p) for p, _ in workers[:3]}) == 1 and workers[0][0].config.count == 3
    assert all("secret" not in label for _, label in workers)
    (tmp_path / "vms.toml").write_text('image = "a.qcow2"\ncount = 2\nmemory_mb = 512\n')
    units = desktop_units(
        [f"qemu:{tmp_path / 'vms.toml'}", "http://h:5000#secret", "vmware:a.vmx,b.vmx"], (800, 600)
    )
    assert [(u.index, u.count, u.remote) for u in units] == [
        (0, 2, False),
        (1, 2, False),
        (0, 1, True),
        (0, 2, False),
        (1, 2, False),
    ]
    assert "secret" not in repr(units)
    one = units[1].provider((800, 600))
    assert type(one).__name__ == "QemuProvider" and one.config.count == 1 and one.config.memory_mb == 512
    assert units[4].provider((800, 600)).vmx[0].endswith("b.vmx")


def test_the_cli_refuses_a_bad_word_and_passes_no_reset_on(monkeypatch, tmp_path):
    from agent.cli import app
    from benchmarks.osworld import runner

    split = tmp_path / "split.json"
    split.write_text('{"os": []}')
    (tmp_path / "examples").mkdir()
    bad = CliRunner().invoke(app, ["bench", "osworld", "--split", str(split), "--desktops", "hyperv:x"])
    assert bad.exit_code == 2 and "unknown desktops 'hyperv:x'" in bad.output
    missing = CliRunner().invoke(
        app, ["bench", "osworld", "--split", str(split), "--desktops", f"qemu:{tmp_path / 'none.qcow2'}"]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    (tmp_path / "a.qcow2").write_bytes(b"")
    seen = {}
    monkeypatch.setattr(runner, "run_split", lambda tasks, **kw: seen.update(kw))
    CliRunner().invoke(
        app,
        [
            "bench",
            "osworld",
            "--split",
            str(split),
            "--no-reset",
            "--desktops",
            f"qemu:{tmp_path / 'a.qcow2'}x2,http://h:5000",
        ],
    )
    assert seen["no_reset"] is True and seen["desktops"] == [
        f"qemu:{tmp_path / 'a.qcow2'}x2",
        "http://h:5000",
    ]
