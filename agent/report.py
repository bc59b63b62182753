"""report.html: a self-contained replay of one episode folder (agent/trajectory.py).

It must open anywhere, offline and years later, so nothing is linked from outside:
styles are inline, screenshots are embedded as base64 JPEG (downscaled for the report
only; the originals stay in the folder) and the action marks are inline SVG. Everything
a model wrote is untrusted and goes through html.escape. Works on OSWorld's own result
folders too: there the points come from the pyautogui code the agent sent.
(The CSS lives here, not in a template file: package data ships only .md/.json/.txt/.xml.)
"""

from __future__ import annotations

import ast
import base64
import html
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from agent.trajectory import TIMESTAMP_FORMAT, StepRecord, load_steps, totals, write_atomic

MAX_WIDTH = 1280  # report images only; a 1920 px PNG becomes a ~100 kB JPEG
JPEG_QUALITY = 70
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
DRAG_ACTIONS = ("drag_and_drop", "highlight_text_span")
# pyautogui calls that touch a screen point; the value is the index of the positional x.
POINTER_CALLS = {
    "click": 0,
    "doubleClick": 0,
    "tripleClick": 0,
    "rightClick": 0,
    "middleClick": 0,
    "moveTo": 0,
    "mouseDown": 0,
    "mouseUp": 0,
    "dragTo": 0,
    "scroll": 1,
    "hscroll": 1,
    "vscroll": 1,
}

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111}
main{max-width:1400px;margin:auto;padding:16px}a{color:#2563eb}
header,section{background:#fff;border-radius:8px;padding:14px 18px;margin-bottom:16px;
 box-shadow:0 1px 3px #0002}
h1{font-size:18px;margin:0 0 6px}h2{font-size:16px;margin:0 0 8px}.meta{color:#555;font-size:12px}
.instr{font-size:16px;white-space:pre-wrap;margin:4px 0 10px}
.stats{display:flex;flex-wrap:wrap;gap:6px 22px}.stats b{display:block;font-size:12px;color:#666}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;margin-left:6px;
 background:#e5e7eb}
.s-done,.ok{background:#d1fae5}.s-fail,.s-error,.bad{background:#fee2e2}
.warn,.s-budget,.s-interrupted,.s-loop_breaker,.s-verifier{background:#ffedd5}
.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}
.cols>div:first-child{position:sticky;top:8px;align-self:start}
@media (max-width:900px){.cols{grid-template-columns:1fr}}
svg.shot{width:100%;height:auto;display:block;border:1px solid #ccc}
pre{white-space:pre-wrap;word-break:break-word;background:#f8fafc;padding:8px;margin:4px 0 8px;
 border-radius:4px;font-size:13px}
.box{padding:6px 10px;border-radius:4px;margin:6px 0}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _parse_ts(ts: str) -> datetime | None:
    try:
        return datetime.strptime(ts, TIMESTAMP_FORMAT)
    except ValueError:
        return None


class _Shots:
    """Screenshots, each embedded once as an SVG <image> and shown with <use> per card:
    a screen shown by several cards (vetoed plans, verify steps) costs its bytes once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.defs: list[str] = []
        self._known: dict[Path, tuple[str, int, int, float] | None] = {}

    def find(self, name: str | None) -> Path | None:
        base = Path(name or "").name  # a bare name: never follow a path out of the folder
        if base in ("", ".", ".."):
            return None
        path = self.folder / base
        # OSWorld's WAA runs name JPEG files .png in traj.jsonl: try the stem's other names.
        found = [p for p in (path, *(path.with_suffix(s) for s in IMAGE_SUFFIXES)) if p.is_file()]
        return found[0] if found else None

    def get(self, path: Path) -> tuple[str, int, int, float] | None:
        """(element id, width, height, screen-to-report scale); None if unreadable."""
        if path in self._known:
            return self._known[path]
        self._known[path] = None
        try:
            with Image.open(path) as opened:
                screen_w, img = opened.width, opened.convert("RGB")
                if img.width > MAX_WIDTH:
                    img = img.resize(
                        (MAX_WIDTH, round(img.height * MAX_WIDTH / img.width)), Image.Resampling.LANCZOS
                    )
                buf = io.BytesIO()
                img.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
        except (OSError, ValueError, Image.DecompressionBombError):
            return None
        ident, data = f"shot{len(self.defs)}", base64.b64encode(buf.getvalue()).decode()
        self.defs.append(
            f'<image id="{ident}" width="{img.width}" height="{img.height}" '
            f'href="data:image/jpeg;base64,{data}"/>'
        )
        self._known[path] = (ident, img.width, img.height, img.width / screen_w)
        return self._known[path]


Mark = tuple[str, tuple[float, ...]]  # ("click", (x, y)) or ("drag", (x1, y1, x2, y2))


def _code_marks(code: str, pos: tuple[float, float] | None) -> tuple[list[Mark], Any]:
    """Points of an OSWorld pyautogui snippet, read with ast (never run)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return [], pos
    marks: list[Mark] = []
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in POINTER_CALLS
    ]
    for call in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        name, first = call.func.attr, POINTER_CALLS[call.func.attr]  # type: ignore[attr-defined]  # the filter above kept only ast.Attribute calls
        args: dict[str, Any] = {k.arg: k.value for k in call.keywords if k.arg}
        for key, node in zip(("x", "y"), call.args[first : first + 2]):
            args.setdefault(key, node)
        try:
            x, y = (float(ast.literal_eval(args[k])) for k in ("x", "y"))
        except (KeyError, ValueError, TypeError, SyntaxError):
            if pos is None or name in ("moveTo", "dragTo"):
                continue
            x, y = pos  # pyautogui.click() clicks where the mouse is
        if name == "dragTo" and pos is not None:
            marks.append(("drag", (*pos, x, y)))
        elif name != "moveTo":
            marks.append(("click", (x, y)))
        pos = (x, y)
    return marks, pos


def _dict_points(value: Any) -> list[tuple[float, float]]:
    """Grounded Target dicts ({description, x, y}) inside an action, in field order."""
    if isinstance(value, dict):
        if isinstance(value.get("x"), (int, float)) and isinstance(value.get("y"), (int, float)):
            return [(float(value["x"]), float(value["y"]))]
        return [p for v in value.values() for p in _dict_points(v)]
    return []


def _marks(rec: StepRecord, pos: tuple[float, float] | None) -> tuple[list[Mark], Any]:
    if isinstance(rec.action, str) and not rec.points:
        return _code_marks(rec.action, pos)
    points = [(float(x), float(y)) for x, y in rec.points] or _dict_points(rec.action)
    kind = rec.action.get("type") if isinstance(rec.action, dict) else None
    if kind in DRAG_ACTIONS and len(points) >= 2:
        return [("drag", (*points[0], *points[1]))], points[1]
    return [("click", p) for p in points], (points[-1] if points else pos)


def _svg(shot: tuple[str, int, int, float], marks: list[Mark]) -> str:
    ident, w, h, scale = shot
    parts = [f'<svg class="shot" viewBox="0 0 {w} {h}" role="img"><use href="#{ident}"/>']
    for number, (kind, xy) in enumerate(marks, 1):
        s = [round(v * scale, 1) for v in xy]
        if kind == "drag":
            parts.append(
                f'<line x1="{s[0]}" y1="{s[1]}" x2="{s[2]}" y2="{s[3]}" stroke="#e11d48" '
                f'stroke-width="4" marker-end="url(#arrow)"/>'
                f'<circle cx="{s[0]}" cy="{s[1]}" r="6" fill="#e11d48"/>'
            )
        else:
            parts.append(
                f'<circle cx="{s[0]}" cy="{s[1]}" r="16" fill="#e11d4833" stroke="#e11d48" stroke-width="3"/>'
            )
        if len(marks) > 1:
            parts.append(
                f'<text x="{s[0] + 18}" y="{s[1] - 14}" fill="#e11d48" '
                f'font-size="22" font-weight="bold">{number}</text>'
            )
    return "".join(parts) + "</svg>"


def _action_html(action: dict[str, Any] | str) -> str:
    if isinstance(action, str):
        return f"<pre>{_e(action)}</pre>"
    fields = []
    for key, value in action.items():
        if key == "type" or value in (None, "", [], ()):
            continue
        if isinstance(value, dict) and "description" in value:
            at = f" @ ({value['x']}, {value['y']})" if value.get("x") is not None else ""
            value = f"\u201c{value['description']}\u201d{at}"
        elif not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        fields.append(f"{_e(key)}: {_e(value)}")
    return f"<pre><b>{_e(action.get('type', 'action'))}</b>  " + "\n  ".join(fields) + "</pre>"


def _decision_html(decision: dict[str, Any]) -> str:
    reflection = decision.get("reflection") or {}
    checks = [c for c in decision.get("criteria_check") or [] if isinstance(c, dict)]
    parts = {
        "Reflection": "\n".join(f"{k}: {v}" for k, v in reflection.items() if v not in (None, "")),
        "Criteria": "\n".join(
            f"{'✔' if c.get('met') else '✘'} #{c.get('index')} {c.get('evidence', '')}" for c in checks
        ),
        "Reasoning": decision.get("reasoning") or "",
    }
    return "".join(f"<b>{title}</b><pre>{_e(text)}</pre>" for title, text in parts.items() if text)


def _verdicts_html(rec: StepRecord) -> str:
    out = []
    if rec.loop_breaker is not None:
        tier, constraint = rec.loop_breaker.get("tier", "?"), rec.loop_breaker.get("constraint", "")
        out.append(
            f'<div class="box warn"><b>Loop breaker veto</b> (tier {_e(tier)}): {_e(constraint)}</div>'
        )
    if rec.verifier is not None:
        v = rec.verifier
        ok = bool(v.get("complete"))
        missing = "".join(f"<li>{_e(m)}</li>" for m in v.get("missing_steps") or [])
        out.append(
            f'<div class="box {"ok" if ok else "bad"}"><b>Verifier: '
            f"{'accepted' if ok else 'rejected'}</b> {_e(v.get('reason', ''))}"
            f"{f'<ul>{missing}</ul>' if missing else ''}</div>"
        )
    approval = getattr(rec, "approval", None)  # agent/nodes/approve.py
    if isinstance(approval, dict):
        risk = approval.get("risk") or {}
        ok = approval.get("decision") != "denied"
        reason = f": {_e(approval['reason'])}" if approval.get("reason") else ""
        out.append(
            f'<div class="box {"ok" if ok else "bad"}"><b>Risky action '
            f"{_e(approval.get('decision'))} by {_e(approval.get('by'))}</b>{reason} "
            f"({_e(risk.get('risk_class'))}: {_e(risk.get('why'))})</div>"
        )
    for text in getattr(rec, "corrections", None) or []:
        out.append(f'<div class="box warn"><b>Correction from the person</b> {_e(text)}</div>')
    if rec.error:
        out.append(f'<div class="box bad"><b>Error</b><pre>{_e(rec.error)}</pre></div>')
    return "".join(out)


def _meta_html(rec: StepRecord) -> str:
    bits = [
        "tokens " + " / ".join(f"{_e(k)} {v}" for k, v in rec.tokens.items())
        if any(rec.tokens.values())
        else "",
        f"${rec.cost_usd:.4f}" if rec.cost_usd else "",
    ]
    bits += [f"{_e(k.removesuffix('_s'))} {v:.2f} s" for k, v in rec.latency.items()]
    bits += [
        f"{name} {_e(json.dumps(value, ensure_ascii=False))}"
        for name, value in (("settle", rec.settle), ("info", rec.info), ("reward", rec.reward))
        if value
    ]
    return f'<div class="meta">{" · ".join(b for b in bits if b)}</div>'


def _card(rec: StepRecord, screen: str, link: Path | None, caption: str) -> str:
    ts = _parse_ts(rec.action_timestamp)
    flags = [
        (rec.done, "s-done", "done"),
        (rec.loop_breaker is not None, "warn", "vetoed"),
        (bool(rec.wasted and rec.verifier), "bad", "rejected"),
        (bool(rec.error), "bad", "error"),
    ]
    badges = f'<span class="badge">{_e(rec.node)}</span>' + "".join(
        f'<span class="badge {cls}">{label}</span>' for on, cls, label in flags if on
    )
    when = ts.strftime("%Y-%m-%d %H:%M:%S") if ts else rec.action_timestamp
    original = f' · <a href="{_e(link.name)}">original</a>' if link else ""
    figure = f'{screen}<div class="meta">{_e(caption)}{original}</div>' if screen else ""
    reply = (
        (
            f"<details{'' if rec.decision else ' open'}><summary>Model reply</summary>"
            f"<pre>{_e(rec.response)}</pre></details>"
        )
        if rec.response
        else ""
    )
    decision = _decision_html(rec.decision) if rec.decision else ""
    return (
        f'<section class="step" id="step-{rec.step_num}"><h2>Step {rec.step_num}{badges} '
        f'<span class="meta">{_e(when)}</span></h2><div class="cols"><div>{figure}</div><div>'
        f"<b>Action</b>{_action_html(rec.action)}{_verdicts_html(rec)}{decision}{reply}"
        f"{_meta_html(rec)}</div></div></section>"
    )


def _setup_stat(folder: Path) -> str:
    """setup.json in a few words: the steps that failed (they may explain the score)."""
    setup = _load_json(folder / "setup.json")
    if not isinstance(setup, dict):
        return ""
    if setup.get("error"):
        return f'<span class="bad">{_e(setup["error"])}</span>'
    steps = [s for s in setup.get("steps") or [] if isinstance(s, dict)]
    failed = [s for s in steps if not s.get("ok", True)]
    settle = setup.get("settle") or {}
    still = (
        f", screen still after {float(settle['seconds']):.1f} s"
        if settle.get("stable") and settle.get("seconds") is not None
        else (", screen never still" if settle.get("stable") is False else "")
    )
    if not failed:
        return _e(f"{len(steps)} steps ok{still}")
    named = "; ".join(f"step {s.get('index')} ({s.get('type')}): {s.get('detail', '')}"[:160] for s in failed)
    return f'<span class="bad">{_e(f"{len(failed)} of {len(steps)} steps failed: {named}")}</span>{_e(still)}'


def _header(folder: Path, records: list[StepRecord]) -> str:
    task = _load_json(folder / "task.json")
    if not isinstance(task, dict):  # OSWorld's runner saves the task as config.json
        task = _load_json(folder / "config.json")
        task = task if isinstance(task, dict) and "instruction" in task else {}
    result = _load_json(folder / "result.json")
    result = {**totals(records), **(result if isinstance(result, dict) else {})}
    score = result.get("score")
    if score is None and (folder / "result.txt").is_file():  # OSWorld keeps only this
        score = (folder / "result.txt").read_text(encoding="utf-8").strip() or None
    status = result.get("status") or (
        {"DONE": "done", "FAIL": "fail"}.get(str(records[-1].action), "unknown") if records else "unknown"
    )
    wall = result.get("wall_s")
    stamps = [t for t in (_parse_ts(r.action_timestamp) for r in records) if t]
    if wall is None and len(stamps) > 1:  # OSWorld's folders: first to last step
        wall = (stamps[-1] - stamps[0]).total_seconds()
    stats = {
        "status": f'<span class="badge s-{_e(status)}">{_e(status)}</span>',
        "score": _e(score if score is not None else "not evaluated"),
        "steps": _e(result["steps"]),
        "wasted steps": _e(result["wasted_steps"]),
        "tokens": _e(
            " / ".join(f"{k} {v}" for k, v in result["tokens"].items())
            if any(result["tokens"].values())
            else "not recorded"
        ),
        "cost": f"${float(result['cost_usd'] or 0):.4f}",
        "wall time": f"{float(wall):.0f} s" if wall is not None else "?",
        **{f"{role} model": _e(name) for role, name in (result.get("models") or {}).items()},
    }
    setup = _setup_stat(folder)
    if setup:
        stats["setup"] = setup
    grid = "".join(f"<div><b>{k}</b>{v}</div>" for k, v in stats.items())
    reason = f"<p>{_e(result['reason'])}</p>" if result.get("reason") else ""
    return (
        f"<header><h1>{_e(task.get('id') or result.get('task_id') or folder.name)}</h1>"
        f'<div class="instr">{_e(task.get("instruction") or result.get("instruction", ""))}'
        f'</div><div class="stats">{grid}</div>{reason}</header>'
    )


def build_report(folder: Path) -> str:
    """The report's HTML for an episode folder (ours or OSWorld's)."""
    folder = Path(folder)
    records = load_steps(folder)
    shots = _Shots(folder)
    # step_0_<ts> files are screens observed outside a step: before the first action, or
    # after steps that took no screenshot. Each one counts from its timestamp on.
    observed = [
        (p.stem.removeprefix("step_0_"), p)
        for p in sorted(folder.glob("step_0_*"))
        if p.suffix.lower() in IMAGE_SUFFIXES
    ]
    screen: Path | None = None  # what the screen showed before each step
    pos: tuple[float, float] | None = None  # the mouse, for drags that start where it is
    cards = []
    for rec in records:
        while observed and observed[0][0] <= rec.action_timestamp:
            screen = observed.pop(0)[1]
        marks, pos = _marks(rec, pos)
        after = shots.find(rec.screenshot_file)
        shown, caption = (
            (screen, "screen the action was aimed at") if screen else (after, "screen after this step")
        )
        shot = shots.get(shown) if shown else None
        cards.append(_card(rec, _svg(shot, marks) if shot else "", shown, caption))
        screen = after or screen
    last = shots.get(screen) if screen and records else None
    final = f'<section class="final"><h2>Final screen</h2>{_svg(last, [])}</section>' if last else ""
    defs = (
        '<svg width="0" height="0" style="position:absolute"><defs>'
        '<marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5" '
        'markerHeight="5" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
        f'fill="#e11d48"/></marker>{"".join(shots.defs)}</defs></svg>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(folder.name)} · deskpilot episode</title><style>{CSS}</style></head>"
        f"<body>{defs}<main>{_header(folder, records)}{''.join(cards)}{final}</main>"
        "</body></html>"
    )


def write_report(folder: Path) -> Path:
    """Build folder/report.html (atomically) and return its path."""
    path = Path(folder) / "report.html"
    write_atomic(path, build_report(folder))
    return path
