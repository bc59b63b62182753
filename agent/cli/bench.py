"""`agent bench osworld ...` (a split on a pool of desktops, and its helpers) and
`agent bench grounding`, `agent bench report` (an offline page over runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from benchmarks.osworld.task_data import osworld_data

bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
osworld_app = typer.Typer(help="OSWorld (and WindowsAgentArena) tasks on a pool of desktops.")
bench_app.add_typer(osworld_app, name="osworld")
console = Console()


def _split_path(split: str, examples: Path | None) -> tuple[Path, Path]:
    """A split name (test_all, test_small, ...) or a split file; the examples folder beside it."""
    path = Path(split)
    if not path.suffix:
        path = (examples.parent if examples else osworld_data()) / f"{split}.json"
    if not path.exists():
        raise typer.BadParameter(f"no split file {path}")
    return path, examples or path.parent / "examples"


@osworld_app.callback(invoke_without_command=True)
def osworld(
    ctx: typer.Context,
    split: str = typer.Option("test_small", help="split name or split JSON file"),
    examples: Path = typer.Option(None, help="task folder (default: beside the split file)"),
    domain: list[str] = typer.Option(None, help="only these domains"),
    desktops: str = typer.Option(
        "1",
        help="N local desktops, or words: local, qemu:IMAGE.qcow2[xN], "
        "qemu:FILE.toml, URL[#TOKEN], docker:, vmware:, aws:... "
        "(docs/vms.md), comma-separated",
    ),
    no_reset: bool = typer.Option(
        False,
        "--no-reset",
        help="let desktops that cannot be reset (a bare URL) run more than one task: not comparable",
    ),
    model: str = typer.Option(None, help="planner model spec"),
    grounder: str = typer.Option(None, help="grounder spec"),
    max_steps: int = typer.Option(None),
    task_timeout: float = typer.Option(1800.0, help="seconds per task"),
    out: Path = typer.Option(Path("results/osworld"), help="results folder (resumable)"),
    config: Path = typer.Option(None, help="settings file (JSON or TOML)"),
    backend: str = typer.Option("local", help="local (threads here) or ray (an actor per desktop)"),
    address: str = typer.Option(
        None, help="Ray cluster address (ray://host:10001, auto); default: a local Ray instance"
    ),
    assets: Path = typer.Option(None, help="asset cache folder: serves downloads and gold files"),
    profile: str = typer.Option(
        "default", help="local desktops' profile: default, or osworld (what the OSWorld VM image provides)"
    ),
    width: int = 1920,
    height: int = 1080,
    repeats: int = typer.Option(1, min=1, help="run the split N times, into OUT/rep-1/ ... rep-N/"),
) -> None:
    """Run a split: resumable, one desktop per worker, a summary over ALL tasks of the split."""
    if ctx.invoked_subcommand is not None:
        return
    from agent.config import load_config
    from benchmarks.osworld.runner import run_split
    from benchmarks.osworld.tasks import load_split

    split_file, folder = _split_path(split, examples)
    tasks = load_split(split_file, folder)
    if domain:
        tasks = {d: ts for d, ts in tasks.items() if d in domain}
    settings = load_config(config, model=model, grounder=grounder, max_steps=max_steps)
    if profile == "osworld" and settings.desktop_password is None:
        settings.desktop_password = "password"  # the osworld profile's user, as OSWorld's VM
    from benchmarks.osworld.desktop_plan import check_desktops, split_desktops

    pool = split_desktops(desktops)
    try:
        check_desktops(pool, (width, height), None if profile == "default" else profile)
    except ValueError as exc:
        raise typer.BadParameter(f"--{exc}") from None
    if backend not in ("local", "ray"):
        raise typer.BadParameter(f"--backend: local or ray, not {backend!r}")
    if address and backend != "ray":
        raise typer.BadParameter("--address is for --backend ray")
    from envs.profiles import PROFILES

    if profile not in PROFILES:
        raise typer.BadParameter(f"--profile: one of {', '.join(PROFILES)}, not {profile!r}")
    from benchmarks.osworld.assets import AssetCache

    run_kw: dict[str, Any] = {
        "desktops": pool,
        "task_timeout_s": task_timeout,
        "size": (width, height),
        "backend": backend,
        "address": address,
        "assets": AssetCache(assets) if assets else None,
        "profile": None if profile == "default" else profile,
        "no_reset": no_reset,
    }
    if repeats > 1:
        from benchmarks.osworld.repeats import run_repeats

        for i, rep in enumerate(run_repeats(tasks, repeats=repeats, config=settings, out=out, **run_kw), 1):
            console.print(f"[bold]rep-{i}[/]: {rep.score:.2%}")
        return
    summary = run_split(tasks, config=settings, out=out, **run_kw)
    console.print(summary.to_markdown())


@osworld_app.command("doctor")
def doctor(
    split: str = typer.Option("test_all"),
    examples: Path = typer.Option(None),
    assets: Path = typer.Option(None, help="asset cache folder (default ~/.cache/deskpilot/assets)"),
    json_out: bool = typer.Option(False, "--json", help="print JSON instead of the table"),
    tasks: bool = typer.Option(True, help="list every task with its reasons under the table"),
) -> None:
    """Per domain: tasks that run here now on osworld desktops, that wait only for cached
    assets, that need the network or an app this machine lacks, or harness support."""
    import json

    from benchmarks.osworld.assets import AssetCache
    from benchmarks.osworld.doctor import default_assets, format_doctor, to_json
    from benchmarks.osworld.doctor import doctor as diagnose_all
    from benchmarks.osworld.tasks import load_split

    split_file, folder = _split_path(split, examples)
    verdicts = diagnose_all(load_split(split_file, folder), AssetCache(assets or default_assets()))
    if json_out:
        print(json.dumps(to_json(verdicts, split_file.stem), indent=2))
    else:
        print(format_doctor(verdicts, tasks=tasks))  # plain: a wide table must not wrap


@osworld_app.command("report")
def report(
    split: str = typer.Option("test_small"),
    examples: Path = typer.Option(None),
    out: Path = typer.Option(Path("results/osworld")),
) -> None:
    """Rebuild summary.md / summary.json from the result folders."""
    from benchmarks.osworld.summary import load_results, write_summary
    from benchmarks.osworld.tasks import load_split

    split_file, folder = _split_path(split, examples)
    summary = load_results(out, load_split(split_file, folder))
    write_summary(summary, out)
    console.print(summary.to_markdown())


@osworld_app.command("coverage")
def coverage(
    split: str = typer.Option("test_all"),
    examples: Path = typer.Option(None),
    assets: Path = typer.Option(None, help="asset cache folder: cached downloads count as runnable"),
) -> None:
    """Per domain: how many tasks have every getter and metric, and how many run end to end."""
    from benchmarks.osworld.assets import AssetCache
    from benchmarks.osworld.coverage import coverage as compute
    from benchmarks.osworld.coverage import format_coverage
    from benchmarks.osworld.tasks import load_split

    split_file, folder = _split_path(split, examples)
    table = compute(load_split(split_file, folder), AssetCache(assets) if assets else None)
    console.print(format_coverage(table), markup=False)


@osworld_app.command("assets")
def assets(
    split: str = typer.Option("test_small"),
    examples: Path = typer.Option(None),
    cache: Path = typer.Option(Path.home() / ".cache" / "deskpilot" / "assets"),
    fetch: bool = typer.Option(False, help="download what is missing (needs a network)"),
) -> None:
    """List (and with --fetch, download) the asset files a split needs."""
    from benchmarks.osworld.assets import AssetCache, AssetFetchError, assets_report
    from benchmarks.osworld.tasks import load_split

    split_file, folder = _split_path(split, examples)
    tasks = load_split(split_file, folder)
    store = AssetCache(cache)
    report = assets_report(tasks, store)
    if fetch and report.missing:
        try:
            store.fetch(report.missing)
        except AssetFetchError as exc:
            console.print(f"[red]{exc}[/]")
        report = assets_report(tasks, store)
    for line in report.lines():
        console.print(line, markup=False)


@bench_app.command("grounding")
def bench_grounding(
    dataset: Path = typer.Option(..., help="OSWorld-G, ScreenSpot-v2/Pro or synthetic folder"),
    grounder: str = typer.Option(..., help="grounder spec, e.g. ocr, jedi@http://127.0.0.1:8000/v1"),
    out: Path = typer.Option(Path("runs/grounding"), help="report folder"),
    limit: int = typer.Option(None, help="score only the first N items"),
) -> None:
    """Score a grounder on a grounding benchmark; writes report.json and report.md."""
    from benchmarks.grounding.run import main

    args = ["--dataset", str(dataset), "--grounder", grounder, "--out", str(out)]
    if limit:
        args += ["--limit", str(limit)]
    raise typer.Exit(main(args))


@bench_app.command("report")
def bench_report(
    runs: list[Path] = typer.Argument(..., help="run folders (or folders of rep-N runs)"),
    out: Path = typer.Option(
        None, help="folder for report.html and report.json (default: the run's report/, or bench-report/)"
    ),
    name: list[str] = typer.Option(None, help="a name per run, in order"),
) -> None:
    """One offline HTML page (and a JSON) over benchmark runs: CIs, taxonomy, repeats, pairs."""
    from benchmarks.report.cli import report_main

    raise typer.Exit(report_main(runs, out, name, console))
