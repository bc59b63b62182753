"""The report page: one self-contained HTML file (inline CSS and SVG, no script, no fetch).

    html, data = build_report([Path("results/a"), Path("results/b")], out=Path("report"))

writes out/report.html and out/report.json; each task row links the episode's own
report.html by a path relative to the page.
"""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path
from typing import Any

from benchmarks.osworld.taxonomy import LABELS
from benchmarks.report.analysis import WHAT_IF_NOTE, analyse
from benchmarks.report.charts import bars_with_ci, histogram, scatter, stacked_bars
from benchmarks.report.runs import Run, load_run

__all__ = ["build_report", "render"]

CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}td.n{text-align:right}.charts{display:flex;flex-wrap:wrap;gap:12px}
.whatif{background:#fff3cd;border:1px solid #e0c060;padding:8px 12px;margin:12px 0}
.ok{color:#2a7a2a}.bad{color:#b02a2a}"""


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    out += ["<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows]
    return "".join(out) + "</table>"


def _td(text: Any, num: bool = False, raw: bool = False) -> str:
    body = str(text) if raw else escape(str(text))
    return f'<td class="n">{body}</td>' if num else f"<td>{body}</td>"


def _run_section(run: dict[str, Any], out: Path) -> list[str]:
    parts = [f"<h2>{escape(run['name'])}</h2>", f"<p>{escape(run['path'])}</p>"]
    o = run["overall"]
    parts.append(
        f"<p>Solved <b>{o['solved']}</b> of {o['episodes']} episodes: <b>{_pct(o['rate'])}</b> "
        f"(95% Wilson CI {_pct(o['ci95'][0])}-{_pct(o['ci95'][1])}).</p>"
    )
    domains = list(run["domains"])
    parts.append('<div class="charts">')
    parts.append(
        stacked_bars(domains, list(LABELS), run["taxonomy"], f"{run['name']}: why episodes ended, per domain")
    )
    eps = run["episodes"]
    for key, unit, title in (
        ("steps", "", "steps per episode"),
        ("wall_s", " s", "wall time per episode"),
        ("tokens", "", "tokens per episode"),
        ("cost_usd", " $", "cost per episode"),
    ):
        parts.append(histogram([float(e[key]) for e in eps if e["folder"]], f"{run['name']}: {title}", unit))
    parts.append(
        scatter(
            [
                (
                    float(e["steps"]),
                    1.0 if e["success"] else 0.0,
                    f"{e['task_id']} rep {e['rep']}: {e['steps']} steps, {e['label']}",
                )
                for e in eps
                if e["folder"]
            ],
            f"{run['name']}: success against steps used",
            "steps",
        )
    )
    parts.append("</div>")
    if len(run["repeats"]) > 1:
        m = run["mean_over_repeats"]
        parts.append(
            f"<h3>Repeats</h3><p>Mean over {len(run['repeats'])} repeats: <b>{_pct(m['mean'])}</b> "
            f"&plusmn; {_pct(m['ci95_half_width'])} (95% t interval); per repeat: "
            + ", ".join(f"rep-{r}: {_pct(s)}" for r, s in run["repeat_scores"].items())
            + "</p>"
        )
        parts.append(
            _table(
                ["k", "pass@k", "pass^k"],
                [
                    [_td(k), _td(_pct(v["pass@k"]), True), _td(_pct(v["pass^k"]), True)]
                    for k, v in run["pass_k"].items()
                ],
            )
        )
        flips = run["flipping_tasks"]
        parts.append(f"<p>{len(flips)} task(s) flip between repeats.</p>")
        if flips:
            parts.append(
                _table(
                    ["domain", "task", "solved per repeat"],
                    [
                        [
                            _td(f["domain"]),
                            _td(f["task_id"]),
                            _td(" ".join(f"rep-{r}:{'✓' if v else '✗'}" for r, v in f["outcomes"].items())),
                        ]
                        for f in flips
                    ],
                )
            )
    rows = []
    for e in sorted(eps, key=lambda e: (e["domain"], e["task_id"], e["rep"])):
        link = escape(e["task_id"])
        if e["folder"] and (Path(e["folder"]) / "report.html").is_file():
            href = os.path.relpath(Path(e["folder"]) / "report.html", out)
            link = f'<a href="{escape(href)}">{link}</a>'
        verdict = '<span class="ok">solved</span>' if e["success"] else '<span class="bad">not solved</span>'
        rows.append(
            [
                _td(e["domain"]),
                _td(link, raw=True),
                _td(e["rep"], True),
                _td(verdict, raw=True),
                _td(e["label"]),
                _td(e["steps"], True),
                _td(f"{e['wall_s']:.1f}", True),
                _td(e["tokens"], True),
                _td(f"{e['cost_usd']:.4f}", True),
            ]
        )
    parts.append("<h3>Every task</h3>")
    parts.append(
        _table(["domain", "task", "rep", "outcome", "why", "steps", "wall s", "tokens", "cost $"], rows)
    )
    return parts


def render(data: dict[str, Any], out: Path) -> str:
    runs = data["runs"]
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        (
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">"
        ),
        f"<title>Benchmark report: {escape(', '.join(r['name'] for r in runs))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Benchmark report: {escape(', '.join(r['name'] for r in runs))}</h1>",
    ]
    if data.get("what_if"):
        parts.append(f'<div class="whatif"><b>What-if.</b> {escape(WHAT_IF_NOTE)}</div>')
    domains = sorted({d for r in runs for d in r["domains"]})
    series = [
        (
            r["name"],
            [
                (r["domains"][d]["rate"], *r["domains"][d]["ci95"]) if d in r["domains"] else (0.0, 0.0, 0.0)
                for d in domains
            ],
        )
        for r in runs
    ]
    parts.append(
        '<div class="charts">'
        + bars_with_ci(domains, series, "success per domain (95% Wilson CI)")
        + "</div>"
    )
    parts.append(
        _table(
            ["configuration", "domain", "solved", "episodes", "rate", "95% CI"],
            [
                [
                    _td(r["name"]),
                    _td(d),
                    _td(s["solved"], True),
                    _td(s["episodes"], True),
                    _td(_pct(s["rate"]), True),
                    _td(f"{_pct(s['ci95'][0])}-{_pct(s['ci95'][1])}", True),
                ]
                for r in runs
                for d, s in [*r["domains"].items(), ("all", r["overall"])]
            ],
        )
    )
    for c in data["comparisons"]:
        parts.append(f"<h2>{escape(c['a'])} against {escape(c['b'])} (paired)</h2>")
        parts.append(
            f"<p>{c['pairs']} paired episodes: both solved {c['both_solved']}, neither "
            f"{c['neither_solved']}, only {escape(c['a'])} {len(c['only_a'])}, only "
            f"{escape(c['b'])} {len(c['only_b'])}; exact McNemar p = {c['mcnemar_exact_p']:.4g}.</p>"
        )
        rows = [[_td(c["a"]), _td(f"{k[0]}/{k[1]} rep {k[2]}")] for k in c["only_a"]]
        rows += [[_td(c["b"]), _td(f"{k[0]}/{k[1]} rep {k[2]}")] for k in c["only_b"]]
        if rows:
            parts.append(_table(["solved only by", "task"], rows))
    for run in runs:
        parts += _run_section(run, out)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def build_report(paths: list[Path], out: Path, names: list[str] | None = None) -> tuple[Path, dict[str, Any]]:
    """Read the runs, write out/report.html and out/report.json; (html path, data)."""
    runs: list[Run] = [
        load_run(p, (names or [])[i] if names and i < len(names) else None) for i, p in enumerate(paths)
    ]
    seen: dict[str, int] = {}
    for run in runs:  # two runs both called "gpt-4o" (different parents) stay apart
        seen[run.name] = seen.get(run.name, 0) + 1
        if seen[run.name] > 1:
            run.name = f"{run.name} ({seen[run.name]})"
    data = analyse(runs)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from agent.trajectory import write_atomic

    html_path = out / "report.html"
    write_atomic(out / "report.json", json.dumps(data, indent=1) + "\n")
    write_atomic(html_path, render(data, out))
    return html_path, data
